"""The human-readable timeline of plans and inspections (`InspectionEvent`)."""

from __future__ import annotations

from typing import Any

from anjian.core import audit
from anjian.inspections.models import Inspection, InspectionEvent, InspectionPlan


def record_event(
    type_: str,
    *,
    actor: Any,
    plan: InspectionPlan | None = None,
    inspection: Inspection | None = None,
    **params: Any,
) -> InspectionEvent:
    """Add a line to the timeline of a plan and/or an inspection; `params` are stored as plain JSON."""
    return InspectionEvent.objects.create(
        type=type_, actor=actor, plan=plan, inspection=inspection, params=audit._plain(params)
    )
