"""The closed loop of DOMAIN.md §4: every transition and every guard, through the services."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from anjian.core.errors import ConflictError, PermissionDeniedError, ServiceError
from anjian.core.models import AuditEntry
from anjian.hazards import services
from anjian.hazards.choices import ExtensionStatus, HazardEventType, State
from anjian.hazards.models import Hazard
from anjian.hazards.tests.conftest import SIX_PARTS, photo, today
from anjian.notifications.models import Notification


def _events(h):
    return list(h.events.order_by("at", "id").values_list("type", flat=True))


def _to_awaiting(world, h):
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(h, actor=world.officer_a, note="已更换门锁并整理线路", photos=[photo()])
    h.refresh_from_db()
    return h


def test_register_numbers_per_year_records_audit_and_tells_enterprise(world, make_hazard):
    h1 = make_hazard()
    h2 = make_hazard(title="灭火器过期")
    year = timezone.localdate().year
    assert re.fullmatch(rf"YH-{year}-\d{{6}}", h1.code)
    assert int(h2.code[-6:]) == int(h1.code[-6:]) + 1
    assert h1.state == State.REGISTERED
    assert h1.community == world.community_a and h1.grid == world.grid_a1
    assert h1.original_deadline == h1.current_deadline
    assert _events(h1) == [HazardEventType.REGISTERED]
    assert AuditEntry.objects.filter(action="hazard.create", object_id=str(h1.pk)).exists()
    assert Notification.objects.filter(recipient=world.officer_a, title__contains="新隐患待整改").count() == 2


def test_register_outside_scope_is_404_and_enterprise_cannot_register(world, make_hazard):
    with pytest.raises(Http404):
        make_hazard(actor=world.inspector_b1, enterprise=world.ent_a1)
    with pytest.raises(PermissionDeniedError):
        make_hazard(actor=world.officer_a)


def test_register_rejects_bad_input_without_saving(world, make_hazard):
    with pytest.raises(ServiceError):
        make_hazard(deadline=today() - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        make_hazard(title="")
    with pytest.raises(ValidationError):
        make_hazard(responsible_phone="12345")
    assert Hazard.objects.count() == 0


def test_general_hazard_full_loop(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.officer_a)
    rect = services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[photo(), photo()])
    assert rect.pk
    v = services.verify(h, actor=world.inspector_a1, passed=True, note="现场复查，已整改到位")
    h.refresh_from_db()
    assert v.passed and h.state == State.CLOSED and h.closed_by == world.inspector_a1 and h.closed_at
    assert _events(h) == [
        HazardEventType.REGISTERED,
        HazardEventType.RECTIFICATION_STARTED,
        HazardEventType.EVIDENCE_SUBMITTED,
        HazardEventType.VERIFIED_PASSED,
    ]
    actions = set(AuditEntry.objects.filter(object_id=str(h.pk)).values_list("action", flat=True))
    assert {
        "hazard.create",
        "hazard.start_rectification",
        "hazard.submit_rectification",
        "hazard.verify",
    } <= actions


def test_no_step_can_be_skipped(world, make_hazard):
    h = make_hazard()
    with pytest.raises(ConflictError, match="只有“整改中”的隐患才能提交整改材料"):
        services.submit_rectification(h, actor=world.officer_a, note="x", photos=[photo()])
    with pytest.raises(ConflictError, match="只有“待复查”的隐患才能复查"):
        services.verify(h, actor=world.inspector_a1, passed=True, note="ok")
    services.start_rectification(h, actor=world.officer_a)
    with pytest.raises(ConflictError, match="只有“已登记”的隐患才能开始整改"):
        services.start_rectification(h, actor=world.officer_a)
    with pytest.raises(ConflictError):
        services.verify(h, actor=world.inspector_a1, passed=True, note="ok")
    h.refresh_from_db()
    assert h.state == State.RECTIFYING


def test_start_needs_responsible_person_and_measures(world, make_hazard):
    h = make_hazard(responsible_name="", measures="")
    with pytest.raises(ConflictError, match="整改责任人") as exc:
        services.start_rectification(h, actor=world.officer_a)
    assert set(exc.value.fields) == {"responsible_name", "measures"}
    services.update_hazard(h, actor=world.inspector_a1, data={"responsible_name": "王五", "measures": "加锁"})
    assert services.start_rectification(h, actor=world.officer_a).state == State.RECTIFYING


def test_evidence_requires_note_and_photo(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.officer_a)
    with pytest.raises(ServiceError, match="照片"):
        services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[])
    with pytest.raises(ServiceError, match="整改情况"):
        services.submit_rectification(h, actor=world.officer_a, note=" ", photos=[photo()])
    h.refresh_from_db()
    assert h.state == State.RECTIFYING and not h.rectifications.exists()


def test_enterprise_cannot_verify_its_own_hazard(world, make_hazard):
    h = _to_awaiting(world, make_hazard())
    with pytest.raises(PermissionDeniedError, match="企业不能复查"):
        services.verify(h, actor=world.officer_a, passed=True, note="自查合格")
    with pytest.raises(Http404):  # another enterprise does not even see it
        services.verify(h, actor=world.officer_b, passed=True, note="x")
    h.refresh_from_db()
    assert h.state == State.AWAITING_VERIFICATION


def test_who_submitted_evidence_cannot_verify_it(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.inspector_a1)
    services.submit_rectification(h, actor=world.inspector_a1, note="代企业上传", photos=[photo()])
    with pytest.raises(PermissionDeniedError, match="不能复查自己提交的整改"):
        services.verify(h, actor=world.inspector_a1, passed=True, note="ok")
    services.verify(h, actor=world.worker_a, passed=True, note="社区复查通过")


def test_failed_verification_goes_back_to_rectifying_with_reason(world, make_hazard):
    h = _to_awaiting(world, make_hazard())
    with pytest.raises(ServiceError, match="不通过的原因"):
        services.verify(h, actor=world.inspector_a1, passed=False, note="")
    services.verify(
        h, actor=world.inspector_a1, passed=False, note="线路仍有裸露", signature=photo("sig.png")
    )
    h.refresh_from_db()
    assert h.state == State.RECTIFYING and h.closed_at is None
    assert Notification.objects.filter(recipient=world.officer_a, title__contains="复查不通过").exists()
    # and round again
    services.submit_rectification(h, actor=world.officer_a, note="已加装护套", photos=[photo()])
    services.verify(h, actor=world.inspector_a1, passed=True, note="复查通过")
    h.refresh_from_db()
    assert h.state == State.CLOSED and h.verifications.count() == 2


def test_deadline_is_never_edited_directly(world, make_hazard):
    h = make_hazard()
    with pytest.raises(ConflictError, match="延期申请"):
        services.update_hazard(h, actor=world.inspector_a1, data={"current_deadline": today()})
    with pytest.raises(TypeError):
        services.update_hazard(h, actor=world.inspector_a1, data={"state": State.CLOSED})


def test_extension_request_and_approval(world, make_hazard):
    h = make_hazard()
    original = h.current_deadline
    new = original + dt.timedelta(days=15)
    with pytest.raises(ServiceError, match="须晚于当前期限"):
        services.request_extension(h, actor=world.officer_a, requested_deadline=original, reason="缺材料")
    with pytest.raises(ServiceError, match="延期理由"):
        services.request_extension(h, actor=world.officer_a, requested_deadline=new, reason="")
    ext = services.request_extension(h, actor=world.officer_a, requested_deadline=new, reason="门锁需定制")
    h.refresh_from_db()
    assert h.current_deadline == original  # nothing changes before approval
    with pytest.raises(ConflictError, match="等待审批"):
        services.request_extension(h, actor=world.officer_a, requested_deadline=new, reason="again")
    with pytest.raises(PermissionDeniedError):
        services.decide_extension(ext, actor=world.officer_a, approve=True)
    with pytest.raises(PermissionDeniedError):
        services.decide_extension(ext, actor=world.inspector_a1, approve=True)
    services.decide_extension(ext, actor=world.worker_a, approve=True, note="同意")
    h.refresh_from_db()
    assert h.current_deadline == new and h.original_deadline == original and h.deadline_extended
    with pytest.raises(ConflictError, match="不能重复审批"):
        services.decide_extension(ext, actor=world.office, approve=False, note="x")
    assert HazardEventType.EXTENSION_APPROVED in _events(h)


def test_extension_rejection_needs_a_reason_and_keeps_the_deadline(world, make_hazard):
    h = make_hazard()
    ext = services.request_extension(
        h, actor=world.officer_a, requested_deadline=h.current_deadline + dt.timedelta(days=5), reason="忙"
    )
    with pytest.raises(ServiceError, match="驳回"):
        services.decide_extension(ext, actor=world.office, approve=False, note="")
    services.decide_extension(ext, actor=world.office, approve=False, note="理由不充分")
    ext.refresh_from_db()
    h.refresh_from_db()
    assert ext.status == ExtensionStatus.REJECTED and h.current_deadline == h.original_deadline


def test_requester_cannot_approve_own_extension(world, make_hazard):
    h = make_hazard()
    ext = services.request_extension(
        h, actor=world.worker_a, requested_deadline=h.current_deadline + dt.timedelta(days=5), reason="雨季"
    )
    with pytest.raises(PermissionDeniedError, match="自己提交"):
        services.decide_extension(ext, actor=world.worker_a, approve=True)


def test_void_needs_reason_and_is_final(world, make_hazard):
    h = make_hazard()
    with pytest.raises(PermissionDeniedError):
        services.void_hazard(h, actor=world.inspector_a1, reason="重复")
    with pytest.raises(ServiceError, match="作废原因"):
        services.void_hazard(h, actor=world.worker_a, reason=" ")
    services.void_hazard(h, actor=world.worker_a, reason="与 YH 重复登记")
    h.refresh_from_db()
    assert (
        h.state == State.VOIDED
        and h.void_reason == "与 YH 重复登记"
        and Hazard.objects.filter(pk=h.pk).exists()
    )
    with pytest.raises(ConflictError):
        services.start_rectification(h, actor=world.officer_a)
    with pytest.raises(ConflictError):
        services.void_hazard(h, actor=world.office, reason="again")


def test_closed_hazard_cannot_be_voided(world, make_hazard):
    h = _to_awaiting(world, make_hazard())
    services.verify(h, actor=world.inspector_a1, passed=True, note="ok")
    with pytest.raises(ConflictError, match="不能作废"):
        services.void_hazard(h, actor=world.office, reason="x")


def test_major_needs_confirmation_funds_and_six_part_plan(world, make_hazard):
    h = make_hazard(level="major")
    assert h.level_pending
    assert Notification.objects.filter(recipient=world.office, title__contains="待确认").exists()
    with pytest.raises(ConflictError, match="确认等级"):
        services.start_rectification(h, actor=world.officer_a)
    with pytest.raises(PermissionDeniedError):
        services.confirm_level(h, actor=world.inspector_a1, level="major")
    services.confirm_level(h, actor=world.office, level="major", note="属有限空间作业重大隐患")
    h.refresh_from_db()
    assert not h.level_pending and h.is_major
    with pytest.raises(ConflictError, match="整改资金"):
        services.start_rectification(h, actor=world.officer_a)
    services.update_hazard(h, actor=world.inspector_a1, data={"funds": "50000"})
    with pytest.raises(ConflictError, match="六项内容的治理方案"):
        services.start_rectification(h, actor=world.officer_a)
    partial = {**SIX_PARTS, "safety_measures": ""}
    with pytest.raises(ServiceError) as exc:
        services.submit_governance_plan(h, actor=world.officer_a, data=partial)
    assert set(exc.value.fields) == {"safety_measures"}
    plan = services.submit_governance_plan(h, actor=world.officer_a, data=SIX_PARTS)
    assert plan.version == 1 and len(plan.parts()) == 6
    services.start_rectification(h, actor=world.officer_a)
    h.refresh_from_db()
    assert h.state == State.RECTIFYING


def test_office_can_downgrade_a_proposed_major(world, make_hazard):
    h = make_hazard(level="major")
    services.confirm_level(h, actor=world.office, level="general", note="可立即整改")
    h.refresh_from_db()
    assert h.level == "general" and h.proposed_level == "major"
    services.start_rectification(h, actor=world.officer_a)


def test_general_hazard_needs_no_plan(world, make_hazard):
    h = make_hazard()
    with pytest.raises(ConflictError, match="只有重大事故隐患"):
        services.submit_governance_plan(h, actor=world.officer_a, data=SIX_PARTS)


def test_listed_supervision_with_progress_until_closed(world, make_hazard):
    h = make_hazard(actor=world.office, level="major", funds="80000")
    assert not h.level_pending  # the office graded it as it registered
    with pytest.raises(ConflictError, match="未在挂牌督办"):
        services.add_progress_report(h, actor=world.officer_a, progress="x", percent=10)
    with pytest.raises(PermissionDeniedError):
        services.list_supervision(h, actor=world.worker_a, supervising_unit="街道安委办")
    services.list_supervision(h, actor=world.office, supervising_unit="街道安委办", requirements="每周报送")
    h.refresh_from_db()
    assert h.is_listed
    with pytest.raises(ConflictError, match="已在挂牌督办"):
        services.list_supervision(h, actor=world.office, supervising_unit="街道安委办")
    with pytest.raises(ServiceError, match="0–100"):
        services.add_progress_report(h, actor=world.officer_a, progress="已采购设备", percent=120)
    services.add_progress_report(
        h, actor=world.officer_a, progress="已采购设备", percent=40, photos=[photo()]
    )
    with pytest.raises(ConflictError, match="销号后"):
        services.lift_supervision(h, actor=world.office)
    services.submit_governance_plan(h, actor=world.officer_a, data=SIX_PARTS)
    h = _to_awaiting(world, h)
    services.verify(h, actor=world.inspector_a1, passed=True, note="验收通过")
    services.lift_supervision(h, actor=world.office, note="已销号")
    h.refresh_from_db()
    assert not h.is_listed and h.supervisions.get().lifted_at is not None


def test_general_hazard_cannot_be_listed(world, make_hazard):
    h = make_hazard()
    with pytest.raises(ConflictError, match="重大事故隐患才能挂牌"):
        services.list_supervision(h, actor=world.office, supervising_unit="街道安委办")


def test_level_can_only_be_confirmed_before_rectification(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.officer_a)
    with pytest.raises(ConflictError, match="开始整改前"):
        services.confirm_level(h, actor=world.office, level="major")
