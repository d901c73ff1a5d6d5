"""Demo devices on the demo street's enterprises: 4-gas detectors in confined spaces, gas detectors in
restaurants, e-bike chargers, plating-tank sensors, smoke and electrical-fire detectors; six hours of
normal readings so the charts are not empty, and a few closed alarms of past days.

Seeded data, not user actions: rows are created in bulk and the run writes one audit entry. The plain
credentials of demo devices go to var/demo-device-credentials.json (the simulator's HTTP mode uses them)."""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.context import origin
from anjian.monitoring import credentials, store
from anjian.monitoring.choices import AlarmEventType, AlarmState, DeviceStatus
from anjian.monitoring.models import Alarm, AlarmEvent, Device, DeviceType, Rule

CREDENTIALS_FILE = "demo-device-credentials.json"
# key-supervision category → (device type, devices per site, code prefix, locations)
PLAN: list[tuple[str, str, int, str, list[str]]] = [
    ("confined_space", "gas4", 2, "GAS4", ["1号污水井", "化粪池", "地下污水泵房", "隔油池检修口"]),
    ("gas_catering", "restaurant_gas", 1, "KGAS", ["后厨灶台", "燃气表间"]),
    ("ebike_charging", "ebike_charger", 2, "CHG", ["一号充电柜", "二号充电柜", "车棚充电桩 A 区"]),
    ("electroplating", "plating_tank", 2, "TANK", ["镀镍槽", "镀铬槽", "酸洗槽", "镀锌槽"]),
    ("three_small", "smoke", 1, "SMK", ["店内天花", "二楼宿舍走廊"]),
    ("industrial_park", "electrical_fire", 1, "EFM", ["一层总配电箱", "车间动力柜"]),
]
PER_CATEGORY = {
    "confined_space": 12,
    "gas_catering": 15,
    "ebike_charging": 10,
    "electroplating": 12,
    "three_small": 12,
    "industrial_park": 8,
}
HISTORY_HOURS = 6


def normal_metrics(
    type_code: str, rng: random.Random, t: float = 0.0, phase: float = 0.0
) -> dict[str, float]:
    """Plausible readings of a healthy device at time `t` (seconds): slow waves plus a little noise, so that
    rates of change stay realistic (the simulator uses the same baseline)."""
    import math

    wave = math.sin(t / 900.0 + phase)
    if type_code == "gas4":
        return {
            "o2": round(20.9 + rng.uniform(-0.15, 0.1), 2),
            "lel": round(max(0.0, rng.uniform(0, 1.5)), 1),
            "h2s": round(max(0.0, rng.uniform(0, 0.8)), 2),
            "co": round(max(0.0, 1.5 + rng.uniform(-1, 2)), 1),
            "battery": round(88 + 6 * math.sin(t / 86400.0 + phase), 1),
        }
    if type_code == "restaurant_gas":
        return {"lel": round(max(0.0, rng.uniform(0, 2.0)), 1), "valve_closed": 0}
    if type_code == "smoke":
        return {"smoke": 0, "temp": round(26 + 2 * wave + rng.uniform(-0.3, 0.3), 1), "battery": 88.0}
    if type_code == "ebike_charger":
        load = (1 + math.sin(t / 1800.0 + phase)) / 2  # share of bays charging, slowly varying
        current = round(max(0.0, 9.0 * load + rng.uniform(-0.3, 0.3)), 2)
        return {
            "temp": round(31 + 7 * load + rng.uniform(-0.3, 0.3), 1),
            "current": current,
            "voltage": round(220 + rng.uniform(-3, 3), 1),
            "power": round(current * 220, 0),
            "smoke": 0,
        }
    if type_code == "plating_tank":
        return {
            "temp": round(45 + 3 * wave + rng.uniform(-0.6, 0.6), 1),
            "level": round(78 + rng.uniform(-2, 2), 1),
            "power": round(rng.choice([0, 0, 2400]) + rng.uniform(0, 30), 0),
        }
    return {
        "residual_current": round(45 + 10 * wave + rng.uniform(-5, 5), 0),
        "temp": round(33 + 3 * wave + rng.uniform(-0.5, 0.5), 1),
        "current": round(60 + 20 * wave + rng.uniform(-4, 4), 1),
        "voltage": round(380 + rng.uniform(-5, 5), 1),
    }


