"""Hazard ledgers (隐患台账) in Excel: per enterprise, per community, or any filtered list."""

from __future__ import annotations

import io
from collections.abc import Iterable

from django.utils import timezone

from anjian.hazards.models import Hazard

MAX_ROWS = 100_000
HEADERS = (
    ("序号", 6),
    ("隐患编号", 16),
    ("企业名称", 28),
    ("社区", 10),
    ("网格", 10),
    ("隐患描述", 36),
    ("隐患部位", 16),
    ("隐患类别", 10),
    ("事故类型", 10),
    ("等级", 6),
    ("来源", 9),
    ("发现人", 10),
    ("发现时间", 17),
    ("整改责任人", 10),
    ("责任人电话", 13),
    ("整改措施", 36),
    ("整改资金（元）", 12),
    ("原定期限", 11),
    ("整改期限", 11),
    ("状态", 8),
    ("逾期天数", 8),
    ("挂牌督办", 8),
    ("销号时间", 17),
    ("销号人", 10),
)


def workbook(hazards: Iterable[Hazard], *, title: str) -> bytes:
    """An .xlsx ledger of `hazards` (select_related enterprise, community, grid, found_by, closed_by)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("隐患台账")
    for i, (_, width) in enumerate(HEADERS):
        ws.column_dimensions[_col(i)].width = width
    ws.freeze_panes = "C3"
    head = WriteOnlyCell(ws, value=f"{title}（导出时间 {timezone.localtime():%Y-%m-%d %H:%M}）")
    head.font = Font(bold=True, size=13)
    ws.append([head])
    fill = PatternFill("solid", fgColor="E9ECEF")
    cells = []
    for name, _ in HEADERS:
        c = WriteOnlyCell(ws, value=name)
        c.font = Font(bold=True)
        c.fill = fill
        cells.append(c)
    ws.append(cells)
    today = timezone.localdate()
    for n, h in enumerate(hazards, start=1):
        if n > MAX_ROWS:
            break
        ws.append(
            [
                n,
                h.code,
                h.enterprise.name,
                h.community.name,
                h.grid.name if h.grid else "",
                h.title,
                h.location,
                h.get_category_display(),
                h.get_accident_type_display(),
                h.level_short + ("（待确认）" if h.level_pending else ""),
                h.get_source_kind_display(),
                str(h.found_by) if h.found_by else "",
                timezone.localtime(h.found_at).strftime("%Y-%m-%d %H:%M"),
                h.responsible_name,
                h.responsible_phone,
                h.measures,
                float(h.funds) if h.funds is not None else None,
                h.original_deadline,
                h.current_deadline,
                h.get_state_display(),
                h.overdue_days(today) or None,
                "是" if h.is_listed else "",
                timezone.localtime(h.closed_at).strftime("%Y-%m-%d %H:%M") if h.closed_at else "",
                str(h.closed_by) if h.closed_by else "",
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _col(i: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(i + 1)
