"""Device register services and pages: validation in Chinese, scope, credentials shown once (Mosquitto
hash, token hash), Excel import with row errors, rule overrides with who and why, rollups and retention."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from anjian.core.models import AuditEntry
from anjian.monitoring import credentials, store
from anjian.monitoring.ingest.registry import effective_rules
from anjian.monitoring.models import Device, DeviceType, Rule, RuleOverride
from anjian.monitoring.services import devices as svc
from anjian.monitoring.tests.conftest import msg


def data(world: Any, **kw: Any) -> dict[str, Any]:
    return {"code": "GAS4-NEW-01", "name": "1号井", "type": "gas4", "enterprise": world.ent_a1.pk, **kw}


def test_create_fills_scope_and_default_interval(world: Any) -> None:
    d = svc.create_device(actor=world.worker_a, data=data(world))
    assert (d.community_id, d.grid_id, d.reporting_interval_s) == (world.community_a.pk, world.grid_a1.pk, 10)
    assert AuditEntry.objects.filter(action="device.create", object_id=str(d.pk)).exists()


@pytest.mark.parametrize(
    ("extra", "field", "text"),
    [
        ({"code": "a b"}, "code", "字母、数字"),
        ({"code": ""}, "code", "设备编码"),
        ({"reporting_interval_s": 0}, "reporting_interval_s", "1 秒"),
        ({"lat": 95.0, "lng": 113.8}, "lat", ""),
        ({"type": "nope"}, "type", "设备类型"),
    ],
)
def test_bad_input_is_refused_in_chinese(world: Any, extra: dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        svc.create_device(actor=world.admin, data=data(world, **extra))
    assert field in exc.value.message_dict
    assert text in "".join(exc.value.message_dict[field])
    assert not Device.objects.exists()


def test_duplicate_code_and_foreign_enterprise(world: Any) -> None:
    svc.create_device(actor=world.admin, data=data(world))
    with pytest.raises(ValidationError) as exc:
        svc.create_device(actor=world.admin, data=data(world))
    assert "已登记" in exc.value.message_dict["code"][0]
    with pytest.raises(ValidationError) as exc:
        svc.create_device(
            actor=world.worker_a, data=data(world, code="GAS4-NEW-02", enterprise=world.ent_b1.pk)
        )
    assert "enterprise" in exc.value.message_dict


def test_credentials_are_hashed_and_work(world: Any, devices: Any) -> None:
    creds = svc.issue_credentials(devices.gas4, actor=world.admin)
    d = Device.objects.get(pk=devices.gas4.pk)
    assert creds["mqtt_password"] not in d.mqtt_password_hash
    assert credentials.mosquitto_verify(creds["mqtt_password"], d.mqtt_password_hash)
    assert not credentials.mosquitto_verify("wrong", d.mqtt_password_hash)
    assert d.http_token_hash == credentials.token_hash(creds["http_token"])
    found = svc.device_for_token(creds["http_token"])
    assert found is not None and found.pk == d.pk
    assert svc.device_for_token(devices.tokens[d.code]) is None  # the old token stopped working
    entry = AuditEntry.objects.get(action="device.credentials")
    assert creds["http_token"] not in str(entry.after) + entry.note


def test_credentials_page_shows_them_once(world: Any) -> None:
    client = world.client(world.admin)
    r = client.post(
        "/monitoring/devices/new/",
        {
            "code": "SMK-PAGE-01",
            "name": "店内烟感",
            "type": DeviceType.objects.get(code="smoke").pk,
            "enterprise": world.ent_a2.pk,
        },
    )
    assert r.status_code == 302 and r["Location"] == "/monitoring/devices/credentials/"
    first = client.get("/monitoring/devices/credentials/").content.decode()
    assert "ajt_" in first and "只显示这一次" in first
    assert "ajt_" not in client.get("/monitoring/devices/credentials/").content.decode()


def test_device_form_errors_rerender(world: Any) -> None:
    r = world.client(world.admin).post(
        "/monitoring/devices/new/", {"code": "x", "name": "", "type": "", "enterprise": ""}
    )
    assert r.status_code == 200
    assert "is-invalid" in r.content.decode()


def test_outsiders_cannot_touch_devices(world: Any, devices: Any) -> None:
    with pytest.raises(Http404):
        svc.update_device(devices.gas4, actor=world.worker_b, data={"name": "x"})
    assert world.client(world.worker_b).get(f"/monitoring/devices/{devices.gas4.pk}/edit/").status_code == 404
    assert world.client(world.inspector_a1).get("/monitoring/devices/new/").status_code == 403


def _xlsx(rows: list[list[Any]]) -> io.BytesIO:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    buf.seek(0)
    buf.name = "devices.xlsx"
    return buf


def test_import_creates_updates_and_reports_rows(world: Any, devices: Any) -> None:
    rows = [
        ["设备编码", "设备名称", "设备类型", "统一社会信用代码", "安装位置", "上报间隔（秒）", "备注"],
        ["CHG-IMP-01", "一号充电柜", "电动自行车充电桩/充电柜", world.ent_a1.uscc, "车棚", 30, "x"],
        [devices.gas4.code, "改名的四合一", "gas4", world.ent_a1.uscc, "2号井", "", ""],
        ["BAD CODE", "x", "gas4", world.ent_a1.uscc, "", "", ""],
        ["SMK-IMP-01", "烟感", "smoke", "91440306MA5XXXXXXX", "", "", ""],
        ["SMK-IMP-02", "烟感", "smoke", world.ent_a1.uscc, "", "abc", ""],
    ]
    report = svc.import_devices(_xlsx(rows), actor=world.admin)
    assert (report.created, report.updated) == (1, 1)
    assert [n for n, _ in report.errors] == [4, 5, 6]
    assert "找不到" in report.errors[1][1] and "数字" in report.errors[2][1]
    assert report.warnings and "备注" in report.warnings[0]
    assert report.credentials[0]["code"] == "CHG-IMP-01"
    assert Device.objects.get(code=devices.gas4.code).name == "改名的四合一"


def test_override_changes_the_effective_rule_and_is_recorded(
    world: Any, devices: Any, pipeline: Any, clock: Any
) -> None:
    from anjian.monitoring.models import Alarm

    rule = Rule.objects.get(pack__device_type__code="restaurant_gas", code="lel")
    with pytest.raises(ValidationError):
        svc.set_override(
            actor=world.admin, rule=rule, enterprise=world.ent_a2, values={"warn_high": 60}, reason="x"
        )
    with pytest.raises(ValidationError):
        svc.set_override(
            actor=world.admin, rule=rule, enterprise=world.ent_a2, values={"warn_high": 20}, reason=""
        )
    o = svc.set_override(
        actor=world.admin,
        rule=rule,
        enterprise=world.ent_a2,
        values={"warn_high": 20},
        reason="厨房通风差，提前预警",
    )
    assert o.created_by == world.admin
    assert [r.warn_high for r in effective_rules(devices.kitchen) if r.code == "lel"] == [20.0]
    pipeline.registry.refresh_if_changed(every_s=0)
    pipeline.process([msg(devices.kitchen, clock(), 1, lel=22, valve_closed=1)])
    assert Alarm.objects.filter(device=devices.kitchen, rule=rule, level=1).exists()
    second = svc.set_override(
        actor=world.admin, rule=rule, enterprise=world.ent_a2, values={"warn_high": 22}, reason="再调整"
    )
    assert RuleOverride.objects.filter(voided_at__isnull=True).get() == second
    svc.void_override(second, actor=world.admin, reason="恢复默认")
    assert [r.warn_high for r in effective_rules(devices.kitchen) if r.code == "lel"] == [25.0]
    with pytest.raises(Exception):  # noqa: B017 (PermissionDeniedError: community workers may not)
        svc.set_override(
            actor=world.worker_a, rule=rule, enterprise=world.ent_a2, values={"warn_high": 20}, reason="x"
        )


def test_rollups_and_retention(devices: Any, pipeline: Any, clock: Any) -> None:
    from anjian.monitoring import jobs

    backend, conn = store.backend(), store.connection()
    t = clock() - clock() % 60_000 - 120_000
    pipeline.process([msg(devices.gas4, t + i * 10_000, i, o2=20.0 + i / 10, lel=i) for i in range(6)])
    backend.rollup(conn, t - 60_000, t + 120_000)
    rows = backend.fetch_rollup(conn, "minute", devices.gas4.pk, t - 60_000, t + 120_000)
    o2 = [r for r in rows if r[1] == "o2"]
    assert len(o2) == 1 and o2[0][2] == 6
    assert o2[0][3] == pytest.approx(20.0) and o2[0][4] == pytest.approx(20.5)
    assert backend.fetch_rollup(conn, "hour", devices.gas4.pk, t - 3_600_000, t + 3_600_000)
    deleted = backend.apply_retention(conn, t + 40 * 86_400_000, 30, 180, 730)
    assert backend.count(conn, devices.gas4.pk) == 0
    assert deleted["raw_deleted"] + deleted["partitions_dropped"] >= 1
    assert set(jobs.every_minute()) == {"offline", "escalated", "minute_rows", "hour_rows"}


def test_chart_data_has_thresholds(world: Any, devices: Any, pipeline: Any, clock: Any) -> None:
    pipeline.process([msg(devices.gas4, clock() - 5000, 1, o2=20.9, lel=1, h2s=0, co=2)])
    data = world.client(world.admin).get(f"/monitoring/devices/{devices.gas4.pk}/readings/?range=1h").json()
    o2 = next(m for m in data["metrics"] if m["name"] == "o2")
    assert o2["points"][0][1] == 20.9
    assert {t["value"] for t in o2["thresholds"]} == {19.5, 18.0, 23.5}
    assert world.client(world.admin).get(f"/monitoring/devices/{devices.gas4.pk}/readings/?range=30d").json()[
        "grain"
    ] in ("hour", "minute")
