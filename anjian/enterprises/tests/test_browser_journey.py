"""Browser journey of the register (issue 2): log in, import an Excel file with good and bad rows, read
the row-by-row error report, find the imported enterprise on the list and on the map."""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from anjian.conftest import browser_login, make_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADERS = [
    "企业名称",
    "统一社会信用代码",
    "所属社区",
    "所属网格",
    "重点监管类型",
    "经度",
    "纬度",
    "联系电话",
    "经营状态",
]


def workbook_bytes(rows: list[list[object]]) -> bytes:
    wb = Workbook()
    ws: Any = wb.active
    ws.append(HEADERS)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def test_import_then_find_on_list_and_map(world, live_server, browser_page, tmp_path):
    good = make_uscc(9001)
    bad = make_uscc(9002)[:17] + ("0" if make_uscc(9002)[17] != "0" else "1")
    data = workbook_bytes(
        [
            [
                "凤凰新材料电镀有限公司",
                good,
                "甲社区",
                "甲一网格",
                "电镀",
                113.852,
                22.603,
                "13800138000",
                "在营",
            ],
            ["校验位错误的公司", bad, "甲社区", "", "", "", "", "", "在营"],
            ["社区不存在的公司", make_uscc(9003), "不存在社区", "", "", "", "", "", "在营"],
        ]
    )
    path = tmp_path / "台账.xlsx"
    path.write_bytes(data)

    page = browser_page(1366, 900)
    browser_login(page, live_server, "admin")
    page.goto(f"{live_server.url}/enterprises/import/")
    page.set_input_files("input[type=file]", str(path))
    page.click("#import-submit")

    # The job page polls until the import is done, then shows counts and the rejected rows.
    page.wait_for_url(re.compile(r"/enterprises/import/\d+/$"))
    errors = page.locator("table.import-errors")
    errors.wait_for(timeout=20000)
    text = errors.inner_text()
    assert "校验位错误" in text and "第 18 位应为" in text
    assert "不存在社区" in text
    body = page.locator("#import-job").inner_text()
    assert "新增" in body and "拒绝" in body

    # The imported enterprise is on the list…
    page.goto(f"{live_server.url}/enterprises/?q=凤凰新材料")
    row = page.locator("table tbody tr", has_text="凤凰新材料电镀有限公司")
    assert row.count() == 1
    assert page.locator("table tbody tr", has_text="校验位错误的公司").count() == 0

    # …and on the map (filtered to its community, the count includes it and the data carries it).
    page.goto(f"{live_server.url}/enterprises/map/")
    expect(page.locator("#map-count")).to_contain_text(re.compile(r"\d"))
    assert page.locator(".leaflet-container").count() == 1
    data_url = json.loads(page.locator("#map-config").text_content() or "{}").get("data_url", "")
    response = page.request.get(f"{live_server.url}{data_url or '/enterprises/map/data/'}")
    assert "凤凰新材料电镀有限公司" in str(response.json())
    page.screenshot(path=str(tmp_path / "map.png"))
