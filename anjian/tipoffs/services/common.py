"""What every tip-off service shares: the transition table, scoped fetch, timeline lines, snapshots
without identity, step deadlines and the people to notify."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError
from anjian.org.choices import Role
from anjian.org.permissions import require
from anjian.tipoffs.choices import TipEventType, TipStatus
from anjian.tipoffs.models import PROTECTED_FIELDS, TipEvent, Tipoff

S = TipStatus

# action → the states it may start from. Anything else is a 409 (ConflictError).
TRANSITIONS: dict[str, frozenset[str]] = {
    "accept": frozenset({S.RECEIVED}),
    "reject": frozenset({S.RECEIVED}),
    "assign": frozenset({S.ACCEPTED, S.ASSIGNED}),
    "verify": frozenset({S.ASSIGNED}),
    "handle": frozenset({S.VERIFIED_TRUE}),
    "decide_reward": frozenset({S.HANDLED}),
    "approve_reward": frozenset({S.REWARD_DECIDED}),
    "pay_reward": frozenset({S.REWARD_DECIDED}),
    "close": frozenset({S.VERIFIED_FALSE, S.HANDLED, S.REWARD_PAID}),
    "feedback": frozenset(set(S.values) - {S.MERGED, S.RECEIVED}),
    "merge": frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED}),
    "dismiss_duplicate": frozenset({S.RECEIVED, S.ACCEPTED, S.ASSIGNED}),
}

ACTION_LABELS = {
    "accept": "受理",
    "reject": "不予受理",
    "assign": "交办核查",
    "verify": "登记核查结果",
    "handle": "登记处理结果",
    "decide_reward": "决定奖励",
    "approve_reward": "审批奖励",
    "pay_reward": "登记奖励发放",
    "close": "办结",
    "feedback": "答复举报人",
    "merge": "合并为同一事项",
    "dismiss_duplicate": "排除重复",
}


def check_transition(tip: Tipoff, action: str) -> None:
    """Refuse an action the tip's current state does not allow (409 with the reason)."""
    if tip.status not in TRANSITIONS[action]:
        raise ConflictError(
            f"举报当前状态为「{tip.get_status_display()}」，不能执行「{ACTION_LABELS[action]}」。"
        )


def tip_for(actor: Any, tip_id: int, capability: str, *, lock: bool = True) -> Tipoff:
    """The tip as the actor may see it (404 outside the scope), locked for the write, then the capability."""
    qs: QuerySet[Tipoff] = Tipoff.objects.for_user(actor)
    if lock:
        qs = qs.select_for_update()
    tip = get_object_or_404(qs, pk=tip_id)
    require(actor, capability)
    return tip


def snapshot(tip: Tipoff) -> dict[str, Any]:
    """Audit snapshot of a tip without the sealed identity or the secret digest."""
    return audit.snapshot(tip, exclude=PROTECTED_FIELDS)


def add_event(tip: Tipoff, type: str, *, actor: Any = None, **params: Any) -> TipEvent:
    """Append a timeline line (params must never carry identity)."""
    return TipEvent.objects.create(
        tip=tip,
        type=type,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        params={k: v for k, v in params.items() if v not in (None, "")},
    )


def step_deadline(status: str, start: dt.datetime | None = None) -> dt.datetime | None:
    """The deadline of the step a tip has just entered (None for states without one)."""
    days = settings.TIPOFF_STEP_DAYS.get(status)
    if not days:
        return None
    return (start or timezone.now()) + dt.timedelta(days=days)


def enter(tip: Tipoff, status: str, now: dt.datetime | None = None) -> None:
    """Move the tip to `status` and start that step's clock."""
    now = now or timezone.now()
    tip.status = status
    tip.status_changed_at = now
    tip.due_at = step_deadline(status, now)


def tip_link(tip: Tipoff) -> str:
    return reverse("tipoffs:detail", args=[tip.pk])


def tip_officers() -> QuerySet[Any]:
    from anjian.org.models import User

    return User.objects.filter(role=Role.TIP_OFFICER, is_active=True)


def street_admins() -> QuerySet[Any]:
    from anjian.org.models import User

    return User.objects.filter(role=Role.STREET_ADMIN, is_active=True)


def assignees(tip: Tipoff) -> list[Any]:
    """The people who must verify an assigned tip: the grid's inspectors, the community's workers,
    or the department's staff."""
    from anjian.org.models import User

    users = User.objects.filter(is_active=True)
    if tip.assigned_grid_id:
        return list(users.filter(role=Role.GRID_INSPECTOR, grid_id=tip.assigned_grid_id))
    if tip.assigned_community_id:
        return list(users.filter(role=Role.COMMUNITY_WORKER, community_id=tip.assigned_community_id))
    if tip.assigned_department_id:
        return list(users.filter(department_id=tip.assigned_department_id))
    return []


def local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


def public_event_text(status: str) -> str:
    from anjian.tipoffs.choices import PUBLIC_NOTES

    return PUBLIC_NOTES.get(status, "")  # type: ignore[call-overload]


__all__ = [
    "ACTION_LABELS",
    "TRANSITIONS",
    "TipEventType",
    "add_event",
    "assignees",
    "check_transition",
    "enter",
    "local",
    "snapshot",
    "street_admins",
    "tip_for",
    "tip_link",
    "tip_officers",
]
