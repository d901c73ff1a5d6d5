"""Inspection pages: the phone page that does an inspection (draft kept on the device), the list with
filters, the detail with results, photos, map and signatures, voiding, and "生成隐患" on failed items."""

from __future__ import annotations

import datetime as dt
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from anjian.enterprises.models import Enterprise
from anjian.inspections import selectors, services
from anjian.inspections.choices import (
    INSPECTION_STATUS_COLOURS,
    OUTCOME_COLOURS,
    PURPOSE_SIGNATURE_ENTERPRISE,
    PURPOSE_SIGNATURE_INSPECTOR,
    SEVERITY_COLOURS,
    InspectionStatus,
    Outcome,
    PlanStatus,
)
from anjian.inspections.forms import StartForm
from anjian.inspections.models import ChecklistTemplate, ChecklistVersion, InspectionPlan
from anjian.inspections.views.form_pages import reason_page, require_cap
from anjian.org.models import User
from anjian.org.permissions import can
from anjian.org.views.common import capability_required, paginate

PAGE_SIZE = 50


def _version_for(request: HttpRequest, template: ChecklistTemplate | None) -> ChecklistVersion:
    """The version to inspect with: ?version= (a draft started on an older version) or the current one."""
    wanted = request.GET.get("version")
    if wanted:
        version = ChecklistVersion.objects.select_related("template").filter(pk=wanted).first()
        if version is not None:
            return version
    if template is None:
        raise Http404("没有可用的检查表。")
    version = template.versions.select_related("template").filter(is_current=True).first()
    if version is None:
        raise Http404("该检查表没有已发布的版本。")
    return version


def _perform(
    request: HttpRequest, *, enterprise: Enterprise, version: ChecklistVersion, plan: InspectionPlan | None
) -> HttpResponse:
    items = list(version.items.order_by("order"))
    sections = [(name, list(rows)) for name, rows in groupby(items, key=lambda i: i.section or "检查项")]
    user: Any = request.user
    key = f"u{user.pk}:" + (f"plan-{plan.pk}" if plan else f"ent-{enterprise.pk}")
    config = {
        "draftPrefix": key + ":",
        "draftKey": f"{key}:v{version.pk}",
        "userId": user.pk,
        "submitUrl": reverse("inspection-list"),
        "detailUrl": reverse("inspections:detail", args=[0]),
        "loginUrl": settings.LOGIN_URL,
        "plan": plan.pk if plan else None,
        "enterprise": enterprise.pk,
        "enterpriseName": enterprise.name,
        "enterpriseLat": enterprise.lat,
        "enterpriseLng": enterprise.lng,
        "version": version.pk,
        "items": [{"id": i.pk, "order": i.order, "major": i.major_hazard_ground} for i in items],
        "inspectorName": user.name or user.username,
        "defaultCo": ", ".join(p.name for p in plan.co_inspectors.all()) if plan else "",
        "defaultRepresentative": enterprise.safety_officer or enterprise.legal_representative or "",
    }
    return render(
        request,
        "inspections/perform.html",
        {
            "page_title": "现场检查",
            "enterprise": enterprise,
            "version": version,
            "plan": plan,
            "sections": sections,
            "item_count": len(items),
            "config": config,
            "severity_colours": SEVERITY_COLOURS,
            "outcomes": Outcome,
        },
    )


@login_required
@capability_required("inspection.perform")
def perform_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """Do the inspection of a plan (phone first)."""
    plan = get_object_or_404(selectors.plans_for(request.user), pk=pk)
    if not services.may_handle_plan(request.user, plan):
        messages.error(request, "您不是该检查计划的检查人员。")
        return redirect("inspections:plan_detail", pk=plan.pk)
    if plan.status != PlanStatus.PLANNED:
        done = plan.inspections.filter(status=InspectionStatus.SUBMITTED).order_by("-submitted_at").first()
        if done is not None:
            return redirect("inspections:detail", pk=done.pk)
        messages.info(request, f"该检查计划{plan.get_status_display()}。")
        return redirect("inspections:plan_detail", pk=plan.pk)
    template = plan.template or services.default_template_for(plan.enterprise)
    return _perform(request, enterprise=plan.enterprise, version=_version_for(request, template), plan=plan)


@login_required
@capability_required("inspection.perform")
def start(request: HttpRequest) -> HttpResponse:
    """Start an inspection without a plan: choose the enterprise and checklist, then inspect."""
    if request.GET.get("enterprise"):
        form = StartForm(request.GET, user=request.user)
        if form.is_valid():
            enterprise = form.cleaned_data["enterprise"]
            template = form.cleaned_data.get("template") or services.default_template_for(enterprise)
            return _perform(
                request, enterprise=enterprise, version=_version_for(request, template), plan=None
            )
    else:
        form = StartForm(user=request.user)
    return render(request, "inspections/start.html", {"page_title": "开始检查", "form": form})


