"""The coverage page (履职覆盖): people × last weeks, monthly meetings, and who is behind."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from anjian.org import coverage
from anjian.org.views.common import capability_required

STATUS_LABELS = {
    "done": "已完成",
    "partial": "部分完成",
    "missed": "未完成",
    "progress": "进行中",
    "none": "无任务",
}


@login_required
@capability_required("coverage.view")
def coverage_page(request: HttpRequest) -> HttpResponse:
    try:
        weeks = max(4, min(int(request.GET.get("weeks", 8)), 26))
    except ValueError:
        weeks = 8
    report = coverage.build_report(request.user, weeks=weeks)
    behind = coverage.behind_from(report)
    rows = []
    for row in report.rows:
        rows.append(
            {
                "person": row.person,
                "targets": row.targets,
                "weeks": [
                    (cell, cell.status(p.current)) for cell, p in zip(row.weeks, report.weeks, strict=True)
                ],
                "months": [
                    (cell, cell.status(p.current)) for cell, p in zip(row.months, report.months, strict=True)
                ],
                "has_meetings": any(c.due for c in row.months),
            }
        )
    summary = coverage.summary_from(report)
    return render(
        request,
        "org/coverage.html",
        {
            "page_title": "履职覆盖",
            "report": report,
            "rows": rows,
            "behind": behind,
            "summary": summary,
            "weeks": weeks,
            "status_labels": STATUS_LABELS,
            "last_week": report.weeks[report.last_complete_week_index] if len(report.weeks) > 1 else None,
            "last_month": report.months[report.last_complete_month_index],
        },
    )
