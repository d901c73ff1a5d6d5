"""The hazard API: scoped lists with filters, create, transitions as POST actions (409 with the reason
when the state does not allow them, 403 for the wrong role, 404 outside the scope)."""

from __future__ import annotations

import datetime as dt

from rest_framework.test import APIClient

from anjian.hazards.models import Hazard
from anjian.hazards.tests.conftest import SIX_PARTS, photo, today


def api(user):
    c = APIClient()
    c.force_authenticate(user)
    return c


def test_list_filters_and_scope(world, make_hazard):
    h = make_hazard(title="配电箱")
    make_hazard(title="灭火器", category="fire")
    make_hazard(actor=world.inspector_b1, enterprise=world.ent_b1, title="乙一")
    data = api(world.admin).get("/api/v1/hazards/", {"category": "fire"}).json()
    assert [r["title"] for r in data["results"]] == ["灭火器"]
    data = api(world.officer_a).get("/api/v1/hazards/").json()
    assert {r["title"] for r in data["results"]} == {"配电箱", "灭火器"}
    assert api(world.officer_b).get(f"/api/v1/hazards/{h.pk}/").status_code == 404
    row = api(world.admin).get(f"/api/v1/hazards/{h.pk}/").json()
    assert row["code"] == h.code and row["state"] == "registered" and row["is_overdue"] is False
    bad = api(world.admin).get("/api/v1/hazards/", {"level": "nope"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_create_and_the_full_loop_over_the_api(world):
    c = api(world.inspector_a1)
    r = c.post(
        "/api/v1/hazards/",
        {
            "enterprise": world.ent_a1.pk,
            "title": "镀槽漏电保护失效",
            "deadline": (today() + dt.timedelta(days=5)).isoformat(),
            "responsible_name": "李四",
            "measures": "更换漏电保护器",
            "category": "electrical",
            "accident_type": "electrocution",
        },
        format="json",
    )
    assert r.status_code == 201, r.json()
    hid = r.json()["id"]
    officer = api(world.officer_a)
    assert officer.post(f"/api/v1/hazards/{hid}/start/", {}, format="json").status_code == 200
    r = officer.post(
        f"/api/v1/hazards/{hid}/submit/", {"note": "已更换", "photos": [photo()]}, format="multipart"
    )
    assert r.status_code == 200 and r.json()["state"] == "awaiting_verification"
    r = officer.post(f"/api/v1/hazards/{hid}/verify/", {"passed": True, "note": "自验"}, format="json")
    assert r.status_code == 403 and "企业不能复查" in r.json()["error"]["message"]
    r = c.post(f"/api/v1/hazards/{hid}/verify/", {"passed": True, "note": "复查通过"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "closed"
    events = c.get(f"/api/v1/hazards/{hid}/events/").json()
    assert [e["type"] for e in events] == [
        "registered",
        "rectification_started",
        "evidence_submitted",
        "verified_passed",
    ]


def test_transitions_not_allowed_answer_409_with_reason(world, make_hazard):
    h = make_hazard()
    c = api(world.inspector_a1)
    r = c.post(f"/api/v1/hazards/{h.pk}/verify/", {"passed": True, "note": "x"}, format="json")
    assert r.status_code == 409
    assert (
        r.json()["error"]["code"] == "conflict"
        and "只有“待复查”的隐患才能复查" in r.json()["error"]["message"]
    )
    r = api(world.officer_a).post(f"/api/v1/hazards/{h.pk}/submit/", {"note": "x"}, format="multipart")
    assert r.status_code == 409
    r = c.patch(f"/api/v1/hazards/{h.pk}/", {"current_deadline": "2030-01-01"}, format="json")
    assert r.status_code == 409 and "延期申请" in r.json()["error"]["message"]
    r = api(world.office).post(
        f"/api/v1/hazards/{h.pk}/supervise/", {"supervising_unit": "安委办"}, format="json"
    )
    assert r.status_code == 409
    r = api(world.officer_b).post(f"/api/v1/hazards/{h.pk}/start/", {}, format="json")
    assert r.status_code == 404


def test_extension_request_and_decision(world, make_hazard):
    h = make_hazard()
    new = (h.current_deadline + dt.timedelta(days=9)).isoformat()
    r = api(world.officer_a).post(
        f"/api/v1/hazards/{h.pk}/extensions/", {"requested_deadline": new, "reason": "缺件"}, format="json"
    )
    assert r.status_code == 201 and r.json()["status"] == "pending"
    ext_id = r.json()["id"]
    r = api(world.officer_a).post(
        f"/api/v1/hazards/{h.pk}/extensions/", {"requested_deadline": new, "reason": "again"}, format="json"
    )
    assert r.status_code == 409
    assert (
        api(world.officer_a)
        .post(f"/api/v1/hazard-extensions/{ext_id}/decide/", {"approve": True}, format="json")
        .status_code
        == 403
    )
    assert (
        api(world.worker_b)
        .post(f"/api/v1/hazard-extensions/{ext_id}/decide/", {"approve": True}, format="json")
        .status_code
        == 404
    )
    r = api(world.worker_a).post(
        f"/api/v1/hazard-extensions/{ext_id}/decide/", {"approve": True, "note": "同意"}, format="json"
    )
    assert r.status_code == 200 and r.json()["status"] == "approved"
    assert (
        api(world.worker_a)
        .post(f"/api/v1/hazard-extensions/{ext_id}/decide/", {"approve": False, "note": "x"}, format="json")
        .status_code
        == 409
    )
    row = api(world.admin).get(f"/api/v1/hazards/{h.pk}/").json()
    assert row["current_deadline"] == new and row["original_deadline"] != new


def test_major_plan_void_and_supervision_over_api(world, make_hazard, failed_result):
    result = failed_result(major=True)
    r = api(world.inspector_a1).post(
        "/api/v1/hazards/",
        {"inspection_result": result.pk, "deadline": (today() + dt.timedelta(days=30)).isoformat()},
        format="json",
    )
    assert r.status_code == 201 and r.json()["proposed_level"] == "major" and r.json()["level_pending"]
    hid = r.json()["id"]
    r = api(world.inspector_a1).post(
        "/api/v1/hazards/", {"inspection_result": result.pk, "deadline": today().isoformat()}, format="json"
    )
    assert r.status_code == 409 and "已生成隐患" in r.json()["error"]["message"]
    r = api(world.officer_a).post(f"/api/v1/hazards/{hid}/start/", {}, format="json")
    assert r.status_code == 409 and "确认等级" in r.json()["error"]["message"]
    assert (
        api(world.office)
        .post(f"/api/v1/hazards/{hid}/confirm-level/", {"level": "major"}, format="json")
        .status_code
        == 200
    )
    r = api(world.officer_a).post(f"/api/v1/hazards/{hid}/plan/", {**SIX_PARTS, "goals": ""}, format="json")
    assert r.status_code == 400 and "goals" in r.json()["error"]["fields"]
    assert (
        api(world.officer_a).post(f"/api/v1/hazards/{hid}/plan/", SIX_PARTS, format="json").status_code == 201
    )
    assert (
        api(world.office)
        .post(f"/api/v1/hazards/{hid}/supervise/", {"supervising_unit": "街道安委办"}, format="json")
        .status_code
        == 201
    )
    assert (
        api(world.officer_a)
        .post(f"/api/v1/hazards/{hid}/progress/", {"progress": "进行中", "percent": 20}, format="json")
        .status_code
        == 201
    )
    r = api(world.office).post(f"/api/v1/hazards/{hid}/void/", {"reason": ""}, format="json")
    assert r.status_code == 400 and "作废原因" in r.json()["error"]["message"]
    r = api(world.office).post(f"/api/v1/hazards/{hid}/void/", {"reason": "检查表选错"}, format="json")
    assert r.status_code == 200 and r.json()["state"] == "voided"
    assert Hazard.objects.get(pk=hid).void_reason == "检查表选错"


def test_statistics_endpoint(world, make_hazard):
    make_hazard()
    data = api(world.office).get("/api/v1/hazards/statistics/", {"year": today().year, "quarter": 0}).json()
    assert data["kind"] == "年报" and data["due"] == f"{today().year + 1}-01-31"
    assert data["totals"]["all"]["found"] == 1
    assert api(world.officer_a).get("/api/v1/hazards/statistics/").status_code == 403


def test_enterprise_cannot_create(world):
    r = api(world.officer_a).post(
        "/api/v1/hazards/",
        {"enterprise": world.ent_a1.pk, "title": "x", "deadline": today().isoformat()},
        format="json",
    )
    assert r.status_code == 403
