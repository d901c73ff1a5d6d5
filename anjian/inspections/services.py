"""Every write of the inspections app: checklist versions, plans (from assignments, grid rounds and the
street office) and whole inspections submitted from a phone (idempotent by client_uuid)."""

from __future__ import annotations

import datetime as dt
import io
import uuid
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
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
    GENERAL_CATEGORY,
    PURPOSE_RESULT_PHOTO,
    PURPOSE_SIGNATURE_ENTERPRISE,
    PURPOSE_SIGNATURE_INSPECTOR,
    AccidentType,
    HazardCategory,
    InspectionEventType,
    InspectionStatus,
    Outcome,
    PlanSource,
    PlanStatus,
    Severity,
)
from anjian.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    InspectionResult,
)
from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.models import Assignment, Department, User, Visit
from anjian.org.permissions import can, require

M = TypeVar("M", bound=models.Model)

MAX_ITEMS = 100
MAX_PHOTOS_PER_ITEM = 5
MAX_PHOTOS_TOTAL = 60
NOT_FOUND = "对象不存在或无权访问。"


# --------------------------------------------------------------------------- helpers


def is_office(user: Any) -> bool:
    """Street office staff manage checklists and every plan; others handle their own."""
    return can(user, "checklist.manage")


def fetch(model: type[M], obj_or_pk: Any, actor: Any, *, lock: bool = False, field: str = "") -> M:
    """Re-read `obj_or_pk` through `for_user(actor)`: outside the actor's scope it does not exist.

    With `field`, a missing object becomes a validation error on that field (forms, API payloads)."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    qs = model.objects.for_user(actor)  # type: ignore[attr-defined]
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)  # type: ignore[no-any-return]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        if field:
            label = model._meta.verbose_name
            raise ValidationError({field: f"所选{label}不存在或不在您的管辖范围内。"}) from None
        raise Http404(NOT_FOUND) from None


def _text(value: Any, limit: int = 0) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _date(value: Any, field: str, label: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not value:
        raise ValidationError({field: f"请填写{label}。"})
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: f"{label}格式不正确，应为 YYYY-MM-DD。"}) from None


def _ids(values: Any) -> list[Any]:
    if values in (None, ""):
        return []
    if isinstance(values, str | int) or hasattr(values, "pk"):
        values = [values]
    return [getattr(v, "pk", v) for v in values if v not in (None, "")]


def _event(
    type_: str,
    *,
    actor: Any,
    plan: InspectionPlan | None = None,
    inspection: Inspection | None = None,
    **params: Any,
) -> InspectionEvent:
    return InspectionEvent.objects.create(
        type=type_, actor=actor, plan=plan, inspection=inspection, params=audit._plain(params)
    )


def default_template_for(enterprise: Enterprise) -> ChecklistTemplate | None:
    """The checklist that fits an enterprise: its first key category with a template, else general fire."""
    codes = [c.code for c in enterprise.categories.all()]
    templates = {t.category: t for t in ChecklistTemplate.objects.filter(is_active=True).order_by("id")}
    for code in codes:
        if code in templates:
            return templates[code]
    return templates.get(GENERAL_CATEGORY)


# --------------------------------------------------------------------------- checklists


def _clean_items(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate the rows of a new version; every message names the row (第 N 项)."""
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, row in enumerate(rows, start=1):
        text = _text(row.get("text"), 500)
        basis = _text(row.get("legal_basis"), 300)
        severity = _text(row.get("severity")) or Severity.GENERAL
        category = _text(row.get("hazard_category")) or HazardCategory.SITE
        accident = _text(row.get("accident_type")) or AccidentType.OTHER
        if not text:
            errors.append(f"第 {n} 项：请填写检查内容。")
        if not basis:
            errors.append(f"第 {n} 项：请填写依据（法规、标准条款）。")
        if severity not in Severity.values:
            errors.append(f"第 {n} 项：严重程度“{severity}”无效。")
        if category not in HazardCategory.values:
            errors.append(f"第 {n} 项：隐患类别“{category}”无效。")
        if accident not in AccidentType.values:
            errors.append(f"第 {n} 项：事故类型“{accident}”无效（应为 GB 6441 的 20 类之一）。")
        major = row.get("major_hazard_ground")
        items.append(
            {
                "section": _text(row.get("section"), 50),
                "text": text,
                "legal_basis": basis,
                "severity": severity,
                "major_hazard_ground": major in (True, "true", "on", "1", 1),
                "hazard_category": category,
                "accident_type": accident,
            }
        )
    if not items and not errors:
        errors.append("检查表至少需要一个检查项。")
    if len(items) > MAX_ITEMS:
        errors.append(f"检查项不能超过 {MAX_ITEMS} 个。")
    if errors:
        raise ValidationError({"items": errors})
    return items


