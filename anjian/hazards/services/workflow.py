"""The closed loop of a hazard (DOMAIN.md §4): registered → rectifying → awaiting verification →
closed, back to rectifying when the verification fails; voided (with a reason) from any unfinished state."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError, ServiceError
from anjian.core.uploads import store_attachment
from anjian.hazards import recipients
from anjian.hazards.choices import (
    PURPOSE_EVIDENCE_PHOTO,
    PURPOSE_SIGNATURE,
    PURPOSE_VERIFICATION_PHOTO,
    ExtensionStatus,
    HazardEventType,
    State,
)
from anjian.hazards.models import Hazard, Rectification, Verification
from anjian.hazards.permissions import require
from anjian.hazards.services.guards import acting_user, current_state, locked_hazard
from anjian.hazards.services.records import add_event, tell
from anjian.notifications.choices import Level as NoticeLevel
from anjian.org.choices import Role


@transaction.atomic
def start_rectification(hazard: Hazard | int, *, actor: Any, note: str = "") -> Hazard:
    """registered → rectifying, once responsible person, measures and deadline are set (and, for a 重大
    hazard, its level is confirmed, funds are set and the six-part governance plan is on file)."""
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.start_rectification")
    if h.state != State.REGISTERED:
        raise ConflictError(f"隐患{current_state(h)}，只有“已登记”的隐患才能开始整改。")
    if h.level_pending:
        raise ConflictError("该隐患建议定为重大事故隐患，须经街道安委办确认等级后才能开始整改。")
    missing: dict[str, list[str]] = {}
    if not h.responsible_name:
        missing["responsible_name"] = ["请先填写整改责任人。"]
    if not h.measures.strip():
        missing["measures"] = ["请先填写整改措施。"]
    if h.is_major and not h.funds:
        missing["funds"] = ["重大事故隐患须落实整改资金。"]
    if missing:
        first = next(iter(missing.values()))[0]
        raise ConflictError(f"还不能开始整改：{first}", fields=missing)
    if h.is_major and not h.plans.exists():
        raise ConflictError("重大事故隐患须先提交包含六项内容的治理方案，才能开始整改。")
    before = audit.snapshot(h)
    h.state = State.RECTIFYING
    h.rectification_started_at = timezone.now()
    h.save(update_fields=["state", "rectification_started_at", "updated_at"])
    audit.record(
        actor=actor,
        action="hazard.start_rectification",
        obj=h,
        before=before,
        after=audit.snapshot(h),
        only_changes=True,
        note=note,
    )
    add_event(h, HazardEventType.RECTIFICATION_STARTED, actor, note=note)
    return h


@transaction.atomic
def submit_rectification(
    hazard: Hazard | int, *, actor: Any, note: str, photos: Iterable[Any]
) -> Rectification:
    """rectifying → awaiting verification: the enterprise submits evidence (a note and at least one photo)."""
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.submit_rectification")
    if h.state != State.RECTIFYING:
        raise ConflictError(f"隐患{current_state(h)}，只有“整改中”的隐患才能提交整改材料。")
    note = (note or "").strip()
    photos = [p for p in photos if p]
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = ["请说明整改情况。"]
    if not photos:
        errors["photos"] = ["请上传整改后的照片作为证据。"]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], fields=errors)
    rect = Rectification(hazard=h, submitted_by=actor, note=note, created_by=acting_user(actor))
    rect.full_clean()
    rect.save()
    stored = [store_attachment(p, owner=rect, actor=actor, purpose=PURPOSE_EVIDENCE_PHOTO) for p in photos]
    before = audit.snapshot(h)
    h.state = State.AWAITING_VERIFICATION
    h.rectified_at = rect.submitted_at
    h.save(update_fields=["state", "rectified_at", "updated_at"])
    audit.record(
        actor=actor,
        action="hazard.submit_rectification",
        obj=h,
        before=before,
        after={**audit.snapshot(h), "rectification": rect.pk, "photos": [a.as_dict() for a in stored]},
        only_changes=True,
    )
    add_event(h, HazardEventType.EVIDENCE_SUBMITTED, actor, rectification=rect.pk, photos=len(stored))
    tell(
        recipients.field_team(h) + ([h.found_by] if h.found_by_id else []),
        h,
        f"整改材料已提交，待复查：{h.title}",
        f"{h.enterprise.name} · {h.code}",
    )
    return rect


@transaction.atomic
def verify(
    hazard: Hazard | int,
    *,
    actor: Any,
    passed: bool,
    note: str,
    photos: Iterable[Any] = (),
    signature: Any = None,
) -> Verification:
    """Verify the rectification (复查). Passed → closed (销号); failed → back to rectifying with the reason.
    Never by the enterprise itself, nor by whoever submitted the evidence."""
    h = locked_hazard(actor, hazard)
    if getattr(actor, "role", "") == Role.ENTERPRISE_OFFICER or (
        getattr(actor, "enterprise_id", None) and actor.enterprise_id == h.enterprise_id
    ):
        raise PermissionDeniedError("企业不能复查本企业的隐患整改，须由其他人员复查。")
    require(actor, "hazard.verify", "没有复查隐患整改的权限。")
    if h.state != State.AWAITING_VERIFICATION:
        raise ConflictError(f"隐患{current_state(h)}，只有“待复查”的隐患才能复查。")
    rect = h.rectifications.order_by("-submitted_at", "-id").first()
    if rect is not None and rect.submitted_by_id == actor.pk:
        raise PermissionDeniedError("提交整改材料的人员不能复查自己提交的整改。")
    note = (note or "").strip()
    if not note:
        message = "请填写复查意见。" if passed else "请填写复查不通过的原因。"
        raise ServiceError(message, fields={"note": [message]})
    verification = Verification(
        hazard=h,
        rectification=rect,
        verifier=actor,
        passed=bool(passed),
        note=note,
        created_by=acting_user(actor),
    )
    verification.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            verification.save()
    except IntegrityError:
        raise ConflictError("该整改材料已被其他人员复查。") from None
    for upload in photos:
        if upload:
            store_attachment(upload, owner=verification, actor=actor, purpose=PURPOSE_VERIFICATION_PHOTO)
    if signature:
        store_attachment(signature, owner=verification, actor=actor, purpose=PURPOSE_SIGNATURE)
    before = audit.snapshot(h)
    if passed:
        h.state = State.CLOSED
        h.closed_at = verification.verified_at
        h.closed_by = actor
    else:
        h.state = State.RECTIFYING
    h.save(update_fields=["state", "closed_at", "closed_by", "updated_at"])
    audit.record(
        actor=actor,
        action="hazard.verify",
        obj=h,
        before=before,
        after={**audit.snapshot(h), "verification": verification.pk, "passed": bool(passed)},
        only_changes=True,
        note=note,
    )
    if passed:
        add_event(h, HazardEventType.VERIFIED_PASSED, actor, verification=verification.pk, note=note)
        tell(recipients.enterprise_officers(h), h, f"隐患已复查通过并销号：{h.title}", note)
    else:
        add_event(h, HazardEventType.VERIFIED_FAILED, actor, verification=verification.pk, note=note)
        tell(
            recipients.enterprise_officers(h),
            h,
            f"复查不通过，请继续整改：{h.title}",
            f"原因：{note}；整改期限 {h.current_deadline:%Y-%m-%d}。",
            level=NoticeLevel.WARNING,
        )
    return verification


@transaction.atomic
def void_hazard(hazard: Hazard | int, *, actor: Any, reason: str) -> Hazard:
    """Void a wrongly registered hazard with a reason; it stays in the history (nothing is deleted)."""
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.void", "没有作废隐患的权限。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写作废原因。", fields={"reason": ["请填写作废原因。"]})
    if h.state in (State.CLOSED, State.VOIDED):
        raise ConflictError(f"隐患{current_state(h)}，不能作废。")
    before = audit.snapshot(h)
    h.state = State.VOIDED
    h.voided_at = timezone.now()
    h.voided_by = actor
    h.void_reason = reason[:500]
    h.save(update_fields=["state", "voided_at", "voided_by", "void_reason", "updated_at"])
    h.extensions.filter(status=ExtensionStatus.PENDING).update(
        status=ExtensionStatus.REJECTED, decided_by=actor, decided_at=h.voided_at, decision_note="隐患已作废"
    )
    audit.record(
        actor=actor,
        action="hazard.void",
        obj=h,
        before=before,
        after=audit.snapshot(h),
        only_changes=True,
        note=reason,
    )
    add_event(h, HazardEventType.VOIDED, actor, reason=reason)
    return h
