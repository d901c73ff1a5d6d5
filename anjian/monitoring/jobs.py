"""Periodic monitoring jobs (declared in anjian/config/schedules.py): small, idempotent, plain functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connections
from django.utils import timezone

from anjian.core.context import origin
from anjian.monitoring import conf, store

ROLLUP_WINDOW_MS = 3 * 60_000


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


def every_minute(now: dt.datetime | None = None, using: str = "default") -> dict[str, Any]:
    """Offline devices (heartbeat), escalation of unacknowledged alarms, rollups of the last minutes."""
    from anjian.monitoring.ingest.pipeline import check_heartbeats
    from anjian.monitoring.services.alarms import escalate_overdue

    now = now or timezone.now()
    with origin("job"):
        offline = check_heartbeats(now)
        escalated = escalate_overdue(now)
    now_ms = _ms(now)
    until = now_ms - now_ms % 60_000
    minutes, hours = store.backend(using).rollup(connections[using], until - ROLLUP_WINDOW_MS, until)
    return {"offline": offline, "escalated": escalated, "minute_rows": minutes, "hour_rows": hours}


def daily(now: dt.datetime | None = None, using: str = "default") -> dict[str, Any]:
    """Partitions for the days ahead, yesterday's rollups recomputed (late data), retention applied."""
    now = now or timezone.now()
    backend = store.backend(using)
    conn = connections[using]
    today = now.astimezone(dt.UTC).date()
    backend.ensure_partitions(
        conn, {today + dt.timedelta(days=i) for i in range(conf.get("PARTITION_DAYS_AHEAD") + 1)}
    )
    start = dt.datetime.combine(today - dt.timedelta(days=1), dt.time(), tzinfo=dt.UTC)
    backend.rollup(conn, _ms(start), _ms(start + dt.timedelta(days=1)))
    return backend.apply_retention(
        conn,
        _ms(now),
        conf.get("RAW_RETENTION_DAYS"),
        conf.get("MINUTE_ROLLUP_RETENTION_DAYS"),
        conf.get("HOUR_ROLLUP_RETENTION_DAYS"),
    )
