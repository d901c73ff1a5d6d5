"""Scoped reads of the tip-off app: lists, map points, the timeline, what each user may do now,
the status a reporter reads, and the statistics."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.db import models
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from anjian.core.uploads import attachments_of
from anjian.org.models import Community
from anjian.org.permissions import can
from anjian.tipoffs.choices import (
    CLOSED_STATUSES,
    PUBLIC_EVENT_TYPES,
    STATUS_COLOURS,
    TipStatus,
)
from anjian.tipoffs.models import Reward, TipCategory, TipEvent, Tipoff
from anjian.tipoffs.services.common import TRANSITIONS

# Which capability each workflow action needs (the services check it again).
ACTION_CAPABILITIES = {
    "accept": "tipoff.triage",
    "reject": "tipoff.triage",
    "assign": "tipoff.triage",
    "verify": "tipoff.verify",
    "handle": "tipoff.triage",
    "feedback": "tipoff.triage",
    "decide_reward": "tipoff.reward_decide",
    "approve_reward": "tipoff.reward_approve",
    "pay_reward": "tipoff.reward_pay",
    "close": "tipoff.triage",
    "merge": "tipoff.triage",
    "dismiss_duplicate": "tipoff.triage",
}


def tips_for(user: Any) -> QuerySet[Tipoff]:
    """Tips the user may see, with what list pages show (fixed number of queries)."""
    return Tipoff.objects.for_user(user).select_related(
        "category", "community", "enterprise", "assigned_community", "assigned_grid", "assigned_department"
    )


def overdue_q(now: dt.datetime | None = None) -> Q:
    """Tips past the current step's deadline, or past the deadline to answer the reporter."""
    now = now or timezone.now()
    step = Q(due_at__lt=now) & ~Q(status__in=list(CLOSED_STATUSES))
    feedback = Q(feedback_due_at__lt=now, feedback_at__isnull=True) & ~Q(status=TipStatus.MERGED)
    return step | feedback


def status_counts(qs: QuerySet[Tipoff]) -> dict[str, int]:
    counts: dict[str, int] = Counter()
    for status in qs.order_by().values_list("status", flat=True):
        counts[status] += 1
    counts["total"] = sum(counts.values())
    counts["open"] = counts["total"] - sum(counts.get(s, 0) for s in CLOSED_STATUSES)
    return dict(counts)


def available_actions(tip: Tipoff, user: Any) -> list[str]:
    """The workflow actions this user may take on the tip now."""
    actions = []
    for action, capability in ACTION_CAPABILITIES.items():
        if tip.status not in TRANSITIONS[action] or not can(user, capability):
            continue
        if action == "dismiss_duplicate" and tip.duplicate_suspect_id is None:
            continue
        if action == "approve_reward":
            reward = getattr(tip, "reward", None)
            if reward is None or reward.is_approved or reward.decided_by_id == user.pk:
                continue
        if action == "pay_reward":
            reward = getattr(tip, "reward", None)
            if reward is None or not reward.is_approved:
                continue
        if action == "close" and tip.feedback_at is None:
            continue
        actions.append(action)
    return actions


def timeline_of(tip: Tipoff) -> QuerySet[TipEvent]:
    return tip.events.select_related("actor").order_by("-at", "-id")


def photos_of(owner: models.Model) -> list[Any]:
    """Uploads of a tip (photos) or of a reward (receipts), oldest first."""
    return list(attachments_of(owner))


def reward_of(tip: Tipoff) -> Reward | None:
    return (
        Reward.objects.filter(tip=tip)
        .select_related("rule", "beneficiary", "decided_by", "approved_by")
        .first()
    )


def merged_group(tip: Tipoff) -> list[Tipoff]:
    """The other reports of the same matter (merged into this one, or this one's target and siblings)."""
    root = tip.merged_into or tip
    group = [root, *Tipoff.objects.filter(merged_into=root).order_by("received_at")]
    return [t for t in group if t.pk != tip.pk]


def map_points(qs: QuerySet[Tipoff]) -> list[dict[str, Any]]:
    """Tips with a position, for the office map (no description, no identity)."""
    points = []
    for t in qs.filter(lat__isnull=False, lng__isnull=False).order_by("-received_at")[:2000]:
        points.append(
            {
                "id": t.pk,
                "code": t.code,
                "lat": t.lat,
                "lng": t.lng,
                "status": t.status,
                "status_label": t.get_status_display(),
                "colour": STATUS_COLOURS.get(t.status, "secondary"),  # type: ignore[call-overload]
                "category": t.category.name,
                "received": timezone.localtime(t.received_at).strftime("%Y-%m-%d"),
                "url": reverse("tipoffs:detail", args=[t.pk]),
            }
        )
    return points


def boundaries() -> list[dict[str, Any]]:
    """Community boundaries (public geography: the report form draws them too)."""
    return [
        {"id": c.pk, "name": c.name, "boundary": c.boundary, "center": [c.center_lat, c.center_lng]}
        for c in Community.objects.all()
    ]


