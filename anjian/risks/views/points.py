"""Risk point pages: list with counts by level, detail with assessment history, register (for an
enterprise, a park or a public site), edit, reassess, void."""

from __future__ import annotations

from typing import Any

from django import forms as djforms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from anjian.core.errors import ServiceError
from anjian.enterprises.models import Park
from anjian.org.models import Community, Grid
from anjian.risks import selectors, services
from anjian.risks.assessment import fmt
from anjian.risks.choices import ControlLevel, Method, RiskLevel
from anjian.risks.forms import PointForm, ReasonForm, ReassessForm, add_service_errors
from anjian.risks.models import RiskPoint
from anjian.risks.permissions import can
from anjian.risks.views.common import enterprise_or_404, level_context, require_page

PAGE_SIZE = 30


def _point_or_404(request: HttpRequest, pk: int) -> RiskPoint:
    return get_object_or_404(selectors.points_for(request.user), pk=pk)


def _assessment_script_data() -> dict[str, Any]:
    """What the form script needs to show the score and grade while values are chosen."""
    bands = selectors.bands_by_method()
    return {
        "bands": {
            m: [{"lower": float(b.lower_bound), "level": b.level, "grade": b.grade} for b in rows]
            for m, rows in bands.items()
        },
        **level_context(),
        "requiredStreet": [RiskLevel.RED, RiskLevel.ORANGE],
    }


