"""Writes of the hazard closed loop (DOMAIN.md §4). Pages, API, inspections and jobs call these functions.

Each action: capability by role (hazards.permissions) and jurisdiction (the hazard is re-read through
`for_user(actor)` and locked with SELECT … FOR UPDATE, so concurrent transitions leave exactly one
result), a state guard that raises ConflictError (409) with the reason in Chinese, `full_clean()`,
save, an audit link with before/after values, a line on the hazard's timeline and notifications
(inbox rows now, outside channels on commit). Nothing is deleted: a wrong hazard is voided with a reason.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError, ServiceError
from anjian.core.scoping import jurisdiction_of
from anjian.core.uploads import store_attachment
from anjian.hazards import recipients
from anjian.hazards.choices import (
    LEVEL_SHORT,
    OPEN_STATES,
    PURPOSE_EVIDENCE_PHOTO,
    PURPOSE_HAZARD_PHOTO,
    PURPOSE_PROGRESS_PHOTO,
    PURPOSE_SIGNATURE,
    PURPOSE_VERIFICATION_PHOTO,
    UNFINISHED_STATES,
    ExtensionStatus,
    HazardEventType,
    Level,
    SourceKind,
    State,
)
from anjian.hazards.models import (
    DeadlineExtension,
    GovernancePlan,
    Hazard,
    HazardEvent,
    HazardSequence,
    ListedSupervision,
    ProgressReport,
    Rectification,
    Verification,
    part_label,
)
from anjian.hazards.permissions import can, require
from anjian.notifications.choices import Level as NoticeLevel
from anjian.notifications.services import notify
from anjian.org.choices import Role

NOT_FOUND = "对象不存在或无权访问。"
# Fields of the rectification arrangement a caller may set (never the deadline, level or state).
EDITABLE_FIELDS = (
    "title",
    "description",
    "category",
    "accident_type",
    "location",
    "lat",
    "lng",
    "responsible_name",
    "responsible_phone",
    "measures",
    "funds",
)
CREATE_FIELDS = (*EDITABLE_FIELDS, "found_at", "source_kind", "source_ref")
STATE_LABELS = {s.value: str(s.label) for s in State}


# ------------------------------------------------------------------------------------------- registering
@transaction.atomic
def create_hazard(
    *,
    actor: Any,
    enterprise: Any,
    data: Mapping[str, Any],
    deadline: dt.date,
    level: str = Level.GENERAL,
    photos: Iterable[Any] = (),
    inspection_result: Any = None,
    checklist_item_text: str = "",
    legal_basis: str = "",
) -> Hazard:
    """Register a hazard found at `enterprise` (level proposed by the finder; 重大 awaits the office)."""
    require(actor, "hazard.create")
    from anjian.enterprises.models import Enterprise

    ent = _scoped_get(Enterprise.objects.for_user(actor), enterprise)
    if level not in Level.values:
        raise ValidationError({"level": f"未知的隐患等级：{level}"})
    hazard = Hazard(
        enterprise=ent,
        community_id=ent.community_id,
        grid_id=ent.grid_id,
        created_by=_user(actor),
        found_by=_user(actor),
        proposed_level=level,
        level=level,
        inspection_result=inspection_result,
        checklist_item_text=(checklist_item_text or "")[:500],
        legal_basis=(legal_basis or "")[:300],
    )
    _apply(hazard, data, CREATE_FIELDS)
    if inspection_result is not None:
        hazard.source_kind = SourceKind.INSPECTION
    _check_deadline(deadline, hazard.found_at)
    hazard.original_deadline = hazard.current_deadline = deadline
    if level == Level.MAJOR and can(actor, "hazard.confirm_level"):
        # The office grades as it registers; a 一般 proposal needs no grading.
        hazard.level_confirmed_at = timezone.now()
        hazard.level_confirmed_by = _user(actor)
    hazard.code = "YH-pending"
    hazard.full_clean(exclude=["code"])
    hazard.code = _next_code(timezone.localtime(hazard.found_at).year)
    hazard.save()
    for upload in photos:
        store_attachment(upload, owner=hazard, actor=actor, purpose=PURPOSE_HAZARD_PHOTO)
    audit.record(actor=actor, action="hazard.create", obj=hazard, after=audit.snapshot(hazard))
    _event(hazard, HazardEventType.REGISTERED, actor, level=hazard.proposed_level, deadline=str(deadline))
    _tell(
        recipients.enterprise_officers(hazard),
        hazard,
        f"新隐患待整改：{hazard.title}",
        f"{hazard.code}，整改期限 {deadline:%Y-%m-%d}。",
    )
    if hazard.level_pending:
        _tell(
            recipients.street_office(),
            hazard,
            f"建议定为重大事故隐患，待确认：{hazard.title}",
            f"{ent.name} · {hazard.code}",
            level=NoticeLevel.WARNING,
        )
    return hazard


# Days to rectify a hazard registered in one click from a failed item, by the item's severity; a
# statutory 重大 ground gets time for the six-part governance plan. Longer needs an approved extension.
SUGGESTED_DAYS = {"general": 15, "serious": 10, "severe": 7}
SUGGESTED_DAYS_MAJOR = 30


def suggested_deadline(item: Any, today: dt.date | None = None) -> dt.date:
    """The rectification deadline proposed for the hazard of a failed checklist item."""
    days = (
        SUGGESTED_DAYS_MAJOR
        if getattr(item, "major_hazard_ground", False)
        else SUGGESTED_DAYS.get(getattr(item, "severity", ""), 15)
    )
    return (today or timezone.localdate()) + dt.timedelta(days=days)


def result_defaults(result: Any) -> dict[str, Any]:
    """What the hazard of a failed item says before anyone edits it: the inspector's note as the
    finding (the item text when there is none), the checklist requirement as the measure, and the
    enterprise's safety officer (else the representative who signed the inspection) as responsible."""
    item = result.item
    inspection = result.inspection
    ent = inspection.enterprise
    note = (result.note or "").strip()
    first_line = note.splitlines()[0].strip() if note else ""
    title = (first_line or item.text)[:200]
    responsible = (ent.safety_officer or "").strip() or (inspection.representative_name or "").strip()
    return {
        "title": title,
        "description": note if note and note != title else "",
        "category": item.hazard_category,
        "accident_type": item.accident_type,
        "responsible_name": responsible,
        "responsible_phone": ent.phone if ent.safety_officer and ent.phone else "",
        "measures": f"按检查标准整改：{item.text.rstrip('。')}。",
    }


