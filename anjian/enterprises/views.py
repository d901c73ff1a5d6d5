"""Pages of the enterprise register: list, detail, forms, licences, expiry warnings, map, "my enterprise"."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from anjian.core.errors import ServiceError
from anjian.core.paging import deferred_page
from anjian.enterprises import selectors, services
from anjian.enterprises.choices import STATUS_COLOURS, LicenceKind, OperatingStatus
from anjian.enterprises.filters import EnterprisePageFilter
from anjian.enterprises.forms import EnterpriseForm, LicenceForm, StatusForm, VoidForm, add_service_errors
from anjian.enterprises.models import Enterprise, Licence
from anjian.enterprises.supervision import supervision_of
from anjian.org.permissions import can

PAGE_SIZE = 50


def _enterprise_or_404(request: HttpRequest, pk: int) -> Enterprise:
    return get_object_or_404(
        Enterprise.objects.for_user(request.user).select_related("community", "grid", "park"), pk=pk
    )


def _licence_or_404(request: HttpRequest, enterprise: Enterprise, pk: int) -> Licence:
    return get_object_or_404(Licence.objects.for_user(request.user).filter(enterprise=enterprise), pk=pk)


def _map_config(**extra: Any) -> dict[str, Any]:
    """What the map scripts need: the optional tile server (none by default) and page URLs."""
    return {
        "tileUrl": settings.MAP_TILE_URL or "",
        "tileAttribution": settings.MAP_TILE_ATTRIBUTION or "",
        **extra,
    }


def _require(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):
        raise PermissionDenied


@login_required
def enterprise_list(request: HttpRequest) -> HttpResponse:
    """Search, filter, sort and page through the enterprises of the user's jurisdiction."""
    base: QuerySet[Enterprise] = Enterprise.objects.for_user(request.user)
    filterset = EnterprisePageFilter(request.GET or None, queryset=base, request=request)
    qs = filterset.qs
    if not request.GET.get("sort"):
        qs = qs.order_by("name", "id")
    counts = selectors.status_counts(filterset.qs)
    page = deferred_page(
        qs, request.GET.get("page"), PAGE_SIZE, hydrate=selectors.with_row_data, count=counts["total"]
    )
    filtered = any(v for k, v in request.GET.items() if k not in ("page", "sort"))
    return render(
        request,
        "enterprises/list.html",
        {
            "page_title": "企业列表",
            "filter": filterset,
            "page_obj": page,
            "enterprises": page.object_list,
            "counts": counts,
            "warning_count": counts["warning"],
            "filtered": filtered,
            "status_colours": STATUS_COLOURS,
            "statuses": list(OperatingStatus),
            "filter_categories": selectors.category_legend(),
            "grid_communities": {g.pk: g.community_id for g in filterset.form.fields["grid"].queryset},
            "can_create": can(request.user, "enterprise.create"),
            "can_import": can(request.user, "enterprise.import"),
            "can_export": can(request.user, "enterprise.export"),
            "warning_days": selectors.warning_days(),
        },
    )


