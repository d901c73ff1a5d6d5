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


def test_reward_decide_approve_and_pay_through_the_api(world):
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from anjian.tipoffs.tests.conftest import jpeg_with_gps, to_handled

    tip, _ = submit(world)
    to_handled(world, tip, fine="10000")
    officer = world.client(world.tip_officer)
    url = f"/api/v1/tipoffs/{tip.pk}"
    bad_rule = officer.post(
        f"{url}/reward-decide/", {"rule": "no_such_rule"}, content_type="application/json"
    )
    assert bad_rule.status_code == 400 and "rule" in bad_rule.json()["error"]["fields"]
    early = officer.post(f"{url}/reward-pay/", {"amount": "3000", "paid_on": "2026-01-01", "method": "cash"})
    assert early.status_code == 400  # the receipt is required before any state check
    r = officer.post(f"{url}/reward-decide/", {"rule": "national_fine_15"}, content_type="application/json")
    assert (
        r.status_code == 200
        and r.json()["status"] == "reward_decided"
        and r.json()["reward_amount"] == "3000.00"
    )
    # the tip officer may not approve their own decision; the street office approves
    assert officer.post(f"{url}/reward-approve/", {}, content_type="application/json").status_code in (
        403,
        404,
    )
    r = world.client(world.admin).post(
        f"{url}/reward-approve/", {"note": "同意"}, content_type="application/json"
    )
    assert r.status_code == 200
    today = timezone.localdate()
    receipt = SimpleUploadedFile("回单.jpg", jpeg_with_gps(), content_type="image/jpeg")
    wrong = officer.post(
        f"{url}/reward-pay/",
        {"amount": "2000", "paid_on": today.isoformat(), "method": "cash", "receipt": receipt},
    )
    assert wrong.status_code == 400 and "3,000" in wrong.json()["error"]["fields"]["amount"][0]
    future = (today + dt.timedelta(days=2)).isoformat()
    receipt = SimpleUploadedFile("回单.jpg", jpeg_with_gps(), content_type="image/jpeg")
    late = officer.post(
        f"{url}/reward-pay/", {"amount": "3000", "paid_on": future, "method": "cash", "receipt": receipt}
    )
    assert late.status_code == 400
    receipt = SimpleUploadedFile("回单.jpg", jpeg_with_gps(), content_type="image/jpeg")
    paid = officer.post(
        f"{url}/reward-pay/",
        {
            "amount": "3000.00",
            "paid_on": today.isoformat(),
            "method": "bank_transfer",
            "reference": "HD-1",
            "receipt": receipt,
        },
    )
    assert paid.status_code == 200, paid.json()
    assert paid.json()["status"] == "reward_paid"
    again = officer.post(
        f"{url}/reward-decide/", {"rule": "national_fine_15"}, content_type="application/json"
    )
    assert again.status_code == 409


def test_merge_and_dismiss_duplicate_through_the_api(world):
    first, _ = submit(world)
    second, _ = submit(world, description="同一地址安全出口锁闭，第二位举报人")
    third, _ = submit(world, description="同一地址安全出口锁闭，第三位举报人")
    api = world.client(world.tip_officer)
    for tip in (first, second, third):
        api.post(f"/api/v1/tipoffs/{tip.pk}/accept/", {}, content_type="application/json")
    missing = api.post(
        f"/api/v1/tipoffs/{second.pk}/merge/", {"into": "JB-NOPE"}, content_type="application/json"
    )
    assert missing.status_code == 400 and "into" in missing.json()["error"]["fields"]
    r = api.post(
        f"/api/v1/tipoffs/{second.pk}/merge/",
        {"into": first.code.lower(), "note": "同一事项"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["status"] == "merged"
    assert Tipoff.objects.filter(pk__in=[first.pk, second.pk]).count() == 2
    self_merge = api.post(
        f"/api/v1/tipoffs/{first.pk}/merge/", {"into": first.code}, content_type="application/json"
    )
    assert self_merge.status_code == 409
    assert Tipoff.objects.get(pk=third.pk).duplicate_suspect_id is not None
    r = api.post(
        f"/api/v1/tipoffs/{third.pk}/dismiss-duplicate/",
        {"note": "不同楼层"},
        content_type="application/json",
    )
    assert r.status_code == 200 and Tipoff.objects.get(pk=third.pk).duplicate_suspect_id is None
    again = api.post(f"/api/v1/tipoffs/{third.pk}/dismiss-duplicate/", {}, content_type="application/json")
    assert again.status_code == 409 and "没有疑似重复" in again.json()["error"]["message"]
    assert (
        world.client(world.worker_a)
        .post(f"/api/v1/tipoffs/{first.pk}/merge/", {"into": third.code}, content_type="application/json")
        .status_code
        == 404
    )
