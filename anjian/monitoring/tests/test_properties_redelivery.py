"""Hypothesis tests of what at-least-once delivery does to alarms: whatever the broker redelivers (the tail of
a batch committed but not acknowledged, a whole batch again, after a consumer restart or not), the alarms
end exactly as after one clean pass of the same readings: same rules, levels, states, repeat counters and
peaks. And CO given in ppm is judged in mg/m³ like H₂S (DOMAIN.md §5: mg/m³ = ppm × M / 24.04)."""

from __future__ import annotations

import time
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from anjian.monitoring.ingest.decode import Telemetry, parse_telemetry
from anjian.monitoring.tests.test_properties import LIMITS, NOW, level_after, pack

LEL_VALUES = [0.0, 5.0, 24.9, 25.0, 30.0, 49.9, 50.0, 70.0]  # around the kitchen detector's 25 / 50 % LEL


@given(st.floats(min_value=0, max_value=120, allow_nan=False))
def test_co_in_ppm_is_judged_in_mg_per_m3(ppm: float) -> None:
    out = parse_telemetry({"ts": NOW, "metrics": {"co_ppm": ppm}}, **LIMITS)
    assert isinstance(out, Telemetry)
    mg = out.metrics["co"]
    assert mg == round(ppm * 28.01 / 24.04, 3)
    expected = 2 if mg >= 60 else 1 if mg >= 30 else 0
    assert level_after(pack("gas4", "co"), [(NOW, out.metrics)]) == expected


def _alarms(device: Any) -> list[tuple[Any, ...]]:
    from anjian.monitoring.models import Alarm

    return sorted(
        Alarm.objects.filter(device=device).values_list(
            "rule__code", "level", "state", "repeat_count", "peak_value", "first_at"
        )
    )


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_redelivered_messages_leave_the_alarms_of_one_clean_pass(world: Any, data: Any) -> None:
    from anjian.monitoring import store
    from anjian.monitoring.ingest.pipeline import Pipeline
    from anjian.monitoring.tests.conftest import make_device, msg

    values = data.draw(st.lists(st.sampled_from(LEL_VALUES), min_size=1, max_size=24), label="lel")
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(values)), max_size=4), label="batch ends")))
    batches = [(a, b) for a, b in zip([0, *cuts], [*cuts, len(values)], strict=True) if b > a]
    now = int(time.time() * 1000)
    stamp = time.monotonic_ns()
    clean = make_device(f"PROP-CLEAN-{stamp}", "restaurant_gas", world.ent_a2)
    redelivered = make_device(f"PROP-DUP-{stamp}", "restaurant_gas", world.ent_a2)

    def messages(device: Any, lo: int, hi: int) -> list[Any]:
        return [
            msg(device, now - 60_000 + i * 1000, i + 1, lel=values[i], valve_closed=1) for i in range(lo, hi)
        ]

    # One clean pass: every reading once, in its batches.
    pipe = Pipeline("mqtt", clock=lambda: now, save_state_each_batch=True)
    for lo, hi in batches:
        pipe.process(messages(clean, lo, hi))

    # The same readings with redeliveries: after a batch, the broker may send its last k messages again, or
    # the whole batch, with or without the consumer restarting in between (a new pipeline, nothing in memory).
    pipe = Pipeline("mqtt", clock=lambda: now, save_state_each_batch=True)
    redelivered_n = 0
    for lo, hi in batches:
        pipe.process(messages(redelivered, lo, hi))
        if data.draw(st.booleans(), label="redeliver"):
            k = data.draw(st.integers(1, hi - lo), label="tail")
            if data.draw(st.booleans(), label="restart"):
                pipe = Pipeline("mqtt", clock=lambda: now, save_state_each_batch=True)
            results = pipe.process(messages(redelivered, hi - k, hi))
            assert {r.status for r in results} == {"duplicate"}
            redelivered_n += k

    assert store.backend().count(store.connection(), redelivered.pk) == len(values)
    assert _alarms(redelivered) == _alarms(clean), f"{redelivered_n} redelivered"


@pytest.mark.parametrize(("ppm", "level"), [(0.0, 0), (25.74, 0), (25.75, 1), (51.49, 1), (51.5, 2)])
def test_co_ppm_boundaries(ppm: float, level: int) -> None:
    """30 mg/m³ is 25.75 ppm of CO (25.74 → 29.99), 60 mg/m³ is 51.50 ppm (51.49 → 59.99)."""
    out = parse_telemetry({"ts": NOW, "metrics": {"co_ppm": ppm}}, **LIMITS)
    assert isinstance(out, Telemetry)
    assert level_after(pack("gas4", "co"), [(NOW, out.metrics)]) == level
