"""Services for assignments (挂点): create several at once, end, void — with the 3–5 / 1–2 range rule."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError
from anjian.core.services import validated_save
from anjian.enterprises.choices import EnterpriseEventType
from anjian.enterprises.models import Enterprise, EnterpriseEvent
from anjian.org import rules
from anjian.org.choices import AssignmentKind, AssignmentStatus, Role
from anjian.org.models import Assignment, Community, Department, User
from anjian.org.permissions import require
from anjian.org.services.base import clean_text, scoped


@dataclass
class RangeCheck:
    """How many targets a person would have after a change, against the configured range."""

    kind: str
    person_name: str
    current: int
    resulting: int
    low: int
    high: int
    not_electroplating: list[str] = field(default_factory=list)

    @property
    def in_range(self) -> bool:
        return self.low <= self.resulting <= self.high

    @property
    def ok(self) -> bool:
        return self.in_range and not self.not_electroplating

    @property
    def message(self) -> str:
        parts = []
        if not self.in_range:
            unit = "家电镀企业" if self.kind == AssignmentKind.ENTERPRISE else "个社区"
            who = "处级干部" if self.kind == AssignmentKind.ENTERPRISE else "挂点公务员"
            parts.append(
                f"保存后{self.person_name}将挂点 {self.resulting} {unit}，"
                f"超出规定范围（{who}应挂点 {rules.range_label(self.kind)}）。"
            )
        if self.not_electroplating:
            parts.append(f"以下企业不属于电镀类：{'、'.join(self.not_electroplating)}。")
        return "".join(parts)


class OutOfRangeError(ConflictError):
    """The change leaves the person outside the assignment range and was not confirmed."""

    code = "out_of_range"

    def __init__(self, check: RangeCheck, *, can_confirm: bool):
        suffix = (
            "如确需保存，请勾选“确认超范围”并填写说明。"
            if can_confirm
            else "需由街道应急办管理员确认后方可保存。"
        )
        super().__init__(check.message + suffix)
        self.check = check
        self.can_confirm = can_confirm


def _is_electroplating(enterprise: Enterprise) -> bool:
    return any(c.code == rules.ELECTROPLATING for c in enterprise.categories.all())


def active_count(person: User, kind: str) -> int:
    """The person's active assignments that count for the range (enterprise kind: electroplating only)."""
    qs = Assignment.objects.filter(person=person, kind=kind, status=AssignmentStatus.ACTIVE)
    if kind == AssignmentKind.ENTERPRISE:
        qs = qs.filter(enterprise__categories__code=rules.ELECTROPLATING).distinct()
    return qs.count()


def check_range(
    person: User, kind: str, *, adding: Iterable[Any] = (), removing: Assignment | None = None
) -> RangeCheck:
    """The range check for adding `adding` targets to, or removing `removing` from, the person."""
    current = active_count(person, kind)
    resulting = current
    not_electroplating: list[str] = []
    for target in adding:
        if kind == AssignmentKind.ENTERPRISE and not _is_electroplating(target):
            not_electroplating.append(target.name)
        else:
            resulting += 1
    if removing is not None and removing.status == AssignmentStatus.ACTIVE:
        counts = kind == AssignmentKind.COMMUNITY or (
            removing.enterprise and _is_electroplating(removing.enterprise)
        )
        if counts:
            resulting -= 1
    low, high = rules.range_for(kind)
    return RangeCheck(kind, person.name or person.username, current, resulting, low, high, not_electroplating)


def _confirm(actor: Any, check: RangeCheck, confirm: bool, note: str) -> str:
    """'' when in range; the confirmation note when a street administrator confirmed; raises otherwise."""
    from anjian.org.permissions import can

    if check.ok:
        return ""
    allowed = can(actor, "assignment.confirm_out_of_range")
    if not confirm:
        raise OutOfRangeError(check, can_confirm=allowed)
    require(actor, "assignment.confirm_out_of_range")
    note = clean_text(note)
    if not note:
        raise ValidationError({"out_of_range_note": "确认超范围时请填写说明。"})
    return note[:300]


