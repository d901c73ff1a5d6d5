"""Excel export of the enterprise register, the import template, and the report of rejected import rows.

The export and the template share the column layout of CONTRACTS.md §6 (`importer.COLUMNS`), so an
exported file can be edited and imported again. Workbooks are written with openpyxl's write-only mode to a
temporary file: memory stays flat whatever the number of enterprises.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable
from typing import IO, Any

from django.db.models import Prefetch, QuerySet
from django.http import HttpRequest
from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from anjian.enterprises.choices import Industry, OperatingStatus
from anjian.enterprises.models import Enterprise, KeyCategory
from anjian.enterprises.workbook import COLUMNS, ERROR_HEADER, EXAMPLE_USCC, HEADERS, column_letter
from anjian.org.models import Community, Grid

SHEET_TITLE = "企业台账"
HELP_TITLE = "填写说明"
TEXT_KEYS = {"uscc", "phone"}  # stored as text so Excel keeps leading zeros and all 18 characters
HEADER_FILL = PatternFill("solid", fgColor="DCE6F5")
REQUIRED_FILL = PatternFill("solid", fgColor="FCE4D6")
HEADER_FONT = Font(bold=True, color="1B2740")
REQUIRED_FONT = Font(bold=True, color="C00000")
ERROR_FONT = Font(color="C00000")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ------------------------------------------------------------------------------------------- filtering


def export_queryset(request: HttpRequest) -> QuerySet[Enterprise]:
    """The enterprises the user may see, filtered and sorted exactly like the list page (same query params)."""
    from anjian.enterprises.filters import EnterprisePageFilter

    base: QuerySet[Enterprise] = (
        Enterprise.objects.for_user(request.user)
        .select_related("community", "grid")
        .prefetch_related(Prefetch("categories", queryset=KeyCategory.objects.order_by("sort_order", "code")))
    )
    filterset = EnterprisePageFilter(request.GET or None, queryset=base, request=request)
    qs = filterset.qs
    if not request.GET.get("sort"):
        qs = qs.order_by("name", "id")
    return qs


# --------------------------------------------------------------------------------------------- writing


def _header_cells(ws: WriteOnlyWorksheet, headers: Iterable[str], required: set[str]) -> list[Any]:
    hints = {c.header: c.hint for c in COLUMNS}
    cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        is_required = header in required
        cell.font = REQUIRED_FONT if is_required else HEADER_FONT
        cell.fill = REQUIRED_FILL if is_required else HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
        hint = hints.get(header)
        if hint:
            cell.comment = Comment(hint, "安监")
        cells.append(cell)
    return cells


def _register_sheet(wb: Workbook, lookups: Lookups) -> WriteOnlyWorksheet:
    ws = wb.create_sheet(SHEET_TITLE)
    ws.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS):
        ws.column_dimensions[get_column_letter(index + 1)].width = column.width
    ws.append(_header_cells(ws, HEADERS, {c.header for c in COLUMNS if c.required}))
    _dropdown(ws, "status", [str(label) for _, label in OperatingStatus.choices])
    _dropdown(ws, "industry", [str(label) for _, label in Industry.choices])
    _dropdown(ws, "community", lookups.community_names)
    return ws


def _dropdown(ws: WriteOnlyWorksheet, key: str, options: list[str]) -> None:
    """A suggestion list on a column (not enforced: the importer gives the precise reason)."""
    formula = '"' + ",".join(options) + '"'
    if not options or len(formula) > 255 or any("," in o or '"' in o for o in options):
        return
    letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
    dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=False)
    dv.add(f"{letter}2:{letter}1048576")
    ws.data_validations.append(dv)  # type: ignore[attr-defined]  # write-only sheets do support it


def _cell(ws: WriteOnlyWorksheet, value: Any, *, text: bool = False) -> Any:
    """A value for ws.append(): text that starts with '=' stays text (never a formula), text columns keep '@'."""
    if not text and not (isinstance(value, str) and value.startswith("=")):
        return value
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if text:
        cell.number_format = "@"
    return cell


def _row_values(ent: Enterprise, ws: WriteOnlyWorksheet) -> list[Any]:
    values: dict[str, Any] = {
        "name": ent.name,
        "uscc": ent.uscc,
        "community": ent.community.name,
        "grid": ent.grid.name if ent.grid_id and ent.grid else "",
        "industry": ent.get_industry_display() if ent.industry else "",
        "categories": "、".join(c.name for c in ent.categories.all()),
        "address": ent.address,
        "lng": round(ent.lng, 7) if ent.lng is not None else None,
        "lat": round(ent.lat, 7) if ent.lat is not None else None,
        "legal_representative": ent.legal_representative,
        "safety_officer": ent.safety_officer,
        "phone": ent.phone,
        "employees": ent.employees,
        "status": ent.get_status_display(),
    }
    return [_cell(ws, values[c.key], text=c.key in TEXT_KEYS) for c in COLUMNS]


class Lookups:
    """The valid names a user may put in the template (their communities and grids, every category)."""

    def __init__(self, user: Any):
        self.communities: list[Community] = list(
            Community.objects.for_user(user).order_by("sort_order", "code")
        )
        ids = [c.pk for c in self.communities]
        self.grids: dict[int, list[str]] = {}
        for g in Grid.objects.filter(community_id__in=ids).order_by("code"):
            self.grids.setdefault(g.community_id, []).append(g.name)
        self.categories = list(KeyCategory.objects.all())
        self.community_names = [c.name for c in self.communities]


def _help_sheet(wb: Workbook, lookups: Lookups) -> None:
    ws = wb.create_sheet(HELP_TITLE)
    for letter, width in zip("ABC", (22, 14, 90), strict=True):
        ws.column_dimensions[letter].width = width
    bold = Font(bold=True, color="1B2740")
    title = Font(bold=True, size=13, color="0B5ED7")

    def heading(text: str) -> None:
        ws.append([])
        cell = WriteOnlyCell(ws, value=text)
        cell.font = title
        ws.append([cell])

    def header(*texts: str) -> None:
        cells = []
        for t in texts:
            c = WriteOnlyCell(ws, value=t)
            c.font = bold
            c.fill = HEADER_FILL
            cells.append(c)
        ws.append(cells)

    first = WriteOnlyCell(ws, value="企业台账导入说明")
    first.font = Font(bold=True, size=15)
    ws.append([first])
    for line in (
        f"1. 只读取第一个工作表「{SHEET_TITLE}」；第 1 行为表头（列的顺序可以调整），数据从第 2 行开始。",
        "2. 标红的列为必填：企业名称、统一社会信用代码、所属社区。不认识的列会被忽略，并在导入结果中提示。",
        "3. 按统一社会信用代码匹配：已登记的企业会被更新，不会重复登记；同一文件中同一代码只能出现一次。",
        "4. 更新已有企业时，空白单元格会清空对应信息（经营状态除外）；不想修改的信息可以整列删除。",
        "5. 每一行要么全部导入，要么全部不导入；被拒绝的行会列出行号和原因，可下载后修改再导入。",
        "6. 社区工作者只能导入本社区的企业。第 2 行是示例，导入前请删除。",
    ):
        ws.append([line])

    heading("各列说明")
    header("列名", "是否必填", "填写要求")
    for column in COLUMNS:
        ws.append([column.header, "必填" if column.required else "选填", column.hint])

    heading("所属社区与所属网格（可选值）")
    header("社区", "网格数", "网格")
    for community in lookups.communities:
        names = lookups.grids.get(community.pk, [])
        ws.append([community.name, len(names), "、".join(names) or "（无网格）"])

    heading("重点监管类型（可选值，可填多个）")
    header("名称", "编码", "")
    for category in lookups.categories:
        ws.append([category.name, category.code])

    heading("行业类别（可选值，GB/T 4754-2017 门类）")
    header("名称", "门类代码", "")
    for value, label in Industry.choices:
        ws.append([str(label), value])

    heading("经营状态（可选值）")
    header("名称", "", "")
    for _, label in OperatingStatus.choices:
        ws.append([str(label)])


def _example_row(lookups: Lookups, ws: WriteOnlyWorksheet) -> list[Any]:
    community = lookups.communities[0] if lookups.communities else None
    grids = lookups.grids.get(community.pk, []) if community else []
    values: dict[str, Any] = {
        "name": "深圳市示例精密电镀有限公司（示例，导入前请删除）",
        "uscc": EXAMPLE_USCC,
        "community": community.name if community else "",
        "grid": grids[0] if grids else "",
        "industry": str(Industry.MANUFACTURING.label),
        "categories": "、".join(c.name for c in lookups.categories[:2]),
        "address": "宝安区示例路 1 号 A 栋",
        "lng": 113.8512,
        "lat": 22.6021,
        "legal_representative": "张三",
        "safety_officer": "李四",
        "phone": "13800138000",
        "employees": 45,
        "status": str(OperatingStatus.OPERATING.label),
    }
    out: list[Any] = []
    for column in COLUMNS:
        cell = WriteOnlyCell(ws, value=values[column.key])
        cell.font = Font(italic=True, color="7F7F7F")
        if column.key in TEXT_KEYS:
            cell.number_format = "@"
        out.append(cell)
    return out


def _save(wb: Workbook) -> IO[bytes]:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - handed to the response, which closes it
    wb.save(handle)
    handle.seek(0)
    return handle


def write_register(enterprises: Iterable[Enterprise], user: Any, *, example: bool = False) -> IO[bytes]:
    """The register (or the empty template with its example row) as an .xlsx in a temporary file."""
    lookups = Lookups(user)
    wb = Workbook(write_only=True)
    ws = _register_sheet(wb, lookups)
    if example:
        ws.append(_example_row(lookups, ws))
    for ent in enterprises:
        ws.append(_row_values(ent, ws))
    _help_sheet(wb, lookups)
    return _save(wb)


def template_workbook(user: Any) -> IO[bytes]:
    """The import template: the contract's headers, one example row and the 填写说明 sheet."""
    return write_register((), user, example=True)


