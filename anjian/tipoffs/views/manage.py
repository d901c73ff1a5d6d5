"""Statistics, reward rules (configuration) and partner apps (Open311 api keys)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from anjian.core.errors import ServiceError
from anjian.org.permissions import can
from anjian.tipoffs import selectors, services
from anjian.tipoffs.forms import DeactivateForm, PartnerAppForm, RewardRuleForm, add_service_errors
from anjian.tipoffs.models import PartnerApp, RewardRule
from anjian.tipoffs.views.office import require_view


@login_required
def stats(request: HttpRequest) -> HttpResponse:
    """统计: by category, community and month; handling times; reward totals (within the user's scope)."""
    require_view(request)
    data = selectors.statistics(selectors.tips_for(request.user))
    chart = {
        k: data[k]
        for k in (
            "by_category",
            "by_community",
            "months",
            "received_by_month",
            "closed_by_month",
            "paid_by_month",
        )
    }
    return render(request, "tipoffs/stats.html", {"page_title": "举报统计", "s": data, "chart": chart})


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """奖励规则: the national rules and local extra rules in force."""
    require_view(request)
    return render(
        request,
        "tipoffs/rules.html",
        {
            "page_title": "举报奖励规则",
            "rules": RewardRule.objects.prefetch_related("categories"),
            "can_configure": can(request.user, "tipoff.configure"),
        },
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not can(request.user, "tipoff.configure"):
        raise PermissionDenied
    rule = get_object_or_404(RewardRule, pk=pk) if pk else None
    form = RewardRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "categories"}
        try:
            saved = services.save_reward_rule(
                actor=request.user, data=data, categories=list(form.cleaned_data["categories"]), rule=rule
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"规则已保存：{saved.name}")
            return redirect("tipoffs:rules")
    return render(
        request,
        "tipoffs/rule_form.html",
        {"page_title": f"编辑规则：{rule.name}" if rule else "新增奖励规则", "form": form, "rule": rule},
        status=400 if form.errors else 200,
    )


@never_cache
@login_required
def partners(request: HttpRequest) -> HttpResponse:
    """合作应用: Open311 clients with an api_key; a new key is shown once."""
    if not can(request.user, "tipoff.configure"):
        raise PermissionDenied
    form = PartnerAppForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            app, new_key = services.create_partner_app(
                actor=request.user,
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
                rate_per_hour=form.cleaned_data["rate_per_hour"],
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记合作应用：{app.name}。密钥只显示这一次，请立即复制。")
            form = PartnerAppForm()
    return render(
        request,
        "tipoffs/partners.html",
        {
            "page_title": "Open311 合作应用",
            "apps": PartnerApp.objects.all(),
            "form": form,
            "new_key": new_key,
            "deactivate_form": DeactivateForm(),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def partner_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    if not can(request.user, "tipoff.configure"):
        raise PermissionDenied
    app = get_object_or_404(PartnerApp, pk=pk)
    form = DeactivateForm(request.POST)
    if form.is_valid():
        try:
            services.deactivate_partner_app(app.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, ServiceError) as exc:
            messages.error(request, "；".join(getattr(exc, "messages", [str(exc)])))
        else:
            messages.success(request, f"已停用：{app.name}")
    else:
        messages.error(request, "请填写停用原因。")
    return redirect("tipoffs:partners")
