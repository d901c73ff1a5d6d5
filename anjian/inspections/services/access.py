"""Who may see and handle what: reads re-done through the actor's scope, the office check, plan handlers."""

from __future__ import annotations

from typing import Any

from anjian.inspections.models import InspectionPlan
from anjian.org.permissions import can
from anjian.org.services.base import NOT_FOUND
from anjian.org.services.base import scoped as fetch

__all__ = ["NOT_FOUND", "fetch", "is_office", "may_handle_plan"]


def is_office(user: Any) -> bool:
    """Street office staff manage checklists and every plan; others handle their own."""
    return can(user, "checklist.manage")


def may_handle_plan(actor: Any, plan: InspectionPlan) -> bool:
    """The office, the plan's inspector and its co-inspectors may change, cancel and perform a plan."""
    if is_office(actor) or plan.inspector_id == actor.pk:
        return True
    return plan.co_inspectors.filter(pk=actor.pk).exists()