def _event(enterprise: Enterprise, type_: str, actor: Any, params: dict[str, Any]) -> None:
    EnterpriseEvent.objects.create(enterprise=enterprise, type=type_, actor=actor, params=params)


@transaction.atomic
def create_assignments(
    *,
    actor: Any,
    person: User | int,
    kind: str,
    enterprises: Iterable[Enterprise | int] = (),
    communities: Iterable[Community | int] = (),
    department: Department | int | None = None,
    start_date: dt.date | None = None,
    confirm_out_of_range: bool = False,
    out_of_range_note: str = "",
) -> list[Assignment]:
    """Assign a cadre several enterprises, or a liaison officer communities, in one step."""
    require(actor, "assignment.manage")
    if kind not in AssignmentKind.values:
        raise ValidationError({"kind": "挂点类型无效。"})
    person = scoped(User, person, actor, field="person")
    expected_role = rules.role_for(kind)
    if person.role != expected_role:
        raise ValidationError(
            {
                "person": f"{person.name}的角色是“{person.role_label}”，{AssignmentKind(kind).label}只能安排给“{Role(expected_role).label}”。"
            }
        )
    if not person.is_active:
        raise ValidationError({"person": f"{person.name}的账号已停用，不能安排挂点。"})
    dept = scoped(Department, department, actor, field="department") if department not in (None, "") else None
    start = start_date or timezone.localdate()

    targets: list[Any]
    if kind == AssignmentKind.ENTERPRISE:
        if list(communities):
            raise ValidationError({"communities": "挂点企业不需要选择社区。"})
        targets = []
        for e in enterprises:
            ent = scoped(Enterprise, e, actor, field="enterprises")
            if ent.pk not in {t.pk for t in targets}:
                targets.append(ent)
        if not targets:
            raise ValidationError({"enterprises": "请至少选择一家挂点企业。"})
        targets = list(
            Enterprise.objects.filter(pk__in=[t.pk for t in targets]).prefetch_related("categories")
        )
        taken = set(
            Assignment.objects.filter(
                person=person, kind=kind, status=AssignmentStatus.ACTIVE, enterprise__in=targets
            ).values_list("enterprise__name", flat=True)
        )
        field_name = "enterprises"
    else:
        if list(enterprises):
            raise ValidationError({"enterprises": "挂点社区不需要选择企业。"})
        targets = []
        for c in communities:
            com = scoped(Community, c, actor, field="communities")
            if com.pk not in {t.pk for t in targets}:
                targets.append(com)
        if not targets:
            raise ValidationError({"communities": "请至少选择一个挂点社区。"})
        taken = set(
            Assignment.objects.filter(
                person=person, kind=kind, status=AssignmentStatus.ACTIVE, community__in=targets
            ).values_list("community__name", flat=True)
        )
        field_name = "communities"
    if taken:
        raise ValidationError(
            {field_name: f"{person.name}已在挂：{'、'.join(sorted(taken))}，不能重复安排。"}
        )

    check = check_range(person, kind, adding=targets)
    note = _confirm(actor, check, confirm_out_of_range, out_of_range_note)
    created = []
    for target in targets:
        a = Assignment(
            kind=kind,
            person=person,
            enterprise=target if kind == AssignmentKind.ENTERPRISE else None,
            community=target.community if kind == AssignmentKind.ENTERPRISE else target,
            department=dept,
            start_date=start,
            visits_per_week=rules.visits_per_week(),
            meetings_per_month=rules.meetings_per_month() if kind == AssignmentKind.COMMUNITY else 0,
            out_of_range_confirmed_by=actor if note else None,
            out_of_range_note=note,
            created_by=actor,
        )
        validated_save(a)
        audit.record(
            actor=actor,
            action="create",
            obj=a,
            after=audit.snapshot(a),
            note=f"超范围确认：{check.message}说明：{note}" if note else "",
        )
        if a.enterprise is not None:
            _event(
                a.enterprise,
                EnterpriseEventType.ASSIGNED,
                actor,
                {"assignment": a.pk, "person": person.name, "department": dept.name if dept else ""},
            )
        created.append(a)
    return created


