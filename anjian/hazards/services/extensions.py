"""Deadline extensions: asked for with a reason, decided by the community (the street office for a 重大
hazard), never by whoever asked. The deadline moves only on approval; the original stays on record."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError, ServiceError
from anjian.hazards import recipients
from anjian.hazards.choices import OPEN_STATES, ExtensionStatus, HazardEventType
from anjian.hazards.models import DeadlineExtension, Hazard
from anjian.hazards.permissions import can, require
from anjian.hazards.services.guards import NOT_FOUND, acting_user, current_state, locked_hazard
from anjian.hazards.services.records import add_event, tell


@transaction.atomic
def request_extension(
    hazard: Hazard | int, *, actor: Any, requested_deadline: dt.date, reason: str
) -> DeadlineExtension:
    """Ask to move the deadline (with a reason); nothing changes until the request is approved."""
    h = locked_hazard(actor, hazard)
    require(actor, "hazard.request_extension")
    if h.state not in OPEN_STATES:
        raise ConflictError(f"隐患{current_state(h)}，不能申请延期。")
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
        created_by=acting_user(actor),
    )
    ext.full_clean()
    ext.save()
    audit.record(
        actor=actor, action="hazard.request_extension", obj=h, after=audit.snapshot(ext), note=reason
    )
    add_event(
        h,
        HazardEventType.EXTENSION_REQUESTED,
        actor,
        extension=ext.pk,
        previous=str(ext.previous_deadline),
        requested=str(requested_deadline),
        reason=reason,
    )
    deciders = recipients.street_office() if h.is_major else recipients.community_workers(h)
    tell(
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
    h = locked_hazard(actor, ext_hazard)
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
        raise ConflictError(f"隐患{current_state(h)}，不再需要延期。")
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
    add_event(
        h,
        HazardEventType.EXTENSION_APPROVED if approve else HazardEventType.EXTENSION_REJECTED,
        actor,
        extension=ext.pk,
        previous=str(ext.previous_deadline),
        requested=str(ext.requested_deadline),
        note=note,
    )
    tell(
        [ext.requested_by],
        h,
        f"延期申请{'已批准' if approve else '被驳回'}：{h.title}",
        f"整改期限：{h.current_deadline:%Y-%m-%d}" + (f"；意见：{note}" if note else ""),
    )
    return ext
