"""Scoped reads of monitoring: the alarm board feed, device lists, chart series, ingest health."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone

from anjian.monitoring import store
from anjian.monitoring.choices import (
    ALARM_STATE_COLOURS,
    METRICS,
    OPEN_STATES,
    AlarmState,
    DeviceStatus,
    EscalationTier,
    IngestReason,
    RuleKind,
)
from anjian.monitoring.models import Alarm, Device, IngestStat, IngestWorker
from anjian.monitoring.permissions import can

BOARD_LIMIT = 200


def alarms_for(user: Any) -> QuerySet[Alarm]:
    return Alarm.objects.for_user(user).select_related(
        "device__type", "rule", "enterprise", "community", "grid", "acknowledged_by", "closed_by"
    )


def devices_for(user: Any) -> QuerySet[Device]:
    return Device.objects.for_user(user).select_related("type", "enterprise", "community", "grid")


def _local(value: dt.datetime | None) -> str:
    return timezone.localtime(value).isoformat() if value else ""


def alarm_payload(a: Alarm, *, can_handle: bool) -> dict[str, Any]:
    """What the live board shows of one alarm (JSON)."""
    return {
        "id": a.pk,
        "version": a.version,
        "level": a.level,
        "level_label": a.get_level_display(),
        "state": a.state,
        "state_label": a.get_state_display(),
        "state_colour": ALARM_STATE_COLOURS.get(AlarmState(a.state), "secondary"),
        "message": a.message,
        "value": a.value,
        "peak": a.peak_value,
        "unit": (METRICS[a.metric].unit if a.metric in METRICS else "")
        + ("/分钟" if a.rule.kind == RuleKind.RATE else ""),
        "rule": a.rule.name,
        "device": a.device.name,
        "device_code": a.device.code,
        "device_icon": a.device.type.icon,
        "location": a.device.location,
        "enterprise": a.enterprise.name,
        "community": a.community.name,
        "grid": a.grid.name if a.grid else "",
        "first_at": _local(a.first_at),
        "last_at": _local(a.last_at),
        "repeat_count": a.repeat_count,
        "escalation": int(a.escalation_level),
        "escalation_label": EscalationTier(a.escalation_level).label if a.escalation_level else "",
        "acknowledged_by": (a.acknowledged_by.name or a.acknowledged_by.username)
        if a.acknowledged_by
        else "",
        "url": reverse("monitoring:alarm_detail", args=[a.pk]),
        "device_url": reverse("monitoring:device_detail", args=[a.device_id]),
        "can_acknowledge": can_handle and a.can_acknowledge,
        "can_close": can_handle and a.can_close,
        "open": a.state != AlarmState.CLOSED,
    }


def board_alarms(user: Any) -> list[dict[str, Any]]:
    """Open alarms of the user's jurisdiction, unacknowledged and level 2 first."""
    handle = can(user, "alarm.handle")
    qs = alarms_for(user).filter(state__in=OPEN_STATES).order_by("-last_at", "-id")[:BOARD_LIMIT]
    return [alarm_payload(a, can_handle=handle) for a in qs]


def board_changes(
    user: Any, since: dt.datetime, sent: dict[int, int] | None = None
) -> tuple[list[dict[str, Any]], dt.datetime]:
    """Alarms changed at or after `since` (with a 2 s overlap: the client ignores versions it has),
    and the cursor for the next call. With `sent` (alarm id → version, kept by an event stream across
    its polls), versions already sent are left out and `sent` is updated."""
    handle = can(user, "alarm.handle")
    now = timezone.now()
    qs = (
        alarms_for(user)
        .filter(updated_at__gte=since - dt.timedelta(seconds=2))
        .order_by("updated_at", "id")[:500]
    )
    rows = list(qs)
    cursor = max([now - dt.timedelta(seconds=1), *[a.updated_at for a in rows]])
    if sent is not None:
        rows = [a for a in rows if sent.get(a.pk, 0) < a.version]
        sent.update((a.pk, a.version) for a in rows)
    return [alarm_payload(a, can_handle=handle) for a in rows], cursor


def board_counts(user: Any) -> dict[str, int]:
    alarms: dict[str, int] = (
        Alarm.objects.for_user(user)
        .filter(state__in=OPEN_STATES)
        .aggregate(
            open=Count("id"),
            active=Count("id", filter=Q(state=AlarmState.ACTIVE)),
            level2=Count("id", filter=Q(level=2)),
            level1=Count("id", filter=Q(level=1)),
        )
    )
    devices: dict[str, int] = (
        Device.objects.for_user(user)
        .filter(voided_at__isnull=True)
        .aggregate(
            total=Count("id"),
            online=Count("id", filter=Q(status=DeviceStatus.ONLINE)),
            offline=Count("id", filter=Q(status=DeviceStatus.OFFLINE)),
        )
    )
    return {**alarms, **{f"devices_{k}": v for k, v in devices.items()}}


# ------------------------------------------------------------------------------------------ charts
RANGES = {
    "1h": (dt.timedelta(hours=1), "raw"),
    "6h": (dt.timedelta(hours=6), "raw"),
    "24h": (dt.timedelta(hours=24), "minute"),
    "7d": (dt.timedelta(days=7), "minute"),
    "30d": (dt.timedelta(days=30), "hour"),
}
RANGE_LABELS = {"1h": "1 小时", "6h": "6 小时", "24h": "24 小时", "7d": "7 天", "30d": "30 天"}


