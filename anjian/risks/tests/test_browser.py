"""Browser journey (issue 6): the four-colour map shows enterprises in all four colours with its
legend, and the priority list shows its reasons."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps

from anjian.conftest import browser_login, make_uscc

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[113.84, 22.59], [113.86, 22.59], [113.86, 22.61], [113.84, 22.61], [113.84, 22.59]]],
}


def test_four_colour_map_and_priority_reasons(
    world: Any, make_point: Any, live_server: Any, browser_page: Any
) -> None:
    # Transactional tests flush the tables between tests: make sure the seeded bands and weights exist.
    importlib.import_module("anjian.risks.migrations.0002_seed").seed(apps, None)
    from anjian.enterprises.models import Enterprise

    world.community_a.boundary = SQUARE
    world.community_a.save()
    blue_site = Enterprise.objects.create(
        name="甲三便利店",
        uscc=make_uscc(4),
        community=world.community_a,
        grid=world.grid_a1,
        lat=22.605,
        lng=113.855,
    )
    make_point(level="red")
    make_point(enterprise=world.ent_a2, level="orange")
    make_point(enterprise=world.ent_b1, level="yellow")
    make_point(enterprise=blue_site, level="blue")

    page = browser_page(1366, 900)
    browser_login(page, live_server, "admin")
    page.goto(f"{live_server.url}/risks/map/")
    page.wait_for_selector("#risk-map[data-ready='1']")
    box = page.locator("#risk-map")
    for level in ("red", "orange", "yellow", "blue"):
        assert int(box.get_attribute(f"data-count-{level}") or 0) == 1, level
        item = page.locator(f"#risk-legend li[data-level='{level}']")
        assert item.is_visible()
        assert "(1)" in item.inner_text()
    colours = page.eval_on_selector_all(
        "#risk-legend li[data-level] .legend-swatch",
        "els => els.map(e => getComputedStyle(e).backgroundColor)",
    )
    assert colours[:4] == ["rgb(220, 38, 38)", "rgb(249, 115, 22)", "rgb(234, 179, 8)", "rgb(37, 99, 235)"]
    assert page.locator("canvas.leaflet-zoom-animated").count() >= 1  # markers drawn on the canvas renderer
    assert "重大 1，较大 1，一般 1，低 1" in page.inner_text("#map-count")
    # Filtering by level leaves only that colour.
    page.select_option("#map-level", "red")
    assert box.get_attribute("data-count-orange") == "0" and box.get_attribute("data-count-red") == "1"

    page.goto(f"{live_server.url}/risks/priority/")
    reasons = page.locator(".priority-reasons").first.inner_text()
    assert "重大风险" in reasons and "+40" in reasons
    assert "从未检查" in page.inner_text("#priority-table")
    first = page.locator("#priority-table tbody tr").first.inner_text()
    assert "甲一电镀有限公司" in first  # red + electroplating ranks first

    phone = browser_page(375, 812)
    browser_login(phone, live_server, "inspector_a1")
    phone.goto(f"{live_server.url}/risks/priority/")
    assert phone.locator(".priority-reasons").first.is_visible()
    assert "甲一电镀有限公司" in phone.inner_text("#priority-table")