@transaction.atomic
def create_hazard_from_result(
    result: Any,
    *,
    actor: Any,
    deadline: dt.date | None = None,
    data: Mapping[str, Any] | None = None,
    level: str | None = None,
    photos: Iterable[Any] = (),
) -> Hazard:
    """Register the hazard of a failed checklist item (one click): enterprise, item text, legal basis,
    category and accident type come from the inspection; 重大 is proposed when the item is a statutory
    ground for 重大事故隐患. Without `deadline`, the suggested one (by severity) is used."""
    from anjian.inspections.models import InspectionResult  # the inspections app is optional here

    require(actor, "hazard.create")
    res = _scoped_get(
        InspectionResult.objects.for_user(actor)
        .select_for_update(of=("self",))
        .select_related("item", "inspection__enterprise"),
        result,
    )
    if res.outcome != "fail":
        raise ConflictError("只有“不合格”的检查项才能生成隐患。")
    existing = Hazard.objects.filter(inspection_result=res).exclude(state=State.VOIDED).first()
    if existing is not None:
        raise ConflictError(f"该不合格项已生成隐患：{existing.code}。")
    inspection = res.inspection
    if getattr(inspection, "voided_at", None) is not None:
        raise ConflictError("该检查记录已作废，不能生成隐患。")
    item = res.item
    defaults = result_defaults(res)
    values: dict[str, Any] = {k: defaults[k] for k in ("title", "description", "category", "accident_type")}
    if getattr(inspection, "lat", None) is not None and getattr(inspection, "lng", None) is not None:
        values.update(lat=inspection.lat, lng=inspection.lng)
    found = getattr(inspection, "submitted_at", None) or getattr(inspection, "started_at", None)
    if found is not None:
        values["found_at"] = found
    if deadline is None:
        deadline = suggested_deadline(item)  # counted from today, when the enterprise is told
    values.update({k: v for k, v in (data or {}).items() if v not in (None, "")})
    proposed = Level.MAJOR if item.major_hazard_ground else (level or Level.GENERAL)
    return create_hazard(
        actor=actor,
        enterprise=inspection.enterprise_id,
        data=values,
        deadline=deadline,
        level=proposed,
        photos=photos,
        inspection_result=res,
        checklist_item_text=item.text,
        legal_basis=item.legal_basis,
    )