def export_workbook(request: HttpRequest) -> tuple[IO[bytes], int]:
    """The list page's current selection in the template layout (re-importable), and its size."""
    qs = export_queryset(request)
    count = qs.count()
    return write_register(qs.iterator(chunk_size=2000), request.user), count


# ------------------------------------------------------------------------------------ rejected rows


def rejected_rows(job: Any) -> tuple[list[str], list[list[Any]]]:
    """The rejected rows of an import job as they were in the uploaded file, each followed by its reasons."""
    reasons = {e["row"]: "；".join(e["reasons"]) for e in job.errors}
    headers: list[str] = []
    rows: list[list[Any]] = []
    with job.file.open("rb") as handle:
        wb = load_workbook(handle, read_only=True, data_only=True)
        try:
            ws = wb.worksheets[0]
            ws.reset_dimensions()
            width = 0
            for number, values in enumerate(ws.iter_rows(values_only=True), start=1):
                if number == 1:
                    headers = ["" if v is None else str(v) for v in values]
                    while headers and not headers[-1]:
                        headers.pop()
                    if ERROR_HEADER in headers:  # a re-imported error report: replace the old reasons
                        width = headers.index(ERROR_HEADER)
                        headers = headers[:width]
                    else:
                        width = len(headers)
                    continue
                if number in reasons:
                    cells = [*values[:width], *([None] * (width - len(values)))]
                    rows.append([*cells, reasons[number]])
        finally:
            wb.close()
    return [*headers, ERROR_HEADER], rows


