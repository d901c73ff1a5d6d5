"""Hypothesis tests: payload parsing never crashes and round-trips; rule evaluation at the DOMAIN.md §5
boundaries (O₂ 19.5/18/23.5, LEL 10 or 25/50, H₂S 10/20, CO 30/60, charger 60/80 °C and 10 °C/min),
minimum durations, units, out-of-order and duplicate messages."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anjian.monitoring.choices import METRICS
from anjian.monitoring.ingest.decode import Rejected, Telemetry, decode, parse_telemetry, parse_ts
from anjian.monitoring.ingest.rules import DeviceState, compile_rules, evaluate
from anjian.monitoring.rulepacks import RULE_PACKS
from anjian.monitoring.units import mg_m3_to_ppm, ppm_to_mg_m3

NOW = 1_780_000_000_000  # 2026-05-28, epoch ms
LIMITS = {"now_ms": NOW, "max_skew_ms": 600_000, "oldest_ms": NOW - 30 * 86_400_000}
FIELDS = ("warn_low", "alarm_low", "warn_high", "alarm_high", "aux_threshold", "timeout_s", "factor")


def pack(type_code: str, *codes: str) -> list[Any]:
    """Compiled default rules of a pack (no database: the same definitions the migration loads)."""
    rows = []
    for i, r in enumerate(RULE_PACKS[type_code]["rules"]):
        if codes and r["code"] not in codes:
            continue
        data = {f: r.get(f) for f in FIELDS}
        rows.append(
            SimpleNamespace(
                id=i + 1,
                code=r["code"],
                name=r["name"],
                kind=r["kind"],
                metric=r.get("metric", ""),
                aux_metric=r.get("aux_metric", ""),
                high_inclusive=r.get("high_inclusive", True),
                warn_duration_s=r.get("warn_duration_s", 0),
                alarm_duration_s=r.get("alarm_duration_s", 0),
                enabled=True,
                **data,
            )
        )
    return compile_rules(rows)


def level_after(rules: list[Any], readings: list[tuple[int, dict[str, float]]]) -> int:
    state = DeviceState()
    for ts, metrics in readings:
        evaluate(rules, state, ts, metrics)
    return max((s.level for s in state.rules.values()), default=0)


# ------------------------------------------------------------------------------------------ parsing
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@given(st.binary(max_size=200))
def test_any_bytes_decode_to_a_value_or_a_reason(payload: bytes) -> None:
    out = decode(payload)
    if isinstance(out, Rejected):
        assert out.reason == "malformed_json"
    else:
        parse_telemetry(out, **LIMITS)


@given(json_values)
def test_any_json_parses_to_telemetry_or_a_reason(value: Any) -> None:
    out = parse_telemetry(value, **LIMITS)
    assert isinstance(out, Telemetry | Rejected)
    if isinstance(out, Rejected):
        assert out.reason in {
            "not_object",
            "bad_ts",
            "ts_out_of_range",
            "bad_seq",
            "bad_metrics",
            "unknown_metric",
            "metric_not_number",
            "metric_out_of_range",
        }


metric_values = st.dictionaries(
    st.sampled_from(["o2", "lel", "h2s", "co", "temp", "current", "level", "battery", "residual_current"]),
    st.floats(min_value=0, max_value=100, allow_nan=False),
    min_size=1,
    max_size=5,
)


@given(
    ts=st.integers(min_value=LIMITS["oldest_ms"], max_value=NOW + 600_000),
    seq=st.one_of(st.none(), st.integers(min_value=0, max_value=2**62)),
    metrics=metric_values,
)
def test_valid_messages_round_trip(ts: int, seq: int | None, metrics: dict[str, float]) -> None:
    body: dict[str, Any] = {"ts": ts, "metrics": metrics}
    if seq is not None:
        body["seq"] = seq
    out = parse_telemetry(decode(orjson.dumps(body)), **LIMITS)
    assert isinstance(out, Telemetry)
    assert (out.ts_ms, out.seq) == (ts, seq)
    assert {k: v for k, v in out.metrics.items() if k in metrics} == metrics


@given(
    moment=st.datetimes(min_value=dt.datetime(2026, 5, 1), max_value=dt.datetime(2026, 5, 28)),
    offset_minutes=st.sampled_from([0, 480, -300, 330, 545]),
)
def test_iso_timestamps_with_any_offset_give_the_same_instant(
    moment: dt.datetime, offset_minutes: int
) -> None:
    tz = dt.timezone(dt.timedelta(minutes=offset_minutes))
    aware = moment.replace(tzinfo=tz, microsecond=moment.microsecond // 1000 * 1000)
    assert parse_ts(aware.isoformat()) == int(aware.timestamp() * 1000)
    assert parse_ts(aware.replace(tzinfo=None).isoformat()) is None  # an offset is required


@given(st.text(max_size=8).filter(lambda s: s not in METRICS))
def test_unknown_metric_names_are_rejected(name: str) -> None:
    out = parse_telemetry({"ts": NOW, "metrics": {name: 1}}, **LIMITS)
    assert isinstance(out, Rejected) and out.reason in ("unknown_metric", "bad_metrics")


# ------------------------------------------------------------------------------------------ units
@given(st.floats(min_value=0, max_value=5000, allow_nan=False), st.sampled_from(["h2s", "co"]))
def test_ppm_mg_round_trip(ppm: float, gas: str) -> None:
    assert mg_m3_to_ppm(gas, ppm_to_mg_m3(gas, ppm)) == pytest.approx(ppm, rel=1e-9, abs=1e-9)


@given(st.floats(min_value=0, max_value=60, allow_nan=False))
def test_h2s_in_ppm_is_judged_in_mg_per_m3(ppm: float) -> None:
    out = parse_telemetry({"ts": NOW, "metrics": {"h2s_ppm": ppm}}, **LIMITS)
    assert isinstance(out, Telemetry)
    mg = out.metrics["h2s"]
    assert mg == round(ppm * 34.08 / 24.04, 3)
    expected = 2 if mg >= 20 else 1 if mg >= 10 else 0
    assert level_after(pack("gas4", "h2s"), [(NOW, out.metrics)]) == expected


# ------------------------------------------------------------------------------------------ boundaries
def expected_band(value: float, warn: float, alarm: float) -> int:
    return 2 if value >= alarm else 1 if value >= warn else 0


@pytest.mark.parametrize(
    ("type_code", "code", "metric", "warn", "alarm"),
    [
        ("gas4", "lel", "lel", 10, 50),
        ("restaurant_gas", "lel", "lel", 25, 50),
        ("gas4", "h2s", "h2s", 10, 20),
        ("gas4", "co", "co", 30, 60),
        ("ebike_charger", "temp", "temp", 60, 80),
    ],
)
def test_two_level_thresholds_at_and_around_the_boundaries(
    type_code: str, code: str, metric: str, warn: float, alarm: float
) -> None:
    rules = pack(type_code, code)
    for value in (0, warn - 0.01, warn, warn + 0.01, alarm - 0.01, alarm, alarm + 5):
        assert level_after(rules, [(NOW, {metric: value})]) == expected_band(value, warn, alarm), value

    @given(st.floats(min_value=0, max_value=alarm * 2, allow_nan=False))
    @settings(max_examples=60)
    def prop(value: float) -> None:
        assert level_after(rules, [(NOW, {metric: value})]) == expected_band(value, warn, alarm)

    prop()


def o2_reference(value: float, sustained_s: float) -> int:
    """DOMAIN.md §5: 预警 < 19.5 or > 23.5; 报警 < 18 or > 23.5 sustained 10 s."""
    if (value < 18 or value > 23.5) and sustained_s >= 10:
        return 2
    return 1 if value < 19.5 or value > 23.5 else 0


@given(
    value=st.one_of(
        st.floats(min_value=15, max_value=26, allow_nan=False),
        st.sampled_from([17.99, 18.0, 19.49, 19.5, 23.5, 23.51]),
    ),
    sustained=st.integers(min_value=0, max_value=30),
)
def test_oxygen_range_and_duration(value: float, sustained: int) -> None:
    rules = pack("gas4", "o2")
    readings = [(NOW, {"o2": value})]
    if sustained:
        readings.append((NOW + sustained * 1000, {"o2": value}))
    assert level_after(rules, readings) == o2_reference(value, sustained)


def test_oxygen_interrupted_low_restarts_the_duration() -> None:
    rules = pack("gas4", "o2")
    readings = [
        (NOW, {"o2": 17.5}),
        (NOW + 6000, {"o2": 19.0}),
        (NOW + 12000, {"o2": 17.5}),
        (NOW + 20000, {"o2": 17.5}),
    ]
    assert level_after(rules, readings) == 1
    assert level_after(rules, [*readings, (NOW + 22000, {"o2": 17.5})]) == 2


@given(
    rate_tenths=st.integers(min_value=0, max_value=300),
    gap_s=st.sampled_from([10, 15, 20, 30, 60]),
)
def test_charger_temperature_rise_per_minute(rate_tenths: int, gap_s: int) -> None:
    rules = pack("ebike_charger", "temp_rate")
    rate = rate_tenths / 10  # °C per minute
    start = 30.0
    rise = rate * gap_s / 60
    readings = [(NOW, {"temp": start}), (NOW + gap_s * 1000, {"temp": start + rise})]
    got = level_after(rules, readings)
    computed = (start + rise - start) * 60_000 / (gap_s * 1000)
    assert got == (2 if computed >= 10 else 0)
    if abs(rate - 10) > 1e-6:
        assert got == (2 if rate > 10 else 0)


bounds = st.one_of(st.none(), st.floats(min_value=-50, max_value=150, allow_nan=False))


@given(
    st.tuples(bounds, bounds, bounds, bounds),
    st.booleans(),
    st.one_of(
        st.floats(min_value=-60, max_value=160, allow_nan=False), st.integers(min_value=-60, max_value=160)
    ),
)
def test_the_normal_band_shortcut_agrees_with_the_levels(
    limits: tuple[float | None, ...], inclusive: bool, value: float
) -> None:
    """`evaluate` skips a banded rule when the reading lies in `ok_lo <= value < ok_hi`: exactly the values
    `band_level` puts at level 0, boundaries (inclusive or not) and integer readings included."""
    from anjian.monitoring.ingest.rules import CompiledRule, band_level

    warn_low, alarm_low, warn_high, alarm_high = limits
    rule = CompiledRule(
        rule_id=1,
        code="x",
        name="x",
        kind="threshold",
        metric="temp",
        warn_low=warn_low,
        alarm_low=alarm_low,
        warn_high=warn_high,
        alarm_high=alarm_high,
        high_inclusive=inclusive,
    )
    for v in (value, *(b for b in limits if b is not None)):
        assert (rule.ok_lo <= v < rule.ok_hi) == (band_level(rule, v) == 0), v


def test_current_above_rated_needs_30_seconds() -> None:
    rules = pack("ebike_charger", "current")
    assert level_after(rules, [(NOW, {"current": 20}), (NOW + 29_000, {"current": 20})]) == 0
    assert level_after(rules, [(NOW, {"current": 20}), (NOW + 30_000, {"current": 20})]) == 1
    assert level_after(rules, [(NOW, {"current": 16}), (NOW + 30_000, {"current": 16})]) == 1  # ≥ rated
    assert level_after(rules, [(NOW, {"current": 15.9}), (NOW + 60_000, {"current": 15.9})]) == 0


@given(st.permutations(list(range(8))), st.integers(min_value=0, max_value=7))
def test_out_of_order_readings_never_change_state_backwards(order: list[int], spike: int) -> None:
    """Whatever the arrival order, the level after all readings is decided by the newest reading alone."""
    rules = pack("restaurant_gas", "lel")
    values = {i: (60.0 if i == spike else 5.0) for i in range(8)}
    readings = [(NOW + i * 1000, {"lel": values[i]}) for i in order]
    newest = values[7]
    assert level_after(rules, readings) == expected_band(newest, 25, 50)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_pipeline_stores_each_reading_once_whatever_the_order_and_repeats(world: Any, data: Any) -> None:
    import time

    from anjian.monitoring import store
    from anjian.monitoring.ingest.pipeline import Pipeline
    from anjian.monitoring.tests.conftest import make_device, msg

    n = data.draw(st.integers(min_value=1, max_value=12))
    seqs = data.draw(st.lists(st.integers(min_value=1, max_value=n), min_size=1, max_size=30))
    use_seq = data.draw(st.booleans())
    device = make_device(f"PROP-{time.monotonic_ns()}", "restaurant_gas", world.ent_a2)
    now = int(time.time() * 1000)
    pipe = Pipeline("mqtt", clock=lambda: now)
    batches = data.draw(st.integers(min_value=1, max_value=3))
    messages = [
        msg(device, now - 60_000 + s * 1000, s if use_seq else None, lel=s % 40, valve_closed=1) for s in seqs
    ]
    results = []
    for i in range(batches):
        results += pipe.process(messages[i::batches])
    stored = store.backend().count(store.connection(), device.pk)
    assert stored == len(set(seqs))
    assert sum(r.status == "accepted" for r in results) == len(set(seqs))
    assert sum(r.status == "duplicate" for r in results) == len(seqs) - len(set(seqs))