@transaction.atomic
def update_hazard(hazard: Hazard | int, *, actor: Any, data: Mapping[str, Any]) -> Hazard:
    """Change the rectification arrangement (responsible person, measures, funds, description…).
    The deadline is not among them: it changes only through an approved extension."""
    h = _locked(actor, hazard)
    require(actor, "hazard.update")
    if "current_deadline" in data or "original_deadline" in data or "deadline" in data:
        raise ConflictError("整改期限不能直接修改，请提交延期申请并经审批。")
    if h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{_state_label(h)}，不能再修改整改信息。")
    before = audit.snapshot(h)
    _apply(h, data, EDITABLE_FIELDS)
    h.full_clean()
    h.save()
    old, new = audit.diff(before, audit.snapshot(h))
    if new:
        audit.record(actor=actor, action="hazard.update", obj=h, before=old, after=new)
        _event(h, HazardEventType.UPDATED, actor, fields=sorted(_label(h, k) for k in new))
    return h


@transaction.atomic
def add_photos(hazard: Hazard | int, *, actor: Any, photos: Iterable[Any]) -> Hazard:
    """Add photos of the hazard as found (not evidence of rectification)."""
    h = _locked(actor, hazard)
    require(actor, "hazard.update")
    if h.state in (State.CLOSED, State.VOIDED):
        raise ConflictError(f"隐患{_state_label(h)}，不能再添加照片。")
    stored = [store_attachment(p, owner=h, actor=actor, purpose=PURPOSE_HAZARD_PHOTO) for p in photos]
    if not stored:
        raise ServiceError("请选择要上传的照片。", fields={"photos": ["请选择要上传的照片。"]})
    audit.record(actor=actor, action="hazard.photos", obj=h, after={"photos": [a.as_dict() for a in stored]})
    return h


@transaction.atomic
def confirm_level(hazard: Hazard | int, *, actor: Any, level: str, note: str = "") -> Hazard:
    """The street safety office grades the hazard 一般 or 重大 (评估) before rectification starts."""
    h = _locked(actor, hazard)
    require(actor, "hazard.confirm_level", "只有街道安委办可以确认隐患等级。")
    if level not in Level.values:
        raise ValidationError({"level": f"未知的隐患等级：{level}"})
    if h.state != State.REGISTERED:
        raise ConflictError(f"隐患{_state_label(h)}，只能在开始整改前确认等级。")
    before = audit.snapshot(h)
    h.level = level
    h.level_confirmed_by = _user(actor)
    h.level_confirmed_at = timezone.now()
    h.save(update_fields=["level", "level_confirmed_by", "level_confirmed_at", "updated_at"])
    audit.record(
        actor=actor,
        action="hazard.confirm_level",
        obj=h,
        before=before,
        after=audit.snapshot(h),
        only_changes=True,
        note=note,
    )
    _event(h, HazardEventType.LEVEL_CONFIRMED, actor, level=level, proposed=h.proposed_level, note=note)
    if level == Level.MAJOR:
        _tell(
            recipients.enterprise_officers(h) + recipients.community_workers(h),
            h,
            f"已确认为重大事故隐患：{h.title}",
            "请按要求制定包含六项内容的治理方案，方案提交后方可开始整改。",
            level=NoticeLevel.DANGER,
            outside=True,
        )
    return h


