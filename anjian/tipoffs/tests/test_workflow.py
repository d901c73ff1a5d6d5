"""The triage workflow: each step in order, illegal transitions refused (409), deadlines, feedback,
duplicates and merging, audit rows and timeline lines."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.notifications.models import Notification
from anjian.tipoffs import services
from anjian.tipoffs.choices import TipEventType, TipStatus
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.tests.conftest import rule, submit, to_handled, to_verified


def test_full_workflow_with_reward(world):
    tip, _secret = submit(world)
    assert tip.status == TipStatus.RECEIVED and tip.due_at is not None
    assert tip.enterprise == world.ent_a1  # matched by position (≈ 14 m away)
    assert Notification.objects.filter(recipient=world.tip_officer, title__contains=tip.code).exists()
    to_handled(world, tip, fine="50000")
    tip.refresh_from_db()
    assert tip.status == TipStatus.HANDLED and tip.feedback_due_at is not None
    reward = services.decide_reward(tip.pk, actor=world.tip_officer, rule=rule())
    assert reward.amount == Decimal("7500.00")
    assert "罚没款 ¥50,000 × 15% = ¥7,500，在 ¥3,000–¥300,000 范围内" in reward.calculation
    with pytest.raises(ConflictError, match="尚未审批"):
        services.pay_reward(
            tip.pk, actor=world.tip_officer, amount="7500", paid_on=timezone.localdate(), method="cash"
        )
    services.approve_reward(tip.pk, actor=world.admin)
    from django.core.files.uploadedfile import SimpleUploadedFile

    from anjian.tipoffs.tests.conftest import jpeg_with_gps

    receipt = SimpleUploadedFile("回单.jpg", jpeg_with_gps())
    with pytest.raises(ValidationError, match="一致"):
        services.pay_reward(
            tip.pk,
            actor=world.tip_officer,
            amount="7000",
            paid_on=timezone.localdate(),
            method="cash",
            receipt=receipt,
        )
    services.pay_reward(
        tip.pk,
        actor=world.tip_officer,
        amount="7500.00",
        paid_on=timezone.localdate(),
        method="bank_transfer",
        reference="BK001",
        receipt=receipt,
    )
    tip.refresh_from_db()
    assert tip.status == TipStatus.REWARD_PAID
    with pytest.raises(ConflictError, match="先答复"):
        services.close_tip(tip.pk, actor=world.tip_officer)
    services.give_feedback(tip.pk, actor=world.tip_officer, text="经查属实，已责令整改并罚款，奖励已发放。")
    services.close_tip(tip.pk, actor=world.tip_officer)
    tip.refresh_from_db()
    assert tip.status == TipStatus.CLOSED and tip.public_status == "closed"
    actions = set(
        AuditEntry.objects.filter(object_id=str(tip.pk), object_type="tipoffs.tipoff").values_list(
            "action", flat=True
        )
    )
    assert {
        "tipoff.submit",
        "tipoff.accept",
        "tipoff.assign",
        "tipoff.verify",
        "tipoff.handle",
        "tipoff.close",
    } <= actions
    types = list(tip.events.values_list("type", flat=True))
    assert TipEventType.REWARD_PAID in types and TipEventType.FEEDBACK in types


def test_illegal_transitions_conflict(world):
    tip, _ = submit(world)
    with pytest.raises(ConflictError, match="已接收"):
        services.verify_tip(tip.pk, actor=world.tip_officer, truthful=True, note="x")
    with pytest.raises(ConflictError):
        services.handle_tip(tip.pk, actor=world.tip_officer, enforcement_action="x")
    with pytest.raises(ConflictError):
        services.decide_reward(tip.pk, actor=world.tip_officer, rule=rule())
    services.reject_tip(tip.pk, actor=world.tip_officer, reason="不属于安全生产监管范围，已转城管部门。")
    with pytest.raises(ConflictError, match="不予受理"):
        services.accept_tip(tip.pk, actor=world.tip_officer)


def test_untrue_report_cannot_be_rewarded(world):
    tip, _ = submit(world)
    to_verified(world, tip, truthful=False)
    with pytest.raises(ConflictError):
        services.handle_tip(tip.pk, actor=world.tip_officer, enforcement_action="x")
    with pytest.raises(ConflictError):
        services.decide_reward(tip.pk, actor=world.tip_officer, rule=rule())
    services.give_feedback(tip.pk, actor=world.tip_officer, text="经核查，现场安全出口畅通，举报不属实。")
    services.close_tip(tip.pk, actor=world.tip_officer)
    assert Tipoff.objects.get(pk=tip.pk).status == TipStatus.CLOSED


def test_roles_and_scope(world):
    tip, _ = submit(world)
    with pytest.raises(Http404):  # not yet assigned: community workers do not see it
        services.accept_tip(tip.pk, actor=world.worker_a)
    with pytest.raises(PermissionDeniedError):
        services.accept_tip(tip.pk, actor=world.cadre)  # sees it (street level) but may not triage
    with pytest.raises(Http404):
        services.accept_tip(tip.pk, actor=world.officer_a)  # the enterprise never sees tips
    services.accept_tip(tip.pk, actor=world.tip_officer)
    services.assign_tip(tip.pk, actor=world.tip_officer, kind="grid", grid=world.grid_a1)
    assert Tipoff.objects.for_user(world.worker_a).filter(pk=tip.pk).exists()
    assert Tipoff.objects.for_user(world.inspector_a1).filter(pk=tip.pk).exists()
    assert not Tipoff.objects.for_user(world.worker_b).filter(pk=tip.pk).exists()
    assert not Tipoff.objects.for_user(world.officer_a).exists()
    with pytest.raises(Http404):
        services.verify_tip(tip.pk, actor=world.inspector_b1, truthful=True, note="x")
    assert Notification.objects.filter(recipient=world.inspector_a1, title__contains=tip.code).exists()
    services.verify_tip(tip.pk, actor=world.inspector_a1, truthful=True, note="属实")


def test_feedback_due_ten_days_after_verification(world, settings):
    tip, _ = submit(world)
    to_verified(world, tip)
    tip.refresh_from_db()
    assert tip.feedback_due_at - tip.verified_at == dt.timedelta(days=10)


def test_reject_needs_reason(world):
    tip, _ = submit(world)
    with pytest.raises(ValidationError):
        services.reject_tip(tip.pk, actor=world.tip_officer, reason="  ")


def test_close_after_handling_without_reward_needs_reason(world):
    tip, _ = submit(world)
    to_handled(world, tip)
    services.give_feedback(tip.pk, actor=world.tip_officer, text="已处理")
    with pytest.raises(ValidationError):
        services.close_tip(tip.pk, actor=world.tip_officer, note="")
    services.close_tip(tip.pk, actor=world.tip_officer, note="举报人书面放弃奖励")


def test_duplicate_proposed_nearby_same_category(world):
    first, _ = submit(world, enterprise_hint="")
    second, _ = submit(world, lat=22.6003, lng=113.8502, description="安全出口锁了，楼道堆纸箱")
    assert second.duplicate_suspect == first
    far, _ = submit(world, lat=22.62, lng=113.87, address="乙社区", description="另一处安全出口锁闭")
    assert far.duplicate_suspect is None
    other_kind, _ = submit(world, code="gas", lat=22.65, lng=113.80, description="饭店燃气瓶放在后门")
    assert other_kind.duplicate_suspect is None
    services.dismiss_duplicate(second.pk, actor=world.tip_officer, note="不同楼层")
    second.refresh_from_db()
    assert second.duplicate_suspect is None


def test_duplicate_window(world, settings):
    settings.TIPOFF_DUPLICATE_DAYS = 30
    first, _ = submit(world)
    Tipoff.objects.filter(pk=first.pk).update(received_at=timezone.now() - dt.timedelta(days=31))
    late, _ = submit(world)
    assert late.duplicate_suspect is None


def test_merge_keeps_reports_and_first_accepted_gets_reward(world):
    first, _ = submit(world)
    second, _ = submit(world, description="同一地址安全出口锁闭，第二位举报人")
    assert second.duplicate_suspect == first
    services.accept_tip(second.pk, actor=world.tip_officer)  # the later report was accepted first
    services.accept_tip(first.pk, actor=world.tip_officer)
    services.merge_tip(second.pk, actor=world.tip_officer, into_id=first.pk)
    second.refresh_from_db()
    assert second.status == TipStatus.MERGED and second.merged_into == first
    assert Tipoff.objects.filter(pk__in=[first.pk, second.pk]).count() == 2  # both reports kept
    services.assign_tip(first.pk, actor=world.tip_officer, kind="community", community=world.community_a)
    services.verify_tip(first.pk, actor=world.tip_officer, truthful=True, note="属实")
    services.handle_tip(first.pk, actor=world.tip_officer, enforcement_action="罚款", fine_amount="10000")
    reward = services.decide_reward(first.pk, actor=world.tip_officer, rule=rule())
    assert reward.beneficiary == second
    assert reward.amount == Decimal("3000.00")
    assert second.code in reward.calculation
    with pytest.raises(ConflictError):
        services.merge_tip(first.pk, actor=world.tip_officer, into_id=second.pk)


def test_reveal_identity_only_tip_officer_and_audited(world):
    tip, _ = submit(world)
    for user in (world.admin, world.office, world.cadre):
        with pytest.raises(PermissionDeniedError):
            services.reveal_identity(tip.pk, actor=user, reason="核实举报情况")
    with pytest.raises(ValidationError):
        services.reveal_identity(tip.pk, actor=world.tip_officer, reason="看")
    ident = services.reveal_identity(tip.pk, actor=world.tip_officer, reason="需电话联系举报人补充线索")
    assert ident.phone == "13912345678"
    entry = AuditEntry.objects.get(action="reveal_identity")
    assert entry.actor == world.tip_officer and entry.note == "需电话联系举报人补充线索"
    assert "13912345678" not in str(entry.before) + str(entry.after)


def test_sweep_reminds_and_flags_overdue(world):
    tip, _ = submit(world)
    later = timezone.now() + dt.timedelta(days=5)
    report = services.sweep(now=later)
    assert report.overdue == 1
    tip.refresh_from_db()
    assert tip.events.filter(type=TipEventType.OVERDUE).count() == 1
    services.sweep(now=later)  # idempotent
    assert tip.events.filter(type=TipEventType.OVERDUE).count() == 1
    assert Notification.objects.filter(recipient=world.tip_officer, title__contains="已超期").count() == 1
    assert Tipoff.objects.get(pk=tip.pk).overdue_reasons(later)
