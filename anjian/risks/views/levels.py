"""Enterprise risk pages: an enterprise's register and inherent level (override with reason), adding
points from templates, the printable risk notification board (风险告知卡), counts by level and community."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from anjian.core.errors import ServiceError
from anjian.org.models import Community
from anjian.risks import selectors, services
from anjian.risks.assessment import fmt
from anjian.risks.choices import CONTROL_RANK, RiskLevel, level_rank
from anjian.risks.forms import OverrideForm, ReasonForm, TemplatesForm, add_service_errors
from anjian.risks.models import RiskTemplate
from anjian.risks.permissions import can
from anjian.risks.views.common import enterprise_or_404, level_context, require_page

PAGE_SIZE = 50


@login_required
def enterprise_register(request: HttpRequest, ent_pk: int) -> HttpResponse:
    """One enterprise's risk points and its inherent level."""
    require_page(request, "risk.view")
    ent = enterprise_or_404(request, ent_pk)
    show_voided = request.GET.get("voided") == "1"
    points = selectors.points_for(request.user).filter(enterprise=ent)
    if not show_voided:
        points = points.filter(voided_at__isnull=True)
    points_list = sorted(points, key=lambda p: (-level_rank(p.level), p.name))
    return render(
        request,
        "risks/enterprise.html",
        {
            "page_title": f"风险管控：{ent.name}",
            "ent": ent,
            "points": points_list,
            "level_row": selectors.level_of(ent),
            "show_voided": show_voided,
            "voided_count": selectors.points_for(request.user)
            .filter(enterprise=ent, voided_at__isnull=False)
            .count(),
            "has_templates": RiskTemplate.objects.filter(
                category__in=ent.categories.all(), is_active=True
            ).exists(),
            "can_manage": can(request.user, "risk.manage"),
            "can_override": can(request.user, "risk.override"),
            **level_context(),
        },
    )