@transaction.atomic
def submit_governance_plan(hazard: Hazard | int, *, actor: Any, data: Mapping[str, Any]) -> GovernancePlan:
    """Submit (or revise) the six-part governance plan of a 重大 hazard; each part is required."""
    h = _locked(actor, hazard)
    require(actor, "hazard.governance_plan")
    if h.level != Level.MAJOR and h.proposed_level != Level.MAJOR:
        raise ConflictError("只有重大事故隐患需要制定治理方案。")
    if h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{_state_label(h)}，不能再提交治理方案。")
    unknown = set(data) - set(GovernancePlan.PARTS)
    if unknown:
        raise TypeError(f"unexpected plan fields: {sorted(unknown)}")
    last = h.plans.order_by("-version").first()
    plan = GovernancePlan(
        hazard=h,
        version=(last.version + 1) if last else 1,
        submitted_by=actor,
        created_by=_user(actor),
        **{p: (str(data.get(p) or "")).strip() for p in GovernancePlan.PARTS},
    )
    missing = {p: [f"请填写“{part_label(p)}”。"] for p in GovernancePlan.PARTS if not getattr(plan, p)}
    if missing:
        raise ServiceError("治理方案须包含全部六项内容。", fields=missing)
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, action="hazard.governance_plan", obj=h, after=audit.snapshot(plan))
    _event(h, HazardEventType.PLAN_SUBMITTED, actor, version=plan.version, plan=plan.pk)
    return plan


# ---------------------------------------------------------------------------------------- the loop
@transaction.atomic
def start_rectification(hazard: Hazard | int, *, actor: Any, note: str = "") -> Hazard:
    """registered → rectifying, once responsible person, measures and deadline are set (and, for a 重大
    hazard, its level is confirmed, funds are set and the six-part governance plan is on file)."""
    h = _locked(actor, hazard)
    require(actor, "hazard.start_rectification")
    if h.state != State.REGISTERED:
        raise ConflictError(f"隐患{_state_label(h)}，只有“已登记”的隐患才能开始整改。")
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
    _event(h, HazardEventType.RECTIFICATION_STARTED, actor, note=note)
    return h


