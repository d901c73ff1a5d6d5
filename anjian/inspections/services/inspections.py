"""Doing an inspection: one submission from a phone (results, photos, GPS, signatures) saved whole and
idempotently by client_uuid, the visit it counts as, and voiding."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from PIL import Image

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.services import void
from anjian.core.uploads import IMAGE, store_attachment
from anjian.core.validators import coordinate_error
from anjian.enterprises.choices import EnterpriseEventType
from anjian.enterprises.models import Enterprise, EnterpriseEvent
from anjian.inspections.choices import (
    PURPOSE_RESULT_PHOTO,
    PURPOSE_SIGNATURE_ENTERPRISE,
    PURPOSE_SIGNATURE_INSPECTOR,
    InspectionEventType,
    InspectionStatus,
    Outcome,
    PlanStatus,
)
from anjian.inspections.models import (
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    InspectionPlan,
    InspectionResult,
)
from anjian.inspections.services.access import fetch, may_handle_plan
from anjian.inspections.services.cleaning import clean_text, maybe_int
from anjian.inspections.services.events import record_event
from anjian.inspections.services.plans import change_plan
from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.models import Assignment, Visit
from anjian.org.permissions import require

MAX_PHOTOS_PER_ITEM = 5
MAX_PHOTOS_TOTAL = 60


def _float(value: Any, field: str, label: str, errors: dict[str, list[str]]) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        errors.setdefault(field, []).append(f"{label}不是有效的数字。")
        return None
    if number != number or number in (float("inf"), float("-inf")):
        errors.setdefault(field, []).append(f"{label}不是有效的数字。")
        return None
    return number


def _started_at(value: Any, errors: dict[str, list[str]]) -> dt.datetime:
    now = timezone.now()
    if value in (None, ""):
        return now
    parsed = parse_datetime(str(value)) if not isinstance(value, dt.datetime) else value
    if parsed is None:
        errors.setdefault("started_at", []).append("开始时间格式不正确。")
        return now
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    if parsed > now + dt.timedelta(minutes=10):
        errors.setdefault("started_at", []).append("开始时间不能晚于当前时间。")
    elif parsed < now - dt.timedelta(days=30):
        errors.setdefault("started_at", []).append("开始时间早于 30 天前，请重新检查。")
    return parsed


def _has_stroke(upload: Any) -> bool:
    """A drawn signature is an image that is not a single flat colour."""
    try:
        upload.seek(0)
        with Image.open(io.BytesIO(upload.read())) as img:
            img.load()
            rgba = img.convert("RGBA")
            alpha = rgba.getchannel("A").getextrema()
            if alpha[1] == 0:
                return False
            grey = Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba).convert("L")
            low, high = grey.getextrema()
            return bool(float(high) - float(low) > 40)  # type: ignore[arg-type]
    except Exception:  # a broken file is reported by store_attachment's own check
        return True
    finally:
        upload.seek(0)


def submit_inspection(
    *, actor: Any, payload: Mapping[str, Any], files: Mapping[str, Sequence[Any]] | None = None
) -> tuple[Inspection, bool]:
    """Save a whole inspection in one transaction (results, photos, signatures, GPS) or nothing.

    Idempotent by `client_uuid`: sending the same inspection again returns the one already saved
    (`created` is False). Returns (inspection, created)."""
    files = files or {}
    raw_uuid = payload.get("client_uuid")
    try:
        client_uuid = uuid.UUID(str(raw_uuid))
    except (TypeError, ValueError):
        raise ValidationError({"client_uuid": "缺少或无效的客户端编号（client_uuid）。"}) from None
    existing = _existing(actor, client_uuid)
    if existing is not None:
        return existing, False
    try:
        return _submit(actor=actor, client_uuid=client_uuid, payload=payload, files=files), True
    except IntegrityError:
        # The same inspection arrived twice at once: the first one won; answer with it.
        existing = _existing(actor, client_uuid)
        if existing is None:
            raise
        return existing, False


def _existing(actor: Any, client_uuid: uuid.UUID) -> Inspection | None:
    found = Inspection.objects.filter(client_uuid=client_uuid).first()
    if found is None:
        return None
    if found.inspector_id != getattr(actor, "pk", None):
        raise ConflictError("该检查记录编号已被他人使用，请重新开始检查。")
    return found


@transaction.atomic
def _submit(
    *, actor: Any, client_uuid: uuid.UUID, payload: Mapping[str, Any], files: Mapping[str, Sequence[Any]]
) -> Inspection:
    require(actor, "inspection.perform")
    plan, enterprise = _plan_and_enterprise(actor, payload)
    version = (
        ChecklistVersion.objects.select_related("template")
        .filter(pk=maybe_int(payload.get("checklist_version")) or 0)
        .first()
    )
    if version is None:
        raise ValidationError({"checklist_version": "请选择检查表。"})

    # Every problem of the submission is reported at once, field by field.
    errors: dict[str, list[str]] = {}
    items = list(version.items.order_by("order"))
    answers = _answers(items, payload, files, errors)
    representative = clean_text(payload.get("representative_name"), 50)
    if not representative:
        errors.setdefault("representative_name", []).append("请填写企业代表姓名。")
    signatures = _signatures(files, errors)
    lat, lng, accuracy = _location(payload, errors)
    started_at = _started_at(payload.get("started_at"), errors)
    if errors:
        raise ValidationError(errors)

    now = timezone.now()
    outcomes = [answers[i.pk]["outcome"] for i in items]
    inspection = Inspection(
        plan=plan,
        enterprise=enterprise,
        checklist_version=version,
        inspector=actor,
        co_inspector_names=clean_text(payload.get("co_inspector_names"), 300),
        started_at=min(started_at, now),
        submitted_at=now,
        status=InspectionStatus.SUBMITTED,
        lat=lat,
        lng=lng,
        accuracy=accuracy,
        location_note=clean_text(payload.get("location_note"), 200),
        representative_name=representative,
        summary=clean_text(payload.get("summary"), 5000),
        client_uuid=client_uuid,
        item_count=len(items),
        failed_count=outcomes.count(Outcome.FAIL),
        na_count=outcomes.count(Outcome.NA),
        created_by=actor,
    )
    inspection.save(force_insert=True)
    if plan is not None:
        inspection.co_inspectors.set(list(plan.co_inspectors.all()))
    photo_count = _save_results(inspection, items, answers, files, actor=actor)
    for purpose, upload in signatures.items():
        try:
            store_attachment(upload, owner=inspection, actor=actor, kinds=(IMAGE,), purpose=purpose)
        except ValidationError as exc:
            raise ValidationError({purpose: f"签名图片无效：{exc.messages[0]}"}) from None

    after = audit.snapshot(inspection)
    after["results"] = {str(i.order): answers[i.pk]["outcome"] for i in items}
    after["photos"] = photo_count
    audit.record(actor=actor, action="submit", obj=inspection, after=after)
    summary = f"{version.template.name}（第{version.version}版）{len(items)} 项，不合格 {inspection.failed_count} 项"
    record_event(
        InspectionEventType.SUBMITTED, actor=actor, inspection=inspection, plan=plan, summary=summary
    )

    if plan is not None:
        change_plan(plan, actor=actor, action="complete", values={"status": PlanStatus.DONE})
    _record_visit(inspection, actor=actor, summary=summary)
    return inspection


def _plan_and_enterprise(actor: Any, payload: Mapping[str, Any]) -> tuple[InspectionPlan | None, Enterprise]:
    """What is inspected: the plan's enterprise (a plan the actor handles, still to be done) or one in scope."""
    if payload.get("plan") in (None, ""):
        if payload.get("enterprise") in (None, ""):
            raise ValidationError({"enterprise": "请选择检查对象。"})
        return None, fetch(Enterprise, payload["enterprise"], actor, field="enterprise")
    plan = fetch(InspectionPlan, payload["plan"], actor, lock=True, field="plan")
    if not may_handle_plan(actor, plan):
        raise PermissionDeniedError("您不是该检查计划的检查人员。")
    if plan.status != PlanStatus.PLANNED:
        raise ConflictError(f"该检查计划{plan.get_status_display()}，不能再提交检查。")
    if payload.get("enterprise") not in (None, "") and str(payload["enterprise"]) != str(plan.enterprise.pk):
        raise ValidationError({"enterprise": "检查对象与检查计划不一致。"})
    return plan, plan.enterprise


