"""Grading and the 重大 path: the street office confirms the level (一般/重大); a 重大 hazard needs the
six-part governance plan before rectification, and may be listed for supervision (挂牌督办) with progress
reports until it is closed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, ServiceError
from anjian.core.uploads import store_attachment
from anjian.hazards import recipients
from anjian.hazards.choices import (
    OPEN_STATES,
    PURPOSE_PROGRESS_PHOTO,
    UNFINISHED_STATES,
    HazardEventType,
    Level,
    State,
)
from anjian.hazards.models import GovernancePlan, Hazard, ListedSupervision, ProgressReport, part_label
from anjian.hazards.permissions import require
from anjian.hazards.services.guards import acting_user, current_state, locked_hazard
from anjian.hazards.services.records import add_event, tell
from anjian.notifications.choices import Level as NoticeLevel


@transaction.atomic
def confirm_level(hazard: Hazard | int, *, actor: Any, level: str, note: str = "") -> Hazard:
    """The street safety office grades the hazard 一般 or 重大 (评估) before rectification starts."""
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.confirm_level", "只有街道安委办可以确认隐患等级。")
    if level not in Level.values:
        raise ValidationError({"level": f"未知的隐患等级：{level}"})
    if h.state != State.REGISTERED:
        raise ConflictError(f"隐患{current_state(h)}，只能在开始整改前确认等级。")
    before = audit.snapshot(h)
    h.level = level
    h.level_confirmed_by = acting_user(actor)
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
    add_event(h, HazardEventType.LEVEL_CONFIRMED, actor, level=level, proposed=h.proposed_level, note=note)
    if level == Level.MAJOR:
        tell(
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
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.governance_plan")
    if h.level != Level.MAJOR and h.proposed_level != Level.MAJOR:
        raise ConflictError("只有重大事故隐患需要制定治理方案。")
    if h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{current_state(h)}，不能再提交治理方案。")
    unknown = set(data) - set(GovernancePlan.PARTS)
    if unknown:
        raise TypeError(f"unexpected plan fields: {sorted(unknown)}")
    last = h.plans.order_by("-version").first()
    plan = GovernancePlan(
        hazard=h,
        version=(last.version + 1) if last else 1,
        submitted_by=actor,
        created_by=acting_user(actor),
        **{p: (str(data.get(p) or "")).strip() for p in GovernancePlan.PARTS},
    )
    missing = {p: [f"请填写“{part_label(p)}”。"] for p in GovernancePlan.PARTS if not getattr(plan, p)}
    if missing:
        raise ServiceError("治理方案须包含全部六项内容。", fields=missing)
    plan.full_clean()
    plan.save()
    audit.record(actor=actor, action="hazard.governance_plan", obj=h, after=audit.snapshot(plan))
    add_event(h, HazardEventType.PLAN_SUBMITTED, actor, version=plan.version, plan=plan.pk)
    return plan


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
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.supervise", "只有街道安委办可以挂牌督办。")
    if h.level != Level.MAJOR or h.level_pending:
        raise ConflictError("只有已确认的重大事故隐患才能挂牌督办。")
    if h.state not in UNFINISHED_STATES:
        raise ConflictError(f"隐患{current_state(h)}，不能挂牌督办。")
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
        created_by=acting_user(actor),
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
    add_event(h, HazardEventType.LISTED, actor, supervision=sup.pk, unit=supervising_unit)
    tell(
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
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.progress_report")
    sup = h.supervisions.filter(lifted_at__isnull=True).first()
    if sup is None:
        raise ConflictError("该隐患未在挂牌督办中，无需报送进展。")
    if h.state not in UNFINISHED_STATES:
        raise ConflictError(f"隐患{current_state(h)}，不再报送进展。")
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
        supervision=sup,
        hazard=h,
        reported_by=actor,
        progress=progress,
        percent=pct,
        created_by=acting_user(actor),
    )
    report.full_clean()
    report.save()
    for upload in photos:
        if upload:
            store_attachment(upload, owner=report, actor=actor, purpose=PURPOSE_PROGRESS_PHOTO)
    audit.record(actor=actor, action="hazard.progress_report", obj=h, after=audit.snapshot(report))
    add_event(h, HazardEventType.PROGRESS_REPORTED, actor, report=report.pk, percent=pct)
    return report


@transaction.atomic
def lift_supervision(hazard: Hazard | int, *, actor: Any, note: str = "") -> ListedSupervision:
    """Lift the listing once the hazard is closed (or voided)."""
    h = locked_hazard(actor, hazard)
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
    add_event(h, HazardEventType.SUPERVISION_LIFTED, actor, supervision=sup.pk, note=sup.lift_note)
    return sup