def rejected_rows_xlsx(job: Any) -> IO[bytes]:
    headers, rows = rejected_rows(job)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_TITLE)
    ws.freeze_panes = "A2"
    required = {c.header for c in COLUMNS if c.required} | {ERROR_HEADER}
    for index, header in enumerate(headers):
        column = next((c for c in COLUMNS if c.header == header), None)
        ws.column_dimensions[column_letter(index)].width = (
            column.width if column else (60 if header == ERROR_HEADER else 14)
        )
    ws.append(_header_cells(ws, headers, required))
    text_columns = {
        i for i, h in enumerate(headers) if h in {c.header for c in COLUMNS if c.key in TEXT_KEYS}
    }
    for values in rows:
        out = [_cell(ws, value, text=index in text_columns) for index, value in enumerate(values[:-1])]
        reason = WriteOnlyCell(ws, value=values[-1])
        reason.font = ERROR_FONT
        out.append(reason)
        ws.append(out)
    return _save(wb)


def rejected_rows_csv(job: Any) -> bytes:
    headers, rows = rejected_rows(job)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for values in rows:
        writer.writerow([_csv_safe(v) for v in values])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")  # the BOM makes Excel read UTF-8


def _csv_safe(value: Any) -> Any:
    """Cells that a spreadsheet would run as a formula are prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value