def _answers(
    items: list[ChecklistItem],
    payload: Mapping[str, Any],
    files: Mapping[str, Sequence[Any]],
    errors: dict[str, list[str]],
) -> dict[int, dict[str, Any]]:
    """One answer per item of the version (by item id); problems with answers and photos go to `errors`."""
    by_id = {i.pk: i for i in items}
    answers: dict[int, dict[str, Any]] = {}
    rows = payload.get("results")
    if not isinstance(rows, list):
        rows = []
    for row in rows:
        if not isinstance(row, Mapping):
            errors.setdefault("results", []).append("检查结果格式不正确。")
            continue
        item_id = maybe_int(row.get("item"))
        if item_id not in by_id:
            errors.setdefault("results", []).append(f"检查项 {row.get('item')} 不属于所选检查表。")
            continue
        if item_id in answers:
            errors.setdefault("results", []).append(f"第 {by_id[item_id].order} 项重复作答。")
            continue
        answers[item_id] = dict(row)
    for item in items:
        row = answers.get(item.pk)
        if row is None:
            errors.setdefault("results", []).append(f"第 {item.order} 项未作答：{item.text[:30]}")
            continue
        outcome = clean_text(row.get("outcome"))
        if outcome not in Outcome.values:
            errors.setdefault("results", []).append(
                f"第 {item.order} 项结果无效（应为合格、不合格或不适用）。"
            )
        elif outcome == Outcome.FAIL and not clean_text(row.get("note")):
            errors.setdefault("results", []).append(f"第 {item.order} 项不合格，请填写问题说明。")
        photos = [f for f in files.get(f"photo_{item.pk}", []) if f]
        if len(photos) > MAX_PHOTOS_PER_ITEM:
            errors.setdefault("photos", []).append(f"第 {item.order} 项照片超过 {MAX_PHOTOS_PER_ITEM} 张。")
    for key in files:
        if key.startswith("photo_") and maybe_int(key[6:]) not in by_id:
            errors.setdefault("photos", []).append("照片对应的检查项不属于所选检查表。")
    total_photos = sum(len(v) for k, v in files.items() if k.startswith("photo_"))
    if total_photos > MAX_PHOTOS_TOTAL:
        errors.setdefault("photos", []).append(f"一次检查最多上传 {MAX_PHOTOS_TOTAL} 张照片。")
    return answers


