"""Documents of the hazard loop: the case-file PDF (一案一档), Excel ledgers (台账), statutory statistics."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from anjian.core import audit
from anjian.core.context import origin
from anjian.hazards import ledgers, selectors, statistics
from anjian.hazards.cjkfont import FontMissingError
from anjian.hazards.filters import HazardFilter
from anjian.hazards.permissions import can

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _download(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@login_required
def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The hazard's complete file as one PDF (Chinese font embedded)."""
    from anjian.hazards.casefile import render_pdf

    h = selectors.hazard_for_case(request.user, pk)
    if h is None:
        raise Http404("对象不存在或无权访问。")
    try:
        pdf = render_pdf(selectors.case_of(h), generated_by=request.user)
    except FontMissingError as exc:
        return render(
            request,
            "hazards/font_missing.html",
            {"page_title": "无法生成档案", "message": str(exc)},
            status=503,
        )
    audit.record(actor=request.user, action="hazard.case_file", obj=h, note="导出一案一档")
    response = _download(pdf, f"{h.code}-一案一档.pdf", "application/pdf")
    if request.GET.get("inline"):
        response["Content-Disposition"] = f"inline; filename*=UTF-8''{quote(h.code)}.pdf"
    return response


@login_required
def ledger(request: HttpRequest) -> HttpResponse:
    """The hazard ledger (台账) of an enterprise, a community or the filtered list, as Excel."""
    if not can(request.user, "hazard.ledger"):
        raise PermissionDenied
    base = selectors.hazards_for(request.user).select_related("found_by", "closed_by")
    qs = HazardFilter(request.GET or None, queryset=base, request=request).qs
    title = "隐患台账"
    if request.GET.get("enterprise"):
        from anjian.enterprises.models import Enterprise

        ent: Any = (
            Enterprise.objects.for_user(request.user).filter(pk=_int(request.GET["enterprise"])).first()
        )
        if ent is None:
            raise Http404("对象不存在或无权访问。")
        title = f"{ent.name} 隐患台账"
    elif request.GET.get("community"):
        from anjian.org.models import Community

        community: Any = (
            Community.objects.for_user(request.user).filter(pk=_int(request.GET["community"])).first()
        )
        if community is None:
            raise Http404("对象不存在或无权访问。")
        title = f"{community.name} 隐患台账"
    if not request.GET.get("sort"):
        qs = qs.order_by("-found_at", "-id")
    content = ledgers.workbook(qs[: ledgers.MAX_ROWS].iterator(chunk_size=2000), title=title)
    with origin("web"):
        audit.record(
            actor=request.user, action="hazard.ledger_export", object_type="hazards.hazard", note=title
        )
    return _download(content, f"{title}-{timezone.localdate():%Y%m%d}.xlsx", XLSX)


def _int(value: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404("对象不存在或无权访问。") from None


def _report(request: HttpRequest) -> statistics.Report:
    if not can(request.user, "hazard.statistics"):
        raise PermissionDenied
    period = statistics.parse_period(request.GET.get("year"), request.GET.get("quarter"))
    qs = selectors.hazards_for(request.user)
    community_id = request.GET.get("community")
    if community_id:
        qs = qs.filter(community_id=_int(community_id))
    return statistics.build(qs, period, scope_label=getattr(request.user, "scope_label", ""))


@login_required
def statistics_page(request: HttpRequest) -> HttpResponse:
    """Quarterly and annual statistics with their statutory due dates."""
    report = _report(request)
    today = timezone.localdate()
    return render(
        request,
        "hazards/statistics.html",
        {
            "page_title": "隐患统计报表",
            "report": report,
            "columns": statistics.COLUMNS,
            "due_periods": [(p, (p.due - today).days) for p in statistics.current_periods(today)],
            "years": list(range(today.year, today.year - 6, -1)),
            "quarters": [(0, "全年"), (1, "第一季度"), (2, "第二季度"), (3, "第三季度"), (4, "第四季度")],
            "days_to_due": report.days_to_due(today),
        },
    )


@login_required
def statistics_excel(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    p = report.period
    return _download(statistics.excel(report), f"隐患排查治理统计-{p.label}.xlsx", XLSX)
