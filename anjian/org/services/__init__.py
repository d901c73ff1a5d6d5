"""Every write of the organisation app: one function per business action (see DESIGN.md, "Writes go through
services"). Views, API, imports and jobs call these."""

from anjian.org.services.activity import (
    mark_decision_done,
    record_meeting,
    record_visit,
    void_meeting,
    void_visit,
)
from anjian.org.services.assignments import (
    OutOfRangeError,
    RangeCheck,
    check_range,
    create_assignments,
    end_assignment,
    void_assignment,
)
from anjian.org.services.people import (
    create_person,
    deactivate_person,
    reactivate_person,
    reset_password,
    update_person,
)
from anjian.org.services.structure import (
    create_community,
    create_department,
    create_grid,
    update_community,
    update_department,
    update_grid,
)

__all__ = [
    "OutOfRangeError",
    "RangeCheck",
    "check_range",
    "create_assignments",
    "create_community",
    "create_department",
    "create_grid",
    "create_person",
    "deactivate_person",
    "end_assignment",
    "mark_decision_done",
    "reactivate_person",
    "record_meeting",
    "record_visit",
    "reset_password",
    "update_community",
    "update_department",
    "update_grid",
    "update_person",
    "void_assignment",
    "void_meeting",
    "void_visit",
]
