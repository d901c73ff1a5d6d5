"""The sensor simulator behind `anjian simulate`: realistic telemetry for registered devices at their reporting
intervals, over MQTT (one publisher connection, QoS 1) or HTTP push (each device with its own token), with
injected incidents: a gas leak rising over minutes, O₂ dropping in a tank, a charging point overheating,
a plating tank running low with the heater on, a device going silent."""

from __future__ import annotations

import datetime as dt
import heapq
import json
import random
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson

from anjian.monitoring.demo import normal_metrics

CST = dt.timezone(dt.timedelta(hours=8))


@dataclass
class SimDevice:
    """A device as the simulator drives it."""

    id: int
    code: str
    type_code: str
    interval_s: float
    token: str = ""
    seq: int = 0
    incident: Incident | None = None
    battery: float = 95.0


@dataclass
class Incident:
    """An abnormal episode on one device: `shape(elapsed_s, metrics)` changes the readings; silence drops them."""

    kind: str
    label: str
    started: float
    duration: float
    shape: Callable[[float, dict[str, float]], dict[str, float] | None] = field(repr=False)

    def done(self, now: float) -> bool:
        return now - self.started >= self.duration


def _ramp(elapsed: float, rise_s: float, hold_s: float, fall_s: float, base: float, peak: float) -> float:
    if elapsed < rise_s:
        return base + (peak - base) * elapsed / rise_s
    if elapsed < rise_s + hold_s:
        return peak
    t = elapsed - rise_s - hold_s
    return max(base, peak - (peak - base) * t / fall_s)


def make_incident(device: SimDevice, rng: random.Random, now: float, speed: float) -> Incident | None:
    """A random incident that fits the device type (times in simulated seconds, divided by `speed`)."""
    k = device.type_code
    s = 1.0 / speed
    choices: list[str] = {
        "restaurant_gas": ["gas_leak", "gas_leak", "silent"],
        "gas4": ["o2_drop", "h2s", "lel", "silent"],
        "ebike_charger": ["overheat", "overheat", "silent"],
        "plating_tank": ["low_level", "silent"],
        "smoke": ["smoke", "silent"],
        "electrical_fire": ["leakage", "silent"],
    }.get(k, ["silent"])
    kind = rng.choice(choices)
    if kind == "silent":
        return Incident(kind, "设备离线（停止上报）", now, device.interval_s * 4.5 * s, lambda e, m: None)
    if kind == "gas_leak":
        peak = rng.uniform(40, 68)
        valve_at = rng.choice([20.0, 45.0, 1e9])  # closes quickly, late (valve alarm) or never until recovery
        rise, hold, fall = 180.0, 60.0, 120.0

        def gas(e: float, m: dict[str, float]) -> dict[str, float]:
            e *= speed
            lel = _ramp(e, rise, hold, fall, 1.0, peak)
            m["lel"] = round(lel + rng.uniform(-0.5, 0.5), 1)
            above = e > rise * (25 - 1) / (peak - 1)
            m["valve_closed"] = 1 if above and e - rise * (25 - 1) / (peak - 1) >= valve_at else 0
            if e > rise + hold:
                m["valve_closed"] = 1
            return m

        return Incident(kind, "燃气泄漏", now, (rise + hold + fall) * s, gas)
    if kind == "o2_drop":

        def o2(e: float, m: dict[str, float]) -> dict[str, float]:
            m["o2"] = round(_ramp(e * speed, 120, 60, 90, 20.9, 17.4) + rng.uniform(-0.05, 0.05), 2)
            return m

        return Incident(kind, "罐内缺氧", now, 270 * s, o2)
    if kind in ("h2s", "lel"):
        peak = 26.0 if kind == "h2s" else 58.0

        def toxic(e: float, m: dict[str, float]) -> dict[str, float]:
            m[kind] = round(_ramp(e * speed, 150, 40, 90, m.get(kind, 0.5), peak), 2)
            return m

        return Incident(kind, "有毒气体超标" if kind == "h2s" else "可燃气体聚集", now, 280 * s, toxic)
    if kind == "overheat":
        smoke_at = rng.choice([200.0, 1e9])

        def heat(e: float, m: dict[str, float]) -> dict[str, float]:
            e *= speed
            m["temp"] = round(
                _ramp(e, 300, 60, 180, 38.0, 86.0) + (e / 30.0 if e < 120 else 0) + rng.uniform(-0.4, 0.4), 1
            )
            m["current"] = round(m.get("current", 6.0) + (10 if 60 < e < 300 else 0), 2)
            m["smoke"] = 1 if smoke_at <= e <= 360 else 0
            return m

        return Incident(kind, "充电过热", now, 540 * s, heat)
    if kind == "low_level":

        def tank(e: float, m: dict[str, float]) -> dict[str, float]:
            m["level"] = round(_ramp(e * speed, 240, 120, 120, 78.0, 16.0), 1)
            m["power"] = 2400.0
            return m

        return Incident(kind, "低液位加热", now, 480 * s, tank)
    if kind == "smoke":

        def smoke(e: float, m: dict[str, float]) -> dict[str, float]:
            m["smoke"] = 1 if e * speed < 150 else 0
            m["temp"] = round(m.get("temp", 26) + (12 if e * speed < 150 else 0), 1)
            return m

        return Incident(kind, "烟雾", now, 200 * s, smoke)

    def leak(e: float, m: dict[str, float]) -> dict[str, float]:
        m["residual_current"] = round(_ramp(e * speed, 240, 60, 120, 45.0, 560.0), 0)
        return m

    return Incident("leakage", "线路漏电", now, 420 * s, leak)