def _item_snapshot(version: ChecklistVersion) -> list[dict[str, Any]]:
    return [
        {"order": i.order, "text": i.text, "legal_basis": i.legal_basis, "major": i.major_hazard_ground}
        for i in version.items.all()
    ]


@transaction.atomic
def create_template(
    *, actor: Any, data: Mapping[str, Any], items: Iterable[Mapping[str, Any]]
) -> ChecklistTemplate:
    """Create a checklist and publish its first version (office only)."""
    require(actor, "checklist.manage")
    template = ChecklistTemplate(
        code=_text(data.get("code"), 50),
        name=_text(data.get("name"), 100),
        category=_text(data.get("category"), 40) or GENERAL_CATEGORY,
        description=_text(data.get("description")),
        created_by=actor,
    )
    _check_category(template.category)
    template.full_clean()
    template.save()
    audit.record(actor=actor, action="create", obj=template, after=audit.snapshot(template))
    publish_version(
        template, actor=actor, items=items, change_note=_text(data.get("change_note"), 300) or "初始版本"
    )
    return template


def _check_category(code: str) -> None:
    from anjian.enterprises.models import KeyCategory

    if code != GENERAL_CATEGORY and not KeyCategory.objects.filter(code=code).exists():
        raise ValidationError({"category": f"适用类型“{code}”不存在。"})


@transaction.atomic
def publish_version(
    template: ChecklistTemplate | int,
    *,
    actor: Any,
    items: Iterable[Mapping[str, Any]],
    change_note: str = "",
    data: Mapping[str, Any] | None = None,
) -> ChecklistVersion:
    """Editing a checklist publishes a new version; earlier versions (and inspections using them) stay as
    they were. `data` may also change the template's name, category, description and active flag."""
    require(actor, "checklist.manage")
    tpl = ChecklistTemplate.objects.select_for_update().filter(pk=getattr(template, "pk", template)).first()
    if tpl is None:
        raise Http404(NOT_FOUND)
    clean = _clean_items(items)
    before = audit.snapshot(tpl)
    if data:
        for field in ("name", "description"):
            if field in data:
                setattr(tpl, field, _text(data[field]))
        if "category" in data:
            tpl.category = _text(data["category"], 40) or GENERAL_CATEGORY
            _check_category(tpl.category)
        if "is_active" in data:
            tpl.is_active = bool(data["is_active"])
        tpl.full_clean()
        tpl.save()
    previous = tpl.versions.filter(is_current=True).first()
    last = tpl.versions.aggregate(n=models.Max("version"))["n"] or 0
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    version = ChecklistVersion.objects.create(
        template=tpl,
        version=last + 1,
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_current=True,
        change_note=_text(change_note, 300) or ("初始版本" if last == 0 else "修订"),
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(version=version, order=n, **row) for n, row in enumerate(clean, start=1)
    )
    after = audit.snapshot(tpl)
    audit.record(
        actor=actor,
        action="publish_version",
        obj=tpl,
        before={**before, "version": previous.version if previous else None},
        after={**after, "version": version.version, "items": _item_snapshot(version)},
        note=version.change_note,
    )
    return version


# --------------------------------------------------------------------------- plans


def _may_handle_plan(actor: Any, plan: InspectionPlan) -> bool:
    if is_office(actor) or plan.inspector_id == actor.pk:
        return True
    return plan.co_inspectors.filter(pk=actor.pk).exists()


def _inspector(actor: Any, value: Any, enterprise: Enterprise) -> User:
    """The person responsible: office staff may name anyone able to inspect there; others only themselves."""
    if value in (None, "") or getattr(value, "pk", value) == actor.pk:
        person: User = actor
    elif not is_office(actor):
        raise PermissionDeniedError(
            "只能为本人制定检查计划。", fields={"inspector": ["只能为本人制定检查计划。"]}
        )
    else:
        person = fetch(User, value, actor, field="inspector")
    if not person.is_active or not can(person, "inspection.perform"):
        raise ValidationError({"inspector": f"{person}不能担任检查人员。"})
    if not Enterprise.objects.for_user(person).filter(pk=enterprise.pk).exists():
        raise ValidationError({"inspector": f"“{enterprise.name}”不在{person}的管辖范围内。"})
    return person