@transaction.atomic
def submit_rectification(
    hazard: Hazard | int, *, actor: Any, note: str, photos: Iterable[Any]
) -> Rectification:
    """rectifying → awaiting verification: the enterprise submits evidence (a note and at least one photo)."""
    h = _locked(actor, hazard)
    require(actor, "hazard.submit_rectification")
    if h.state != State.RECTIFYING:
        raise ConflictError(f"隐患{_state_label(h)}，只有“整改中”的隐患才能提交整改材料。")
    note = (note or "").strip()
    photos = [p for p in photos if p]
    errors: dict[str, list[str]] = {}
    if not note:
        errors["note"] = ["请说明整改情况。"]
    if not photos:
        errors["photos"] = ["请上传整改后的照片作为证据。"]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], fields=errors)
    rect = Rectification(hazard=h, submitted_by=actor, note=note, created_by=_user(actor))
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
    _event(h, HazardEventType.EVIDENCE_SUBMITTED, actor, rectification=rect.pk, photos=len(stored))
    _tell(
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
    h = _locked(actor, hazard)
    if getattr(actor, "role", "") == Role.ENTERPRISE_OFFICER or (
        getattr(actor, "enterprise_id", None) and actor.enterprise_id == h.enterprise_id
    ):
        raise PermissionDeniedError("企业不能复查本企业的隐患整改，须由其他人员复查。")
    require(actor, "hazard.verify", "没有复查隐患整改的权限。")
    if h.state != State.AWAITING_VERIFICATION:
        raise ConflictError(f"隐患{_state_label(h)}，只有“待复查”的隐患才能复查。")
    rect = h.rectifications.order_by("-submitted_at", "-id").first()
    if rect is not None and rect.submitted_by_id == actor.pk:
        raise PermissionDeniedError("提交整改材料的人员不能复查自己提交的整改。")
    note = (note or "").strip()
    if not note:
        message = "请填写复查意见。" if passed else "请填写复查不通过的原因。"
        raise ServiceError(message, fields={"note": [message]})
    verification = Verification(
        hazard=h, rectification=rect, verifier=actor, passed=bool(passed), note=note, created_by=_user(actor)
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
        _event(h, HazardEventType.VERIFIED_PASSED, actor, verification=verification.pk, note=note)
        _tell(recipients.enterprise_officers(h), h, f"隐患已复查通过并销号：{h.title}", note)
    else:
        _event(h, HazardEventType.VERIFIED_FAILED, actor, verification=verification.pk, note=note)
        _tell(
            recipients.enterprise_officers(h),
            h,
            f"复查不通过，请继续整改：{h.title}",
            f"原因：{note}；整改期限 {h.current_deadline:%Y-%m-%d}。",
            level=NoticeLevel.WARNING,
        )
    return verification


# ------------------------------------------------------------------------------------------- deadlines
@transaction.atomic
def request_extension(
    hazard: Hazard | int, *, actor: Any, requested_deadline: dt.date, reason: str
) -> DeadlineExtension:
    """Ask to move the deadline (with a reason); nothing changes until the request is approved."""
    h = _locked(actor, hazard)
    require(actor, "hazard.request_extension")
    if h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{_state_label(h)}，不能申请延期。")
    if h.extensions.filter(status=ExtensionStatus.PENDING).exists():
        raise ConflictError("已有一份延期申请等待审批，请勿重复提交。")
    reason = (reason or "").strip()
    errors: dict[str, list[str]] = {}
    if not reason:
        errors["reason"] = ["请填写延期理由。"]
    if not isinstance(requested_deadline, dt.date):
        errors["requested_deadline"] = ["请填写申请延至的日期。"]
    elif requested_deadline <= h.current_deadline:
        errors["requested_deadline"] = [f"申请延至的日期须晚于当前期限 {h.current_deadline:%Y-%m-%d}。"]
    elif requested_deadline > h.current_deadline + dt.timedelta(days=settings.HAZARD_MAX_EXTENSION_DAYS):
        errors["requested_deadline"] = [f"一次最多延期 {settings.HAZARD_MAX_EXTENSION_DAYS} 天。"]
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], fields=errors)
    ext = DeadlineExtension(
        hazard=h,
        requested_by=actor,
        reason=reason,
        previous_deadline=h.current_deadline,
        requested_deadline=requested_deadline,
        created_by=_user(actor),
    )
    ext.full_clean()
    ext.save()
    audit.record(
        actor=actor, action="hazard.request_extension", obj=h, after=audit.snapshot(ext), note=reason
    )
    _event(
        h,
        HazardEventType.EXTENSION_REQUESTED,
        actor,
        extension=ext.pk,
        previous=str(ext.previous_deadline),
        requested=str(requested_deadline),
        reason=reason,
    )
    deciders = recipients.street_office() if h.is_major else recipients.community_workers(h)
    _tell(
        [u for u in deciders if u.pk != actor.pk] or recipients.street_office(),
        h,
        f"延期申请待审批：{h.title}",
        f"申请由 {ext.previous_deadline:%Y-%m-%d} 延至 {requested_deadline:%Y-%m-%d}；理由：{reason}",
    )
    return ext


