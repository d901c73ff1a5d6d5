"""Deadlines of the hazard loop, run daily by the periodic job in anjian/config/schedules.py.

- reminders HAZARD_REMINDER_DAYS before the deadline and on the day itself (to the enterprise);
- overdue hazards flagged once per deadline (timeline + enterprise told);
- escalation of an overdue hazard: grid inspector → community workers → street office, each step after
  HAZARD_ESCALATE_*_DAYS days past the deadline;
- progress reports of listed (挂牌督办) hazards reminded when one is due.
Each notice is recorded as a timeline event with a key (hazard, deadline, step), so running the job
twice — or on two workers — sends nothing twice. Functions take `today` so tests control the clock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from anjian.core import audit
from anjian.core.context import origin
from anjian.hazards import recipients
from anjian.hazards.choices import OPEN_STATES, UNFINISHED_STATES, HazardEventType
from anjian.hazards.models import Hazard, HazardEvent
from anjian.hazards.services import hazard_link
from anjian.notifications.choices import Level as NoticeLevel
from anjian.notifications.services import notify

T = HazardEventType


@dataclass
class Step:
    """One rung of the escalation ladder."""

    code: str
    label: str
    after_days: int
    who: Callable[[Hazard], list[Any]]


def escalation_steps() -> list[Step]:
    return [
        Step("grid", "安格员", settings.HAZARD_ESCALATE_GRID_DAYS, recipients.field_team),
        Step("community", "社区", settings.HAZARD_ESCALATE_COMMUNITY_DAYS, recipients.community_workers),
        Step(
            "office", "街道安委办", settings.HAZARD_ESCALATE_OFFICE_DAYS, lambda h: recipients.street_office()
        ),
    ]


def _sent_keys(hazard_ids: list[int], types: list[str]) -> set[str]:
    keys: set[str] = set()
    for params in HazardEvent.objects.filter(hazard_id__in=hazard_ids, type__in=types).values_list(
        "params", flat=True
    ):
        if isinstance(params, dict) and params.get("key"):
            keys.add(params["key"])
    return keys


def _once(
    h: Hazard,
    kind: str,
    key: str,
    now: dt.datetime,
    tell: Callable[[Hazard], None],
    states: tuple[str, ...] = OPEN_STATES,
    **params: Any,
) -> bool:
    """Under the hazard's row lock: record the event and tell people, unless `key` was done already."""
    with transaction.atomic():
        locked = Hazard.objects.select_for_update(of=("self",)).select_related("enterprise").get(pk=h.pk)
        if locked.state not in states or locked.current_deadline != h.current_deadline:
            return False  # changed since it was selected
        if HazardEvent.objects.filter(hazard=locked, type=kind, params__key=key).exists():
            return False
        HazardEvent.objects.create(hazard=locked, type=kind, at=now, params={"key": key, **params})
        tell(locked)
    return True


def _notify(people: list[Any], h: Hazard, title: str, body: str, key: str, level: str) -> None:
    notify(
        people,
        title=title,
        body=f"{h.enterprise.name} · {h.code}：{body}",
        link=hazard_link(h),
        level=level,
        category="hazard",
        dedupe_key=key,
        channels=settings.HAZARD_NOTIFY_CHANNELS,
    )


def send_reminders(today: dt.date, now: dt.datetime) -> int:
    """Remind the enterprise HAZARD_REMINDER_DAYS days before the deadline and on the day itself."""
    days_before = settings.HAZARD_REMINDER_DAYS
    due = [today, today + dt.timedelta(days=days_before)]
    hazards = list(
        Hazard.objects.filter(state__in=OPEN_STATES, current_deadline__in=due).select_related("enterprise")
    )
    done = _sent_keys([h.pk for h in hazards], [T.REMINDER])
    sent = 0
    for h in hazards:
        left = (h.current_deadline - today).days
        key = f"hazard:{h.pk}:reminder:{h.current_deadline}:{left}"
        if key in done:
            continue
        title = f"整改期限今天到期：{h.title}" if left == 0 else f"整改期限还有 {left} 天：{h.title}"
        body = f"整改期限 {h.current_deadline:%Y-%m-%d}，请按时完成整改并提交整改材料。"

        def tell(x: Hazard, title: str = title, body: str = body, key: str = key) -> None:
            _notify(recipients.enterprise_officers(x), x, title, body, key, NoticeLevel.WARNING)

        sent += _once(h, T.REMINDER, key, now, tell, days_left=left, deadline=str(h.current_deadline))
    return sent


