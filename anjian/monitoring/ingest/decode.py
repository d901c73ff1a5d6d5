"""Decode and validate messages of CONTRACTS.md §4 (fast JSON with orjson). Plain functions: every bad input
becomes a `Rejected` with a reason code from `IngestReason`, never an exception."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, NamedTuple

import orjson

from anjian.monitoring.choices import METRICS, IngestReason
from anjian.monitoring.units import ppm_to_mg_m3

TOPIC_PREFIX = "anjian/v1/"


class Telemetry(NamedTuple):
    """A valid telemetry message: device time in epoch milliseconds, optional seq, metrics in canonical units."""

    device: str | None
    ts_ms: int
    seq: int | None
    metrics: dict[str, float]


class Status(NamedTuple):
    """A valid status message (online flag, optional battery)."""

    device: str | None
    ts_ms: int
    online: bool
    battery: float | None


class Rejected(NamedTuple):
    reason: str
    detail: str = ""


def decode(payload: bytes | str, max_bytes: int = 65536) -> Any:
    """The JSON value of a payload, or Rejected(malformed_json / payload_too_large)."""
    if len(payload) > max_bytes:
        return Rejected(IngestReason.PAYLOAD_TOO_LARGE, f"{len(payload)} 字节")
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return Rejected(IngestReason.MALFORMED_JSON, str(exc)[:120])


def split_topic(topic: str, prefix: str = TOPIC_PREFIX) -> tuple[str, str] | None:
    """(device_code, kind) of "anjian/v1/{device_code}/{telemetry|status}", or None."""
    if not topic.startswith(prefix):
        return None
    rest = topic[len(prefix) :]
    code, sep, kind = rest.partition("/")
    if not sep or not code or kind not in ("telemetry", "status"):
        return None
    return code, kind


def parse_ts(value: Any) -> int | None:
    """Epoch milliseconds from an ISO 8601 string with offset or an integer of epoch milliseconds."""
    kind = type(value)
    if kind is int:
        return value  # type: ignore[no-any-return]
    if kind is float:
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if kind is str and 10 <= len(value) <= 40:
        try:
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if parsed.tzinfo is None or "T" not in value.upper():
            return None
        return (parsed - _EPOCH) // _MS
    return None


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)
_BOUNDS = {name: (m.low, m.high) for name, m in METRICS.items()}


def _check_ts(obj: dict[str, Any], now_ms: int, max_skew_ms: int, oldest_ms: int) -> int | Rejected:
    ts = parse_ts(obj.get("ts"))
    if ts is None:
        return Rejected(IngestReason.BAD_TS, repr(obj.get("ts"))[:60])
    if ts > now_ms + max_skew_ms or ts < oldest_ms:
        return Rejected(IngestReason.TS_OUT_OF_RANGE, str(obj.get("ts"))[:60])
    return ts


def parse_telemetry(obj: Any, *, now_ms: int, max_skew_ms: int, oldest_ms: int) -> Telemetry | Rejected:
    """Validate a decoded telemetry object: ts, seq (optional, integer ≥ 0), metrics (known names, numbers)."""
    if type(obj) is not dict:
        return Rejected(IngestReason.NOT_OBJECT)
    ts = _check_ts(obj, now_ms, max_skew_ms, oldest_ms)
    if type(ts) is not int:
        return ts  # type: ignore[return-value]
    seq = obj.get("seq")
    if seq is not None and (type(seq) is not int or seq < 0 or seq >= 2**63):
        return Rejected(IngestReason.BAD_SEQ, repr(seq)[:40])
    metrics = obj.get("metrics")
    if type(metrics) is not dict or not metrics:
        return Rejected(IngestReason.BAD_METRICS)
    bounds = _BOUNDS
    for name, value in metrics.items():
        limits = bounds.get(name)
        if limits is None:
            return Rejected(IngestReason.UNKNOWN_METRIC, str(name)[:40])
        kind = type(value)
        if kind is not float and kind is not int:
            return Rejected(IngestReason.METRIC_NOT_NUMBER, f"{name}={str(value)[:30]}")
        if not limits[0] <= value <= limits[1]:
            return Rejected(IngestReason.METRIC_OUT_OF_RANGE, f"{name}={value}")
    # Toxic gases are judged in mg/m³ (DOMAIN.md §5): derive them from ppm when only ppm is sent.
    if "h2s_ppm" in metrics and "h2s" not in metrics:
        metrics["h2s"] = round(ppm_to_mg_m3("h2s", metrics["h2s_ppm"]), 3)
    if "co_ppm" in metrics and "co" not in metrics:
        metrics["co"] = round(ppm_to_mg_m3("co", metrics["co_ppm"]), 3)
    device = obj.get("device")
    return Telemetry(device if type(device) is str else None, ts, seq, metrics)


def parse_status(obj: Any, *, now_ms: int, max_skew_ms: int, oldest_ms: int) -> Status | Rejected:
    """Validate a status object: {"ts", "online": bool, "battery": 0–100 (optional)}."""
    if not isinstance(obj, dict):
        return Rejected(IngestReason.NOT_OBJECT)
    ts = _check_ts(obj, now_ms, max_skew_ms, oldest_ms)
    if isinstance(ts, Rejected):
        return ts
    online = obj.get("online")
    if not isinstance(online, bool):
        return Rejected(IngestReason.BAD_STATUS, "online 应为 true 或 false")
    battery = obj.get("battery")
    if battery is not None and (
        isinstance(battery, bool) or not isinstance(battery, int | float) or not 0 <= battery <= 100
    ):
        return Rejected(IngestReason.BAD_STATUS, "battery 应为 0–100")
    device = obj.get("device")
    return Status(device if isinstance(device, str) else None, ts, online, battery)