def credentials_path() -> Path:
    return Path(settings.VAR_DIR) / CREDENTIALS_FILE


def seed(stdout: Any = None, *, seed_value: int = 2026, history: bool = True) -> int:
    """Create the demo devices (once: codes already present are skipped); returns how many were created."""
    from anjian.enterprises.models import Enterprise

    rng = random.Random(seed_value)
    say = (lambda text: stdout.write(text + "\n")) if stdout is not None else (lambda text: None)
    types = {t.code: t for t in DeviceType.objects.all()}
    secrets: dict[str, dict[str, str]] = {}
    path = credentials_path()
    if path.exists():
        secrets = json.loads(path.read_text(encoding="utf-8"))
    created: list[Device] = []
    now = timezone.now()
    with transaction.atomic(), origin("cli"):
        for category, type_code, per_site, prefix, locations in PLAN:
            dtype = types[type_code]
            sites = list(
                Enterprise.objects.filter(categories__code=category, status="operating").order_by("pk")[
                    : PER_CATEGORY[category]
                ]
            )
            for ent in sites:
                for n in range(1, per_site + 1):
                    code = f"{prefix}-{ent.pk:05d}-{n:02d}"
                    if Device.objects.filter(code=code).exists():
                        continue
                    password, token = credentials.new_password(), credentials.new_token()
                    lat = ent.lat + rng.uniform(-0.0004, 0.0004) if ent.lat is not None else None
                    lng = ent.lng + rng.uniform(-0.0004, 0.0004) if ent.lng is not None else None
                    created.append(
                        Device(
                            code=code,
                            name=f"{locations[(n - 1) % len(locations)]}{dtype.name}",
                            type=dtype,
                            enterprise=ent,
                            community_id=ent.community_id,
                            grid_id=ent.grid_id,
                            location=locations[(n - 1) % len(locations)],
                            lat=lat,
                            lng=lng,
                            reporting_interval_s=dtype.default_interval_s,
                            rated_current=16.0 if type_code == "ebike_charger" else None,
                            mqtt_password_hash=credentials.mosquitto_hash(password),
                            http_token_hash=credentials.token_hash(token),
                            http_token_hint=token[:8],
                            credentials_issued_at=now,
                            status=DeviceStatus.UNKNOWN,
                        )
                    )
                    secrets[code] = {"mqtt_password": password, "http_token": token}
        Device.objects.bulk_create(created, batch_size=500)
        if created:
            audit.record(
                actor=None,
                action="monitoring.demo_seed",
                object_type="monitoring.device",
                note=f"演示设备 {len(created)} 台",
            )
            _past_alarms(rng, created, now)
    if created:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(secrets, ensure_ascii=False, indent=1), encoding="utf-8")
        path.chmod(0o600)
        if history:
            rows = _history(rng, created, now)
            say(f"  演示设备读数：{rows} 条（最近 {HISTORY_HOURS} 小时）")
    say(f"  演示监测设备：新增 {len(created)} 台")
    return len(created)


