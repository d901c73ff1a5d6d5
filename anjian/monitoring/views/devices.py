"""Device register pages: list with status, detail with charts (thresholds drawn in), forms, credentials
shown once, Excel import."""

from __future__ import annotations

import io
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from anjian.core.errors import ServiceError
from anjian.monitoring import selectors
from anjian.monitoring.choices import (
    ALARM_LEVEL_COLOURS,
    ALARM_STATE_COLOURS,
    DEVICE_STATUS_COLOURS,
    METRICS,
    OPEN_STATES,
    DeviceStatus,
)
from anjian.monitoring.forms import DeviceForm, ImportForm, ReasonForm, add_errors
from anjian.monitoring.ingest.registry import effective_rules
from anjian.monitoring.models import DeviceType, RuleOverride
from anjian.monitoring.permissions import can
from anjian.monitoring.services import devices as device_services
from anjian.monitoring.views import need

SESSION_CREDENTIALS = "monitoring_credentials"


@login_required
def device_list(request: HttpRequest) -> HttpResponse:
    """Devices of the jurisdiction with type, site, status, battery and last report."""
    need(request, "monitoring.view")
    qs = selectors.devices_for(request.user).annotate(
        open_alarms=Count("alarms", filter=Q(alarms__state__in=OPEN_STATES))
    )
    if request.GET.get("voided") != "1":
        qs = qs.filter(voided_at__isnull=True)
    status = request.GET.get("status", "")
    if status in DeviceStatus.values:
        qs = qs.filter(status=status)
    dtype = request.GET.get("type", "")
    if dtype:
        qs = qs.filter(type__code=dtype)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(code__icontains=q)
            | Q(name__icontains=q)
            | Q(enterprise__name__icontains=q)
            | Q(location__icontains=q)
        )
    page = Paginator(qs.order_by("enterprise__name", "code"), 50).get_page(request.GET.get("page"))
    counts = (
        selectors.devices_for(request.user)
        .filter(voided_at__isnull=True)
        .aggregate(
            total=Count("id"),
            online=Count("id", filter=Q(status=DeviceStatus.ONLINE)),
            offline=Count("id", filter=Q(status=DeviceStatus.OFFLINE)),
            unknown=Count("id", filter=Q(status=DeviceStatus.UNKNOWN)),
        )
    )
    return render(
        request,
        "monitoring/device_list.html",
        {
            "page_title": "监测设备",
            "page_obj": page,
            "devices": page.object_list,
            "counts": counts,
            "types": DeviceType.objects.all(),
            "statuses": list(DeviceStatus),
            "status_colours": DEVICE_STATUS_COLOURS,
            "can_manage": can(request.user, "device.manage"),
            "filtered": any(request.GET.get(k) for k in ("status", "type", "q")),
        },
    )