@login_required
def inspection_list(request: HttpRequest) -> HttpResponse:
    """Inspections in the user's scope, filtered by enterprise, inspector, date and failures."""
    user = request.user
    qs = selectors.inspections_for(user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(enterprise__name__icontains=q) | Q(enterprise__uscc__iexact=q))
    enterprise = request.GET.get("enterprise", "")
    if enterprise.isdigit():
        qs = qs.filter(enterprise_id=int(enterprise))
    inspector = request.GET.get("inspector", "")
    if inspector.isdigit():
        qs = qs.filter(inspector_id=int(inspector))
    date_from = _parse_date(request.GET.get("date_from"))
    date_to = _parse_date(request.GET.get("date_to"))
    if date_from:
        qs = qs.filter(submitted_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(submitted_at__date__lte=date_to)
    if request.GET.get("failed") == "true":
        qs = qs.filter(failed_count__gt=0)
    status = request.GET.get("status", "")
    if status in InspectionStatus.values:
        qs = qs.filter(status=status)
    else:
        qs = qs.exclude(status=InspectionStatus.VOIDED)
    page = paginate(request, qs.order_by("-submitted_at", "-id"), PAGE_SIZE)
    inspectors = (
        User.objects.for_user(user).filter(inspections__isnull=False).distinct().order_by("name")
        if user.is_authenticated
        else User.objects.none()
    )
    return render(
        request,
        "inspections/list.html",
        {
            "page_title": "检查记录",
            "page_obj": page,
            "inspections": page.object_list,
            "inspectors": inspectors,
            "statuses": InspectionStatus,
            "status_colours": INSPECTION_STATUS_COLOURS,
            "can_start": can(user, "inspection.perform"),
            "filtered": bool(
                q or enterprise or inspector or date_from or date_to or status or request.GET.get("failed")
            ),
        },
    )


def _parse_date(value: Any) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


@login_required
def inspection_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Results (failed items first in colour, with legal basis), photos, GPS map, signatures, timeline."""
    inspection = selectors.inspection_detail(request.user, pk)
    results = list(inspection.results.all())
    photos = selectors.result_photos(inspection)
    hazards = selectors.hazards_by_result([r.pk for r in results])
    signatures = selectors.signatures(inspection)
    can_hazard = inspection.status == InspectionStatus.SUBMITTED
    rows = [
        {
            "result": r,
            "item": r.item,
            "photos": photos.get(r.pk, []),
            "hazard": hazards.get(r.pk),
            "hazard_url": selectors.hazard_url(hazards.get(r.pk)),
            "new_hazard_url": selectors.new_hazard_url(r, request.user) if can_hazard else "",
            "new_hazard_now_url": selectors.new_hazard_url(r, request.user, now=True) if can_hazard else "",
            "hazard_deadline": selectors.suggested_hazard_deadline(r.item) if can_hazard else None,
        }
        for r in results
    ]
    map_data = {
        "tileUrl": settings.MAP_TILE_URL or "",
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION or "",
        "gps": [inspection.lat, inspection.lng] if inspection.has_location else None,
        "accuracy": inspection.accuracy,
        "site": [inspection.enterprise.lat, inspection.enterprise.lng]
        if inspection.enterprise.has_location
        else None,
        "siteName": inspection.enterprise.name,
    }
    return render(
        request,
        "inspections/detail.html",
        {
            "page_title": f"检查记录 · {inspection.enterprise.name}",
            "inspection": inspection,
            "rows": rows,
            "failed_rows": [row for row in rows if row["result"].outcome == Outcome.FAIL],
            "signature_inspector": signatures.get(PURPOSE_SIGNATURE_INSPECTOR),
            "signature_enterprise": signatures.get(PURPOSE_SIGNATURE_ENTERPRISE),
            "map_data": map_data,
            "outcome_colours": OUTCOME_COLOURS,
            "severity_colours": SEVERITY_COLOURS,
            "status_colours": INSPECTION_STATUS_COLOURS,
            "can_void": can(request.user, "inspection.void") and inspection.status != InspectionStatus.VOIDED,
            "events": list(inspection.events.all()),
        },
    )


@login_required
def inspection_void(request: HttpRequest, pk: int) -> HttpResponse:
    inspection = get_object_or_404(selectors.inspections_for(request.user), pk=pk)
    require_cap(request, "inspection.void")
    return reason_page(
        request,
        label="作废原因",
        run=lambda reason: services.void_inspection(inspection, actor=request.user, reason=reason),
        success="检查记录已作废。",
        back=reverse("inspections:detail", args=[inspection.pk]),
        title="作废检查记录",
        subject=str(inspection),
        submit_label="确认作废",
        danger=True,
    )