def _removal_note(actor: Any, a: Assignment, confirm: bool, note: str) -> str:
    check = check_range(a.person, a.kind, removing=a)
    return _confirm(actor, check, confirm, note)


@transaction.atomic
def end_assignment(
    assignment: Assignment | int,
    *,
    actor: Any,
    end_date: dt.date | None,
    reason: str,
    confirm_out_of_range: bool = False,
    out_of_range_note: str = "",
) -> Assignment:
    """End an active assignment on a date with a reason; it stays in the history."""
    a = scoped(Assignment, assignment, actor, lock=True)
    require(actor, "assignment.manage")
    if a.status != AssignmentStatus.ACTIVE:
        raise ConflictError(f"该挂点当前状态为“{a.get_status_display()}”，不能结束。")
    errors = {}
    reason = clean_text(reason)
    if not reason:
        errors["reason"] = "请填写结束原因。"
    today = timezone.localdate()
    if end_date is None:
        errors["end_date"] = "请填写结束日期。"
    elif end_date > today:
        errors["end_date"] = "结束日期不能晚于今天。"
    elif end_date < a.start_date:
        errors["end_date"] = f"结束日期不能早于开始日期 {a.start_date:%Y-%m-%d}；误录的挂点请作废。"
    if errors:
        raise ValidationError(errors)
    note = _removal_note(actor, a, confirm_out_of_range, out_of_range_note)
    before = audit.snapshot(a)
    a.status = AssignmentStatus.ENDED
    a.end_date = end_date
    a.end_reason = reason[:300]
    if note:
        a.out_of_range_confirmed_by = actor
        a.out_of_range_note = note
    a.save()
    audit.record(
        actor=actor,
        action="end",
        obj=a,
        before=before,
        after=audit.snapshot(a),
        only_changes=True,
        note=reason,
    )
    if a.enterprise_id:
        _event(
            a.enterprise,  # type: ignore[arg-type]
            EnterpriseEventType.ASSIGNMENT_ENDED,
            actor,
            {"assignment": a.pk, "person": a.person.name, "reason": reason, "end_date": str(end_date)},
        )
    return a


@transaction.atomic
def void_assignment(
    assignment: Assignment | int,
    *,
    actor: Any,
    reason: str,
    confirm_out_of_range: bool = False,
    out_of_range_note: str = "",
) -> Assignment:
    """Void an assignment entered by mistake (with a reason); it no longer counts anywhere."""
    a = scoped(Assignment, assignment, actor, lock=True)
    require(actor, "assignment.manage")
    if a.status == AssignmentStatus.VOIDED or a.voided_at is not None:
        raise ConflictError("该挂点已作废。")
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "请填写作废原因。"})
    note = (
        _removal_note(actor, a, confirm_out_of_range, out_of_range_note)
        if a.status == AssignmentStatus.ACTIVE
        else ""
    )
    before = audit.snapshot(a)
    was_active = a.status == AssignmentStatus.ACTIVE
    a.status = AssignmentStatus.VOIDED
    a.voided_at = timezone.now()
    a.voided_by = actor
    a.void_reason = reason[:500]
    if note:
        a.out_of_range_confirmed_by = actor
        a.out_of_range_note = note
    a.save()
    audit.record(
        actor=actor,
        action="void",
        obj=a,
        before=before,
        after=audit.snapshot(a),
        only_changes=True,
        note=reason,
    )
    if a.enterprise_id and was_active:
        _event(
            a.enterprise,  # type: ignore[arg-type]
            EnterpriseEventType.ASSIGNMENT_ENDED,
            actor,
            {"assignment": a.pk, "person": a.person.name, "reason": reason, "voided": True},
        )
    return a


def assignments_on(person: User, day: dt.date) -> list[Assignment]:
    """The person's assignments that were in force on `day` (ended ones up to their end date)."""
    return list(
        Assignment.objects.filter(person=person, voided_at__isnull=True, start_date__lte=day)
        .exclude(status=AssignmentStatus.VOIDED)
        .exclude(end_date__lt=day)
        .select_related("enterprise", "community")
    )
