"""Statutory hazard statistics (DOMAIN.md §4): quarterly reports due by the 15th of the month after the
quarter, the annual report by 31 January. Counts by level and category of hazards found, rectified
(on time or late) and overdue at the end of the period, from one grouped query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from anjian.hazards.choices import LEVEL_SHORT, Level, State
from anjian.hazards.models import Hazard
from anjian.inspections.choices import HazardCategory

COLUMNS = (
    ("found", "排查发现"),
    ("rectified", "整改销号"),
    ("on_time", "按期整改"),
    ("unfinished", "期末未销号"),
    ("overdue", "期末逾期"),
)


@dataclass(frozen=True)
class Period:
    """A reporting period: a quarter (1–4) of a year, or the whole year (quarter 0)."""

    year: int
    quarter: int = 0

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 1, 1) if not self.quarter else dt.date(self.year, 3 * self.quarter - 2, 1)

    @property
    def end(self) -> dt.date:
        """The last day of the period."""
        if not self.quarter or self.quarter == 4:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, 3 * self.quarter + 1, 1) - dt.timedelta(days=1)

    @property
    def due(self) -> dt.date:
        """Quarterly: the 15th of the month after the quarter; annual: 31 January of the next year."""
        if not self.quarter:
            return dt.date(self.year + 1, 1, 31)
        after = self.end + dt.timedelta(days=1)
        return dt.date(after.year, after.month, 15)

    @property
    def label(self) -> str:
        return f"{self.year} 年度" if not self.quarter else f"{self.year} 年第 {self.quarter} 季度"

    @property
    def kind(self) -> str:
        return "年报" if not self.quarter else "季报"


def current_periods(today: dt.date | None = None) -> list[Period]:
    """The periods whose report is due next or recently: last quarter, this quarter and the annual."""
    today = today or timezone.localdate()
    q = (today.month - 1) // 3 + 1
    last_q = Period(today.year, q - 1) if q > 1 else Period(today.year - 1, 4)
    annual = Period(today.year - 1) if today.month == 1 else Period(today.year)
    return [last_q, Period(today.year, q), annual]


@dataclass
class Row:
    level: str
    category: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def level_label(self) -> str:
        return LEVEL_SHORT.get(self.level, self.level)  # type: ignore[call-overload]

    @property
    def category_label(self) -> str:
        return (
            str(HazardCategory(self.category).label)
            if self.category in HazardCategory.values
            else self.category
        )


@dataclass
class Report:
    period: Period
    rows: list[Row]
    totals: dict[str, dict[str, int]]  # per level and "all"
    scope_label: str
    generated_at: dt.datetime

    def days_to_due(self, today: dt.date | None = None) -> int:
        return (self.period.due - (today or timezone.localdate())).days


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(period.start, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    return start, end


def build(qs: QuerySet[Hazard], period: Period, scope_label: str = "") -> Report:
    """The report of `period` over the (already scoped) hazards `qs`."""
    start, end = _bounds(period)
    # A voided hazard was entered by mistake: it never counts, whenever it was voided.
    open_at_end = Q(closed_at__isnull=True) | Q(closed_at__gte=end)
    rows_qs = (
        qs.order_by()
        .filter(found_at__lt=end)
        .exclude(state=State.VOIDED)
        .values("level", "category")
        .annotate(
            found=Count("id", filter=Q(found_at__gte=start)),
            rectified=Count("id", filter=Q(closed_at__gte=start, closed_at__lt=end)),
            on_time=Count(
                "id",
                filter=Q(
                    closed_at__gte=start, closed_at__lt=end, rectified_at__date__lte=F("current_deadline")
                ),
            ),
            unfinished=Count("id", filter=open_at_end),
            overdue=Count("id", filter=open_at_end & Q(current_deadline__lt=period.end)),
        )
    )
    names = [c for c, _ in COLUMNS]
    rows = [Row(r["level"], r["category"], {n: r[n] for n in names}) for r in rows_qs]
    rows = [r for r in rows if any(r.counts.values())]
    order = {c: i for i, c in enumerate(HazardCategory.values)}
    rows.sort(key=lambda r: (r.level != Level.MAJOR, order.get(r.category, 99)))
    totals: dict[str, dict[str, int]] = {}
    for key in (Level.MAJOR.value, Level.GENERAL.value, "all"):
        totals[key] = {n: sum(r.counts[n] for r in rows if key == "all" or r.level == key) for n in names}
    return Report(period, rows, totals, scope_label, timezone.now())


def excel(report: Report) -> bytes:
    """The report as an .xlsx workbook (one sheet, due date shown under the title)."""
    import io

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "隐患排查治理统计"
    p = report.period
    ncols = 2 + len(COLUMNS)
    ws.append([f"安全生产事故隐患排查治理情况统计表（{p.label}{p.kind}）"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncols)
    ws.append(
        [
            f"统计范围：{report.scope_label or '全街道'}　统计期间：{p.start:%Y-%m-%d} 至 {p.end:%Y-%m-%d}　"
            f"报送截止：{p.due:%Y-%m-%d}　生成时间：{timezone.localtime(report.generated_at):%Y-%m-%d %H:%M}"
        ]
    )
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncols)
    ws.append(["隐患等级", "隐患类别", *[label for _, label in COLUMNS]])
    for r in report.rows:
        ws.append([r.level_label, r.category_label, *[r.counts[c] for c, _ in COLUMNS]])
    for key, label in (
        (Level.MAJOR.value, "重大隐患小计"),
        (Level.GENERAL.value, "一般隐患小计"),
        ("all", "合计"),
    ):
        ws.append([label, "", *[report.totals[key][c] for c, _ in COLUMNS]])
    thin = Side(style="thin", color="999999")
    head_fill = PatternFill("solid", fgColor="E9ECEF")
    ws["A1"].font = Font(bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="center")
    for row in ws.iter_rows(min_row=3, max_row=ws.max_row, max_col=ncols):
        for cell in row:
            cell.border = Border(top=thin, bottom=thin, left=thin, right=thin)
            row_no = cell.row or 0
            if row_no == 3 or row_no > ws.max_row - 3:
                cell.font = Font(bold=True)
            if row_no == 3:
                cell.fill = head_fill
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 14
    for i in range(len(COLUMNS)):
        ws.column_dimensions[chr(ord("C") + i)].width = 12
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def parse_period(year: Any, quarter: Any, today: dt.date | None = None) -> Period:
    """A period from query parameters (bad values fall back to the last quarter)."""
    today = today or timezone.localdate()
    try:
        y = int(year)
        q = int(quarter)
    except (TypeError, ValueError):
        return current_periods(today)[0]
    if not 2000 <= y <= today.year or not 0 <= q <= 4:
        return current_periods(today)[0]
    return Period(y, q)
