"""The weekly inspection priority list (with its reasons and "make plans" in one step), the back-test
page, and the configuration pages (grading bands, priority weights, templates)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from anjian.core.errors import PermissionDeniedError, ServiceError
from anjian.org.models import User
from anjian.org.permissions import can as org_can
from anjian.risks import backtest, priority, selectors, services
from anjian.risks.choices import BacktestSource, Method
from anjian.risks.forms import BandForm, PlanForm, WeightForm, add_service_errors
from anjian.risks.models import BacktestRun, PriorityWeight, RiskBand, RiskTemplate
from anjian.risks.permissions import can
from anjian.risks.views.common import level_context, require_page

PAGE_SIZE = 30


def next_workday(day: dt.date) -> dt.date:
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


@login_required
def priority_list(request: HttpRequest) -> HttpResponse:
    """本周优先检查清单: the enterprises of a person's list ranked by priority, each with its reasons;
    selected rows become inspection plans in one step."""
    require_page(request, "risk.priority")
    try:
        person = priority.list_person(
            request.user, request.GET.get("inspector") or request.POST.get("inspector")
        )
    except PermissionDeniedError:
        raise PermissionDenied from None
    if person is None:
        from django.http import Http404

        raise Http404("对象不存在或无权访问。")
    rows = priority.ranked(priority.enterprises_of(request.user, person))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    ids = [r.enterprise.pk for r in rows]
    today = timezone.localdate()
    form = PlanForm(request.POST or None, ids=ids, initial={"planned_date": next_workday(today)})
    if request.method == "POST" and form.is_valid():
        try:
            plans, skipped = services.plan_from_priority(
                actor=request.user,
                enterprises=form.cleaned_data["enterprises"],
                planned_date=form.cleaned_data["planned_date"],
                inspector=person,
                reasons={r.enterprise.pk: "优先原因：" + r.score.reason_text for r in rows},
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            text = f"已生成 {len(plans)} 条检查计划。"
            if skipped:
                text += "跳过：" + "；".join(skipped)
            messages.success(request, text)
            return redirect(f"{reverse('risks:priority')}?inspector={person.pk}")
    start, end = priority.week_of(today)
    people = []
    if can(request.user, "risk.backtest"):
        people = list(
            User.objects.for_user(request.user)
            .filter(is_active=True, role__in=priority.LIST_ROLES)
            .select_related("grid", "community")
            .order_by("role", "username")
        )
    return render(
        request,
        "risks/priority.html",
        {
            "page_title": "本周优先检查清单",
            "person": person,
            "is_self": person.pk == request.user.pk,
            "people": people,
            "page_obj": page,
            "rows": page.object_list,
            "total": len(rows),
            "rank_offset": (page.number - 1) * PAGE_SIZE,
            "week_start": start,
            "week_end": end,
            "form": form,
            "can_plan": org_can(request.user, "inspection.plan"),
            "weights": PriorityWeight.objects.all(),
            "selected": set(map(str, form["enterprises"].value() or [])),
            **level_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def backtest_page(request: HttpRequest) -> HttpResponse:
    """回测: would the priority have found hazards earlier than the usual round? Latest figures per
    source; the office may run it again with the current weights."""
    require_page(request, "risk.backtest")
    if request.method == "POST":
        period = request.POST.get("period_days", "7")
        days = int(period) if period.isdigit() and 1 <= int(period) <= 90 else 7
        weights = priority.load_weights()
        for source in BacktestSource.values:
            backtest.run(source, weights, period_days=days, actor=request.user)
        messages.success(request, "回测已完成。")
        return redirect("risks:backtest")
    runs: list[dict[str, Any]] = []
    for source, label in BacktestSource.choices:
        run = BacktestRun.objects.filter(source=source).order_by("-ran_at", "-id").first()
        runs.append({"source": source, "label": label, "run": run})
    chart = {r["source"]: (r["run"].details.get("by_period", []) if r["run"] else []) for r in runs}
    return render(
        request,
        "risks/backtest.html",
        {"page_title": "优先级回测", "runs": runs, "chart": chart},
    )


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    """The grading bands of LEC and LS (lower bound included) and the priority weights."""
    require_page(request, "risk.view")
    return render(
        request,
        "risks/settings.html",
        {
            "page_title": "分级标准与权重",
            "lec": selectors.band_rows(Method.LEC),
            "ls": selectors.band_rows(Method.LS),
            "weights": PriorityWeight.objects.all(),
            "can_configure": can(request.user, "risk.configure"),
            **level_context(),
        },
    )


@login_required
def band_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request, "risk.configure")
    band = get_object_or_404(RiskBand, pk=pk)
    form = BandForm(
        request.POST or None,
        initial={
            "lower_bound": band.lower_bound.normalize(),
            "level": band.level,
            "grade": band.grade,
            "action": band.action,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_band(band, actor=request.user, data=form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "分级标准已保存；新的评估按新标准分级，已有评估保持原分级。")
            return redirect("risks:settings")
    return render(
        request,
        "risks/small_form.html",
        {
            "page_title": f"修改分级：{band.get_method_display()}",
            "form": form,
            "intro": "一档包含其下限（边界值取较高等级）。修改只影响之后的评估。",
            "submit_label": "保存",
            "back_url": reverse("risks:settings"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def weight_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request, "risk.configure")
    weight = get_object_or_404(PriorityWeight, pk=pk)
    form = WeightForm(
        request.POST or None,
        initial={"points": weight.points, "cap": weight.cap, "window_days": weight.window_days},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_weight(weight, actor=request.user, data=form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "权重已保存，优先清单立即按新权重计算。")
            return redirect("risks:settings")
    return render(
        request,
        "risks/small_form.html",
        {
            "page_title": f"修改权重：{weight.get_key_display()}",
            "form": form,
            "intro": f"计分方式：{weight.unit}。",
            "submit_label": "保存",
            "back_url": reverse("risks:settings"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def template_library(request: HttpRequest) -> HttpResponse:
    require_page(request, "risk.view")
    templates = list(RiskTemplate.objects.filter(is_active=True).select_related("category"))
    bands = services.load_bands()
    from anjian.risks.assessment import assess

    groups: dict[str, list[RiskTemplate]] = {}
    for t in templates:
        _, t.preview = assess(t.method, t.assessment_values(), bands)  # type: ignore[attr-defined]
        groups.setdefault(t.category.name, []).append(t)
    return render(
        request,
        "risks/template_library.html",
        {"page_title": "风险点模板库", "groups": groups, **level_context()},
    )
