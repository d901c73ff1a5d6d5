"""Every write of the inspections app: checklist versions, plans (from assignments, grid rounds and the
street office) and whole inspections submitted from a phone (idempotent by client_uuid).

One module per aggregate; callers import from here: `from anjian.inspections import services`."""

from anjian.inspections.services.access import NOT_FOUND, fetch, is_office, may_handle_plan
from anjian.inspections.services.checklists import (
    MAX_ITEMS,
    create_template,
    default_template_for,
    publish_version,
)
from anjian.inspections.services.inspections import (
    MAX_PHOTOS_PER_ITEM,
    MAX_PHOTOS_TOTAL,
    submit_inspection,
    void_inspection,
)
from anjian.inspections.services.plans import (
    cancel_plan,
    create_plan,
    generate_assignment_plans,
    plan_grid_round,
    update_plan,
    week_of,
)

__all__ = [
    "MAX_ITEMS",
    "MAX_PHOTOS_PER_ITEM",
    "MAX_PHOTOS_TOTAL",
    "NOT_FOUND",
    "cancel_plan",
    "create_plan",
    "create_template",
    "default_template_for",
    "fetch",
    "generate_assignment_plans",
    "is_office",
    "may_handle_plan",
    "plan_grid_round",
    "publish_version",
    "submit_inspection",
    "update_plan",
    "void_inspection",
    "week_of",
]
