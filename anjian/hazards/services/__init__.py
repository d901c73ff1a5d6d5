"""Writes of the hazard closed loop (DOMAIN.md §4). Pages, API, inspections, monitoring and jobs call
these functions: `from anjian.hazards import services`.

Each action: capability by role (hazards.permissions) and jurisdiction (the hazard is re-read through
`for_user(actor)` and locked with SELECT … FOR UPDATE, so concurrent transitions leave exactly one
result), a state guard that raises ConflictError (409) with the reason in Chinese, `full_clean()`,
save, an audit link with before/after values, a line on the hazard's timeline and notifications
(inbox rows now, outside channels on commit). Nothing is deleted: a wrong hazard is voided with a reason.

One module per concern: registration (register, edit, photos), workflow (the loop's transitions and
voiding), extensions (deadline extensions), governance (grading, the 重大 plan, listed supervision);
guards and records hold what every action shares (scoped, locked reads; timeline lines and notices).
"""

from anjian.hazards.services.extensions import decide_extension, request_extension
from anjian.hazards.services.governance import (
    add_progress_report,
    confirm_level,
    lift_supervision,
    list_supervision,
    submit_governance_plan,
)
from anjian.hazards.services.guards import NOT_FOUND, STATE_LABELS
from anjian.hazards.services.records import hazard_link
from anjian.hazards.services.registration import (
    CREATE_FIELDS,
    EDITABLE_FIELDS,
    SUGGESTED_DAYS,
    SUGGESTED_DAYS_MAJOR,
    add_photos,
    create_hazard,
    create_hazard_from_result,
    result_defaults,
    suggested_deadline,
    update_hazard,
)
from anjian.hazards.services.workflow import (
    start_rectification,
    submit_rectification,
    verify,
    void_hazard,
)

__all__ = [
    "CREATE_FIELDS",
    "EDITABLE_FIELDS",
    "NOT_FOUND",
    "STATE_LABELS",
    "SUGGESTED_DAYS",
    "SUGGESTED_DAYS_MAJOR",
    "add_photos",
    "add_progress_report",
    "confirm_level",
    "create_hazard",
    "create_hazard_from_result",
    "decide_extension",
    "hazard_link",
    "lift_supervision",
    "list_supervision",
    "request_extension",
    "result_defaults",
    "start_rectification",
    "submit_governance_plan",
    "submit_rectification",
    "suggested_deadline",
    "update_hazard",
    "verify",
    "void_hazard",
]
