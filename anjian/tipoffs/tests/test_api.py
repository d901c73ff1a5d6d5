"""REST API: scoped reads without identity, triage steps as POST actions, 409 on illegal steps."""

from __future__ import annotations

from anjian.tipoffs.choices import TipStatus
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.tests.conftest import REPORTER_PHONE, submit


def test_triage_through_the_api(world):
    tip, _ = submit(world)
    api = world.client(world.tip_officer)
    listed = api.get("/api/v1/tipoffs/").json()
    assert listed["count"] == 1 and listed["results"][0]["code"] == tip.code
    assert REPORTER_PHONE not in str(listed)
    r = api.post(
        f"/api/v1/tipoffs/{tip.pk}/accept/",
        {"community": world.community_a.pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = api.post(
        f"/api/v1/tipoffs/{tip.pk}/assign/",
        {"kind": "grid", "grid": world.grid_a1.pk},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["assignee"] == "甲社区 · 甲一网格"
    inspector = world.client(world.inspector_a1)
    r = inspector.post(
        f"/api/v1/tipoffs/{tip.pk}/verify/",
        {"truthful": True, "note": "属实"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["verified_true"] is True
    r = api.post(
        f"/api/v1/tipoffs/{tip.pk}/handle/",
        {"enforcement_action": "罚款", "fine_amount": "50000.00"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "handled"
    timeline = api.get(f"/api/v1/tipoffs/{tip.pk}/timeline/").json()
    assert [e["type"] for e in timeline][:2] == ["handled", "verified_true"]


def test_illegal_step_is_409(world):
    tip, _ = submit(world)
    api = world.client(world.tip_officer)
    r = api.post(
        f"/api/v1/tipoffs/{tip.pk}/verify/", {"truthful": True, "note": "x"}, content_type="application/json"
    )
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict" and "已接收" in r.json()["error"]["message"]
    bad = api.post(f"/api/v1/tipoffs/{tip.pk}/assign/", {"kind": "planet"}, content_type="application/json")
    assert bad.status_code == 409  # not accepted yet
    api.post(f"/api/v1/tipoffs/{tip.pk}/accept/", {}, content_type="application/json")
    bad = api.post(f"/api/v1/tipoffs/{tip.pk}/assign/", {"kind": "planet"}, content_type="application/json")
    assert bad.status_code == 400 and "kind" in bad.json()["error"]["fields"]
    assert Tipoff.objects.get(pk=tip.pk).status == TipStatus.ACCEPTED


def test_api_scope_and_roles(world):
    tip, _ = submit(world)
    assert world.client(world.worker_a).get(f"/api/v1/tipoffs/{tip.pk}/").status_code == 404
    assert world.client(world.worker_a).get("/api/v1/tipoffs/").json()["count"] == 0
    for user in (world.cadre, world.officer_a):
        assert world.client(user).get("/api/v1/tipoffs/").status_code == 403
    r = world.client(world.office).post(
        f"/api/v1/tipoffs/{tip.pk}/accept/", {}, content_type="application/json"
    )
    assert r.status_code == 200
    r = world.client(world.worker_a).post(
        f"/api/v1/tipoffs/{tip.pk}/reject/", {"reason": "x"}, content_type="application/json"
    )
    assert r.status_code == 404
    assert world.client(world.admin).get("/api/v1/tip-categories/").json()["count"] == 9
    assert world.client(world.admin).get("/api/v1/reward-rules/").json()["count"] == 6
