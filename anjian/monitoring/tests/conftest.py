"""Fixtures of the monitoring tests: devices of each type on the shared `world`, a pipeline with a clock."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from anjian.conftest import restore_snapshot
from anjian.monitoring import credentials
from anjian.monitoring.ingest.pipeline import Inbound, Pipeline
from anjian.monitoring.models import Device, DeviceType


@dataclass
class Devices:
    gas4: Any  # community A, grid A1 (ent_a1)
    kitchen: Any  # restaurant gas, community A, grid A2 (ent_a2)
    charger: Any  # e-bike charger, community B (ent_b1)
    plating: Any  # plating tank at ent_a1
    smoke: Any  # smoke detector at ent_a2
    tokens: dict[str, str]


def make_device(code: str, type_code: str, enterprise: Any, **kw: Any) -> Device:
    dtype = DeviceType.objects.get(code=type_code)
    d = Device(
        code=code,
        name=kw.pop("name", f"{dtype.name}{code[-2:]}"),
        type=dtype,
        enterprise=enterprise,
        community_id=enterprise.community_id,
        grid_id=enterprise.grid_id,
        reporting_interval_s=kw.pop("reporting_interval_s", dtype.default_interval_s),
        location=kw.pop("location", "一号位置"),
        **kw,
    )
    d.save()
    return d


@pytest.fixture
def devices(world: Any) -> Devices:
    tokens = {}
    made = {}
    for code, type_code, ent in (
        ("GAS4-A1-01", "gas4", world.ent_a1),
        ("KITCHEN-A2-01", "restaurant_gas", world.ent_a2),
        ("CHG-B1-01", "ebike_charger", world.ent_b1),
        ("TANK-A1-01", "plating_tank", world.ent_a1),
        ("SMOKE-A2-01", "smoke", world.ent_a2),
    ):
        d = make_device(code, type_code, ent)
        token = credentials.new_token()
        d.http_token_hash = credentials.token_hash(token)
        d.save(update_fields=["http_token_hash"])
        tokens[code] = token
        made[type_code] = d
    return Devices(
        gas4=made["gas4"],
        kitchen=made["restaurant_gas"],
        charger=made["ebike_charger"],
        plating=made["plating_tank"],
        smoke=made["smoke"],
        tokens=tokens,
    )


class Clock:
    """A controllable wall clock in epoch milliseconds."""

    def __init__(self) -> None:
        self.ms = (int(time.time() * 1000) // 1000) * 1000

    def __call__(self) -> int:
        return self.ms

    def advance(self, seconds: float) -> int:
        self.ms += int(seconds * 1000)
        return self.ms


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def pipeline(db: Any, clock: Clock) -> Pipeline:
    return Pipeline("mqtt", clock=clock)


def msg(device: Any, ts_ms: int, seq: int | None, **metrics: float) -> Inbound:
    """An MQTT telemetry message as the consumer hands it to the pipeline."""
    body: dict[str, Any] = {"ts": ts_ms, "metrics": metrics}
    if seq is not None:
        body["seq"] = seq
    code = device if isinstance(device, str) else device.code
    return Inbound(code, "telemetry", orjson.dumps(body), ts_ms)


@pytest.fixture(autouse=True)
def _fresh_http_pipeline() -> Any:
    from anjian.monitoring.api import ingest

    ingest.reset_pipeline()
    yield
    ingest.reset_pipeline()


@pytest.fixture
def seeded(transactional_db: Any) -> None:
    """For transactional tests: the migrations' seed rows are there even if an earlier test flushed them."""
    restore_snapshot()
