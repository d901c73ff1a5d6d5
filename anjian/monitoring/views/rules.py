"""Rule packs per device type with their DOMAIN.md §5 defaults, and the site/device overrides (who, why)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from anjian.core.errors import ServiceError
from anjian.monitoring.forms import OverrideForm, ReasonForm, add_errors
from anjian.monitoring.models import RuleOverride, RulePack
from anjian.monitoring.permissions import can
from anjian.monitoring.services import devices as device_services
from anjian.monitoring.views import need


@login_required
def rule_packs(request: HttpRequest) -> HttpResponse:
    need(request, "monitoring.view")
    packs = RulePack.objects.select_related("device_type").prefetch_related("rules")
    overrides: Any = (
        RuleOverride.objects.for_user(request.user)
        .filter(voided_at__isnull=True)
        .select_related("rule__pack__device_type", "device", "enterprise", "created_by")
    )
    return render(
        request,
        "monitoring/rules.html",
        {
            "page_title": "报警规则",
            "packs": packs,
            "overrides": overrides,
            "can_override": can(request.user, "rule.override"),
        },
    )


@login_required
def override_create(request: HttpRequest) -> HttpResponse:
    need(request, "rule.override")
    initial = {k: request.GET.get(k) for k in ("rule", "device", "enterprise") if request.GET.get(k)}
    form = OverrideForm(request.POST or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            device_services.set_override(
                actor=request.user,
                rule=data["rule"],
                enterprise=data.get("enterprise"),
                device=data.get("device"),
                values=form.values(),
                reason=data["reason"],
            )
        except (ValidationError, ServiceError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "规则调整已生效（接入进程数秒内加载）。")
            return redirect("monitoring:rules")
    return render(request, "monitoring/override_form.html", {"page_title": "调整规则参数", "form": form})


@login_required
def override_void(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "rule.override")
    override: Any = get_object_or_404(
        RuleOverride.objects.for_user(request.user), pk=pk, voided_at__isnull=True
    )
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device_services.void_override(override.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, ServiceError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "已撤销调整，恢复规则包默认值。")
            return redirect("monitoring:rules")
    return render(
        request,
        "monitoring/override_void.html",
        {"page_title": "撤销规则调整", "form": form, "override": override},
    )
