"""What every hazard action does first: re-read what it acts on through the actor's scope (404 outside
it; the hazard locked with SELECT … FOR UPDATE until commit), and name the current state when a
transition is refused."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import Http404

from anjian.core.scoping import jurisdiction_of
from anjian.hazards.choices import State
from anjian.hazards.models import Hazard

NOT_FOUND = "对象不存在或无权访问。"
STATE_LABELS = {s.value: str(s.label) for s in State}


def acting_user(actor: Any) -> Any:
    """The actor as stored on rows (created_by, timeline): None for a job or the system."""
    return actor if getattr(actor, "is_authenticated", False) else None


def scoped_get(qs: Any, obj: Any) -> Any:
    """`obj` (an instance or a pk) read through the scoped queryset `qs`: 404 when it is not there."""
    pk = obj.pk if isinstance(obj, models.Model) else obj
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def locked_hazard(actor: Any, hazard: Hazard | int) -> Hazard:
    """The hazard re-read through the actor's scope (404 outside it) and locked until commit."""
    if jurisdiction_of(actor).level == "none":
        raise Http404(NOT_FOUND)
    h: Hazard = scoped_get(Hazard.objects.for_user(actor).select_for_update(), hazard)
    return h


def current_state(h: Hazard) -> str:
    """The current state in words (当前状态为“…”), for the reason of a refused transition."""
    return f"当前状态为“{STATE_LABELS.get(h.state, h.state)}”"