@login_required
def enterprise_templates(request: HttpRequest, ent_pk: int) -> HttpResponse:
    """从模板添加: pick several typical risk points of the enterprise's categories and add them at once."""
    ent = enterprise_or_404(request, ent_pk)
    require_page(request, "risk.manage")
    codes = [c.code for c in ent.categories.all()]
    all_templates = list(RiskTemplate.objects.filter(is_active=True).select_related("category"))
    own = [t for t in all_templates if t.category.code in codes]
    others = [t for t in all_templates if t.category.code not in codes]
    bands = services.load_bands()
    from anjian.risks.assessment import assess

    for t in all_templates:
        _, g = assess(t.method, t.assessment_values(), bands)
        t.preview = g  # type: ignore[attr-defined]
        t.preview_formula = (  # type: ignore[attr-defined]
            f"D = {fmt(t.likelihood)}×{fmt(t.exposure)}×{fmt(t.consequence)} = {fmt(g.score)}"
            if t.method == "lec"
            else f"R = {fmt(t.likelihood)}×{t.severity} = {fmt(g.score)}"
        )
    used = set(
        ent.risk_points.filter(voided_at__isnull=True, template__isnull=False).values_list(
            "template_id", flat=True
        )
    )
    for t in all_templates:
        t.used = t.pk in used  # type: ignore[attr-defined]
    form = TemplatesForm(
        request.POST or None,
        templates=all_templates,
        initial={
            "templates": [str(t.pk) for t in own if t.pk not in used],
            "responsible_name": ent.safety_officer,
            "responsible_phone": ent.phone,
        },
    )
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created = services.add_from_templates(
                actor=request.user,
                enterprise=ent,
                templates=[int(x) for x in d["templates"]],
                responsible_name=d["responsible_name"],
                responsible_phone=d["responsible_phone"],
                assessed_on=d.get("assessed_on"),
                review_date=d.get("review_date"),
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"已从模板添加 {len(created)} 个风险点，可逐个调整评估值。")
            return redirect("risks:enterprise", ent_pk=ent.pk)
    return render(
        request,
        "risks/templates_form.html",
        {
            "page_title": f"从模板添加风险点：{ent.name}",
            "ent": ent,
            "form": form,
            "own": own,
            "others": others,
            "selected": set(form["templates"].value() or []),
            **level_context(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def enterprise_override(request: HttpRequest, ent_pk: int) -> HttpResponse:
    """Set the inherent level by hand, with a reason (street office)."""
    ent = enterprise_or_404(request, ent_pk)
    require_page(request, "risk.override")
    row = selectors.level_of(ent)
    form = OverrideForm(request.POST or None, initial={"level": row.level if row else ""})
    if request.method == "POST" and form.is_valid():
        try:
            services.override_level(ent, actor=request.user, **form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "企业固有风险等级已调整，原因已记录。")
            return redirect("risks:enterprise", ent_pk=ent.pk)
    computed = row.get_computed_level_display() if row and row.computed_level else "未评估"
    return render(
        request,
        "risks/small_form.html",
        {
            "page_title": f"调整固有风险等级：{ent.name}",
            "form": form,
            "intro": f"按风险点计算的等级为“{computed}”。调整后以调整等级为准，直到恢复为计算等级；调整和原因记入审计日志。",
            "submit_label": "确认调整",
            "back_url": f"/risks/enterprises/{ent.pk}/",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def enterprise_clear_override(request: HttpRequest, ent_pk: int) -> HttpResponse:
    ent = enterprise_or_404(request, ent_pk)
    require_page(request, "risk.override")
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.clear_override(ent, actor=request.user, reason=form.cleaned_data["reason"])
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, "已恢复为按风险点计算的等级。")
            return redirect("risks:enterprise", ent_pk=ent.pk)
    return render(
        request,
        "risks/small_form.html",
        {
            "page_title": f"恢复计算等级：{ent.name}",
            "form": form,
            "intro": "恢复后企业固有风险等级取其在用风险点中的最高等级。",
            "submit_label": "确认恢复",
            "back_url": f"/risks/enterprises/{ent.pk}/",
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def enterprise_board(request: HttpRequest, ent_pk: int) -> HttpResponse:
    """风险告知卡: the enterprise's risk points with colour, accidents and measures, emergency numbers;
    a page made for printing (A4, print CSS)."""
    require_page(request, "risk.view")
    ent = enterprise_or_404(request, ent_pk)
    points = sorted(
        selectors.points_for(request.user).filter(enterprise=ent, voided_at__isnull=True),
        key=lambda p: (-level_rank(p.level), -CONTROL_RANK.get(p.control_level, 0), p.name),  # type: ignore[call-overload]
    )
    return render(
        request,
        "risks/board.html",
        {
            "page_title": f"安全风险告知卡：{ent.name}",
            "ent": ent,
            "points": points,
            "level_row": selectors.level_of(ent),
            "today": timezone.localdate(),
            **level_context(),
        },
    )


@login_required
def levels_overview(request: HttpRequest) -> HttpResponse:
    """Enterprises by inherent level and community, and the list of one level."""
    require_page(request, "risk.view")
    level = request.GET.get("level", "")
    community = request.GET.get("community", "")
    qs = selectors.enterprises_in_scope(request.user).select_related("community", "grid", "risk_level")
    if level in RiskLevel.values:
        qs = qs.filter(risk_level__level=level)
    elif level == "none":
        qs = qs.filter(Q(risk_level__isnull=True) | Q(risk_level__level=""))
    if community.isdigit():
        qs = qs.filter(community_id=int(community))
    overridden = request.GET.get("overridden") == "1"
    if overridden:
        qs = qs.exclude(risk_level__override_level="").filter(risk_level__isnull=False)
    page = Paginator(qs.order_by("name", "id"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "risks/levels.html",
        {
            "page_title": "企业风险等级",
            "counts": selectors.level_counts(request.user),
            "points": selectors.point_counts(request.user),
            "rows": selectors.community_rows(request.user),
            "page_obj": page,
            "enterprises": page.object_list,
            "communities": Community.objects.for_user(request.user),
            "filtered": bool(level or community or overridden),
            **level_context(),
        },
    )
