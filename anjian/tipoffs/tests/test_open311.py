"""Open311 GeoReport v2 from the outside, as a client following the spec would use it."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from anjian.tipoffs import services
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.tests.conftest import REPORTER_EMAIL, REPORTER_NAME, REPORTER_PHONE, to_verified

BASE = "/open311/v2"


def text(root: ET.Element, path: str) -> str:
    found = root.find(path)
    assert found is not None and found.text is not None, path
    return found.text


def parse_xml(content: bytes) -> ET.Element:
    return ET.fromstring(content)  # noqa: S314 — our own answer, not untrusted input


def test_client_flow_list_post_read_back(world):
    client = Client()
    services = client.get(f"{BASE}/services.json").json()
    codes = [s["service_code"] for s in services]
    assert "fire_exit" in codes and "concealed_accident" in codes
    first = services[0]
    assert set(first) >= {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert first["metadata"] is False and first["type"] == "realtime"
    definition = client.get(f"{BASE}/services/fire_exit.json").json()
    assert definition == {"service_code": "fire_exit", "attributes": []}

    created = client.post(
        f"{BASE}/requests.json",
        {
            "service_code": "fire_exit",
            "description": "商场负一层安全出口被锁，门口堆放货物。",
            "lat": "22.6002",
            "long": "113.8503",
            "address_string": "甲社区工业路 8 号负一层",
            "first_name": "举报人",
            "last_name": "张",
            "phone": REPORTER_PHONE,
            "email": REPORTER_EMAIL,
            "device_id": "device-xyz-123",
        },
        REMOTE_ADDR="192.0.2.10",
    )
    assert created.status_code == 201
    [answer] = created.json()
    request_id, token = answer["service_request_id"], answer["token"]
    assert request_id.startswith("JB") and token

    [one] = client.get(f"{BASE}/requests/{request_id}.json").json()
    assert one["service_request_id"] == request_id and one["status"] == "open"
    assert one["service_code"] == "fire_exit" and one["lat"] == pytest.approx(22.6002)
    assert one["long"] == pytest.approx(113.8503) and one["address"] == "甲社区工业路 8 号负一层"
    assert one["requested_datetime"].endswith("+08:00") and one["updated_datetime"]
    assert "agency_responsible" in one and "status_notes" in one and "media_url" in one
    listed = client.get(f"{BASE}/requests.json", {"service_request_id": request_id}).json()
    assert [r["service_request_id"] for r in listed] == [request_id]

    for body in (json.dumps(one, ensure_ascii=False), json.dumps(listed, ensure_ascii=False)):
        for secret in (
            REPORTER_PHONE,
            REPORTER_NAME,
            "张",
            REPORTER_EMAIL,
            "device-xyz-123",
            "负一层安全出口被锁",
        ):
            assert secret not in body.replace("甲社区工业路 8 号负一层", "")
    # The token is the reporter's query secret.
    page = Client().post("/report/status/", {"code": request_id, "secret": token})
    assert page.status_code == 200


def test_post_json_body(world):
    response = Client().post(
        f"{BASE}/requests.json",
        data=json.dumps(
            {
                "service_code": "gas",
                "description": "饭店后厨燃气味很重",
                "address_string": "甲社区美食街 3 号",
            }
        ),
        content_type="application/json",
        REMOTE_ADDR="192.0.2.11",
    )
    assert response.status_code == 201
    assert Tipoff.objects.get().category.code == "gas"


def test_errors_in_georeport_format(world):
    client = Client()
    missing = client.post(f"{BASE}/requests.json", {"description": "x"}, REMOTE_ADDR="192.0.2.12")
    assert missing.status_code == 400
    [err] = missing.json()
    assert err["code"] == 400 and "service_code" in err["description"]
    no_place = client.post(
        f"{BASE}/requests.json",
        {"service_code": "gas", "description": "燃气味很重"},
        REMOTE_ADDR="192.0.2.12",
    )
    assert no_place.status_code == 400 and "地点" in no_place.json()[0]["description"]
    bad_json = client.post(f"{BASE}/requests.json", data="{oops", content_type="application/json")
    assert bad_json.status_code == 400 and bad_json.json()[0]["code"] == 400
    unknown = client.get(f"{BASE}/requests/JB000000-XXXX.json")
    assert unknown.status_code == 404 and unknown.json()[0]["code"] == 404
    assert client.get(f"{BASE}/services/nope.json").status_code == 404
    assert client.get(f"{BASE}/services.txt").json()[0]["code"] == 404
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400
    assert client.get(f"{BASE}/requests.json", {"start_date": "yesterday"}).status_code == 400


def test_filters_status_dates_and_service_code(world):
    from anjian.tipoffs.tests.conftest import submit

    gas, _ = submit(world, code="gas", lat=22.65, lng=113.80, description="燃气瓶放在后门")
    fire, _ = submit(world, description="安全出口锁闭")
    services.reject_tip(gas.pk, actor=world.tip_officer, reason="重复举报")
    client = Client()
    closed = client.get(f"{BASE}/requests.json", {"status": "closed"}).json()
    assert [r["service_request_id"] for r in closed] == [gas.code]
    open_ = client.get(f"{BASE}/requests.json", {"status": "open"}).json()
    assert [r["service_request_id"] for r in open_] == [fire.code]
    by_code = client.get(f"{BASE}/requests.json", {"service_code": "gas"}).json()
    assert [r["service_request_id"] for r in by_code] == [gas.code]
    future = client.get(f"{BASE}/requests.json", {"start_date": "2099-01-01T00:00:00+08:00"}).json()
    assert future == []
    past = client.get(f"{BASE}/requests.json", {"end_date": "2000-01-01"}).json()
    assert past == []


def test_status_notes_never_show_internal_text(world):
    from anjian.tipoffs.tests.conftest import submit

    tip, _ = submit(world)
    to_verified(world, tip)
    [one] = Client().get(f"{BASE}/requests/{tip.code}.json").json()
    assert one["status_notes"] == "经核查，举报事项属实，正在依法处理。"
    assert "现场核实" not in json.dumps(one, ensure_ascii=False)
    assert one["agency_responsible"] == "甲社区 · 甲一网格"


def test_xml_format(world):
    client = Client()
    services_xml = client.get(f"{BASE}/services.xml")
    assert services_xml["Content-Type"].startswith("text/xml")
    root = parse_xml(services_xml.content)
    assert root.tag == "services" and root.find("service/service_code") is not None
    created = client.post(
        f"{BASE}/requests.xml",
        {"service_code": "ebike", "description": "楼道里给电动车充电", "address_string": "乙社区 5 栋"},
        REMOTE_ADDR="192.0.2.13",
    )
    assert created.status_code == 201
    request_id = text(parse_xml(created.content), "request/service_request_id")
    one = parse_xml(client.get(f"{BASE}/requests/{request_id}.xml").content)
    assert one.tag == "service_requests" and text(one, "request/status") == "open"
    error = parse_xml(client.get(f"{BASE}/services/nope.xml").content)
    assert error.tag == "errors" and text(error, "error/code") == "404"


def test_anonymous_posts_are_rate_limited_per_address(world, settings):
    settings.TIPOFF_RATE_PER_HOUR = 2
    body = {"service_code": "ebike", "description": "楼道里给电动车充电", "address_string": "乙社区 5 栋"}
    client = Client()
    assert client.post(f"{BASE}/requests.json", body, REMOTE_ADDR="192.0.2.20").status_code == 201
    assert client.post(f"{BASE}/requests.json", body, REMOTE_ADDR="192.0.2.20").status_code == 201
    limited = client.post(f"{BASE}/requests.json", body, REMOTE_ADDR="192.0.2.20")
    assert limited.status_code == 429 and limited.json()[0]["code"] == 429
    assert client.post(f"{BASE}/requests.json", body, REMOTE_ADDR="192.0.2.21").status_code == 201


def test_api_key_attributes_to_partner_app(world, settings):
    settings.TIPOFF_RATE_PER_HOUR = 1
    app, key = services.create_partner_app(actor=world.admin, name="随手拍 App", rate_per_hour=50)
    body = {
        "service_code": "ebike",
        "description": "楼道里给电动车充电",
        "address_string": "乙社区 5 栋",
        "api_key": key,
    }
    for _ in range(3):  # the partner's own bucket, not the anonymous one
        assert Client().post(f"{BASE}/requests.json", body, REMOTE_ADDR="192.0.2.30").status_code == 201
    assert Tipoff.objects.filter(partner=app, channel="partner").count() == 3
    bad = Client().post(f"{BASE}/requests.json", dict(body, api_key="ak_wrong"), REMOTE_ADDR="192.0.2.31")
    assert bad.status_code == 403
    services.deactivate_partner_app(app.pk, actor=world.admin, reason="合作结束")
    assert Client().post(f"{BASE}/requests.json", body, REMOTE_ADDR="192.0.2.30").status_code == 403


def test_body_size_limit(world, settings):
    settings.TIPOFF_MAX_BODY_BYTES = 64 * 1024
    response = Client().post(
        f"{BASE}/requests.json",
        data="x" * (70 * 1024),
        content_type="application/json",
        REMOTE_ADDR="192.0.2.40",
    )
    assert response.status_code == 413
