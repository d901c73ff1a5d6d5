"""Office pages: who sees what (scope and role), the workflow driven from the detail page, conflicts,
list filters and query budget, export, statistics, rules and partner apps."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anjian.core.models import AuditEntry
from anjian.tipoffs import services
from anjian.tipoffs.choices import TipStatus
from anjian.tipoffs.models import RewardRule, Tipoff
from anjian.tipoffs.tests.conftest import jpeg_with_gps, submit, to_verified


def act(client, tip, action, data, **extra):
    return client.post(f"/tipoffs/{tip.pk}/act/{action}/", data, **extra)


def test_workflow_from_the_detail_page(world):
    tip, _ = submit(world)
    officer = world.client(world.tip_officer)
    page = officer.get(f"/tipoffs/{tip.pk}/").content.decode()
    assert "受理" in page and "不予受理" in page and "交办核查" not in page
    assert (
        act(
            officer, tip, "accept", {"accept-community": world.community_a.pk, "accept-note": "属实可能性大"}
        ).status_code
        == 302
    )
    assert (
        act(officer, tip, "assign", {"assign-kind": "grid", "assign-grid": world.grid_a1.pk}).status_code
        == 302
    )
    inspector = world.client(world.inspector_a1)
    assert "登记核查结果" in inspector.get(f"/tipoffs/{tip.pk}/").content.decode()
    assert (
        act(inspector, tip, "verify", {"verify-result": "true", "verify-note": "现场属实"}).status_code == 302
    )
    response = act(
        officer, tip, "handle", {"handle-enforcement_action": "责令整改并罚款", "handle-fine_amount": "50000"}
    )
    assert response.status_code == 302
    detail = officer.get(f"/tipoffs/{tip.pk}/").content.decode()
    assert "罚没款 ¥50,000 × 15% = ¥7,500，在 ¥3,000–¥300,000 范围内" in detail  # preview before deciding
    rule = RewardRule.objects.get(code="national_fine_15")
    assert act(officer, tip, "decide_reward", {"reward-rule": rule.pk}).status_code == 302
    assert "审批奖励" not in officer.get(f"/tipoffs/{tip.pk}/").content.decode()  # not their own decision
    assert act(world.client(world.admin), tip, "approve_reward", {"approve-note": "同意"}).status_code == 302
    receipt = SimpleUploadedFile("回单.jpg", jpeg_with_gps(), content_type="image/jpeg")
    paid = act(
        officer,
        tip,
        "pay_reward",
        {
            "pay-amount": "7500.00",
            "pay-paid_on": timezone.localdate().isoformat(),
            "pay-method": "bank_transfer",
            "pay-receipt": receipt,
        },
    )
    assert paid.status_code == 302
    assert act(officer, tip, "feedback", {"feedback-text": "经查属实，奖励已发放。"}).status_code == 302
    assert act(officer, tip, "close", {}).status_code == 302
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED
    assert tip.reward.paid_amount == 7500 and tip.reward.approved_by == world.admin
    final = officer.get(f"/tipoffs/{tip.pk}/").content.decode()
    assert "¥7,500" in final and "发放凭证" in final and "办结" in final


def test_conflict_and_bad_input_rerender(world):
    tip, _ = submit(world)
    officer = world.client(world.tip_officer)
    conflict = act(officer, tip, "verify", {"verify-result": "true", "verify-note": "x"})
    assert conflict.status_code == 409 and "不能执行「登记核查结果」" in conflict.content.decode()
    missing = act(officer, tip, "reject", {"reject-reason": ""})
    assert missing.status_code == 400 and "该字段是必填项" in missing.content.decode()
    assert Tipoff.objects.get(pk=tip.pk).status == TipStatus.RECEIVED
    assert officer.post(f"/tipoffs/{tip.pk}/act/explode/", {}).status_code == 404
    assert officer.get(f"/tipoffs/{tip.pk}/act/accept/").status_code == 405


def test_pay_requires_matching_amount_and_receipt(world):
    tip, _ = submit(world)
    to_verified(world, tip)
    services.handle_tip(tip.pk, actor=world.tip_officer, enforcement_action="罚款", fine_amount="10000")
    services.decide_reward(
        tip.pk, actor=world.tip_officer, rule=RewardRule.objects.get(code="national_fine_15")
    )
    services.approve_reward(tip.pk, actor=world.admin)
    officer = world.client(world.tip_officer)
    wrong = act(
        officer,
        tip,
        "pay_reward",
        {"pay-amount": "2000", "pay-paid_on": timezone.localdate().isoformat(), "pay-method": "cash"},
    )
    body = wrong.content.decode()
    assert wrong.status_code == 400 and ("¥3,000" in body or "必填" in body or "凭证" in body)
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    receipt = SimpleUploadedFile("r.jpg", jpeg_with_gps(), content_type="image/jpeg")
    late = act(
        officer,
        tip,
        "pay_reward",
        {"pay-amount": "3000", "pay-paid_on": future, "pay-method": "cash", "pay-receipt": receipt},
    )
    assert late.status_code == 400 and "不能晚于今天" in late.content.decode()
    assert Tipoff.objects.get(pk=tip.pk).status == TipStatus.REWARD_DECIDED


def test_scope_of_pages(world):
    tip, _ = submit(world)
    other, _ = submit(world, lat=22.62, lng=113.87, address="乙社区", description="乙社区某厂安全出口锁闭")
    services.accept_tip(tip.pk, actor=world.tip_officer)
    services.assign_tip(tip.pk, actor=world.tip_officer, kind="community", community=world.community_a)
    worker_a = world.client(world.worker_a)
    assert worker_a.get(f"/tipoffs/{tip.pk}/").status_code == 200
    assert worker_a.get(f"/tipoffs/{other.pk}/").status_code == 404  # not assigned to them
    listing = worker_a.get("/tipoffs/").content.decode()
    assert tip.code in listing and other.code not in listing
    assert world.client(world.worker_b).get(f"/tipoffs/{tip.pk}/").status_code == 404
    for user in (world.cadre, world.liaison, world.officer_a):
        assert world.client(user).get("/tipoffs/").status_code == 403
    assert (
        world.client(world.inspector_a1).get(f"/tipoffs/{tip.pk}/").status_code == 404
    )  # community-level assignment
    admin_list = world.client(world.admin).get("/tipoffs/").content.decode()
    assert tip.code in admin_list and other.code in admin_list


def test_list_filters_and_query_budget(world, django_assert_max_num_queries):
    for i in range(6):
        submit(world, description=f"第 {i} 件：安全出口锁闭", lat=22.6 + i * 0.01, lng=113.85)
    gas, _ = submit(world, code="gas", lat=22.7, lng=113.9, description="饭店后厨燃气味很重")
    Tipoff.objects.filter(pk=gas.pk).update(due_at=timezone.now() - dt.timedelta(days=1))
    client = world.client(world.tip_officer)
    with django_assert_max_num_queries(16):
        response = client.get("/tipoffs/")
    assert response.status_code == 200
    body = client.get("/tipoffs/", {"category": "gas"}).content.decode()
    assert gas.code in body and body.count("JB") >= 1
    overdue = client.get("/tipoffs/", {"overdue": "true"}).content.decode()
    assert gas.code in overdue and "已超期" in overdue
    assert client.get("/tipoffs/", {"q": gas.code}).content.decode().count(gas.code) >= 1
    assert client.get("/tipoffs/", {"status": "nonsense"}).status_code == 200


def test_map_stats_rules(world):
    tip, _ = submit(world)
    to_verified(world, tip)
    client = world.client(world.office)
    assert client.get("/tipoffs/map/").status_code == 200
    data = client.get("/tipoffs/map/data/").json()
    assert data["points"][0]["code"] == tip.code and "description" not in data["points"][0]
    stats = client.get("/tipoffs/stats/")
    assert stats.status_code == 200 and "tip-stats" in stats.content.decode()
    rules = client.get("/tipoffs/rules/").content.decode()
    assert "罚没款的 15%" in rules and "新增规则" not in rules


def test_admin_edits_a_local_rule(world):
    admin = world.client(world.admin)
    rule = RewardRule.objects.get(code="local_general_violation")
    page = admin.get(f"/tipoffs/rules/{rule.pk}/")
    assert page.status_code == 200
    data = {
        "code": rule.code,
        "name": rule.name,
        "basis": "fixed",
        "categories": [c.pk for c in rule.categories.all()],
        "amount": "800",
        "legal_basis": "本街道举报奖励实施细则（2026 修订）",
        "is_local": "on",
        "active": "on",
        "sort_order": "30",
    }
    assert admin.post(f"/tipoffs/rules/{rule.pk}/", data).status_code == 302
    rule.refresh_from_db()
    assert rule.amount == 800
    assert AuditEntry.objects.filter(action="tipoff.rule_change").exists()
    bad = admin.post(f"/tipoffs/rules/{rule.pk}/", dict(data, basis="fine_percent", percent=""))
    assert bad.status_code == 400 and "比例" in bad.content.decode()
    assert world.client(world.tip_officer).get(f"/tipoffs/rules/{rule.pk}/").status_code == 403


def test_partner_apps_page(world):
    admin = world.client(world.admin)
    created = admin.post("/tipoffs/partners/", {"name": "随手拍", "contact": "李工", "rate_per_hour": "60"})
    assert created.status_code == 200
    body = created.content.decode()
    assert "ak_" in body and "只显示这一次" in body
    assert "只显示这一次" not in admin.get("/tipoffs/partners/").content.decode()  # the key is shown once
    assert world.client(world.tip_officer).get("/tipoffs/partners/").status_code == 403


def test_export_is_audited(world):
    submit(world)
    response = world.client(world.admin).get("/tipoffs/export/")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(action="tipoff.export").exists()


@pytest.mark.parametrize("username", ["admin", "office", "tip_officer"])
def test_nav_section_visible(world, username):
    body = world.client(getattr(world, username)).get("/tipoffs/").content.decode()
    assert "举报受理" in body and "举报统计" in body
