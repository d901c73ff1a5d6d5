from anjian.org.models.assignments import Assignment, Meeting, MeetingDecision, Visit
from anjian.org.models.people import User
from anjian.org.models.structure import Community, Department, Grid, Street

__all__ = [
    "Assignment",
    "Community",
    "Department",
    "Grid",
    "Meeting",
    "MeetingDecision",
    "Street",
    "User",
    "Visit",
]
