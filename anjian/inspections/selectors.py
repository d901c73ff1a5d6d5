"""Scoped reads of the inspections app: plans, inspections, results and what pages show about them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import models
from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from anjian.core.models import Attachment
from anjian.inspections.choices import (
    PURPOSE_RESULT_PHOTO,
    PURPOSE_SIGNATURE_ENTERPRISE,
    PURPOSE_SIGNATURE_INSPECTOR,
    InspectionStatus,
    PlanStatus,
)
from anjian.inspections.models import (
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionPlan,
    InspectionResult,
)
from anjian.inspections.services import week_of

PLAN_VIEWS = {
    "mine": "我的计划",
    "today": "今天",
    "week": "本周",
    "overdue": "已逾期",
    "all": "全部",
}


def plans_for(user: Any) -> QuerySet[InspectionPlan]:
    """Plans the user may see, with what list pages show."""
    return (
        InspectionPlan.objects.for_user(user)
        .select_related("enterprise", "enterprise__community", "inspector", "template", "assignment")
        .prefetch_related("departments", "co_inspectors")
    )


def filter_plan_view(qs: QuerySet[InspectionPlan], user: Any, view: str) -> QuerySet[InspectionPlan]:
    """The quick views of the plan list: mine / today / this week / overdue / all."""
    today = timezone.localdate()
    if view == "mine":
        return qs.filter(Q(inspector=user) | Q(co_inspectors=user)).distinct()
    if view == "today":
        return qs.filter(planned_date=today)
    if view == "week":
        start, end = week_of(today)
        return qs.filter(planned_date__range=(start, end))
    if view == "overdue":
        return qs.filter(status=PlanStatus.PLANNED, planned_date__lt=today)
    return qs


def plan_view_counts(user: Any) -> dict[str, int]:
    """Open-plan counts for the quick-view tabs (one query)."""
    today = timezone.localdate()
    start, end = week_of(today)
    planned = Q(status=PlanStatus.PLANNED)
    counts: dict[str, Any] = InspectionPlan.objects.for_user(user).aggregate(
        mine=Count("pk", filter=planned & Q(inspector=user)),
        today=Count("pk", filter=planned & Q(planned_date=today)),
        week=Count("pk", filter=planned & Q(planned_date__range=(start, end))),
        overdue=Count("pk", filter=planned & Q(planned_date__lt=today)),
        all=Count("pk", filter=planned),
    )
    return {k: int(v or 0) for k, v in counts.items()}


def inspections_for(user: Any) -> QuerySet[Inspection]:
    """Inspections the user may see, with what list pages show."""
    return Inspection.objects.for_user(user).select_related(
        "enterprise", "enterprise__community", "inspector", "checklist_version__template", "plan"
    )


def recent_inspections(enterprise: Any, user: Any, limit: int = 5) -> list[Inspection]:
    """The latest submitted inspections of one enterprise that `user` may see (for the enterprise page)."""
    return list(
        inspections_for(user)
        .filter(enterprise=enterprise, status=InspectionStatus.SUBMITTED)
        .order_by("-submitted_at", "-id")[:limit]
    )


def inspection_detail(user: Any, pk: Any) -> Inspection:
    """One inspection with results, items and timeline loaded (404 outside the scope)."""
    from django.shortcuts import get_object_or_404

    results = InspectionResult.objects.select_related("item").order_by("item__order")
    return get_object_or_404(
        inspections_for(user).prefetch_related(
            Prefetch("results", queryset=results), "co_inspectors", Prefetch("events", queryset=_events())
        ),
        pk=pk,
    )


def _events() -> QuerySet[Any]:
    from anjian.inspections.models import InspectionEvent

    return InspectionEvent.objects.select_related("actor").order_by("-at", "-id")


def result_photos(inspection: Inspection) -> dict[int, list[Attachment]]:
    """Photos of each result of an inspection, by result id (one query)."""
    return photos_for_results([r.pk for r in inspection.results.all()])


def photos_for_results(ids: list[int]) -> dict[int, list[Attachment]]:
    """Photos of the given results, by result id (one query)."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(InspectionResult)
    out: dict[int, list[Attachment]] = {}
    for att in Attachment.objects.filter(
        content_type=ct, object_id__in=ids, purpose=PURPOSE_RESULT_PHOTO, voided_at__isnull=True
    ).order_by("uploaded_at"):
        out.setdefault(att.object_id, []).append(att)
    return out