def _device_or_404(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(selectors.devices_for(request.user), pk=pk)


@login_required
def device_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A device: register data, latest values, charts with thresholds, open and recent alarms."""
    need(request, "monitoring.view")
    device = _device_or_404(request, pk)
    rules = effective_rules(device)
    latest = [
        {"name": m, "label": METRICS[m].label, "unit": METRICS[m].unit, "value": device.last_metrics.get(m)}
        for m in device.type.metrics
        if m in METRICS
    ]
    recent = selectors.alarms_for(request.user).filter(device=device).order_by("-last_at")[:10]
    overrides: Any = (
        RuleOverride.objects.for_user(request.user)
        .filter(
            Q(device=device)
            | Q(device__isnull=True, enterprise=device.enterprise, rule__pack__device_type=device.type),
            voided_at__isnull=True,
        )
        .select_related("rule", "created_by")
    )
    return render(
        request,
        "monitoring/device_detail.html",
        {
            "page_title": device.name,
            "device": device,
            "latest": latest,
            "rules": [
                (r, next((x for x in rules if x.rule_id == r.pk), None))
                for r in device.type.rule_pack.rules.all()
            ],
            "recent_alarms": recent,
            "overrides": overrides,
            "ranges": selectors.RANGE_LABELS,
            "chart_config": {"url": reverse("monitoring:device_readings", args=[device.pk]), "range": "6h"},
            "can_manage": can(request.user, "device.manage") and device.voided_at is None,
            "status_colours": DEVICE_STATUS_COLOURS,
            "level_colours": ALARM_LEVEL_COLOURS,
            "state_colours": ALARM_STATE_COLOURS,
        },
    )


@login_required
@require_GET
def device_readings(request: HttpRequest, pk: int) -> JsonResponse:
    """Chart data: raw points for short ranges, minute/hour rollups (min/avg/max) for long ones."""
    need(request, "monitoring.view")
    device = _device_or_404(request, pk)
    return JsonResponse(selectors.device_series(device, request.GET.get("range", "6h")))


@login_required
def device_create(request: HttpRequest) -> HttpResponse:
    need(request, "device.manage")
    form = DeviceForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            device = device_services.create_device(actor=request.user, data=form.cleaned_data)
            creds = device_services.issue_credentials(device, actor=request.user)
        except (ValidationError, ServiceError) as exc:
            add_errors(form, exc)
        else:
            request.session[SESSION_CREDENTIALS] = [creds]
            messages.success(request, f"已登记设备 {device.code}。")
            return redirect("monitoring:credentials")
    return render(request, "monitoring/device_form.html", {"page_title": "登记设备", "form": form})


@login_required
def device_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "device.manage")
    device = _device_or_404(request, pk)
    form = DeviceForm(request.POST or None, instance=device, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "code"}
        try:
            device_services.update_device(device.pk, actor=request.user, data=data)
        except (ValidationError, ServiceError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, "设备信息已保存。")
            return redirect("monitoring:device_detail", pk=device.pk)
    return render(
        request,
        "monitoring/device_form.html",
        {"page_title": f"编辑设备 {device.code}", "form": form, "device": device},
    )


@login_required
def device_decommission(request: HttpRequest, pk: int) -> HttpResponse:
    need(request, "device.manage")
    device = _device_or_404(request, pk)
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device_services.decommission_device(
                device.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, ServiceError) as exc:
            add_errors(form, exc)
        else:
            messages.success(request, f"设备 {device.code} 已停用，此后上报的数据将被拒收。")
            return redirect("monitoring:device_detail", pk=device.pk)
    return render(
        request,
        "monitoring/device_decommission.html",
        {"page_title": f"停用设备 {device.code}", "form": form, "device": device},
    )


@login_required
@require_POST
def device_credentials(request: HttpRequest, pk: int) -> HttpResponse:
    """Issue new credentials (the old ones stop working) and show them once."""
    need(request, "device.manage")
    device = _device_or_404(request, pk)
    kind = request.POST.get("kind", "both")
    try:
        creds = device_services.issue_credentials(
            device.pk, actor=request.user, mqtt=kind in ("both", "mqtt"), http=kind in ("both", "http")
        )
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("monitoring:device_detail", pk=device.pk)
    request.session[SESSION_CREDENTIALS] = [creds]
    return redirect("monitoring:credentials")


@login_required
def credentials(request: HttpRequest) -> HttpResponse:
    """Credentials just issued, shown once: reloading the page shows nothing."""
    need(request, "device.manage")
    creds = request.session.pop(SESSION_CREDENTIALS, None)
    if creds and request.GET.get("download") == "xlsx":
        return _credentials_xlsx(creds)
    if creds and len(creds) > 20:
        # Many devices (an import): keep them for exactly one download.
        request.session[SESSION_CREDENTIALS] = creds
    return render(
        request, "monitoring/credentials.html", {"page_title": "设备凭据", "credentials": creds or []}
    )


def _credentials_xlsx(creds: list[dict[str, str]]) -> HttpResponse:
    from openpyxl import Workbook

    wb = Workbook()
    ws: Any = wb.active
    ws.title = "设备凭据"
    ws.append(["设备编码", "MQTT 用户名", "MQTT 密码", "HTTP 推送令牌"])
    for c in creds:
        ws.append(
            [
                c.get("code", ""),
                c.get("mqtt_username", ""),
                c.get("mqtt_password", ""),
                c.get("http_token", ""),
            ]
        )
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''device-credentials.xlsx"
    response["Cache-Control"] = "no-store"
    return response


@login_required
def device_import(request: HttpRequest) -> HttpResponse:
    """Bulk import from Excel; new devices get credentials shown once (and downloadable once)."""
    need(request, "device.manage")
    form = ImportForm(request.POST or None, request.FILES or None)
    report = None
    if request.method == "POST" and form.is_valid():
        try:
            report = device_services.import_devices(
                form.cleaned_data["file"], actor=request.user, issue=form.cleaned_data["issue"]
            )
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            if report.credentials:
                request.session[SESSION_CREDENTIALS] = report.credentials
    return render(
        request,
        "monitoring/device_import.html",
        {
            "page_title": "批量导入设备",
            "form": form,
            "report": report,
            "columns": list(device_services.IMPORT_COLUMNS),
        },
    )


@login_required
def import_template(request: HttpRequest) -> HttpResponse:
    need(request, "device.manage")
    from openpyxl import Workbook

    wb = Workbook()
    ws: Any = wb.active
    ws.title = "设备"
    ws.append(list(device_services.IMPORT_COLUMNS))
    ws.append(
        [
            "GAS4-0001",
            "1号污水井四合一",
            "四合一气体检测仪",
            "",
            "示例企业",
            "1号污水井",
            113.85,
            22.6,
            10,
            None,
        ]
    )
    buf = io.BytesIO()
    wb.save(buf)
    response = HttpResponse(
        buf.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = "attachment; filename*=UTF-8''device-import-template.xlsx"
    return response