@transaction.atomic
def decide_extension(
    extension: DeadlineExtension | int, *, actor: Any, approve: bool, note: str = ""
) -> DeadlineExtension:
    """Approve (the deadline moves; the original stays on record) or reject a pending extension."""
    ext_pk = extension.pk if isinstance(extension, models.Model) else extension
    ext_hazard: int | None = (
        DeadlineExtension.objects.for_user(actor)
        .filter(pk=ext_pk)
        .values_list("hazard_id", flat=True)
        .first()
    )
    if ext_hazard is None:
        raise Http404(NOT_FOUND)
    h = _locked(actor, ext_hazard)
    ext = DeadlineExtension.objects.select_for_update().get(pk=ext_pk)
    require(actor, "hazard.decide_extension", "没有审批延期申请的权限。")
    if h.is_major and not can(actor, "hazard.decide_major_extension"):
        raise PermissionDeniedError("重大事故隐患的延期须由街道安委办审批。")
    if ext.status != ExtensionStatus.PENDING:
        raise ConflictError(f"该延期申请已{ext.get_status_display()}，不能重复审批。")
    if ext.requested_by_id == actor.pk:
        raise PermissionDeniedError("不能审批自己提交的延期申请。")
    note = (note or "").strip()
    if not approve and not note:
        raise ServiceError("驳回延期申请须填写理由。", fields={"note": ["驳回延期申请须填写理由。"]})
    if approve and h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{_state_label(h)}，不再需要延期。")
    before = audit.snapshot(h)
    ext.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
    ext.decided_by = actor
    ext.decided_at = timezone.now()
    ext.decision_note = note
    ext.save(update_fields=["status", "decided_by", "decided_at", "decision_note", "updated_at"])
    if approve:
        h.current_deadline = ext.requested_deadline
        h.save(update_fields=["current_deadline", "updated_at"])
    audit.record(
        actor=actor,
        action="hazard.decide_extension",
        obj=h,
        before={**before, "extension_status": ExtensionStatus.PENDING},
        after={**audit.snapshot(h), "extension_status": ext.status},
        only_changes=True,
        note=note,
    )
    _event(
        h,
        HazardEventType.EXTENSION_APPROVED if approve else HazardEventType.EXTENSION_REJECTED,
        actor,
        extension=ext.pk,
        previous=str(ext.previous_deadline),
        requested=str(ext.requested_deadline),
        note=note,
    )
    _tell(
        [ext.requested_by],
        h,
        f"延期申请{'已批准' if approve else '被驳回'}：{h.title}",
        f"整改期限：{h.current_deadline:%Y-%m-%d}" + (f"；意见：{note}" if note else ""),
    )
    return ext


# ---------------------------------------------------------------------------------------------- voiding
@transaction.atomic
def void_hazard(hazard: Hazard | int, *, actor: Any, reason: str) -> Hazard:
    """Void a wrongly registered hazard with a reason; it stays in the history (nothing is deleted)."""
    h = _locked(actor, hazard)
    require(actor, "hazard.void", "没有作废隐患的权限。")
    reason = (reason or "").strip()
    if not reason:
        raise ServiceError("请填写作废原因。", fields={"reason": ["请填写作废原因。"]})
    if h.state in (State.CLOSED, State.VOIDED):
        raise ConflictError(f"隐患{_state_label(h)}，不能作废。")
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
    _event(h, HazardEventType.VOIDED, actor, reason=reason)
    return h


