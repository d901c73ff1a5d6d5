"""The ingest pipeline: validation and reasons, dedupe, batch writes, rules raising and clearing alarms."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from anjian.core.models import AuditEntry
from anjian.monitoring import store
from anjian.monitoring.choices import AlarmState, DeviceStatus
from anjian.monitoring.ingest.pipeline import Inbound
from anjian.monitoring.models import Alarm, AlarmEvent, Device, IngestStat
from anjian.monitoring.tests.conftest import msg


def readings(device: Any) -> int:
    return store.backend().count(store.connection(), device.pk)


def test_normal_readings_are_stored_without_alarm(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    results = pipeline.process(
        [msg(devices.gas4, t + i * 1000, i, o2=20.9, lel=0, h2s=0, co=1) for i in range(5)]
    )
    assert [r.status for r in results] == ["accepted"] * 5
    assert readings(devices.gas4) == 5
    assert not Alarm.objects.exists()
    d = Device.objects.get(pk=devices.gas4.pk)
    assert d.status == DeviceStatus.ONLINE
    assert d.last_seq is not None
    assert IngestStat.objects.get(reason="accepted").count == 5


def test_duplicates_by_seq_change_nothing(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    first = pipeline.process([msg(devices.gas4, t, 7, o2=20.9)])
    again = pipeline.process([msg(devices.gas4, t, 7, o2=20.9), msg(devices.gas4, t + 5, 7, o2=20.9)])
    assert [r.status for r in first] == ["accepted"]
    assert [r.status for r in again] == ["duplicate", "duplicate"]
    assert readings(devices.gas4) == 1


def test_duplicate_after_restart_is_found_in_database(devices: Any, clock: Any) -> None:
    from anjian.monitoring.ingest.pipeline import Pipeline

    t = clock()
    Pipeline("mqtt", clock=clock).process([msg(devices.gas4, t + i, i, o2=20.9) for i in range(1, 4)])
    # A fresh process (in-memory window empty) receives the same messages again (broker redelivery).
    results = Pipeline("mqtt", clock=clock).process(
        [msg(devices.gas4, t + i, i, o2=20.9) for i in range(1, 5)]
    )
    assert [r.status for r in results] == ["duplicate", "duplicate", "duplicate", "accepted"]
    assert readings(devices.gas4) == 4


def test_without_seq_dedupe_is_by_ts(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    results = pipeline.process([msg(devices.gas4, t, None, o2=20.9), msg(devices.gas4, t, None, o2=20.9)])
    assert [r.status for r in results] == ["accepted", "duplicate"]


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (b"{not json", "malformed_json"),
        (b"[1, 2]", "not_object"),
        (b'{"seq": 1, "metrics": {"o2": 20}}', "bad_ts"),
        (b'{"ts": "2026-01-01T10:00:00", "seq": 1, "metrics": {"o2": 20}}', "bad_ts"),
        (b'{"ts": 1000, "seq": 1, "metrics": {"o2": 20}}', "ts_out_of_range"),
        (b'{"ts": NOW, "seq": "x", "metrics": {"o2": 20}}', "bad_seq"),
        (b'{"ts": NOW, "seq": -1, "metrics": {"o2": 20}}', "bad_seq"),
        (b'{"ts": NOW, "seq": 1}', "bad_metrics"),
        (b'{"ts": NOW, "seq": 1, "metrics": {"radiation": 3}}', "unknown_metric"),
        (b'{"ts": NOW, "seq": 1, "metrics": {"o2": "20"}}', "metric_not_number"),
        (b'{"ts": NOW, "seq": 1, "metrics": {"o2": true}}', "metric_not_number"),
        (b'{"ts": NOW, "seq": 1, "metrics": {"o2": 120}}', "metric_out_of_range"),
    ],
)
def test_bad_messages_are_rejected_and_counted(
    devices: Any, pipeline: Any, clock: Any, payload: bytes, reason: str
) -> None:
    payload = payload.replace(b"NOW", str(clock()).encode())
    results = pipeline.process([Inbound(devices.gas4.code, "telemetry", payload, clock())])
    assert results[0].status == "rejected"
    assert results[0].reason == reason
    assert IngestStat.objects.get(reason=reason).count == 1
    assert readings(devices.gas4) == 0


def test_unknown_and_decommissioned_devices_are_rejected(
    devices: Any, pipeline: Any, clock: Any, world: Any
) -> None:
    from anjian.monitoring.services.devices import decommission_device

    decommission_device(devices.smoke, actor=world.admin, reason="拆除")
    results = pipeline.process([msg("NOPE-001", clock(), 1, o2=20), msg(devices.smoke, clock(), 1, smoke=0)])
    assert [r.reason for r in results] == ["unknown_device", "device_disabled"]


def test_iso_timestamp_with_offset_is_accepted(devices: Any, pipeline: Any) -> None:
    from django.utils import timezone

    now = timezone.localtime().replace(microsecond=0)
    body = {"ts": now.isoformat(), "seq": 1, "metrics": {"o2": 20.9}}
    results = pipeline.process([Inbound(devices.gas4.code, "telemetry", orjson.dumps(body), 0)])
    assert results[0].status == "accepted"
    rows = store.backend().fetch_raw(store.connection(), devices.gas4.pk, 0, 4_000_000_000_000)
    assert rows[0][0] == int(now.timestamp() * 1000)


def test_lel_alarm_raises_once_repeats_and_clears(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    d = devices.kitchen
    pipeline.process([msg(d, t, 1, lel=5, valve_closed=0)])
    pipeline.process([msg(d, t + 1000, 2, lel=30, valve_closed=1)])
    alarm = Alarm.objects.get(device=d, rule__code="lel")
    assert (alarm.level, alarm.state, alarm.value) == (1, AlarmState.ACTIVE, 30)
    pipeline.process([msg(d, t + 2000, 3, lel=55, valve_closed=1)])
    alarm.refresh_from_db()
    assert alarm.level == 2 and alarm.peak_value == 55
    pipeline.process([msg(d, t + 3000, 4, lel=3, valve_closed=1)])
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLEARED and alarm.cleared_at is not None
    pipeline.process([msg(d, t + 4000, 5, lel=40, valve_closed=1)])
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.ACTIVE and alarm.repeat_count == 1
    assert Alarm.objects.filter(device=d, rule__code="lel").count() == 1
    types = list(AlarmEvent.objects.filter(alarm=alarm).order_by("id").values_list("type", flat=True))
    assert types == ["raised", "level_raised", "cleared", "repeated"]
    assert AuditEntry.objects.filter(action="alarm.raise", source="ingest").count() == 1


def test_valve_not_closed_within_30_seconds(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    d = devices.kitchen
    pipeline.process([msg(d, t, 1, lel=30, valve_closed=0)])
    pipeline.process([msg(d, t + 29_000, 2, lel=30, valve_closed=0)])
    assert not Alarm.objects.filter(rule__code="valve").exists()
    pipeline.process([msg(d, t + 30_000, 3, lel=30, valve_closed=0)])
    valve = Alarm.objects.get(rule__code="valve")
    assert valve.level == 2
    pipeline.process([msg(d, t + 31_000, 4, lel=30, valve_closed=1)])
    valve.refresh_from_db()
    assert valve.state == AlarmState.CLEARED


def test_valve_timer_runs_out_without_a_new_message(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    pipeline.process([msg(devices.kitchen, t, 1, lel=30, valve_closed=0)])
    assert pipeline.tick(t + 10_000) == 0
    assert pipeline.tick(t + 30_000) == 1
    assert Alarm.objects.get(rule__code="valve").level == 2


def test_ppm_is_judged_in_mg_per_m3(devices: Any, pipeline: Any, clock: Any) -> None:
    # 7.1 ppm H2S = 10.065 mg/m³ ≥ 10 (预警); 7.0 ppm = 9.92 mg/m³ stays normal.
    t = clock()
    pipeline.process([msg(devices.gas4, t, 1, o2=20.9, h2s_ppm=7.0)])
    assert not Alarm.objects.exists()
    pipeline.process([msg(devices.gas4, t + 1000, 2, o2=20.9, h2s_ppm=7.1)])
    alarm = Alarm.objects.get(rule__code="h2s")
    assert alarm.level == 1
    assert alarm.value == pytest.approx(7.1 * 34.08 / 24.04, abs=0.001)


def test_out_of_order_reading_is_stored_but_changes_no_alarm(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    pipeline.process([msg(devices.gas4, t + 10_000, 2, o2=20.9, lel=0)])
    results = pipeline.process([msg(devices.gas4, t, 1, o2=20.9, lel=60)])
    assert results[0].status == "accepted"
    assert readings(devices.gas4) == 2
    assert not Alarm.objects.exists()


def test_status_message_sets_battery_and_offline(devices: Any, pipeline: Any, clock: Any) -> None:
    t = clock()
    body = orjson.dumps({"ts": t, "online": True, "battery": 8})
    pipeline.process([Inbound(devices.smoke.code, "status", body, t)])
    alarm = Alarm.objects.get(device=devices.smoke, rule__code="battery")
    assert alarm.level == 2
    pipeline.process([Inbound(devices.smoke.code, "status", orjson.dumps({"ts": t + 1, "online": False}), t)])
    pipeline.flush_devices()
    d = Device.objects.get(pk=devices.smoke.pk)
    assert d.status == DeviceStatus.OFFLINE and d.battery == 8


def test_heartbeat_timeout_raises_offline_and_data_clears_it(devices: Any, pipeline: Any, clock: Any) -> None:
    import datetime as dt

    from anjian.monitoring.ingest.pipeline import check_heartbeats, to_datetime

    t = clock()
    pipeline.process([msg(devices.gas4, t, 1, o2=20.9)])
    # gas4 reports every 10 s: 29 s of silence is fine, 30 s is offline.
    assert check_heartbeats(to_datetime(t + 29_000)) == 0
    assert check_heartbeats(to_datetime(t + 30_000)) == 1
    alarm = Alarm.objects.get(rule__code="heartbeat")
    assert Device.objects.get(pk=devices.gas4.pk).status == DeviceStatus.OFFLINE
    assert check_heartbeats(to_datetime(t + 60_000)) == 0
    clock.advance(40)
    pipeline.process([msg(devices.gas4, clock(), 2, o2=20.9)])
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLEARED
    assert Device.objects.get(pk=devices.gas4.pk).status == DeviceStatus.ONLINE
    assert alarm.cleared_at is not None
    assert dt.timedelta(0) <= alarm.cleared_at - alarm.first_at


def test_one_open_alarm_per_device_and_rule_is_enforced(devices: Any, pipeline: Any, clock: Any) -> None:
    from django.db import IntegrityError, transaction

    pipeline.process([msg(devices.gas4, clock(), 1, o2=20.9, co=40)])
    alarm = Alarm.objects.get(rule__code="co")
    duplicate = Alarm.objects.get(pk=alarm.pk)
    duplicate.pk = None
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    Alarm.objects.filter(pk=alarm.pk).update(state=AlarmState.CLOSED)
    duplicate.save()  # once closed, a new alarm for the same device and rule may open


def test_alarm_after_close_opens_a_new_one(devices: Any, pipeline: Any, clock: Any, world: Any) -> None:
    from anjian.monitoring.services import alarms

    t = clock()
    pipeline.process([msg(devices.gas4, t, 1, o2=20.9, co=40)])
    first = Alarm.objects.get(rule__code="co")
    alarms.acknowledge_alarm(first, actor=world.inspector_a1)
    alarms.close_alarm(first, actor=world.inspector_a1, note="通风后复测正常")
    pipeline.process([msg(devices.gas4, t + 1000, 2, o2=20.9, co=45)])
    assert Alarm.objects.filter(rule__code="co").count() == 2
    assert Alarm.objects.filter(rule__code="co", state=AlarmState.ACTIVE).count() == 1