def thresholds(rules: list[Any], metric: str) -> list[dict[str, Any]]:
    """Lines to draw on a metric's chart: each effective band threshold with its level."""
    out: list[dict[str, Any]] = []
    for r in rules:
        if r.metric != metric or r.kind not in (RuleKind.THRESHOLD, RuleKind.RANGE, RuleKind.LOW_BATTERY):
            continue
        for name, level, label in (
            ("warn_high", 1, "预警上限"),
            ("alarm_high", 2, "报警上限"),
            ("warn_low", 1, "预警下限"),
            ("alarm_low", 2, "报警下限"),
        ):
            value = getattr(r, name)
            if value is not None and not any(t["value"] == value and t["level"] == level for t in out):
                out.append({"value": value, "level": level, "label": f"{label} {value:g}"})
    return out


def device_series(device: Device, range_key: str, now: dt.datetime | None = None) -> dict[str, Any]:
    """Chart data for a device: per metric, raw points for short ranges, min/avg/max rollups for long ones."""
    from anjian.monitoring.ingest.registry import effective_rules

    span, grain = RANGES.get(range_key, RANGES["6h"])
    now = now or timezone.now()
    until_ms = int(now.timestamp() * 1000) + 60_000
    since_ms = int((now - span).timestamp() * 1000)
    backend = store.backend()
    conn = store.connection()
    metrics = [m for m in device.type.metrics if m in METRICS]
    series: dict[str, dict[str, Any]] = {m: {"points": [], "min": [], "max": []} for m in metrics}
    if grain == "raw":
        for ts, values in backend.fetch_raw(conn, device.pk, since_ms, until_ms):
            for m, v in values.items():
                if m in series:
                    series[m]["points"].append([ts, v])
    else:
        rows = backend.fetch_rollup(conn, grain, device.pk, since_ms, until_ms)
        if not rows and grain == "hour":
            grain = "minute"
            rows = backend.fetch_rollup(conn, grain, device.pk, since_ms, until_ms)
        for bucket, m, n, lo, hi, total in rows:
            if m in series and n:
                series[m]["points"].append([bucket, round(total / n, 3)])
                series[m]["min"].append([bucket, lo])
                series[m]["max"].append([bucket, hi])
    rules = effective_rules(device)
    return {
        "range": range_key,
        "grain": grain,
        "since": since_ms,
        "until": until_ms,
        "metrics": [
            {
                "name": m,
                "label": METRICS[m].label,
                "unit": METRICS[m].unit,
                "thresholds": thresholds(rules, m),
                **series[m],
            }
            for m in metrics
        ],
    }


# ------------------------------------------------------------------------------------------ ingest health
def ingest_health(now: dt.datetime | None = None) -> dict[str, Any]:
    """Rates per minute (last hour), outcomes per reason (last 24 h), receive lag, consumers, store size."""
    now = now or timezone.now()
    hour_ago = now - dt.timedelta(hours=1)
    day_ago = now - dt.timedelta(hours=24)
    labels = {r.value: str(r.label) for r in IngestReason}
    minutes: dict[str, dict[str, int]] = {}
    for row in (
        IngestStat.objects.filter(bucket__gte=hour_ago).values("bucket", "reason").annotate(n=Sum("count"))
    ):
        key = timezone.localtime(row["bucket"]).strftime("%H:%M")
        slot = minutes.setdefault(key, {"accepted": 0, "duplicate": 0, "rejected": 0})
        bucket = row["reason"] if row["reason"] in ("accepted", "duplicate") else "rejected"
        slot[bucket] += row["n"]
    per_reason = list(
        IngestStat.objects.filter(bucket__gte=day_ago)
        .values("reason", "source")
        .annotate(n=Sum("count"))
        .order_by("-n")
    )
    for row in per_reason:
        row["label"] = labels.get(row["reason"], row["reason"])
        row["rejected"] = row["reason"] not in ("accepted", "duplicate")
    lag = IngestStat.objects.filter(bucket__gte=hour_ago, reason="accepted").aggregate(
        n=Sum("count"), total=Sum("lag_ms_sum")
    )
    lag_max = (
        IngestStat.objects.filter(bucket__gte=hour_ago, reason="accepted").order_by("-lag_ms_max").first()
    )
    last_minute = IngestStat.objects.filter(bucket__gte=now - dt.timedelta(minutes=2)).aggregate(
        n=Sum("count")
    )
    workers = list(IngestWorker.objects.all()[:20])
    for w in workers:
        w.alive = w.connected and (now - w.beat_at) < dt.timedelta(seconds=30)  # type: ignore[attr-defined]
    info = store.backend().info(store.connection())
    return {
        "minutes": [{"t": k, **v} for k, v in sorted(minutes.items())],
        "per_reason": per_reason,
        "accepted_24h": sum(r["n"] for r in per_reason if r["reason"] == "accepted"),
        "rejected_24h": sum(r["n"] for r in per_reason if r["rejected"]),
        "duplicate_24h": sum(r["n"] for r in per_reason if r["reason"] == "duplicate"),
        "lag_avg_ms": round(lag["total"] / lag["n"]) if lag["n"] else None,
        "lag_max_ms": lag_max.lag_ms_max if lag_max else None,
        "rate_per_s": round((last_minute["n"] or 0) / 120, 1),
        "workers": workers,
        "store": info,
    }