def _signatures(files: Mapping[str, Sequence[Any]], errors: dict[str, list[str]]) -> dict[str, Any]:
    """The two drawn signatures (inspector, enterprise representative) by purpose; missing or blank → `errors`."""
    signatures: dict[str, Any] = {}
    for purpose, label in (
        (PURPOSE_SIGNATURE_INSPECTOR, "检查人员签名"),
        (PURPOSE_SIGNATURE_ENTERPRISE, "企业代表签名"),
    ):
        upload = next(iter(files.get(purpose, [])), None)
        if upload is None:
            errors.setdefault(purpose, []).append(f"缺少{label}。")
        elif not _has_stroke(upload):
            errors.setdefault(purpose, []).append(f"{label}是空白的，请重新签名。")
        else:
            signatures[purpose] = upload
    return signatures


def _location(
    payload: Mapping[str, Any], errors: dict[str, list[str]]
) -> tuple[float | None, float | None, float | None]:
    """GPS position and accuracy of the phone (all optional; latitude and longitude come together)."""
    lat = _float(payload.get("lat"), "lat", "纬度", errors)
    lng = _float(payload.get("lng"), "lng", "经度", errors)
    accuracy = _float(payload.get("accuracy"), "accuracy", "定位精度", errors)
    if (lat is None) != (lng is None) and "lat" not in errors and "lng" not in errors:
        errors.setdefault("lat", []).append("经纬度须同时提供。")
    elif lat is not None and lng is not None:
        message = coordinate_error(lat, lng)
        if message:
            errors.setdefault("lat", []).append(message)
    if accuracy is not None and accuracy < 0:
        errors.setdefault("accuracy", []).append("定位精度不能为负数。")
    return lat, lng, accuracy