def flag_overdue(today: dt.date, now: dt.datetime) -> int:
    """Mark each hazard past its deadline as overdue once per deadline and tell the enterprise."""
    hazards = list(
        Hazard.objects.filter(state__in=OPEN_STATES, current_deadline__lt=today).select_related("enterprise")
    )
    done = _sent_keys([h.pk for h in hazards], [T.OVERDUE])
    flagged = 0
    for h in hazards:
        key = f"hazard:{h.pk}:overdue:{h.current_deadline}"
        if key in done:
            continue

        def tell(x: Hazard, key: str = key) -> None:
            _notify(
                recipients.enterprise_officers(x),
                x,
                f"隐患整改已逾期：{x.title}",
                f"整改期限 {x.current_deadline:%Y-%m-%d} 已过，请立即整改；逾期将逐级上报。",
                key,
                NoticeLevel.DANGER,
            )

        flagged += _once(h, T.OVERDUE, key, now, tell, deadline=str(h.current_deadline))
    return flagged


def escalate(today: dt.date, now: dt.datetime) -> int:
    """Tell the next rung of the ladder about each overdue hazard once its days past the deadline reach it."""
    steps = escalation_steps()
    first = min(s.after_days for s in steps)
    latest_deadline = today - dt.timedelta(days=first)
    hazards = list(
        Hazard.objects.filter(state__in=OPEN_STATES, current_deadline__lte=latest_deadline).select_related(
            "enterprise"
        )
    )
    done = _sent_keys([h.pk for h in hazards], [T.ESCALATED])
    sent = 0
    for h in hazards:
        days = (today - h.current_deadline).days
        for step in steps:
            if days < step.after_days:
                break
            key = f"hazard:{h.pk}:escalate:{h.current_deadline}:{step.code}"
            if key in done:
                continue

            def tell(x: Hazard, step: Step = step, key: str = key, days: int = days) -> None:
                _notify(
                    step.who(x),
                    x,
                    f"隐患逾期 {days} 天未整改：{x.title}",
                    f"整改期限 {x.current_deadline:%Y-%m-%d}，责任人 {x.responsible_name or '未填写'}。请督促整改。",
                    key,
                    NoticeLevel.DANGER,
                )

            sent += _once(h, T.ESCALATED, key, now, tell, step=step.code, to=step.label, days=days)
    return sent


def remind_progress_reports(today: dt.date, now: dt.datetime) -> int:
    """For listed hazards: remind the enterprise when a progress report is due (every N days)."""
    from anjian.hazards.models import ListedSupervision

    sent = 0
    sups = list(
        ListedSupervision.objects.filter(lifted_at__isnull=True, hazard__state__in=UNFINISHED_STATES)
        .select_related("hazard__enterprise")
        .annotate(last_report=Max("reports__reported_at"))
    )
    for sup in sups:
        last = getattr(sup, "last_report", None) or sup.listed_at
        due = timezone.localtime(last).date() + dt.timedelta(days=sup.report_every_days)
        if due > today:
            continue
        h = sup.hazard
        key = f"hazard:{h.pk}:progress:{sup.pk}:{due}"

        def tell(x: Hazard, key: str = key, due: dt.date = due) -> None:
            _notify(
                recipients.enterprise_officers(x),
                x,
                f"请报送挂牌督办进展：{x.title}",
                f"本期进展应于 {due:%Y-%m-%d} 前报送。",
                key,
                NoticeLevel.WARNING,
            )

        sent += _once(h, T.REMINDER, key, now, tell, states=UNFINISHED_STATES, progress_due=str(due))
    return sent


def run_daily(today: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Everything the daily job does; safe to run any number of times a day."""
    now = now or timezone.now()
    today = today or timezone.localtime(now).date()
    with origin("job"):
        result = {
            "reminders": send_reminders(today, now),
            "overdue": flag_overdue(today, now),
            "escalations": escalate(today, now),
            "progress_reminders": remind_progress_reports(today, now),
        }
        if any(result.values()):
            audit.record(
                actor=None,
                action="hazard.deadline_job",
                object_type="hazards.hazard",
                note=f"{today:%Y-%m-%d}：" + "，".join(f"{k}={v}" for k, v in result.items()),
            )
    return result