def _template(value: Any, enterprise: Enterprise) -> ChecklistTemplate | None:
    if value in (None, ""):
        return default_template_for(enterprise)
    tpl = ChecklistTemplate.objects.filter(pk=getattr(value, "pk", value), is_active=True).first()
    if tpl is None:
        raise ValidationError({"template": "所选检查表不存在或已停用。"})
    return tpl


def _people(actor: Any, values: Any, field: str) -> list[User]:
    ids = _ids(values)
    found = list(User.objects.for_user(actor).filter(pk__in=ids, is_active=True)) if ids else []
    if len(found) != len(set(ids)):
        raise ValidationError({field: "所选人员不存在、已停用或不在您的管辖范围内。"})
    return found


def _departments(values: Any) -> list[Department]:
    ids = _ids(values)
    found = list(Department.objects.filter(pk__in=ids)) if ids else []
    if len(found) != len(set(ids)):
        raise ValidationError({"departments": "所选科办不存在。"})
    return found


@transaction.atomic
def create_plan(*, actor: Any, data: Mapping[str, Any]) -> InspectionPlan:
    """Plan a visit: a grid inspector's round, or an office ad-hoc / joint inspection with departments.
    Assignment plans come from `generate_assignment_plans`."""
    require(actor, "inspection.plan")
    source = _text(data.get("source")) or PlanSource.GRID_ROUND
    if source not in PlanSource.values:
        raise ValidationError({"source": "计划来源无效。"})
    if source in (PlanSource.OFFICE_ADHOC, PlanSource.JOINT) and not is_office(actor):
        raise PermissionDeniedError("街道专项检查和联合检查由安委办安排。")
    if not data.get("enterprise"):
        raise ValidationError({"enterprise": "请选择检查对象。"})
    enterprise = fetch(Enterprise, data["enterprise"], actor, field="enterprise")
    day = _date(data.get("planned_date"), "planned_date", "计划日期")
    if day < timezone.localdate():
        raise ValidationError({"planned_date": "计划日期不能早于今天。"})
    inspector = _inspector(actor, data.get("inspector"), enterprise)
    assignment = None
    if source == PlanSource.ASSIGNMENT:
        assignment = _assignment_for(data.get("assignment"), inspector, enterprise, day)
    co = [p for p in _people(actor, data.get("co_inspectors"), "co_inspectors") if p.pk != inspector.pk]
    departments = _departments(data.get("departments"))
    if source == PlanSource.JOINT and not departments:
        raise ValidationError({"departments": "联合检查请至少选择一个参加的科办。"})
    plan = InspectionPlan(
        source=source,
        enterprise=enterprise,
        planned_date=day,
        inspector=inspector,
        assignment=assignment,
        template=_template(data.get("template"), enterprise),
        title=_text(data.get("title"), 200),
        notes=_text(data.get("notes"), 500),
        created_by=actor,
    )
    plan.full_clean()
    plan.save()
    plan.co_inspectors.set(co)
    plan.departments.set(departments)
    audit.record(
        actor=actor,
        action="create",
        obj=plan,
        after=audit.snapshot(plan, m2m=["co_inspectors", "departments"]),
    )
    _event(
        InspectionEventType.PLANNED,
        actor=actor,
        plan=plan,
        summary=f"{plan.get_source_display()} · {day:%m月%d日}",
    )
    return plan


def _assignment_for(value: Any, person: User, enterprise: Enterprise, day: dt.date) -> Assignment:
    qs = Assignment.objects.filter(
        person=person, enterprise=enterprise, kind=AssignmentKind.ENTERPRISE, status=AssignmentStatus.ACTIVE
    ).filter(voided_at__isnull=True)
    if value:
        qs = qs.filter(pk=getattr(value, "pk", value))
    a = qs.first()
    if a is None:
        raise ValidationError({"assignment": f"{person}没有挂点“{enterprise.name}”。"})
    return a


