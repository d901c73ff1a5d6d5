"""Inspection plans: from assignments (weekly cadence), grid rounds and the street office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.enterprises.models import Enterprise
from anjian.inspections.choices import InspectionEventType, PlanSource, PlanStatus
from anjian.inspections.models import ChecklistTemplate, InspectionPlan
from anjian.inspections.services.access import fetch, is_office, may_handle_plan
from anjian.inspections.services.checklists import default_template_for
from anjian.inspections.services.cleaning import clean_date, clean_ids, clean_text
from anjian.inspections.services.events import record_event
from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.models import Assignment, Department, User
from anjian.org.permissions import can, require


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
    ids = clean_ids(values)
    found = list(User.objects.for_user(actor).filter(pk__in=ids, is_active=True)) if ids else []
    if len(found) != len(set(ids)):
        raise ValidationError({field: "所选人员不存在、已停用或不在您的管辖范围内。"})
    return found


def _departments(values: Any) -> list[Department]:
    ids = clean_ids(values)
    found = list(Department.objects.filter(pk__in=ids)) if ids else []
    if len(found) != len(set(ids)):
        raise ValidationError({"departments": "所选科办不存在。"})
    return found


@transaction.atomic
def create_plan(*, actor: Any, data: Mapping[str, Any]) -> InspectionPlan:
    """Plan a visit: a grid inspector's round, or an office ad-hoc / joint inspection with departments.
    Assignment plans come from `generate_assignment_plans`."""
    require(actor, "inspection.plan")
    source = clean_text(data.get("source")) or PlanSource.GRID_ROUND
    if source not in PlanSource.values:
        raise ValidationError({"source": "计划来源无效。"})
    if source in (PlanSource.OFFICE_ADHOC, PlanSource.JOINT) and not is_office(actor):
        raise PermissionDeniedError("街道专项检查和联合检查由安委办安排。")
    if not data.get("enterprise"):
        raise ValidationError({"enterprise": "请选择检查对象。"})
    enterprise = fetch(Enterprise, data["enterprise"], actor, field="enterprise")
    day = clean_date(data.get("planned_date"), "planned_date", "计划日期")
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
        title=clean_text(data.get("title"), 200),
        notes=clean_text(data.get("notes"), 500),
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
    record_event(
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


def _open_plan(plan: InspectionPlan | int, actor: Any, *, verb: str, refusal: str) -> InspectionPlan:
    """The plan, locked, when the actor may `verb` it (修改, 取消) and it is still to be done."""
    p = fetch(InspectionPlan, plan, actor, lock=True)
    require(actor, "inspection.plan")
    if not may_handle_plan(actor, p):
        raise PermissionDeniedError(f"只有检查负责人或安委办可以{verb}该计划。")
    if p.status != PlanStatus.PLANNED:
        raise ConflictError(f"该计划{p.get_status_display()}，{refusal}。")
    return p


def change_plan(
    plan: InspectionPlan, *, actor: Any, action: str, values: Mapping[str, Any], note: str = ""
) -> None:
    """Set `values` on the plan, save just those fields and audit the change as `action`."""
    before = audit.snapshot(plan)
    for field, value in values.items():
        setattr(plan, field, value)
    plan.save(update_fields=[*values, "updated_at"])
    after = audit.snapshot(plan)
    audit.record(
        actor=actor, action=action, obj=plan, before=before, after=after, only_changes=True, note=note
    )


@transaction.atomic
def update_plan(plan: InspectionPlan | int, *, actor: Any, data: Mapping[str, Any]) -> InspectionPlan:
    """Change the date, people, departments, checklist or notes of a plan that is still to be done."""
    p = _open_plan(plan, actor, verb="修改", refusal="不能再修改")
    before = audit.snapshot(p, m2m=["co_inspectors", "departments"])
    if "planned_date" in data:
        day = clean_date(data.get("planned_date"), "planned_date", "计划日期")
        if day != p.planned_date and day < timezone.localdate():
            raise ValidationError({"planned_date": "计划日期不能早于今天。"})
        p.planned_date = day
    if "inspector" in data and data.get("inspector") not in (None, ""):
        p.inspector = _inspector(actor, data.get("inspector"), p.enterprise)
    if "template" in data:
        p.template = _template(data.get("template"), p.enterprise)
    for field, limit in (("title", 200), ("notes", 500)):
        if field in data:
            setattr(p, field, clean_text(data.get(field), limit))
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
    record_event(InspectionEventType.PLAN_UPDATED, actor=actor, plan=p, fields=sorted(changed))
    return p


@transaction.atomic
def cancel_plan(plan: InspectionPlan | int, *, actor: Any, reason: str) -> InspectionPlan:
    """Cancel a plan with a reason (e.g. enterprise closed, moved to another day); it stays on record."""
    p = _open_plan(plan, actor, verb="取消", refusal="不能取消")
    reason = clean_text(reason, 300)
    if not reason:
        raise ValidationError({"reason": "请填写取消原因。"})
    change_plan(
        p,
        actor=actor,
        action="cancel",
        values={
            "status": PlanStatus.CANCELLED,
            "cancelled_at": timezone.now(),
            "cancelled_by": actor,
            "cancel_reason": reason,
        },
        note=reason,
    )
    record_event(InspectionEventType.PLAN_CANCELLED, actor=actor, plan=p, reason=reason)
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
            record_event(
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
    ids = clean_ids(list(enterprises))
    if not ids:
        raise ValidationError({"enterprises": "请至少选择一家企业。"})
    chosen: list[Enterprise] = list(Enterprise.objects.for_user(actor).filter(pk__in=ids))
    if len(chosen) != len(set(ids)):
        raise ValidationError({"enterprises": "所选企业不存在或不在您的管辖范围内。"})
    day = clean_date(planned_date, "planned_date", "计划日期")
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