@login_required
def enterprise_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Everything about one enterprise: fields, location, licences, assignments, visits, history."""
    ent = _enterprise_or_404(request, pk)
    licences = list(selectors.licences_of(ent))
    location = {
        "lat": ent.lat,
        "lng": ent.lng,
        "name": ent.name,
        "boundary": ent.community.boundary,
        "community": ent.community.name,
        "center": [ent.community.center_lat, ent.community.center_lng],
    }
    return render(
        request,
        "enterprises/detail.html",
        {
            "page_title": ent.name,
            "ent": ent,
            "categories": list(ent.categories.order_by("sort_order", "code")),
            "licences": licences,
            "active_licence_count": sum(1 for lic in licences if not lic.is_voided),
            "events": selectors.timeline_of(ent),
            "assignments": list(selectors.active_assignments_of(request.user, ent)),
            "visits": selectors.recent_visits_of(request.user, ent),
            "location": location,
            "map_config": _map_config(),
            "status_colour": STATUS_COLOURS.get(ent.status, "secondary"),  # type: ignore[call-overload]
            "can_edit": can(request.user, "enterprise.change"),
            "can_licence": can(request.user, "licence.change"),
            "warning_days": selectors.warning_days(),
            "sup": supervision_of(ent, request.user),
        },
    )


def _form_context(form: EnterpriseForm, request: HttpRequest, **extra: Any) -> dict[str, Any]:
    return {
        "form": form,
        "grid_communities": form.grid_communities(),
        "park_communities": form.park_communities(),
        "boundaries": selectors.boundaries_for(request.user),
        "map_config": _map_config(),
        **extra,
    }


@login_required
def enterprise_create(request: HttpRequest) -> HttpResponse:
    _require(request, "enterprise.create")
    form = EnterpriseForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            ent = services.create_enterprise(
                actor=request.user, data=form.service_data(), categories=form.cleaned_data["categories"]
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记企业：{ent.name}")
            return redirect("enterprises:detail", pk=ent.pk)
    return render(request, "enterprises/form.html", _form_context(form, request, page_title="登记企业"))


@login_required
def enterprise_edit(request: HttpRequest, pk: int) -> HttpResponse:
    ent = _enterprise_or_404(request, pk)
    _require(request, "enterprise.change")
    form = EnterpriseForm(request.POST or None, instance=ent, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_enterprise(
                ent.pk,
                actor=request.user,
                data=form.service_data(),
                categories=form.cleaned_data["categories"],
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "企业信息已保存。")
            return redirect("enterprises:detail", pk=ent.pk)
    return render(
        request,
        "enterprises/form.html",
        _form_context(form, request, page_title=f"编辑：{ent.name}", ent=ent),
    )


@login_required
def enterprise_status(request: HttpRequest, pk: int) -> HttpResponse:
    ent = _enterprise_or_404(request, pk)
    _require(request, "enterprise.change")
    form = StatusForm(request.POST or None, initial={"status": ent.status})
    if request.method == "POST" and form.is_valid():
        try:
            services.change_status(
                ent.pk,
                actor=request.user,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "经营状态已变更。")
            return redirect("enterprises:detail", pk=ent.pk)
    return render(
        request,
        "enterprises/small_form.html",
        {
            "page_title": "变更经营状态",
            "ent": ent,
            "form": form,
            "submit_label": "确认变更",
            "intro": f"当前状态：{ent.get_status_display()}。状态变更记入企业动态和审计日志。",
        },
    )


@login_required
def licence_add(request: HttpRequest, pk: int) -> HttpResponse:
    ent = _enterprise_or_404(request, pk)
    _require(request, "licence.change")
    form = LicenceForm(request.POST or None, instance=Licence(enterprise=ent))
    if request.method == "POST" and form.is_valid():
        try:
            services.add_licence(ent.pk, actor=request.user, data=form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "证照已添加。")
            return redirect(reverse("enterprises:detail", args=[ent.pk]) + "#licences")
    return render(
        request,
        "enterprises/small_form.html",
        {"page_title": "添加证照", "ent": ent, "form": form, "submit_label": "保存证照"},
    )


@login_required
def licence_edit(request: HttpRequest, pk: int, licence_pk: int) -> HttpResponse:
    ent = _enterprise_or_404(request, pk)
    lic = _licence_or_404(request, ent, licence_pk)
    _require(request, "licence.change")
    if lic.is_voided:
        messages.error(request, "已作废的证照不能修改。")
        return redirect("enterprises:detail", pk=ent.pk)
    form = LicenceForm(request.POST or None, instance=lic)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_licence(lic.pk, actor=request.user, data=form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "证照已保存。")
            return redirect(reverse("enterprises:detail", args=[ent.pk]) + "#licences")
    return render(
        request,
        "enterprises/small_form.html",
        {"page_title": "修改证照", "ent": ent, "form": form, "submit_label": "保存证照"},
    )


@login_required
def licence_void(request: HttpRequest, pk: int, licence_pk: int) -> HttpResponse:
    ent = _enterprise_or_404(request, pk)
    lic = _licence_or_404(request, ent, licence_pk)
    _require(request, "licence.change")
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_licence(lic.pk, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "证照已作废。")
            return redirect(reverse("enterprises:detail", args=[ent.pk]) + "#licences")
    return render(
        request,
        "enterprises/small_form.html",
        {
            "page_title": "作废证照",
            "ent": ent,
            "form": form,
            "submit_label": "确认作废",
            "danger": True,
            "intro": f"{lic}（有效期至 {lic.expires_on or '长期'}）。作废后证照仍保留在记录中，不再参与到期预警。",
        },
    )


@login_required
def expiring(request: HttpRequest) -> HttpResponse:
    """Licences expired or expiring within the warning window, soonest first, with days left."""
    days = selectors.warning_days()
    qs = selectors.expiring_licences(request.user, days)
    community = request.GET.get("community", "")
    if community.isdigit():
        qs = qs.filter(enterprise__community_id=int(community))
    kind = request.GET.get("kind", "")
    if kind in LicenceKind.values:
        qs = qs.filter(kind=kind)
    state = request.GET.get("state", "")
    horizon_today = selectors.expiry_horizon(0)
    if state == "expired":
        qs = qs.filter(expires_on__lt=horizon_today)
    elif state == "expiring":
        qs = qs.filter(expires_on__gte=horizon_today)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(
            Q(enterprise__name__icontains=q) | Q(number__icontains=q) | Q(enterprise__uscc__icontains=q)
        )
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    totals = selectors.expiring_licences(request.user, days).aggregate(
        expired=_count(Q(expires_on__lt=horizon_today)), expiring=_count(Q(expires_on__gte=horizon_today))
    )
    return render(
        request,
        "enterprises/expiring.html",
        {
            "page_title": "证照到期预警",
            "page_obj": page,
            "licences": page.object_list,
            "days": days,
            "totals": totals,
            "communities": selectors.communities_for(request.user),
            "kinds": LicenceKind.choices,
            "can_licence": can(request.user, "licence.change"),
        },
    )


def _count(cond: Q) -> Count:
    return Count("pk", filter=cond)


@login_required
def enterprise_map(request: HttpRequest) -> HttpResponse:
    """All located enterprises of the scope as circle markers over community boundaries (no tiles needed)."""
    return render(
        request,
        "enterprises/map.html",
        {
            "page_title": "企业地图",
            "boundaries": selectors.boundaries_for(request.user),
            "categories": selectors.category_legend(),
            "communities": selectors.communities_for(request.user),
            "map_config": _map_config(
                dataUrl=reverse("enterprises:map_data"), detailUrl=reverse("enterprises:detail", args=[0])
            ),
        },
    )


@login_required
@require_GET
def map_data(request: HttpRequest) -> JsonResponse:
    """Compact JSON rows of the located enterprises in scope (optionally ?community= ?category= ?status=)."""
    data = selectors.map_rows(
        request.user,
        community=request.GET.get("community", ""),
        category=request.GET.get("category", ""),
        status=request.GET.get("status", ""),
    )
    response = JsonResponse(data)
    response["Cache-Control"] = "private, max-age=60"
    return response


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    """'我的企业': an enterprise officer goes straight to their enterprise; others to the list."""
    ent_id = getattr(request.user, "enterprise_id", None)
    if getattr(request.user, "role", "") == "enterprise_officer":
        if not ent_id:
            raise Http404("您的账号尚未关联企业，请联系社区或街道安委办。")
        return redirect("enterprises:detail", pk=ent_id)
    return redirect("enterprises:list")
