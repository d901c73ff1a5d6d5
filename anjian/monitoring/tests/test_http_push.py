"""HTTP push contract (CONTRACTS.md §4): 202 with counts and per-message results, 401 JSON for a bad
token, more than 1000 messages refused as a whole, device mismatch, same pipeline (alarms)."""

from __future__ import annotations

from typing import Any

import orjson
from django.test import Client

from anjian.monitoring import store
from anjian.monitoring.models import Alarm, IngestStat

URL = "/api/v1/ingest/telemetry"


def push(body: Any, token: str | None) -> Any:
    headers = {"X-Device-Token": token} if token is not None else {}
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    return Client().post(URL, raw, content_type="application/json", headers=headers)


def test_single_message_is_accepted(devices: Any, clock: Any) -> None:
    body = {
        "device": devices.gas4.code,
        "ts": clock(),
        "seq": 1,
        "metrics": {"o2": 20.9, "lel": 0, "h2s": 0, "co": 1},
    }
    r = push(body, devices.tokens[devices.gas4.code])
    assert r.status_code == 202
    assert r.json() == {
        "accepted": 1,
        "duplicate": 0,
        "rejected": 0,
        "results": [{"index": 0, "status": "accepted"}],
    }
    assert store.backend().count(store.connection(), devices.gas4.pk) == 1


def test_batch_counts_and_reasons(devices: Any, clock: Any) -> None:
    code = devices.kitchen.code
    t = clock()
    messages = [
        {"device": code, "ts": t, "seq": 1, "metrics": {"lel": 3, "valve_closed": 0}},
        {"device": code, "ts": t, "seq": 1, "metrics": {"lel": 3, "valve_closed": 0}},
        {"device": code, "ts": t + 1000, "seq": 2, "metrics": {"lel": "high"}},
        {"device": "SOMEONE-ELSE", "ts": t + 2000, "seq": 3, "metrics": {"lel": 3}},
        {"device": code, "ts": "2026-01-01 10:00", "seq": 4, "metrics": {"lel": 3}},
        {"device": code, "ts": t + 3000, "seq": 5, "metrics": {"lel": 60, "valve_closed": 0}},
    ]
    r = push({"messages": messages}, devices.tokens[code])
    assert r.status_code == 202
    data = r.json()
    assert (data["accepted"], data["duplicate"], data["rejected"]) == (2, 1, 3)
    assert [x["status"] for x in data["results"]] == [
        "accepted",
        "duplicate",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    assert [x.get("reason") for x in data["results"]][2:5] == [
        "metric_not_number",
        "device_mismatch",
        "bad_ts",
    ]
    assert data["results"][2]["message"].startswith("指标值不是数字")
    assert Alarm.objects.filter(device=devices.kitchen, rule__code="lel", level=2).exists()


def test_bad_token_answers_401_json(devices: Any, clock: Any) -> None:
    body = {"ts": clock(), "seq": 1, "metrics": {"o2": 20.9}}
    for token in (None, "", "ajt_wrong"):
        r = push(body, token)
        assert r.status_code == 401
        assert r.json()["error"]["code"] == "not_authenticated"
        assert "令牌" in r.json()["error"]["message"]
    assert store.backend().count(store.connection()) == 0


def test_token_of_decommissioned_device_is_refused(devices: Any, clock: Any, world: Any) -> None:
    from anjian.monitoring.services.devices import decommission_device

    decommission_device(devices.gas4, actor=world.admin, reason="设备报废")
    r = push({"ts": clock(), "seq": 1, "metrics": {"o2": 20.9}}, devices.tokens[devices.gas4.code])
    assert r.status_code == 401


def test_more_than_1000_messages_are_refused_whole(devices: Any, clock: Any) -> None:
    code = devices.gas4.code
    messages = [{"device": code, "ts": clock() + i, "seq": i, "metrics": {"o2": 20.9}} for i in range(1001)]
    r = push({"messages": messages}, devices.tokens[code])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "too_many_messages"
    assert "1000" in r.json()["error"]["message"]
    assert store.backend().count(store.connection()) == 0
    r = push({"messages": messages[:1000]}, devices.tokens[code])
    assert r.status_code == 202 and r.json()["accepted"] == 1000


def test_malformed_body_is_400_and_counted(devices: Any) -> None:
    r = push(b"{nope", devices.tokens[devices.gas4.code])
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "malformed_json"
    assert IngestStat.objects.get(reason="malformed_json", source="http").count == 1


def test_message_without_device_uses_the_token_device(devices: Any, clock: Any) -> None:
    r = push({"ts": clock(), "metrics": {"o2": 17.0}}, devices.tokens[devices.gas4.code])
    assert r.status_code == 202 and r.json()["accepted"] == 1
    assert Alarm.objects.get(device=devices.gas4, rule__code="o2").level == 1
