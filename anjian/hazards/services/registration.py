"""Registering a hazard (directly, or from a failed checklist item) and editing its rectification
arrangement and photos. The deadline and the level are not edited here: see extensions and governance."""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, ServiceError
from anjian.core.uploads import store_attachment
from anjian.hazards import recipients
from anjian.hazards.choices import (
    OPEN_STATES,
    PURPOSE_HAZARD_PHOTO,
    HazardEventType,
    Level,
    SourceKind,
    State,
)
from anjian.hazards.models import Hazard, HazardSequence
from anjian.hazards.permissions import can, require
from anjian.hazards.services.guards import acting_user, current_state, locked_hazard, scoped_get
from anjian.hazards.services.records import add_event, tell
from anjian.notifications.choices import Level as NoticeLevel

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

# Days to rectify a hazard registered in one click from a failed item, by the item's severity; a
# statutory 重大 ground gets time for the six-part governance plan. Longer needs an approved extension.
SUGGESTED_DAYS = {"general": 15, "serious": 10, "severe": 7}
SUGGESTED_DAYS_MAJOR = 30


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

    ent = scoped_get(Enterprise.objects.for_user(actor), enterprise)
    if level not in Level.values:
        raise ValidationError({"level": f"未知的隐患等级：{level}"})
    hazard = Hazard(
        enterprise=ent,
        community_id=ent.community_id,
        grid_id=ent.grid_id,
        created_by=acting_user(actor),
        found_by=acting_user(actor),
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
        hazard.level_confirmed_by = acting_user(actor)
    hazard.code = "YH-pending"
    hazard.full_clean(exclude=["code"])
    hazard.code = _next_code(timezone.localtime(hazard.found_at).year)
    hazard.save()
    for upload in photos:
        store_attachment(upload, owner=hazard, actor=actor, purpose=PURPOSE_HAZARD_PHOTO)
    audit.record(actor=actor, action="hazard.create", obj=hazard, after=audit.snapshot(hazard))
    add_event(hazard, HazardEventType.REGISTERED, actor, level=hazard.proposed_level, deadline=str(deadline))
    tell(
        recipients.enterprise_officers(hazard),
        hazard,
        f"新隐患待整改：{hazard.title}",
        f"{hazard.code}，整改期限 {deadline:%Y-%m-%d}。",
    )
    if hazard.level_pending:
        tell(
            recipients.street_office(),
            hazard,
            f"建议定为重大事故隐患，待确认：{hazard.title}",
            f"{ent.name} · {hazard.code}",
            level=NoticeLevel.WARNING,
        )
    return hazard


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
    res = scoped_get(
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
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.update")
    if "current_deadline" in data or "original_deadline" in data or "deadline" in data:
        raise ConflictError("整改期限不能直接修改，请提交延期申请并经审批。")
    if h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{current_state(h)}，不能再修改整改信息。")
    before = audit.snapshot(h)
    _apply(h, data, EDITABLE_FIELDS)
    h.full_clean()
    h.save()
    old, new = audit.diff(before, audit.snapshot(h))
    if new:
        audit.record(actor=actor, action="hazard.update", obj=h, before=old, after=new)
        add_event(h, HazardEventType.UPDATED, actor, fields=sorted(_label(h, k) for k in new))
    return h


@transaction.atomic
def add_photos(hazard: Hazard | int, *, actor: Any, photos: Iterable[Any]) -> Hazard:
    """Add photos of the hazard as found (not evidence of rectification)."""
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.update")
    if h.state in (State.CLOSED, State.VOIDED):
        raise ConflictError(f"隐患{current_state(h)}，不能再添加照片。")
    stored = [store_attachment(p, owner=h, actor=actor, purpose=PURPOSE_HAZARD_PHOTO) for p in photos]
    if not stored:
        raise ServiceError("请选择要上传的照片。", fields={"photos": ["请选择要上传的照片。"]})
    audit.record(actor=actor, action="hazard.photos", obj=h, after={"photos": [a.as_dict() for a in stored]})
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
