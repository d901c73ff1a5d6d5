"""The periodic sweep: reminders before a step's deadline, overdue notices after it, the reporter's
feedback clock, and the clean-up of spent challenges. Idempotent: notices carry dedupe keys and the
overdue timeline line is written once per step."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from anjian.core import audit
from anjian.notifications.choices import Level
from anjian.notifications.services import notify
from anjian.tipoffs.challenge import MAX_AGE_SECONDS
from anjian.tipoffs.choices import CLOSED_STATUSES, TipEventType, TipStatus
from anjian.tipoffs.models import SpentChallenge, TipEvent, Tipoff
from anjian.tipoffs.services.common import assignees, local, tip_link, tip_officers

REMIND_BEFORE = dt.timedelta(days=1)


@dataclass
class SweepReport:
    reminders: int = 0
    overdue: int = 0
    feedback_reminders: int = 0
    feedback_overdue: int = 0
    challenges_removed: int = 0


def _people(tip: Tipoff) -> list[Any]:
    people = list(tip_officers())
    if tip.status == TipStatus.ASSIGNED:
        people += assignees(tip)
    return people


@transaction.atomic
def sweep(now: dt.datetime | None = None) -> SweepReport:
    """Run hourly (anjian/config/schedules.py); safe to run again at any time."""
    now = now or timezone.now()
    report = SweepReport()
    open_tips = Tipoff.objects.exclude(status__in=CLOSED_STATUSES).select_related(
        "category", "assigned_community", "assigned_grid", "assigned_department"
    )
    for tip in open_tips.filter(due_at__isnull=False, due_at__lt=now + REMIND_BEFORE):
        step = tip.get_status_display()
        if tip.due_at and tip.due_at < now:
            already = TipEvent.objects.filter(
                tip=tip, type=TipEventType.OVERDUE, params__status=tip.status
            ).exists()
            if not already:
                summary = f"「{step}」环节超过期限 {local(tip.due_at)}"
                TipEvent.objects.create(
                    tip=tip, type=TipEventType.OVERDUE, params={"status": tip.status, "summary": summary}
                )
                audit.record(actor=None, action="tipoff.overdue", obj=tip, note=summary)
            sent = notify(
                _people(tip),
                title=f"举报 {tip.code} 已超期：{step}",
                body=f"期限 {local(tip.due_at)}，请尽快办理。",
                link=tip_link(tip),
                level=Level.DANGER,
                category="tipoff",
                dedupe_key=f"tipoff:{tip.pk}:overdue:{tip.status}",
            )
            report.overdue += bool(sent) or not already
        else:
            sent = notify(
                _people(tip),
                title=f"举报 {tip.code} 即将到期：{step}",
                body=f"请在 {local(tip.due_at)} 前办理。",
                link=tip_link(tip),
                level=Level.WARNING,
                category="tipoff",
                dedupe_key=f"tipoff:{tip.pk}:due:{tip.status}",
            )
            report.reminders += bool(sent)
    pending = Tipoff.objects.filter(
        feedback_due_at__isnull=False, feedback_at__isnull=True, feedback_due_at__lt=now + REMIND_BEFORE
    ).exclude(status=TipStatus.MERGED)
    for tip in pending:
        late = tip.feedback_due_at is not None and tip.feedback_due_at < now
        sent = notify(
            tip_officers(),
            title=f"举报 {tip.code} {'答复举报人已超期' if late else '需在一天内答复举报人'}",
            body=f"核查已于 {local(tip.verified_at)} 结束，答复期限 {local(tip.feedback_due_at)}。",
            link=tip_link(tip),
            level=Level.DANGER if late else Level.WARNING,
            category="tipoff",
            dedupe_key=f"tipoff:{tip.pk}:feedback:{'late' if late else 'soon'}",
        )
        if late:
            report.feedback_overdue += bool(sent)
        else:
            report.feedback_reminders += bool(sent)
    cutoff = now - dt.timedelta(seconds=MAX_AGE_SECONDS * 2)
    report.challenges_removed, _ = SpentChallenge.objects.filter(spent_at__lt=cutoff).delete()
    return report