def signatures(inspection: Inspection) -> dict[str, Attachment]:
    """The inspector's and the enterprise representative's signature images."""
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Inspection)
    return {
        a.purpose: a
        for a in Attachment.objects.filter(
            content_type=ct,
            object_id=inspection.pk,
            purpose__in=[PURPOSE_SIGNATURE_INSPECTOR, PURPOSE_SIGNATURE_ENTERPRISE],
            voided_at__isnull=True,
        )
    }


def hazard_creator() -> Any:
    """`anjian.hazards.services.create_hazard_from_result` when the hazards app provides it, else None."""
    try:
        from anjian.hazards.services import create_hazard_from_result  # type: ignore[attr-defined]
    except ImportError:
        return None
    return create_hazard_from_result


def new_hazard_url(result: InspectionResult, user: Any, *, now: bool = False) -> str:
    """The hazards app's "register the hazard of this failed item" page (`now`: the one-click POST that
    registers it at once), or '' when it is not available (hazards app absent, or the user may not
    register hazards)."""
    if result.outcome != "fail" or hazard_creator() is None:
        return ""
    try:
        from anjian.hazards.permissions import can  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        from anjian.org.permissions import can
    try:
        if not can(user, "hazard.create"):
            return ""
    except KeyError:
        return ""
    try:
        return reverse("hazards:from_result_now" if now else "hazards:from_result", args=[result.pk])
    except NoReverseMatch:
        return ""


def suggested_hazard_deadline(item: Any) -> Any:
    """The deadline a one-click hazard of this item would get (None without the hazards app)."""
    try:
        from anjian.hazards.services import suggested_deadline  # type: ignore[attr-defined,unused-ignore]
    except ImportError:
        return None
    return suggested_deadline(item)


def hazard_url(hazard: Any) -> str:
    if hazard is None:
        return ""
    getter = getattr(hazard, "get_absolute_url", None)
    if callable(getter):
        return str(getter())
    try:
        return reverse("hazards:detail", args=[hazard.pk])
    except NoReverseMatch:
        return ""


def hazards_by_result(result_ids: list[int]) -> dict[int, Any]:
    """Hazards already created from these results, when the hazards app is installed (else empty)."""
    try:
        from django.apps import apps

        hazard_model = apps.get_model("hazards", "Hazard")
    except (LookupError, ImportError):
        return {}
    field = next(
        (
            f
            for f in hazard_model._meta.concrete_fields
            if isinstance(f, models.ForeignKey) and f.related_model is InspectionResult
        ),
        None,
    )
    if field is None or not result_ids:
        return {}
    out: dict[int, Any] = {}
    qs = hazard_model.objects.filter(**{f"{field.name}__in": result_ids})
    if any(f.name == "state" for f in hazard_model._meta.concrete_fields):
        qs = qs.exclude(state="voided")
    for hazard in qs.order_by("pk"):
        out.setdefault(getattr(hazard, field.attname), hazard)
    return out


def templates_with_current() -> list[ChecklistTemplate]:
    """Every checklist with its current version and item count (for lists and pickers)."""
    current = ChecklistVersion.objects.filter(is_current=True).annotate(n_items=Count("items"))
    return list(
        ChecklistTemplate.objects.annotate(n_versions=Count("versions"))
        .prefetch_related(Prefetch("versions", queryset=current, to_attr="current_versions"))
        .order_by("-is_active", "name")
    )


def week_bounds(day: dt.date | None = None) -> tuple[dt.date, dt.date]:
    return week_of(day or timezone.localdate())
