"""Alarm services: raised, updated and cleared by ingestion (source "ingest"), acknowledged and closed by
people, escalated by the clock, turned into a hazard. Every state change is audited and on the timeline."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any, Protocol

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Greatest, Least
from django.urls import reverse
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, ServiceError
from anjian.monitoring import conf
from anjian.monitoring.choices import AlarmEventType, AlarmState, EscalationTier
from anjian.monitoring.models import Alarm, AlarmEvent
from anjian.monitoring.permissions import require
from anjian.monitoring.services.common import scoped

OPEN = ~Q(state=AlarmState.CLOSED)


class DeviceRef(Protocol):
    """What the alarm services need to know about a device (a Device row or the ingest registry's entry)."""

    id: int
    enterprise_id: int
    community_id: int
    grid_id: int | None


def _event(alarm: Alarm, kind: str, actor: Any = None, at: dt.datetime | None = None, **params: Any) -> None:
    AlarmEvent.objects.create(
        alarm=alarm,
        type=kind,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        at=at or timezone.now(),
        params=params,
    )


def _open_alarm(device_id: int, rule_id: int, *, lock: bool = True) -> Alarm | None:
    qs = Alarm.objects.filter(OPEN, device_id=device_id, rule_id=rule_id)
    if lock:
        qs = qs.select_for_update()
    return qs.first()


# ------------------------------------------------------------------------------------------ from ingestion
def ingest_raise(
    device: DeviceRef,
    rule_id: int,
    *,
    level: int,
    value: float | None,
    at: dt.datetime,
    message: str,
    metric: str = "",
) -> Alarm:
    """A rule's condition began: open an alarm, or reactivate the open one (repeat counter +1)."""
    alarm = _open_alarm(device.id, rule_id)
    if alarm is None:
        alarm = Alarm(
            device_id=device.id,
            rule_id=rule_id,
            enterprise_id=device.enterprise_id,
            community_id=device.community_id,
            grid_id=device.grid_id,
            level=level,
            state=AlarmState.ACTIVE,
            metric=metric,
            value=value,
            peak_value=value,
            message=message[:300],
            first_at=at,
            last_at=at,
        )
        try:
            with transaction.atomic():
                alarm.save(force_insert=True)
        except IntegrityError:
            # Another process opened it a moment ago: this is a repeat of that alarm.
            existing = _open_alarm(device.id, rule_id)
            if existing is None:
                raise
            return _reactivate(existing, level=level, value=value, at=at, message=message)
        _event(alarm, AlarmEventType.RAISED, at=at, level=level, value=value, summary=message)
        audit.record(actor=None, action="alarm.raise", obj=alarm, after=audit.snapshot(alarm))
        alarm_id = alarm.pk
        transaction.on_commit(_notifier(alarm_id, int(EscalationTier.GRID)))
        return alarm
    if alarm.state == AlarmState.CLEARED:
        return _reactivate(alarm, level=level, value=value, at=at, message=message)
    _apply_update(alarm, level=level, value=value, at=at, message=message)
    return alarm


def _reactivate(alarm: Alarm, *, level: int, value: float | None, at: dt.datetime, message: str) -> Alarm:
    before = audit.snapshot(alarm)
    if alarm.state == AlarmState.CLEARED:
        alarm.state = AlarmState.ACKNOWLEDGED if alarm.acknowledged_at else AlarmState.ACTIVE
        alarm.cleared_at = None
        alarm.repeat_count += 1
    alarm.level = max(alarm.level, level)
    alarm.value = value
    alarm.peak_value = _extreme(alarm.peak_value, value, low_side=_is_low_side(alarm, value))
    alarm.message = message[:300]
    alarm.last_at = max(alarm.last_at, at)
    alarm.version += 1
    alarm.save()
    _event(
        alarm,
        AlarmEventType.REPEATED,
        at=at,
        level=level,
        value=value,
        summary=message,
        count=alarm.repeat_count,
    )
    audit.record(
        actor=None,
        action="alarm.repeat",
        obj=alarm,
        before=before,
        after=audit.snapshot(alarm),
        only_changes=True,
    )
    alarm_id, tier = alarm.pk, alarm.escalation_level
    transaction.on_commit(_notifier(alarm_id, tier))
    return alarm


def _is_low_side(alarm: Alarm, value: float | None) -> bool:
    rule = alarm.rule
    lows = [x for x in (rule.warn_low, rule.alarm_low) if x is not None]
    return bool(lows) and value is not None and value < max(lows)


def _extreme(old: float | None, new: float | None, *, low_side: bool) -> float | None:
    if new is None:
        return old
    if old is None:
        return new
    return min(old, new) if low_side else max(old, new)


def _apply_update(alarm: Alarm, *, level: int, value: float | None, at: dt.datetime, message: str) -> None:
    if level > alarm.level:
        before = audit.snapshot(alarm)
        alarm.level = level
        alarm.value = value
        alarm.peak_value = _extreme(alarm.peak_value, value, low_side=_is_low_side(alarm, value))
        alarm.message = message[:300]
        alarm.last_at = max(alarm.last_at, at)
        alarm.version += 1
        alarm.save()
        _event(alarm, AlarmEventType.LEVEL_RAISED, at=at, level=level, value=value, summary=message)
        audit.record(
            actor=None,
            action="alarm.level_raise",
            obj=alarm,
            before=before,
            after=audit.snapshot(alarm),
            only_changes=True,
        )
        alarm_id, tier = alarm.pk, alarm.escalation_level
        transaction.on_commit(_notifier(alarm_id, tier))
        return
    changes: dict[str, Any] = {"last_at": max(alarm.last_at, at), "value": value}
    if value is not None:
        changes["peak_value"] = _extreme(alarm.peak_value, value, low_side=_is_low_side(alarm, value))
    Alarm.objects.filter(pk=alarm.pk).update(**changes, version=F("version") + 1, updated_at=timezone.now())


def ingest_update(
    device: DeviceRef,
    rule_id: int,
    *,
    level: int,
    value: float | None,
    at: dt.datetime,
    message: str,
    metric: str = "",
    low_side: bool = False,
) -> None:
    """A rule's condition continues: latest value and time on the open alarm (one UPDATE), level only up.

    Without an open alarm (closed by a person while the condition lasted) a new alarm is raised."""
    changes: dict[str, Any] = {
        "last_at": at,
        "value": value,
        "version": F("version") + 1,
        "updated_at": timezone.now(),
    }
    if value is not None:
        changes["peak_value"] = (Least if low_side else Greatest)("peak_value", Value(value))
    done = (
        Alarm.objects.filter(OPEN, device_id=device.id, rule_id=rule_id, level__gte=level, last_at__lte=at)
        .exclude(state=AlarmState.CLEARED)
        .update(**changes)
    )
    if done:
        return
    ingest_raise(device, rule_id, level=level, value=value, at=at, message=message, metric=metric)


def ingest_clear(device: DeviceRef, rule_id: int, *, at: dt.datetime, note: str = "") -> Alarm | None:
    """A rule's condition ended: the open alarm becomes cleared (it still needs closing with a note)."""
    alarm = _open_alarm(device.id, rule_id)
    if alarm is None or alarm.state == AlarmState.CLEARED:
        return alarm
    before = audit.snapshot(alarm)
    alarm.state = AlarmState.CLEARED
    alarm.cleared_at = at
    alarm.version += 1
    alarm.save()
    _event(alarm, AlarmEventType.CLEARED, at=at, note=note)
    audit.record(
        actor=None,
        action="alarm.clear",
        obj=alarm,
        before=before,
        after=audit.snapshot(alarm),
        only_changes=True,
    )
    return alarm


# ------------------------------------------------------------------------------------------ by people
@transaction.atomic
def acknowledge_alarm(alarm: Alarm | int, *, actor: Any, note: str = "") -> Alarm:
    """Someone has seen the alarm and is on it (stops escalation)."""
    require(actor, "alarm.handle")
    obj = scoped(Alarm, alarm, actor, lock=True)
    if not obj.can_acknowledge:
        raise ConflictError("该报警已确认或已关闭。")
    before = audit.snapshot(obj)
    obj.acknowledged_by = actor
    obj.acknowledged_at = timezone.now()
    obj.acknowledge_note = (note or "").strip()[:300]
    if obj.state == AlarmState.ACTIVE:
        obj.state = AlarmState.ACKNOWLEDGED
    obj.version += 1
    obj.save()
    _event(obj, AlarmEventType.ACKNOWLEDGED, actor, note=obj.acknowledge_note)
    audit.record(
        actor=actor,
        action="alarm.acknowledge",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
        only_changes=True,
    )
    return obj


@transaction.atomic
def close_alarm(alarm: Alarm | int, *, actor: Any, note: str) -> Alarm:
    """Close an acknowledged or cleared alarm with the disposal note (处置情况)."""
    require(actor, "alarm.handle")
    text = (note or "").strip()
    if not text:
        raise ValidationError({"note": "请填写处置情况。"})
    obj = scoped(Alarm, alarm, actor, lock=True)
    if obj.state == AlarmState.CLOSED:
        raise ConflictError("该报警已关闭。")
    if not obj.can_close:
        raise ConflictError("请先确认报警，再填写处置情况关闭。")
    before = audit.snapshot(obj)
    now = timezone.now()
    if obj.acknowledged_at is None:
        obj.acknowledged_at, obj.acknowledged_by = now, actor
    obj.state = AlarmState.CLOSED
    obj.closed_by = actor
    obj.closed_at = now
    obj.disposal_note = text[:2000]
    obj.version += 1
    obj.save()
    _event(obj, AlarmEventType.CLOSED, actor, note=text[:300])
    audit.record(
        actor=actor,
        action="alarm.close",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
        only_changes=True,
    )
    return obj


def hazards_available() -> bool:
    """Whether the hazards capability is installed (the "转为隐患" action appears only then)."""
    if not apps.is_installed("anjian.hazards"):
        return False
    try:
        from anjian.hazards.services import create_hazard  # noqa: F401
    except ImportError:
        return False
    return True


@transaction.atomic
def alarm_to_hazard(alarm: Alarm | int, *, actor: Any, deadline: dt.date, title: str = "") -> Any:
    """Register the hazard an alarm revealed (source "监测报警", reference "alarm:<id>") and link it."""
    require(actor, "alarm.handle")
    if not hazards_available():
        raise ServiceError("隐患管理功能尚未启用。")
    from anjian.hazards.services import create_hazard

    obj = scoped(Alarm, alarm, actor, lock=True)
    if obj.hazard_ref:
        raise ConflictError("该报警已转为隐患。")
    device = obj.device
    hazard = create_hazard(
        actor=actor,
        enterprise=obj.enterprise_id,
        data={
            "title": (title or f"{device.name}{obj.get_level_display()}：{obj.message}")[:200],
            "description": (
                f"监测设备 {device.code}（{device.type.name}）于 {timezone.localtime(obj.first_at):%Y-%m-%d %H:%M:%S} "
                f"{obj.get_level_display()}：{obj.message}。峰值 {obj.peak_value if obj.peak_value is not None else '—'}，"
                f"重复 {obj.repeat_count} 次。"
            ),
            "location": device.location or device.name,
            "source_kind": "alarm",
            "source_ref": f"alarm:{obj.pk}",
        },
        deadline=deadline,
    )
    before = audit.snapshot(obj)
    obj.hazard_ref = str(hazard.pk)
    obj.version += 1
    obj.save(update_fields=["hazard_ref", "version", "updated_at"])
    _event(obj, AlarmEventType.HAZARD_CREATED, actor, summary=getattr(hazard, "code", "") or str(hazard.pk))
    audit.record(
        actor=actor,
        action="alarm.to_hazard",
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
        only_changes=True,
    )
    return hazard


# ------------------------------------------------------------------------------------------ escalation
def escalate_overdue(now: dt.datetime | None = None) -> int:
    """Alarms still unacknowledged after N minutes go one tier up (grid → community → street office)."""
    now = now or timezone.now()
    minutes = conf.get("ESCALATION_MINUTES")
    cutoff = now - dt.timedelta(minutes=minutes)
    due = Alarm.objects.filter(
        Q(escalated_at__lte=cutoff) | Q(escalated_at__isnull=True, created_at__lte=cutoff),
        state=AlarmState.ACTIVE,
        acknowledged_at__isnull=True,
        escalation_level__lt=EscalationTier.STREET,
    ).values_list("pk", flat=True)
    done = 0
    for pk in list(due[:500]):
        with transaction.atomic():
            alarm = Alarm.objects.select_for_update().filter(pk=pk, state=AlarmState.ACTIVE).first()
            if (
                alarm is None
                or alarm.acknowledged_at is not None
                or alarm.escalation_level >= EscalationTier.STREET
            ):
                continue
            before = audit.snapshot(alarm)
            alarm.escalation_level += 1
            alarm.escalated_at = now
            alarm.version += 1
            alarm.save()
            tier = EscalationTier(alarm.escalation_level)
            _event(
                alarm,
                AlarmEventType.ESCALATED,
                at=now,
                tier=int(tier),
                summary=f"{minutes} 分钟未确认，上报至{tier.label}",
            )
            audit.record(
                actor=None,
                action="alarm.escalate",
                obj=alarm,
                before=before,
                after=audit.snapshot(alarm),
                only_changes=True,
            )
            transaction.on_commit(_notifier(alarm.pk, int(tier)))
            done += 1
    return done


# How the notifications of a committed alarm change are sent: inline (web requests, jobs), or, in a thread
# that installed a dispatcher (the MQTT consumer on PostgreSQL), handed to a background sender so that the
# next batch of readings does not wait for inbox writes.
_dispatch = threading.local()


def set_notification_dispatcher(dispatcher: Callable[[int, int], None] | None) -> None:
    """Route this thread's post-commit alarm notifications to `dispatcher(alarm_id, tier)` (None: inline)."""
    _dispatch.fn = dispatcher


def _notifier(alarm_id: int, tier: int) -> Callable[[], None]:
    def send() -> None:
        dispatcher = getattr(_dispatch, "fn", None)
        if dispatcher is not None:
            dispatcher(alarm_id, tier)
        else:
            notify_tier(alarm_id, tier)

    return send


def tier_recipients(alarm: Alarm, tier: int) -> list[Any]:
    """Who hears of an alarm at each tier: the grid's inspectors and the site's officers, then the
    community's workers, then the street office."""
    from anjian.org.choices import Role
    from anjian.org.models import User

    active = User.objects.filter(is_active=True)
    if tier == EscalationTier.GRID:
        people = list(active.filter(role=Role.ENTERPRISE_OFFICER, enterprise_id=alarm.enterprise_id))
        inspectors = (
            list(active.filter(role=Role.GRID_INSPECTOR, grid_id=alarm.grid_id)) if alarm.grid_id else []
        )
        if not inspectors:
            inspectors = list(active.filter(role=Role.COMMUNITY_WORKER, community_id=alarm.community_id))
        return inspectors + people
    if tier == EscalationTier.COMMUNITY:
        return list(active.filter(role=Role.COMMUNITY_WORKER, community_id=alarm.community_id))
    return list(active.filter(role__in=[Role.STREET_ADMIN, Role.OFFICE_STAFF]))


def notify_tier(alarm_id: int, tier: int) -> int:
    """Tell the people of `tier` about the alarm in their inbox (once per alarm, tier and level while unread)."""
    from anjian.notifications.services import notify

    alarm = Alarm.objects.select_related("device", "enterprise").filter(pk=alarm_id).first()
    if alarm is None or alarm.state == AlarmState.CLOSED:
        return 0
    word = alarm.get_level_display()
    prefix = "【逐级上报】" if tier > EscalationTier.GRID else ""
    sent = notify(
        tier_recipients(alarm, tier),
        title=f"{prefix}{word}：{alarm.enterprise.name} {alarm.device.name}"[:200],
        body=f"{alarm.message}（{timezone.localtime(alarm.last_at):%m-%d %H:%M:%S}）",
        link=reverse("monitoring:alarm_detail", args=[alarm.pk]),
        level="danger" if alarm.level >= 2 else "warning",
        category="alarm",
        dedupe_key=f"alarm:{alarm.pk}:{tier}:{alarm.level}",
    )
    return len(sent)