def _save_results(
    inspection: Inspection,
    items: list[ChecklistItem],
    answers: dict[int, dict[str, Any]],
    files: Mapping[str, Sequence[Any]],
    *,
    actor: Any,
) -> int:
    """One result per item with its photos; returns how many photos were stored."""
    photo_count = 0
    for item in items:
        row = answers[item.pk]
        result = InspectionResult.objects.create(
            inspection=inspection, item=item, outcome=row["outcome"], note=clean_text(row.get("note"), 1000)
        )
        for n, photo in enumerate(files.get(f"photo_{item.pk}", []), start=1):
            try:
                store_attachment(
                    photo, owner=result, actor=actor, kinds=(IMAGE,), purpose=PURPOSE_RESULT_PHOTO
                )
            except ValidationError as exc:
                raise ValidationError(
                    {"photos": f"第 {item.order} 项第 {n} 张照片：{exc.messages[0]}"}
                ) from None
            photo_count += 1
    return photo_count


def _record_visit(inspection: Inspection, *, actor: Any, summary: str) -> None:
    """An inspection by an assigned person of their enterprise counts as the assignment's visit (coverage)."""
    assignment = inspection.plan.assignment if inspection.plan and inspection.plan.assignment_id else None
    day = timezone.localtime(inspection.started_at).date()
    if assignment is None:
        assignment = (
            Assignment.objects.filter(
                person=actor,
                enterprise=inspection.enterprise,
                kind=AssignmentKind.ENTERPRISE,
                status=AssignmentStatus.ACTIVE,
                voided_at__isnull=True,
                start_date__lte=day,
            )
            .order_by("id")
            .first()
        )
    if assignment is None:
        return
    failed = [
        f"{r.item.order}. {r.item.text}：{r.note}"
        for r in inspection.results.select_related("item").filter(outcome=Outcome.FAIL)
    ]
    visit = Visit.objects.create(
        assignment=assignment,
        visitor=actor,
        community_id=inspection.enterprise.community_id,
        enterprise=inspection.enterprise,
        date=day,
        participants=inspection.co_inspector_names,
        notes=f"按检查表检查：{summary}。"
        + (f"检查意见：{inspection.summary}" if inspection.summary else ""),
        issues_found="\n".join(failed),
        created_by=actor,
    )
    inspection.visit = visit
    inspection.save(update_fields=["visit", "updated_at"])
    audit.record(actor=actor, action="create", obj=visit, after=audit.snapshot(visit), note="由检查记录生成")
    EnterpriseEvent.objects.create(
        enterprise=inspection.enterprise,
        type=EnterpriseEventType.VISITED,
        actor=actor,
        params={"visit": visit.pk, "person": str(actor), "date": day.isoformat(), "summary": summary},
    )
    record_event(
        InspectionEventType.VISIT_RECORDED,
        actor=actor,
        inspection=inspection,
        summary=f"计入 {assignment} 的走访",
    )


@transaction.atomic
def void_inspection(inspection: Inspection | int, *, actor: Any, reason: str) -> Inspection:
    """Void a wrongly recorded inspection (office only): it stays on record, its visit stops counting and
    its plan can be done again."""
    insp = fetch(Inspection, inspection, actor, lock=True)
    require(actor, "inspection.void")
    if insp.status == InspectionStatus.VOIDED:
        raise ConflictError("该检查记录已作废。")
    reason = clean_text(reason, 500)
    void(insp, actor=actor, reason=reason)
    insp.status = InspectionStatus.VOIDED
    insp.save(update_fields=["status", "updated_at"])
    if insp.visit_id and insp.visit and insp.visit.voided_at is None:
        void(insp.visit, actor=actor, reason=f"检查记录作废：{reason}")
    if insp.plan_id and insp.plan and insp.plan.status == PlanStatus.DONE:
        insp.plan.status = PlanStatus.PLANNED
        insp.plan.save(update_fields=["status", "updated_at"])
        record_event(
            InspectionEventType.PLAN_UPDATED,
            actor=actor,
            plan=insp.plan,
            summary="检查记录作废，计划重新待检查",
        )
    record_event(InspectionEventType.VOIDED, actor=actor, inspection=insp, reason=reason)
    return insp