# ----------------------------------------------------------------------------------- listed supervision
@transaction.atomic
def list_supervision(
    hazard: Hazard | int,
    *,
    actor: Any,
    supervising_unit: str,
    requirements: str = "",
    report_every_days: int = 7,
) -> ListedSupervision:
    """挂牌督办: the street lists a confirmed 重大 hazard; progress reports are due until it is closed."""
    h = _locked(actor, hazard)
    require(actor, "hazard.supervise", "只有街道安委办可以挂牌督办。")
    if h.level != Level.MAJOR or h.level_pending:
        raise ConflictError("只有已确认的重大事故隐患才能挂牌督办。")
    if h.state not in UNFINISHED_STATES:
        raise ConflictError(f"隐患{_state_label(h)}，不能挂牌督办。")
    if h.is_listed:
        raise ConflictError("该隐患已在挂牌督办中。")
    supervising_unit = (supervising_unit or "").strip()
    if not supervising_unit:
        raise ServiceError("请填写督办单位。", fields={"supervising_unit": ["请填写督办单位。"]})
    sup = ListedSupervision(
        hazard=h,
        listed_by=actor,
        supervising_unit=supervising_unit,
        requirements=(requirements or "").strip(),
        report_every_days=report_every_days,
        created_by=_user(actor),
    )
    sup.full_clean(validate_constraints=False)
    if not 1 <= sup.report_every_days <= 90:
        raise ServiceError(
            "进展报送周期应为 1–90 天。", fields={"report_every_days": ["进展报送周期应为 1–90 天。"]}
        )
    sup.save()
    h.is_listed = True
    h.save(update_fields=["is_listed", "updated_at"])
    audit.record(actor=actor, action="hazard.list_supervision", obj=h, after=audit.snapshot(sup))
    _event(h, HazardEventType.LISTED, actor, supervision=sup.pk, unit=supervising_unit)
    _tell(
        recipients.enterprise_officers(h) + recipients.community_workers(h),
        h,
        f"重大事故隐患挂牌督办：{h.title}",
        f"督办单位：{supervising_unit}；请每 {sup.report_every_days} 天报送治理进展，直至销号。",
        level=NoticeLevel.DANGER,
        outside=True,
    )
    return sup


@transaction.atomic
def add_progress_report(
    hazard: Hazard | int, *, actor: Any, progress: str, percent: int, photos: Iterable[Any] = ()
) -> ProgressReport:
    """Report the progress of a listed hazard (text, percentage done, optional photos)."""
    h = _locked(actor, hazard)
    require(actor, "hazard.progress_report")
    sup = h.supervisions.filter(lifted_at__isnull=True).first()
    if sup is None:
        raise ConflictError("该隐患未在挂牌督办中，无需报送进展。")
    if h.state not in UNFINISHED_STATES:
        raise ConflictError(f"隐患{_state_label(h)}，不再报送进展。")
    progress = (progress or "").strip()
    if not progress:
        raise ServiceError("请填写进展情况。", fields={"progress": ["请填写进展情况。"]})
    try:
        pct = int(percent)
    except (TypeError, ValueError):
        pct = -1
    if not 0 <= pct <= 100:
        raise ServiceError("完成比例应为 0–100。", fields={"percent": ["完成比例应为 0–100。"]})
    report = ProgressReport(
        supervision=sup, hazard=h, reported_by=actor, progress=progress, percent=pct, created_by=_user(actor)
    )
    report.full_clean()
    report.save()
    for upload in photos:
        if upload:
            store_attachment(upload, owner=report, actor=actor, purpose=PURPOSE_PROGRESS_PHOTO)
    audit.record(actor=actor, action="hazard.progress_report", obj=h, after=audit.snapshot(report))
    _event(h, HazardEventType.PROGRESS_REPORTED, actor, report=report.pk, percent=pct)
    return report


@transaction.atomic
def lift_supervision(hazard: Hazard | int, *, actor: Any, note: str = "") -> ListedSupervision:
    """Lift the listing once the hazard is closed (or voided)."""
    h = _locked(actor, hazard)
    require(actor, "hazard.supervise", "只有街道安委办可以解除挂牌督办。")
    sup = h.supervisions.select_for_update().filter(lifted_at__isnull=True).first()
    if sup is None:
        raise ConflictError("该隐患未在挂牌督办中。")
    if h.state in UNFINISHED_STATES:
        raise ConflictError("隐患复查销号后才能解除挂牌督办。")
    sup.lifted_at = timezone.now()
    sup.lifted_by = actor
    sup.lift_note = (note or "").strip()[:500]
    sup.save(update_fields=["lifted_at", "lifted_by", "lift_note", "updated_at"])
    h.is_listed = False
    h.save(update_fields=["is_listed", "updated_at"])
    audit.record(actor=actor, action="hazard.lift_supervision", obj=h, after=audit.snapshot(sup), note=note)
    _event(h, HazardEventType.SUPERVISION_LIFTED, actor, supervision=sup.pk, note=sup.lift_note)
    return sup


