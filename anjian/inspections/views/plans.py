"""Plan pages: list with quick views, office and grid-round forms, weekly generation from assignments,
plan detail with its timeline, edit and cancel."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from anjian.core.errors import ServiceError
from anjian.inspections import selectors, services
from anjian.inspections.choices import PLAN_STATUS_COLOURS, PlanSource, PlanStatus
from anjian.inspections.forms import GridRoundForm, PlanEditForm, PlanForm
from anjian.inspections.models import InspectionPlan
from anjian.inspections.views.form_pages import form_page, reason_page, require_cap
from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.models import Assignment
from anjian.org.permissions import can
from anjian.org.views.common import capability_required, paginate

PAGE_SIZE = 50


def _plan_or_404(request: HttpRequest, pk: int) -> InspectionPlan:
    return get_object_or_404(selectors.plans_for(request.user), pk=pk)


def _has_assignments(user: Any) -> bool:
    return Assignment.objects.filter(
        person=user, kind=AssignmentKind.ENTERPRISE, status=AssignmentStatus.ACTIVE, voided_at__isnull=True
    ).exists()


@login_required
@capability_required("inspection.plan")
def plan_list(request: HttpRequest) -> HttpResponse:
    """Plans with quick views (mine / today / this week / overdue / all) and filters."""
    user = request.user
    default_view = "mine" if not services.is_office(user) else "week"
    view = request.GET.get("view") or default_view
    if view not in selectors.PLAN_VIEWS:
        view = default_view
    qs = selectors.filter_plan_view(selectors.plans_for(user), user, view)
    status = request.GET.get("status", "")
    if status in PlanStatus.values:
        qs = qs.filter(status=status)
    elif view == "mine":
        qs = qs.filter(status=PlanStatus.PLANNED)  # my to-do list; done ones are a filter away
    elif view != "all":
        qs = qs.exclude(status=PlanStatus.CANCELLED)
    source = request.GET.get("source", "")
    if source in PlanSource.values:
        qs = qs.filter(source=source)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(enterprise__name__icontains=q) | Q(title__icontains=q) | Q(inspector__name__icontains=q)
        )
    qs = qs.order_by("planned_date", "id") if view != "all" else qs.order_by("-planned_date", "-id")
    page = paginate(request, qs, PAGE_SIZE)
    today = timezone.localdate()
    return render(
        request,
        "inspections/plan_list.html",
        {
            "page_title": "检查计划",
            "page_obj": page,
            "plans": page.object_list,
            "view": view,
            "views": selectors.PLAN_VIEWS,
            "counts": selectors.plan_view_counts(user),
            "statuses": PlanStatus,
            "sources": PlanSource,
            "status_colours": PLAN_STATUS_COLOURS,
            "today": today,
            "is_office": services.is_office(user),
            "can_generate": services.is_office(user) or _has_assignments(user),
            "can_round": user.role == "grid_inspector" or services.is_office(user),  # type: ignore[union-attr]
            "filtered": bool(q or status or source),
        },
    )


@login_required
@require_POST
@capability_required("inspection.plan")
def plan_generate(request: HttpRequest) -> HttpResponse:
    """按挂点生成本周检查计划 (own assignments; office: everyone's)."""
    try:
        created = services.generate_assignment_plans(actor=request.user)
    except (ValidationError, ServiceError) as exc:
        messages.error(
            request, getattr(exc, "message", None) or "；".join(getattr(exc, "messages", [str(exc)]))
        )
    else:
        if created:
            messages.success(request, f"已按挂点生成本周检查计划 {len(created)} 项。")
        else:
            messages.info(request, "本周的挂点检查计划已齐全，无需新增。")
    return redirect(f"{_plans_url()}?view=week")


def _plans_url() -> str:
    return reverse("inspections:plans")


@login_required
@capability_required("checklist.manage")
def plan_create(request: HttpRequest) -> HttpResponse:
    """Office ad-hoc or joint inspection plan."""
    return form_page(
        request,
        PlanForm(request.POST or None, user=request.user),
        save=lambda form: services.create_plan(actor=request.user, data=dict(form.cleaned_data)),
        success=lambda plan: f"已安排检查：{plan.enterprise.name}，{plan.planned_date:%Y-%m-%d}",
        done=_detail_url,
        template="inspections/plan_form.html",
        context={"page_title": "安排检查"},
    )


def _detail_url(plan: InspectionPlan) -> str:
    return reverse("inspections:plan_detail", args=[plan.pk])


@login_required
@capability_required("inspection.plan")
def plan_round(request: HttpRequest) -> HttpResponse:
    """A grid inspector picks enterprises of the grid for a round."""
    form = GridRoundForm(request.POST or None, user=request.user)

    def success(created: list[InspectionPlan]) -> str:
        skipped = len(form.cleaned_data["enterprises"]) - len(created)
        text = f"已安排巡查 {len(created)} 家企业"
        return text + (f"（{skipped} 家当天已有计划，已跳过）" if skipped else "。")

    return form_page(
        request,
        form,
        save=lambda f: services.plan_grid_round(
            actor=request.user,
            enterprises=f.cleaned_data["enterprises"],
            planned_date=f.cleaned_data["planned_date"],
            template=f.cleaned_data.get("template"),
        ),
        success=success,
        done=lambda _: f"{_plans_url()}?view=mine",
        template="inspections/plan_round.html",
        context={"page_title": "安排网格巡查"},
    )


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    user = request.user
    inspections = list(plan.inspections.select_related("inspector").order_by("-submitted_at"))
    may_handle = plan.status == PlanStatus.PLANNED and services.may_handle_plan(user, plan)
    return render(
        request,
        "inspections/plan_detail.html",
        {
            "page_title": f"检查计划 · {plan.enterprise.name}",
            "plan": plan,
            "inspections": inspections,
            "events": plan.events.select_related("actor").order_by("-at", "-id"),
            "status_colours": PLAN_STATUS_COLOURS,
            "may_handle": may_handle,
            "may_perform": may_handle and can(user, "inspection.perform"),
            "overdue": plan.status == PlanStatus.PLANNED and plan.planned_date < timezone.localdate(),
        },
    )


@login_required
def plan_edit(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    require_cap(request, "inspection.plan")
    initial = {
        "planned_date": plan.planned_date,
        "co_inspectors": list(plan.co_inspectors.all()),
        "template": plan.template,
        "title": plan.title,
        "notes": plan.notes,
    }
    return form_page(
        request,
        PlanEditForm(request.POST or None, initial=initial, user=request.user),
        save=lambda form: services.update_plan(plan, actor=request.user, data=form.cleaned_data),
        success="检查计划已修改。",
        done=_detail_url,
        template="inspections/plan_form.html",
        context={"page_title": f"修改检查计划 · {plan.enterprise.name}", "plan": plan},
    )


@login_required
def plan_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan_or_404(request, pk)
    require_cap(request, "inspection.plan")
    return reason_page(
        request,
        label="取消原因",
        run=lambda reason: services.cancel_plan(plan, actor=request.user, reason=reason),
        success="检查计划已取消。",
        back=_detail_url(plan),
        title="取消检查计划",
        subject=f"{plan.planned_date:%Y-%m-%d} {plan.enterprise.name}",
        submit_label="确认取消计划",
    )