@login_required
def point_list(request: HttpRequest) -> HttpResponse:
    """Risk points of the user's scope with filters and counts by level."""
    require_page(request, "risk.view")
    base = selectors.points_for(request.user)
    state = request.GET.get("state", "active")
    qs = base.filter(voided_at__isnull=True) if state != "voided" else base.filter(voided_at__isnull=False)
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(enterprise__name__icontains=q)
            | Q(park__name__icontains=q)
            | Q(site_name__icontains=q)
        )
    level = request.GET.get("level", "")
    if level in RiskLevel.values:
        qs = qs.filter(level=level)
    community = request.GET.get("community", "")
    if community.isdigit():
        qs = qs.filter(community_id=int(community))
    control = request.GET.get("control_level", "")
    if control in ControlLevel.values:
        qs = qs.filter(control_level=control)
    method = request.GET.get("method", "")
    if method in Method.values:
        qs = qs.filter(current_assessment__method=method)
    enterprise = request.GET.get("enterprise", "")
    if enterprise.isdigit():
        qs = qs.filter(enterprise_id=int(enterprise))
    review = request.GET.get("review", "")
    if review == "due":
        from django.utils import timezone

        qs = qs.filter(review_date__lte=timezone.localdate())
    sort = request.GET.get("sort", "")
    order = {
        "score": ["-score", "-id"],
        "review": ["review_date", "id"],
        "name": ["name", "id"],
    }.get(sort, ["-score", "-id"])
    page = Paginator(qs.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(v for k, v in request.GET.items() if k not in ("page", "sort", "state"))
    return render(
        request,
        "risks/point_list.html",
        {
            "page_title": "风险点清单",
            "page_obj": page,
            "points": page.object_list,
            "counts": selectors.point_counts(request.user),
            "communities": Community.objects.for_user(request.user),
            "control_levels": ControlLevel.choices,
            "methods": Method.choices,
            "filtered": filtered,
            "state": state,
            "can_manage": can(request.user, "risk.manage"),
            **level_context(),
        },
    )


@login_required
def point_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require_page(request, "risk.view")
    point = _point_or_404(request, pk)
    history = list(selectors.assessments_of(point))
    return render(
        request,
        "risks/point_detail.html",
        {
            "page_title": point.name,
            "point": point,
            "assessments": history,
            "can_manage": can(request.user, "risk.manage") and not point.is_voided,
            "can_void": can(request.user, "risk.void") and not point.is_voided,
            **level_context(),
        },
    )


class _OwnerForm(djforms.Form):
    park = djforms.ModelChoiceField(label="园区", queryset=Park.objects.none(), required=False)
    site_name = djforms.CharField(
        label="公共场所名称",
        max_length=100,
        required=False,
        help_text="不属于园区的公共场所，如广场、农贸市场",
    )
    community = djforms.ModelChoiceField(label="所属社区", queryset=Community.objects.none(), required=False)
    grid = djforms.ModelChoiceField(label="所属网格", queryset=Grid.objects.none(), required=False)


def _owner_fields(user: Any) -> dict[str, djforms.Field]:
    owner = _OwnerForm()
    owner.fields["park"].queryset = Park.objects.for_user(user).order_by("name")  # type: ignore[attr-defined]
    owner.fields["community"].queryset = Community.objects.for_user(user)  # type: ignore[attr-defined]
    owner.fields["grid"].queryset = Grid.objects.for_user(user).select_related("community")  # type: ignore[attr-defined]
    return dict(owner.fields)


def _form_page(request: HttpRequest, form: PointForm, **extra: Any) -> HttpResponse:
    return render(
        request,
        "risks/point_form.html",
        {
            "form": form,
            "assessment_data": _assessment_script_data(),
            "measure_fields": [form[name] for name in form.fields if name.startswith("measures_")],
            **extra,
        },
        status=400 if request.method == "POST" else 200,
    )


def _create(request: HttpRequest, form: PointForm, data_extra: dict[str, Any]) -> RiskPoint | None:
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return services.create_point(
            actor=request.user, data={**form.point_data(), **data_extra}, assessment=form.assessment()
        )
    except (ValidationError, ServiceError) as exc:
        add_service_errors(form, exc, form.service_aliases())
    return None


@login_required
def enterprise_point_create(request: HttpRequest, ent_pk: int) -> HttpResponse:
    """Register a risk point of an enterprise with its first assessment."""
    ent = enterprise_or_404(request, ent_pk)
    require_page(request, "risk.manage")
    form = PointForm(
        request.POST or None, initial={"responsible_name": ent.safety_officer, "responsible_phone": ent.phone}
    )
    point = _create(request, form, {"enterprise": ent})
    if point is not None:
        messages.success(request, f"已登记风险点：{point.name}（{point.level_short}风险）")
        return redirect("risks:enterprise", ent_pk=ent.pk)
    return _form_page(request, form, page_title=f"登记风险点：{ent.name}", ent=ent)


@login_required
def point_create(request: HttpRequest) -> HttpResponse:
    """Register a risk point of a park or a public site."""
    require_page(request, "risk.manage")
    if getattr(request.user, "jurisdiction", None) and request.user.jurisdiction.level == "enterprise":  # type: ignore[union-attr]
        ent_pk = request.user.enterprise_id  # type: ignore[union-attr]
        return redirect("risks:enterprise_point_create", ent_pk=ent_pk)
    form = PointForm(request.POST or None, owner_fields=_owner_fields(request.user))
    point = _create(request, form, {})
    if point is not None:
        messages.success(request, f"已登记风险点：{point.name}（{point.level_short}风险）")
        return redirect("risks:point", pk=point.pk)
    return _form_page(request, form, page_title="登记园区或公共场所风险点")


@login_required
def point_edit(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point_or_404(request, pk)
    require_page(request, "risk.manage")
    initial = {
        f: getattr(point, f)
        for f in (
            "name",
            "kind",
            "location",
            "hazard_factors",
            "accident_types",
            "control_level",
            "responsible_name",
            "responsible_phone",
            "review_date",
        )
    }
    initial.update(PointForm.initial_measures(point.measures))
    form = PointForm(request.POST or None, initial=initial, editing=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_point(point, actor=request.user, data=form.point_data())
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc, form.service_aliases())
        else:
            messages.success(request, "风险点信息已保存。")
            return redirect("risks:point", pk=point.pk)
    return _form_page(request, form, page_title=f"编辑风险点：{point.name}", point=point, editing=True)


@login_required
def point_reassess(request: HttpRequest, pk: int) -> HttpResponse:
    """Assess again: a new row becomes current, the old ones stay as history."""
    point = _point_or_404(request, pk)
    require_page(request, "risk.manage")
    current = point.current_assessment
    initial: dict[str, Any] = {"control_level": point.control_level, "review_date": point.review_date}
    if current is not None:
        initial["method"] = current.method
        if current.method == Method.LS:
            initial.update(ls_l=fmt(current.likelihood), ls_s=str(current.severity))
        else:
            initial.update(
                lec_l=fmt(current.likelihood), lec_e=fmt(current.exposure), lec_c=fmt(current.consequence)
            )
    form = ReassessForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            data = form.assessment()
            data["review_date"] = form.cleaned_data["review_date"]
            a = services.reassess(
                point, actor=request.user, assessment=data, control_level=form.cleaned_data["control_level"]
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc, form.service_aliases())
        else:
            messages.success(request, f"已重新评估：{a.formula}，{a.get_level_display()}。")
            return redirect("risks:point", pk=point.pk)
    return render(
        request,
        "risks/reassess.html",
        {
            "page_title": f"重新评估：{point.name}",
            "point": point,
            "form": form,
            "assessment_data": _assessment_script_data(),
            **level_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def point_void(request: HttpRequest, pk: int) -> HttpResponse:
    point = _point_or_404(request, pk)
    require_page(request, "risk.void")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.void_point(point, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "风险点已作废（记录保留）。")
            return redirect("risks:point", pk=point.pk)
    return render(
        request,
        "risks/small_form.html",
        {
            "page_title": f"作废风险点：{point.name}",
            "form": form,
            "intro": "作废后该风险点不再参与企业风险等级计算，但记录和评估历史保留。请写明原因。",
            "submit_label": "确认作废",
            "danger": True,
            "back": point,
        },
        status=400 if request.method == "POST" else 200,
    )