# ---------------------------------------------------------------------------------------------- helpers
def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _scoped_get(qs: Any, obj: Any) -> Any:
    pk = obj.pk if isinstance(obj, models.Model) else obj
    try:
        return qs.get(pk=pk)
    except (qs.model.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def _locked(actor: Any, hazard: Hazard | int) -> Hazard:
    """The hazard re-read through the actor's scope (404 outside it) and locked until commit."""
    if jurisdiction_of(actor).level == "none":
        raise Http404(NOT_FOUND)
    h: Hazard = _scoped_get(Hazard.objects.for_user(actor).select_for_update(), hazard)
    return h


def _next_code(year: int) -> str:
    """YH-<year>-<6 digits>, numbered per year without gaps under concurrency (row lock)."""
    seq = HazardSequence.objects.select_for_update().filter(year=year).first()
    if seq is None:
        try:
            with transaction.atomic():
                HazardSequence.objects.create(year=year, last=0)
        except IntegrityError:
            pass
        seq = HazardSequence.objects.select_for_update().get(year=year)
    seq.last += 1
    seq.save(update_fields=["last"])
    return f"YH-{year}-{seq.last:06d}"


def _check_deadline(deadline: Any, found_at: Any) -> None:
    if not isinstance(deadline, dt.date):
        raise ServiceError("请填写整改期限。", fields={"deadline": ["请填写整改期限。"]})
    found = timezone.localtime(found_at).date() if isinstance(found_at, dt.datetime) else timezone.localdate()
    if deadline < found:
        message = "整改期限不能早于发现日期。"
        raise ServiceError(message, fields={"deadline": [message]})
    if isinstance(found_at, dt.datetime) and found_at > timezone.now() + dt.timedelta(minutes=5):
        raise ServiceError("发现时间不能晚于现在。", fields={"found_at": ["发现时间不能晚于现在。"]})


def _apply(obj: models.Model, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Set fields from `data` (text trimmed; '' → None for numbers); unknown keys are a programming error."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields for {obj._meta.label}: {sorted(unknown)}")
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if isinstance(value, str):
            value = value.strip()
        if value is None and isinstance(field, models.CharField | models.TextField):
            value = ""
        if value == "" and not isinstance(field, models.CharField | models.TextField):
            value = None
        if (
            isinstance(field, models.DecimalField)
            and value is not None
            and not isinstance(value, decimal.Decimal)
        ):
            try:
                value = decimal.Decimal(str(value))
            except decimal.InvalidOperation:
                raise ValidationError({name: "请输入有效的金额。"}) from None
        setattr(obj, name, value)


def _label(obj: models.Model, attname: str) -> str:
    for field in obj._meta.concrete_fields:
        if field.attname == attname:
            return str(field.verbose_name)
    return attname


def _state_label(h: Hazard) -> str:
    return f"当前状态为“{STATE_LABELS.get(h.state, h.state)}”"


def _event(h: Hazard, kind: str, actor: Any, **params: Any) -> HazardEvent:
    return HazardEvent.objects.create(hazard=h, type=kind, actor=_user(actor), params=params)


def hazard_link(h: Hazard) -> str:
    return reverse("hazards:detail", args=[h.pk])


def _tell(
    people: Iterable[Any],
    h: Hazard,
    title: str,
    body: str,
    *,
    level: str = NoticeLevel.INFO,
    outside: bool = False,
) -> None:
    """Tell people about a step of this hazard: inbox now; outside channels (after commit) for the
    steps that must not wait until someone opens the platform."""
    notify(
        people,
        title=title,
        body=f"{h.enterprise.name} · {h.code}：{body}" if body else f"{h.enterprise.name} · {h.code}",
        link=hazard_link(h),
        level=level,
        category="hazard",
        channels=settings.HAZARD_NOTIFY_CHANNELS if outside else (),
    )


def level_label(level: str) -> str:
    return LEVEL_SHORT.get(level, level)  # type: ignore[call-overload]