@transaction.atomic
def update_plan(plan: InspectionPlan | int, *, actor: Any, data: Mapping[str, Any]) -> InspectionPlan:
    """Change the date, people, departments, checklist or notes of a plan that is still to be done."""
    p = fetch(InspectionPlan, plan, actor, lock=True)
    require(actor, "inspection.plan")
    if not _may_handle_plan(actor, p):
        raise PermissionDeniedError("只有检查负责人或安委办可以修改该计划。")
    if p.status != PlanStatus.PLANNED:
        raise ConflictError(f"该计划{p.get_status_display()}，不能再修改。")
    before = audit.snapshot(p, m2m=["co_inspectors", "departments"])
    if "planned_date" in data:
        day = _date(data.get("planned_date"), "planned_date", "计划日期")
        if day != p.planned_date and day < timezone.localdate():
            raise ValidationError({"planned_date": "计划日期不能早于今天。"})
        p.planned_date = day
    if "inspector" in data and data.get("inspector") not in (None, ""):
        p.inspector = _inspector(actor, data.get("inspector"), p.enterprise)
    if "template" in data:
        p.template = _template(data.get("template"), p.enterprise)
    for field, limit in (("title", 200), ("notes", 500)):
        if field in data:
            setattr(p, field, _text(data.get(field), limit))
    if "departments" in data:
        departments = _departments(data.get("departments"))
        if p.source == PlanSource.JOINT and not departments:
            raise ValidationError({"departments": "联合检查请至少选择一个参加的科办。"})
        p.departments.set(departments)
    if "co_inspectors" in data:
        p.co_inspectors.set(
            [u for u in _people(actor, data.get("co_inspectors"), "co_inspectors") if u.pk != p.inspector_id]
        )
    p.full_clean()
    try:
        with transaction.atomic():
            p.save()
    except IntegrityError:
        raise ValidationError({"planned_date": "该挂点在这一天已有检查计划。"}) from None
    after = audit.snapshot(p, m2m=["co_inspectors", "departments"])
    audit.record(actor=actor, action="update", obj=p, before=before, after=after, only_changes=True)
    changed, _ = audit.diff(before, after)
    _event(InspectionEventType.PLAN_UPDATED, actor=actor, plan=p, fields=sorted(changed))
    return p


