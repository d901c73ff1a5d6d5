"""The phone journey (375×812): a grid inspector opens a plan, answers items with one failure and a
photo, reloads mid-way and finds the draft restored, signs twice, submits while offline (queued), and
sees the inspection once the connection is back."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from anjian.conftest import browser_login
from anjian.core.models import Attachment
from anjian.inspections import services
from anjian.inspections.models import ChecklistTemplate, Inspection
from anjian.inspections.tests.helpers import jpeg_bytes


def _sign(page: Any, selector: str) -> None:
    box = page.locator(selector).bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.15, y + h * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + w * (0.15 + i * 0.06), y + h * (0.7 - 0.4 * (i % 2)), steps=3)
    page.mouse.up()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_phone_inspection_with_draft_restored_after_reload(
    world: Any, live_server: Any, browser_page: Any
) -> None:
    template = ChecklistTemplate.objects.get(code="fire_general")
    plan = services.create_plan(
        actor=world.inspector_a1,
        data={"enterprise": world.ent_a1.pk, "planned_date": timezone.localdate(), "template": template.pk},
    )
    items = list(template.versions.get(is_current=True).items.order_by("order"))
    page = browser_page(width=375, height=812)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": 22.60012, "longitude": 113.85021, "accuracy": 18})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    browser_login(page, live_server, "inspector_a1")

    page.goto(f"{live_server.url}/inspections/plans/?view=mine")
    page.get_by_role("link", name="开始检查").first.click()
    page.wait_for_url(f"**/inspections/plans/{plan.pk}/inspect/")
    page.wait_for_selector("#perform.ready")
    page.locator("#gps-status", has_text="已定位").wait_for()

    for item in items[:5]:
        page.locator(f"#item-{item.pk} [data-outcome=pass]").click()
    failed = items[5]
    card = page.locator(f"#item-{failed.pk}")
    card.locator("[data-outcome=fail]").click()
    card.locator(".item-note").fill("常闭防火门被楔子顶开")
    card.locator(".photo-input").set_input_files(
        {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("red", (800, 600))}
    )
    card.locator(".thumb img").wait_for()
    page.wait_for_timeout(700)  # debounced note save
    assert page.locator("#progress-text").inner_text() == f"已答 6/{len(items)}"

    page.reload()
    page.wait_for_selector("#perform.ready")
    card = page.locator(f"#item-{failed.pk}")
    assert "已恢复本机草稿" in page.locator("#draft-status").inner_text()
    assert card.locator("[data-outcome=fail]").get_attribute("aria-pressed") == "true"
    assert card.locator(".item-note").input_value() == "常闭防火门被楔子顶开"
    assert card.locator(".thumb img").count() == 1
    assert page.locator("#progress-text").inner_text() == f"已答 6/{len(items)}"

    # Submitting too early lists what is missing, in Chinese.
    page.locator("#submit-btn").click()
    assert "第 7 项未作答" in page.locator("#submit-errors").inner_text()

    for item in items[6:]:
        page.locator(f"#item-{item.pk} [data-outcome=pass]").click()
    page.locator(f"#item-{items[-1].pk} [data-outcome=na]").click()
    page.fill("#representative", "李主任")
    page.locator("#sig-inspector").scroll_into_view_if_needed()
    _sign(page, "#sig-inspector")
    page.locator("#sig-enterprise").scroll_into_view_if_needed()
    _sign(page, "#sig-enterprise")
    page.wait_for_timeout(600)
    # Lost connection: the inspection is queued on the device and sent when the browser is back online.
    page.context.set_offline(True)
    page.locator("#submit-btn").click()
    page.locator("#net-status", has_text="待提交").wait_for()
    assert page.locator("#queued-alert").is_visible()
    assert not Inspection.objects.exists()
    page.context.set_offline(False)
    page.wait_for_url("**/inspections/*/")

    inspection = Inspection.objects.get()
    assert page.url.endswith(f"/inspections/{inspection.pk}/")
    body = page.locator("main").inner_text()
    assert "不合格项（1）" in body and "常闭防火门被楔子顶开" in body and failed.legal_basis in body
    assert page.locator("img[alt='检查人员签名']").count() == 1
    assert page.locator(".result-photos img").count() >= 1
    assert (inspection.failed_count, inspection.na_count, inspection.representative_name) == (1, 1, "李主任")
    assert inspection.lat == pytest.approx(22.60012) and inspection.accuracy == pytest.approx(18)
    assert Attachment.objects.filter(purpose="result_photo").count() == 1
    plan.refresh_from_db()
    assert plan.status == "done"
    # The draft is gone from the device once submitted.
    page.goto(f"{live_server.url}/inspections/plans/?view=all")
    assert page.locator("#outbox-alert").is_hidden()
    assert errors == []
