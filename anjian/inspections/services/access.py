"""Who may see and handle what: reads re-done through the actor's scope, the office check, plan handlers."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

from anjian.inspections.models import InspectionPlan
from anjian.org.permissions import can

M = TypeVar("M", bound=models.Model)

NOT_FOUND = "对象不存在或无权访问。"


def is_office(user: Any) -> bool:
    """Street office staff manage checklists and every plan; others handle their own."""
    return can(user, "checklist.manage")


def fetch(model: type[M], obj_or_pk: Any, actor: Any, *, lock: bool = False, field: str = "") -> M:
    """Re-read `obj_or_pk` through `for_user(actor)`: outside the actor's scope it does not exist.

    With `field`, a missing object becomes a validation error on that field (forms, API payloads)."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    qs = model.objects.for_user(actor)  # type: ignore[attr-defined]
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)  # type: ignore[no-any-return]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        if field:
            label = model._meta.verbose_name
            raise ValidationError({field: f"所选{label}不存在或不在您的管辖范围内。"}) from None
        raise Http404(NOT_FOUND) from None


def may_handle_plan(actor: Any, plan: InspectionPlan) -> bool:
    """The office, the plan's inspector and its co-inspectors may change, cancel and perform a plan."""
    if is_office(actor) or plan.inspector_id == actor.pk:
        return True
    return plan.co_inspectors.filter(pk=actor.pk).exists()
