"""Monitoring configuration: Django settings `MONITORING_*` win, else environment variables, else defaults.

Retention, batching and escalation are configuration (DOMAIN.md: every number is a default)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from anjian.config.env import env_int

DEFAULTS: dict[str, tuple[int, int, int]] = {
    # name: (default, minimum, maximum)
    "RAW_RETENTION_DAYS": (30, 1, 3650),
    "MINUTE_ROLLUP_RETENTION_DAYS": (180, 1, 3650),
    "HOUR_ROLLUP_RETENTION_DAYS": (730, 1, 36500),
    "PARTITION_DAYS_AHEAD": (7, 1, 60),
    "MAX_CLOCK_SKEW_S": (600, 0, 86400),
    "BATCH_MAX": (5000, 1, 100_000),
    "BATCH_WAIT_MS": (50, 1, 10_000),
    "QUEUE_MAX": (20_000, 100, 1_000_000),
    "DEDUPE_WINDOW": (256, 8, 100_000),
    "ESCALATION_MINUTES": (10, 1, 1440),
    "HEARTBEAT_FACTOR": (3, 1, 100),
    "HTTP_MAX_MESSAGES": (1000, 1, 100_000),
    "PAYLOAD_MAX_BYTES": (65536, 256, 10_000_000),
    "STATE_SAVE_S": (30, 1, 3600),
}


def get(name: str) -> int:
    """The integer setting `name` (e.g. "RAW_RETENTION_DAYS")."""
    default, minimum, maximum = DEFAULTS[name]
    override: Any = getattr(settings, f"MONITORING_{name}", None)
    if override is not None:
        return int(override)
    return env_int(f"MONITORING_{name}", default, minimum=minimum, maximum=maximum)