def public_view(tip: Tipoff) -> dict[str, Any]:
    """What the holder of a tip's code and secret reads: status, public timeline, feedback, reward."""
    from anjian.tipoffs.services.rewarding import reward_for_reporter

    followed = tip.merged_into if tip.status == TipStatus.MERGED and tip.merged_into else tip
    events = list(
        TipEvent.objects.filter(tip__in={tip.pk, followed.pk}, type__in=PUBLIC_EVENT_TYPES).order_by(
            "at", "id"
        )
    )
    feedback = [e for e in events if e.type == "feedback"]
    reward = reward_for_reporter(tip)
    return {
        "tip": tip,
        "followed": followed,
        "status_label": followed.get_status_display() if followed != tip else tip.get_status_display(),
        "status_colour": STATUS_COLOURS.get(followed.status, "secondary"),  # type: ignore[call-overload]
        "note": followed.public_note,
        "events": events,
        "feedback_text": followed.feedback_text or tip.feedback_text,
        "feedback_count": len(feedback),
        "reward": reward,
    }


def statistics(qs: QuerySet[Tipoff], *, months: int = 12, now: dt.datetime | None = None) -> dict[str, Any]:
    """Counts by category, community and month; handling times; reward totals — for the statistics page."""
    now = now or timezone.now()
    rows = list(
        qs.order_by().values(
            "id",
            "category__name",
            "community__name",
            "status",
            "received_at",
            "verified_at",
            "verified_true",
            "closed_at",
            "due_at",
            "feedback_due_at",
            "feedback_at",
        )
    )
    by_category: Counter[str] = Counter()
    by_community: Counter[str] = Counter()
    verify_days: list[float] = []
    close_days: list[float] = []
    true_count = false_count = overdue = 0
    month_keys = _month_keys(now, months)
    received_by_month: dict[str, int] = dict.fromkeys(month_keys, 0)
    closed_by_month: dict[str, int] = dict.fromkeys(month_keys, 0)
    for r in rows:
        by_category[r["category__name"]] += 1
        by_community[r["community__name"] or "位置待确认"] += 1
        key = timezone.localtime(r["received_at"]).strftime("%Y-%m")
        if key in received_by_month:
            received_by_month[key] += 1
        if r["closed_at"] and r["status"] != TipStatus.MERGED:
            ckey = timezone.localtime(r["closed_at"]).strftime("%Y-%m")
            if ckey in closed_by_month:
                closed_by_month[ckey] += 1
            close_days.append((r["closed_at"] - r["received_at"]).total_seconds() / 86400)
        if r["verified_at"]:
            verify_days.append((r["verified_at"] - r["received_at"]).total_seconds() / 86400)
            if r["verified_true"]:
                true_count += 1
            else:
                false_count += 1
        step_late = r["due_at"] and r["due_at"] < now and r["status"] not in CLOSED_STATUSES
        fb_late = r["feedback_due_at"] and not r["feedback_at"] and r["feedback_due_at"] < now
        if step_late or (fb_late and r["status"] != TipStatus.MERGED):
            overdue += 1
    rewards = Reward.objects.filter(tip__in=qs.values("pk"))
    decided = paid = Decimal(0)
    decided_n = paid_n = 0
    paid_by_month: dict[str, Decimal] = defaultdict(Decimal)
    for amount, paid_amount, paid_on in rewards.values_list("amount", "paid_amount", "paid_on"):
        decided += amount
        decided_n += 1
        if paid_on:
            paid += paid_amount or Decimal(0)
            paid_n += 1
            paid_by_month[paid_on.strftime("%Y-%m")] += paid_amount or Decimal(0)
    categories = [c.name for c in TipCategory.objects.all()]
    return {
        "total": len(rows),
        "open": sum(1 for r in rows if r["status"] not in CLOSED_STATUSES),
        "overdue": overdue,
        "verified_true": true_count,
        "verified_false": false_count,
        "true_rate": round(100 * true_count / (true_count + false_count))
        if (true_count + false_count)
        else None,
        "avg_verify_days": round(sum(verify_days) / len(verify_days), 1) if verify_days else None,
        "avg_close_days": round(sum(close_days) / len(close_days), 1) if close_days else None,
        "reward_decided": decided,
        "reward_decided_count": decided_n,
        "reward_paid": paid,
        "reward_paid_count": paid_n,
        "by_category": [{"name": n, "value": by_category.get(n, 0)} for n in categories],
        "by_community": [{"name": n, "value": v} for n, v in by_community.most_common()],
        "months": month_keys,
        "received_by_month": [received_by_month[k] for k in month_keys],
        "closed_by_month": [closed_by_month[k] for k in month_keys],
        "paid_by_month": [float(paid_by_month.get(k, 0)) for k in month_keys],
    }


def _month_keys(now: dt.datetime, months: int) -> list[str]:
    local = timezone.localtime(now)
    year, month = local.year, local.month
    keys = []
    for _ in range(months):
        keys.append(f"{year:04d}-{month:02d}")
        month -= 1
        if month == 0:
            year, month = year - 1, 12
    return list(reversed(keys))