class MqttSender:
    """Publishes for every simulated device over one connection (QoS 1)."""

    def __init__(self, url: str, prefix: str = "anjian/v1", client_id: str = "") -> None:
        import paho.mqtt.client as mqtt

        from anjian.monitoring.ingest.mqtt import BrokerConfig

        self.prefix = prefix.rstrip("/")
        broker = BrokerConfig.from_url(url)
        self.client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=client_id or f"anjian-simulator-{random.randint(0, 99999)}",
        )
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password or None)
        if broker.tls:
            self.client.tls_set()
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(100_000)
        self.client.connect(broker.host, broker.port, keepalive=30)
        self.client.loop_start()
        self.display = broker.display

    def send(self, device: SimDevice, kind: str, body: dict[str, Any]) -> bool:
        info = self.client.publish(f"{self.prefix}/{device.code}/{kind}", orjson.dumps(body), qos=1)
        return info.rc == 0

    def close(self) -> None:
        time.sleep(0.5)
        self.client.disconnect()
        self.client.loop_stop()


class HttpSender:
    """POSTs each device's readings to the HTTP push endpoint with that device's token."""

    def __init__(self, base_url: str) -> None:
        self.url = base_url.rstrip("/") + "/api/v1/ingest/telemetry"
        self.display = self.url

    def send(self, device: SimDevice, kind: str, body: dict[str, Any]) -> bool:
        if kind != "telemetry" or not device.token:
            return False
        req = urllib.request.Request(  # noqa: S310 (the URL is the operator's own server)
            self.url,
            data=json.dumps({"device": device.code, **body}).encode(),
            headers={"Content-Type": "application/json", "X-Device-Token": device.token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                return bool(resp.status == 202)
        except (urllib.error.URLError, TimeoutError, ConnectionError):
            return False

    def close(self) -> None:
        """Nothing to close: every request has its own connection."""


class Simulator:
    """Drives devices on a schedule (a heap of due times), starts incidents now and then."""

    def __init__(
        self,
        devices: list[SimDevice],
        sender: Any,
        *,
        incidents: bool = True,
        speed: float = 1.0,
        seed: int | None = None,
        incident_every_s: float = 60.0,
        max_incidents: int = 3,
        iso_timestamps: bool = False,
        say: Callable[[str], None] = lambda text: None,
    ) -> None:
        self.devices = devices
        self.sender = sender
        self.incidents = incidents
        self.speed = max(speed, 0.01)
        self.rng = random.Random(seed)
        self.incident_every = incident_every_s / self.speed
        self.max_incidents = max_incidents
        self.iso = iso_timestamps
        self.say = say
        self.stop = threading.Event()
        self.sent = 0
        self.failed = 0

    def _body(self, d: SimDevice, now: float) -> tuple[str, dict[str, Any]] | None:
        metrics = normal_metrics(d.type_code, self.rng, time.time(), phase=(d.id % 97) / 15.0)
        if "battery" in metrics:
            d.battery = max(5.0, d.battery - self.rng.uniform(0, 0.002))
            metrics["battery"] = round(d.battery, 1)
        if d.incident is not None:
            if d.incident.done(now):
                self.say(f"  事件结束：{d.code} {d.incident.label}")
                d.incident = None
            else:
                shaped = d.incident.shape(now - d.incident.started, metrics)
                if shaped is None:
                    return None
                metrics = shaped
        d.seq += 1
        ts_ms = time.time_ns() // 1_000_000
        ts: Any = (
            dt.datetime.fromtimestamp(ts_ms / 1000, CST).isoformat(timespec="milliseconds")
            if self.iso
            else ts_ms
        )
        return "telemetry", {"ts": ts, "seq": d.seq, "metrics": metrics}

    def run(self, duration_s: float = 0.0) -> None:
        start = time.monotonic()
        heap: list[tuple[float, int]] = []
        for i, d in enumerate(self.devices):
            heapq.heappush(heap, (start + self.rng.uniform(0, d.interval_s / self.speed), i))
        next_incident = start + min(20.0, self.incident_every) / 1.0
        while not self.stop.is_set() and heap:
            now = time.monotonic()
            if duration_s and now - start >= duration_s:
                break
            due, i = heap[0]
            if due > now:
                self.stop.wait(min(due - now, 0.5))
                continue
            heapq.heappop(heap)
            d = self.devices[i]
            message = self._body(d, now)
            if message is not None:
                if self.sender.send(d, *message):
                    self.sent += 1
                else:
                    self.failed += 1
            heapq.heappush(heap, (due + d.interval_s / self.speed, i))
            if self.incidents and now >= next_incident:
                self._start_incident(now)
                next_incident = now + self.rng.uniform(0.6, 1.4) * self.incident_every
        self.sender.close()

    def _start_incident(self, now: float) -> None:
        busy = [d for d in self.devices if d.incident is not None]
        if len(busy) >= self.max_incidents:
            return
        idle = [d for d in self.devices if d.incident is None]
        if not idle:
            return
        d = self.rng.choice(idle)
        d.incident = make_incident(d, self.rng, now, self.speed)
        if d.incident is not None:
            self.say(f"  注入事件：{d.code} {d.incident.label}")
