"""The workbook layout of the register (CONTRACTS.md §6), shared by import, export and the template,
and the reading of an uploaded workbook's first sheet."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, Any

from openpyxl import load_workbook

from anjian.core.validators import uscc_check_char

MAX_ROWS = 100_000
ERROR_HEADER = "错误原因"  # the column the rejected-rows report adds; expected (and ignored) on re-import
# The example row of the downloadable template: importing it unchanged is refused with a clear reason.
EXAMPLE_USCC = "91440306MA5EXAMPL" + uscc_check_char("91440306MA5EXAMPL")


@dataclass(frozen=True)
class Column:
    """One column of the import/export template."""

    header: str
    key: str
    required: bool = False
    width: int = 14
    hint: str = ""


COLUMNS: tuple[Column, ...] = (
    Column("企业名称", "name", True, 34, "必填，最多 200 字。"),
    Column(
        "统一社会信用代码",
        "uscc",
        True,
        22,
        "必填，18 位，按 GB 32100-2015 校验第 18 位；已登记的代码将更新原企业。",
    ),
    Column("所属社区", "community", True, 12, "必填，填写社区名称（见下方可选值）。"),
    Column("所属网格", "grid", False, 14, "须为所填社区下的网格。"),
    Column("行业类别", "industry", False, 22, "GB/T 4754 门类名称（见下方可选值）。"),
    Column("重点监管类型", "categories", False, 24, "可填多个，用“、”或“,”分隔。"),
    Column("详细地址", "address", False, 36, "最多 300 字。"),
    Column("经度", "lng", False, 12, "小数，如 113.8512；须与纬度同时填写。"),
    Column("纬度", "lat", False, 12, "小数，如 22.6021；须与经度同时填写。"),
    Column("法定代表人", "legal_representative", False, 12, ""),
    Column("安全负责人", "safety_officer", False, 12, ""),
    Column("联系电话", "phone", False, 16, "手机号（11 位）或座机（如 0755-12345678）。"),
    Column("从业人数", "employees", False, 10, "不小于 0 的整数。"),
    Column("经营状态", "status", False, 10, "在营、停业 或 注销；新企业留空视为在营。"),
)
HEADERS = tuple(c.header for c in COLUMNS)
REQUIRED_HEADERS = tuple(c.header for c in COLUMNS if c.required)
_BY_HEADER = {c.header: c for c in COLUMNS}


class FileRejected(Exception):
    """The whole file is refused (not an xlsx, empty, missing a required column…); message in Chinese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def lookup_key(value: str) -> str:
    """Names compare after NFKC (full-width brackets and commas become ASCII), trimming and case folding."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).casefold()


def cell_text(value: Any) -> str:
    """A cell as text: numbers without a spurious '.0', dates as ISO, None as ''."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value).strip()


def column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


# ---------------------------------------------------------------------------------------------- reading


@dataclass
class Sheet:
    """The first sheet of an uploaded workbook: where each known column is, warnings, the data rows."""

    headers: list[str]
    positions: dict[str, int]  # column key -> index in a row
    warnings: list[str]
    rows: list[tuple[int, tuple[Any, ...]]]  # (Excel row number, values), blank rows left out


def _header_name(value: Any) -> str:
    text = cell_text(value)
    return re.sub(r"\s+", "", text).rstrip("*＊")


def read_sheet(source: str | IO[bytes], *, max_rows: int = MAX_ROWS) -> Sheet:
    """Read the first sheet; raise FileRejected with a Chinese message when the file cannot be imported."""
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for damaged or foreign files
        raise FileRejected("文件无法作为 Excel（.xlsx）工作簿读取，可能已损坏或不是 Excel 文件。") from exc
    try:
        if not workbook.worksheets:
            raise FileRejected("工作簿中没有工作表。")
        sheet = workbook.worksheets[0]
        sheet.reset_dimensions()  # some producers write a wrong size; read what is really there
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        if header_row is None or not any(cell_text(v) for v in header_row):
            raise FileRejected(
                "第一个工作表的第 1 行没有表头。请使用导入模板：第 1 行为表头，数据从第 2 行开始。"
            )
        headers = [_header_name(v) for v in header_row]
        positions: dict[str, int] = {}
        warnings: list[str] = []
        for index, name in enumerate(headers):
            if not name or name == ERROR_HEADER:  # the column our error report adds is expected back
                continue
            column = _BY_HEADER.get(name)
            if column is None:
                warnings.append(f"第 {column_letter(index)} 列「{name}」不是模板中的列，已忽略。")
                continue
            if column.key in positions:
                first = column_letter(positions[column.key])
                raise FileRejected(
                    f"表头「{name}」出现了两次（第 {first} 列和第 {column_letter(index)} 列），请只保留一列。"
                )
            positions[column.key] = index
        missing = [c.header for c in COLUMNS if c.required and c.key not in positions]
        if missing:
            raise FileRejected(
                f"缺少必填列：{'、'.join(missing)}。第 1 行须为表头，必填列为 {'、'.join(REQUIRED_HEADERS)}；"
                "请下载导入模板对照填写。"
            )
        data: list[tuple[int, tuple[Any, ...]]] = []
        for number, values in enumerate(rows, start=2):
            if not any(cell_text(v) for v in values):
                continue
            if len(data) >= max_rows:
                raise FileRejected(f"数据行超过 {max_rows} 行，请分成几个文件导入。")
            data.append((number, tuple(values)))
        return Sheet(headers=headers, positions=positions, warnings=warnings, rows=data)
    finally:
        workbook.close()