@transaction.atomic
def cancel_plan(plan: InspectionPlan | int, *, actor: Any, reason: str) -> InspectionPlan:
    """Cancel a plan with a reason (e.g. enterprise closed, moved to another day); it stays on record."""
    p = fetch(InspectionPlan, plan, actor, lock=True)
    require(actor, "inspection.plan")
    if not _may_handle_plan(actor, p):
        raise PermissionDeniedError("只有检查负责人或安委办可以取消该计划。")
    if p.status != PlanStatus.PLANNED:
        raise ConflictError(f"该计划{p.get_status_display()}，不能取消。")
    reason = _text(reason, 300)
    if not reason:
        raise ValidationError({"reason": "请填写取消原因。"})
    before = audit.snapshot(p)
    p.status = PlanStatus.CANCELLED
    p.cancelled_at = timezone.now()
    p.cancelled_by = actor
    p.cancel_reason = reason
    p.save(update_fields=["status", "cancelled_at", "cancelled_by", "cancel_reason", "updated_at"])
    audit.record(
        actor=actor,
        action="cancel",
        obj=p,
        before=before,
        after=audit.snapshot(p),
        only_changes=True,
        note=reason,
    )
    _event(InspectionEventType.PLAN_CANCELLED, actor=actor, plan=p, reason=reason)
    return p


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday and Sunday of the week containing `day`."""
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)


def _spread(days: Sequence[dt.date], n: int) -> list[dt.date]:
    """`n` distinct days evenly spread over `days` (fewer when there are not enough days)."""
    if n <= 0 or not days:
        return []
    if n >= len(days):
        return list(days)
    step = len(days) / n
    return [days[int(i * step)] for i in range(n)]


@transaction.atomic
def generate_assignment_plans(
    *, actor: Any, week_start: dt.date | None = None, person: User | int | None = None
) -> list[InspectionPlan]:
    """按挂点生成本周检查计划: for each active enterprise assignment, plan as many visits this week as its
    cadence asks, minus those already planned or done; working days from today on. Idempotent."""
    require(actor, "inspection.plan")
    today = timezone.localdate()
    start, end = week_of(week_start or today)
    assignments = Assignment.objects.filter(
        kind=AssignmentKind.ENTERPRISE,
        status=AssignmentStatus.ACTIVE,
        voided_at__isnull=True,
        start_date__lte=end,
    ).filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=start))
    if person not in (None, ""):
        if not is_office(actor) and getattr(person, "pk", person) != actor.pk:
            raise PermissionDeniedError("只能为本人的挂点生成检查计划。")
        assignments = assignments.filter(person_id=getattr(person, "pk", person))
    elif not is_office(actor):
        assignments = assignments.filter(person=actor)
    assignments = assignments.select_related("enterprise", "person").prefetch_related(
        "enterprise__categories"
    )
    existing: dict[int, set[dt.date]] = {}
    for a_id, day in (
        InspectionPlan.objects.filter(assignment__in=assignments, planned_date__range=(start, end))
        .exclude(status=PlanStatus.CANCELLED)
        .values_list("assignment_id", "planned_date")
    ):
        existing.setdefault(a_id, set()).add(day)
    workdays = [start + dt.timedelta(days=i) for i in range(5)]
    open_days = [d for d in workdays if d >= today] or ([today] if start <= today <= end else [])
    if start > today:
        open_days = workdays
    created: list[InspectionPlan] = []
    for a in assignments:
        enterprise = a.enterprise
        if enterprise is None:
            continue
        taken = existing.get(a.pk, set())
        missing = max(a.visits_per_week - len(taken), 0)
        days = _spread([d for d in open_days if d not in taken], missing)
        template = default_template_for(enterprise)
        for day in days:
            plan = InspectionPlan.objects.create(
                source=PlanSource.ASSIGNMENT,
                enterprise=enterprise,
                planned_date=day,
                inspector=a.person,
                assignment=a,
                template=template,
                title="挂点走访检查",
                created_by=actor,
            )
            if a.department_id:
                plan.departments.set([a.department_id])
            audit.record(
                actor=actor, action="create", obj=plan, after=audit.snapshot(plan), note="按挂点生成"
            )
            _event(
                InspectionEventType.PLANNED, actor=actor, plan=plan, summary=f"按挂点生成 · {day:%m月%d日}"
            )
            created.append(plan)
    return created


@transaction.atomic
def plan_grid_round(
    *, actor: Any, enterprises: Iterable[Any], planned_date: Any, template: Any = None
) -> list[InspectionPlan]:
    """A grid inspector's own round: one plan per chosen enterprise of the grid for the day. Enterprises
    already planned for that inspector on that day are skipped."""
    require(actor, "inspection.plan")
    ids = _ids(list(enterprises))
    if not ids:
        raise ValidationError({"enterprises": "请至少选择一家企业。"})
    chosen: list[Enterprise] = list(Enterprise.objects.for_user(actor).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise ValidationError({"enterprises": "所选企业不存在或不在您的管辖范围内。"})
    day = _date(planned_date, "planned_date", "计划日期")
    already = set(
        InspectionPlan.objects.filter(
            inspector=actor, planned_date=day, status=PlanStatus.PLANNED
        ).values_list("enterprise_id", flat=True)
    )
    return [
        create_plan(
            actor=actor,
            data={
                "source": PlanSource.GRID_ROUND,
                "enterprise": e,
                "planned_date": day,
                "template": template,
            },
        )
        for e in chosen
        if e.pk not in already
    ]


# --------------------------------------------------------------------------- inspections


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
    plan = None
    if payload.get("plan") not in (None, ""):
        plan = fetch(InspectionPlan, payload["plan"], actor, lock=True, field="plan")
        if not _may_handle_plan(actor, plan):
            raise PermissionDeniedError("您不是该检查计划的检查人员。")
        if plan.status != PlanStatus.PLANNED:
            raise ConflictError(f"该检查计划{plan.get_status_display()}，不能再提交检查。")
        enterprise = plan.enterprise
        if payload.get("enterprise") not in (None, "") and str(payload["enterprise"]) != str(enterprise.pk):
            raise ValidationError({"enterprise": "检查对象与检查计划不一致。"})
    elif payload.get("enterprise") in (None, ""):
        raise ValidationError({"enterprise": "请选择检查对象。"})
    else:
        enterprise = fetch(Enterprise, payload["enterprise"], actor, field="enterprise")

    version = (
        ChecklistVersion.objects.select_related("template")
        .filter(pk=_maybe_int(payload.get("checklist_version")) or 0)
        .first()
    )
    if version is None:
        raise ValidationError({"checklist_version": "请选择检查表。"})

    errors: dict[str, list[str]] = {}
    items = list(version.items.order_by("order"))
    by_id = {i.pk: i for i in items}
    answers: dict[int, dict[str, Any]] = {}
    rows = payload.get("results")
    if not isinstance(rows, list):
        rows = []
    for row in rows:
        if not isinstance(row, Mapping):
            errors.setdefault("results", []).append("检查结果格式不正确。")
            continue
        item_id = _maybe_int(row.get("item"))
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
        outcome = _text(row.get("outcome"))
        if outcome not in Outcome.values:
            errors.setdefault("results", []).append(
                f"第 {item.order} 项结果无效（应为合格、不合格或不适用）。"
            )
        elif outcome == Outcome.FAIL and not _text(row.get("note")):
            errors.setdefault("results", []).append(f"第 {item.order} 项不合格，请填写问题说明。")
        photos = [f for f in files.get(f"photo_{item.pk}", []) if f]
        if len(photos) > MAX_PHOTOS_PER_ITEM:
            errors.setdefault("photos", []).append(f"第 {item.order} 项照片超过 {MAX_PHOTOS_PER_ITEM} 张。")
    for key in files:
        if key.startswith("photo_") and _maybe_int(key[6:]) not in by_id:
            errors.setdefault("photos", []).append("照片对应的检查项不属于所选检查表。")
    total_photos = sum(len(v) for k, v in files.items() if k.startswith("photo_"))
    if total_photos > MAX_PHOTOS_TOTAL:
        errors.setdefault("photos", []).append(f"一次检查最多上传 {MAX_PHOTOS_TOTAL} 张照片。")

    representative = _text(payload.get("representative_name"), 50)
    if not representative:
        errors.setdefault("representative_name", []).append("请填写企业代表姓名。")
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
        co_inspector_names=_text(payload.get("co_inspector_names"), 300),
        started_at=min(started_at, now),
        submitted_at=now,
        status=InspectionStatus.SUBMITTED,
        lat=lat,
        lng=lng,
        accuracy=accuracy,
        location_note=_text(payload.get("location_note"), 200),
        representative_name=representative,
        summary=_text(payload.get("summary"), 5000),
        client_uuid=client_uuid,
        item_count=len(items),
        failed_count=outcomes.count(Outcome.FAIL),
        na_count=outcomes.count(Outcome.NA),
        created_by=actor,
    )
    inspection.save(force_insert=True)
    if plan is not None:
        inspection.co_inspectors.set(list(plan.co_inspectors.all()))

    photo_count = 0
    for item in items:
        row = answers[item.pk]
        result = InspectionResult.objects.create(
            inspection=inspection, item=item, outcome=row["outcome"], note=_text(row.get("note"), 1000)
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
    _event(InspectionEventType.SUBMITTED, actor=actor, inspection=inspection, plan=plan, summary=summary)

    if plan is not None:
        before = audit.snapshot(plan)
        plan.status = PlanStatus.DONE
        plan.save(update_fields=["status", "updated_at"])
        audit.record(
            actor=actor,
            action="complete",
            obj=plan,
            before=before,
            after=audit.snapshot(plan),
            only_changes=True,
        )
    _record_visit(inspection, actor=actor, summary=summary)
    return inspection


def _maybe_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


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
    _event(
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
    reason = _text(reason, 500)
    void(insp, actor=actor, reason=reason)
    insp.status = InspectionStatus.VOIDED
    insp.save(update_fields=["status", "updated_at"])
    if insp.visit_id and insp.visit and insp.visit.voided_at is None:
        void(insp.visit, actor=actor, reason=f"检查记录作废：{reason}")
    if insp.plan_id and insp.plan and insp.plan.status == PlanStatus.DONE:
        insp.plan.status = PlanStatus.PLANNED
        insp.plan.save(update_fields=["status", "updated_at"])
        _event(
            InspectionEventType.PLAN_UPDATED,
            actor=actor,
            plan=insp.plan,
            summary="检查记录作废，计划重新待检查",
        )
    _event(InspectionEventType.VOIDED, actor=actor, inspection=insp, reason=reason)
    return insp