def _history(rng: random.Random, devices: list[Device], now: dt.datetime) -> int:
    """Normal readings for the last hours, one a minute (or the device interval if longer), and rollups."""
    backend = store.backend()
    conn = connections["default"]
    end_ms = int(now.timestamp() * 1000)
    start_ms = end_ms - HISTORY_HOURS * 3_600_000
    from anjian.monitoring.ingest.pipeline import _days

    backend.ensure_partitions(conn, _days([start_ms, end_ms]))
    total = 0
    rows: list[tuple[int, int, int | None, str]] = []
    saved = Device.objects.filter(code__in=[d.code for d in devices]).select_related("type")
    with transaction.atomic():
        for d in saved:
            step = max(60, d.reporting_interval_s) * 1000
            seq = 0
            last: dict[str, float] = {}
            for ts in range(start_ms, end_ms, step):
                seq += 1
                last = normal_metrics(d.type.code, rng, ts / 1000, phase=(d.pk % 97) / 15.0)
                rows.append((d.pk, ts, seq, json.dumps(last)))
                if len(rows) >= 5000:
                    backend.write(conn, rows)
                    total += len(rows)
                    rows = []
            Device.objects.filter(pk=d.pk).update(last_seq=seq, last_metrics=last)
        backend.write(conn, rows)
        total += len(rows)
        backend.rollup(conn, start_ms - start_ms % 60_000, end_ms)
    return total


def _past_alarms(rng: random.Random, devices: list[Device], now: dt.datetime) -> None:
    """A few alarms of the past days, handled and closed, so the alarm history is not empty."""
    from anjian.org.models import User

    saved = list(Device.objects.filter(code__in=[d.code for d in devices]).select_related("type"))
    handler = User.objects.filter(role__in=["grid_inspector", "community_worker"], is_active=True).first()
    stories = {
        "restaurant_gas": ("lel", 32.0, "现场检查为灶具连接软管老化渗漏，已关阀更换软管，复测正常。"),
        "gas4": ("h2s", 14.2, "作业前检测超标，已停止进入，强制通风 30 分钟后复测合格再作业。"),
        "ebike_charger": ("temp", 66.5, "电池老化发热，已断电移出车辆，通知车主更换电池。"),
        "plating_tank": ("level", 26.0, "补液泵故障致液位下降，已补液并检修补液泵。"),
        "smoke": ("smoke", 1.0, "住户做饭油烟触发，现场确认无火情。"),
        "electrical_fire": ("residual_current", 340.0, "潮湿导致线路漏电，已排查绝缘并加装防水盒。"),
    }
    rng.shuffle(saved)
    for i, d in enumerate(saved[:12]):
        metric, value, note = stories[d.type.code]
        rule = Rule.objects.filter(pack__device_type=d.type, metric=metric).exclude(kind="rate").first()
        if rule is None:
            continue
        first = now - dt.timedelta(days=1 + i % 6, hours=rng.randint(1, 10), minutes=rng.randint(0, 59))
        level = 2 if metric in ("smoke",) else 1
        alarm = Alarm.objects.create(
            device=d,
            rule=rule,
            enterprise_id=d.enterprise_id,
            community_id=d.community_id,
            grid_id=d.grid_id,
            level=level,
            state=AlarmState.CLOSED,
            metric=metric,
            value=value,
            peak_value=value,
            message=f"{rule.name}{'报警' if level == 2 else '预警'}：{value:g}",
            first_at=first,
            last_at=first + dt.timedelta(minutes=3),
            acknowledged_by=handler,
            acknowledged_at=first + dt.timedelta(minutes=2),
            cleared_at=first + dt.timedelta(minutes=9),
            closed_by=handler,
            closed_at=first + dt.timedelta(minutes=40),
            disposal_note=note,
            created_at=first,
        )
        for kind, minutes, params in (
            (AlarmEventType.RAISED, 0, {"summary": alarm.message}),
            (AlarmEventType.ACKNOWLEDGED, 2, {}),
            (AlarmEventType.CLEARED, 9, {}),
            (AlarmEventType.CLOSED, 40, {"note": note}),
        ):
            AlarmEvent.objects.create(
                alarm=alarm,
                type=kind,
                at=first + dt.timedelta(minutes=minutes),
                actor=handler if kind in (AlarmEventType.ACKNOWLEDGED, AlarmEventType.CLOSED) else None,
                params=params,
            )


def load_credentials() -> dict[str, dict[str, str]]:
    """The demo devices' plain credentials written by `seed` (empty when there are none)."""
    path = credentials_path()
    if not path.exists():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))
