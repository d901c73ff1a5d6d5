"""The closed loop on phones (375×812), end to end through the pages: the grid inspector does a planned
inspection with a failed item and a photo, generates the hazard in one click, the enterprise officer (a
second browser) starts the rectification and submits evidence with a photo, the inspector verifies it,
and the hazard is closed. The case-file PDF downloaded in the browser session is then rendered with
pdfium: its text holds every step with who did it, and the Chinese glyphs are really drawn."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from PIL import Image, ImageChops
from playwright.sync_api import expect

from anjian.conftest import browser_login
from anjian.hazards.models import Hazard
from anjian.inspections import services as inspection_services
from anjian.inspections.models import ChecklistTemplate, Inspection
from anjian.inspections.tests.helpers import jpeg_bytes

PHONE = {"width": 375, "height": 812}


def _sign(page: Any, selector: str) -> None:
    canvas = page.locator(selector)
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    bar = page.locator(".submit-bar")
    if bar.count():  # the pad brought into view is not left under the fixed submit bar
        assert y + h * 0.8 < bar.bounding_box()["y"], "signature pad hidden under the submit bar"
    page.mouse.move(x + w * 0.15, y + h * 0.7)
    page.mouse.down()
    for i in range(1, 12):
        page.mouse.move(x + w * (0.15 + i * 0.06), y + h * (0.7 - 0.4 * (i % 2)), steps=3)
    page.mouse.up()


def _fits_phone(page: Any) -> None:
    """Nothing wider than the phone: the page never scrolls sideways."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide on a {PHONE['width']}px phone"


def _open_menu_item(page: Any, name: str) -> None:
    page.get_by_role("button", name="菜单").click()
    # (the icon font's glyph is part of a link's accessible name, hence no exact match)
    page.locator("#sidebar").get_by_role("link", name=name).click()


def _watch(page: Any, errors: list[str]) -> None:
    page.on("pageerror", lambda e: errors.append(f"{page.url}: {e}"))
    page.on(
        "console",
        lambda m: errors.append(f"{page.url}: {m.text}") if m.type == "error" else None,
    )


@pytest.mark.browser
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_phone_journey_inspection_to_closed_case_file(
    world: Any, live_server: Any, browser_page: Any, tmp_path: Path
) -> None:
    template = ChecklistTemplate.objects.get(code="fire_general")
    plan = inspection_services.create_plan(
        actor=world.inspector_a1,
        data={"enterprise": world.ent_a1.pk, "planned_date": timezone.localdate(), "template": template.pk},
    )
    items = list(template.versions.get(is_current=True).items.order_by("order"))
    failed = items[4]  # 常闭式防火门保持关闭…
    errors: list[str] = []

    # ---- 1. the grid inspector inspects on the phone --------------------------------------------
    inspector = browser_page(**PHONE)
    inspector.context.grant_permissions(["geolocation"])
    inspector.context.set_geolocation({"latitude": 22.60012, "longitude": 113.85021, "accuracy": 15})
    _watch(inspector, errors)
    browser_login(inspector, live_server, "inspector_a1")
    _open_menu_item(inspector, "检查计划")
    inspector.get_by_role("link", name="开始检查").first.click()
    inspector.wait_for_url(f"**/inspections/plans/{plan.pk}/inspect/")
    expect(inspector.locator("#perform")).to_have_class(re.compile(r"\bready\b"))
    expect(inspector.locator("#gps-status")).to_contain_text("已定位")
    _fits_phone(inspector)
    for item in items:
        if item.pk != failed.pk:
            inspector.locator(f"#item-{item.pk} [data-outcome=pass]").click()
    card = inspector.locator(f"#item-{failed.pk}")
    card.locator("[data-outcome=fail]").click()
    card.locator(".item-note").fill("二楼常闭防火门被木楔顶开")
    card.locator(".photo-input").set_input_files(
        {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("red", (640, 480))}
    )
    expect(card.locator(".thumb img")).to_have_count(1)
    expect(inspector.locator("#progress-text")).to_have_text(f"已答 {len(items)}/{len(items)}")
    inspector.fill("#representative", "李主任")
    _sign(inspector, "#sig-inspector")
    _sign(inspector, "#sig-enterprise")
    inspector.locator("#submit-btn").click()
    inspector.wait_for_url(re.compile(r"/inspections/\d+/$"))
    inspection = Inspection.objects.get(plan=plan)
    result = inspection.results.get(item=failed)
    fail_row = inspector.locator(f"#fail-{result.pk}")
    expect(fail_row).to_contain_text("二楼常闭防火门被木楔顶开")
    expect(fail_row.locator(".result-photos img")).to_have_count(1)
    _fits_phone(inspector)

    # ---- 2. one click registers the hazard -------------------------------------------------------
    fail_row.get_by_role("button", name="生成隐患").click()
    inspector.wait_for_url(re.compile(r"/hazards/\d+/$"))
    h = Hazard.objects.get(inspection_result=result)
    expect(inspector.locator(".alert-success")).to_contain_text(f"已生成隐患 {h.code}")
    assert (h.state, h.title, h.responsible_name) == ("registered", "二楼常闭防火门被木楔顶开", "李主任")
    assert h.measures.startswith("按检查标准整改：") and h.legal_basis == failed.legal_basis
    expect(inspector.locator("main")).to_contain_text(failed.legal_basis)
    expect(inspector.locator("main img[alt='隐患照片']")).to_have_count(1)  # the inspection photo
    _fits_phone(inspector)
    # Going back, the failed item now links to its hazard instead of offering a second one.
    inspector.go_back()
    inspector.reload()
    expect(inspector.locator(f"#fail-{result.pk}")).to_contain_text(f"已生成隐患 {h.code}")
    expect(inspector.locator(f"#fail-{result.pk}").get_by_role("button", name="生成隐患")).to_have_count(0)

    # ---- 3. the enterprise starts the rectification and submits evidence from its phone ---------
    officer = browser_page(**PHONE)
    _watch(officer, errors)
    browser_login(officer, live_server, "officer_a")
    _open_menu_item(officer, "我的隐患工作")
    officer.get_by_role("link", name=re.compile("二楼常闭防火门被木楔顶开")).first.click()
    officer.wait_for_url(f"**/hazards/{h.pk}/")
    _fits_phone(officer)
    officer.get_by_role("link", name="开始整改").click()
    officer.wait_for_url(f"**/hazards/{h.pk}/start/")
    expect(officer.locator("main")).to_contain_text("整改责任人：李主任")
    officer.locator("#action-form").get_by_role("button", name="开始整改").click()
    officer.wait_for_url(f"**/hazards/{h.pk}/")
    expect(officer.locator(".alert-success")).to_contain_text("已进入整改")
    officer.get_by_role("link", name="提交整改材料").click()
    officer.wait_for_url(f"**/hazards/{h.pk}/submit/")
    _fits_phone(officer)
    # Submitting without a photo is refused in Chinese and nothing changes.
    officer.fill("#id_note", "已拆除木楔，防火门闭门器调整后能自行关闭")
    officer.get_by_role("button", name="提交，申请复查").click()
    expect(officer.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    h.refresh_from_db()
    assert h.state == "rectifying"
    officer.fill("#id_note", "已拆除木楔，防火门闭门器调整后能自行关闭")
    officer.set_input_files(
        "#id_photos",
        {"name": "after.jpg", "mimeType": "image/jpeg", "buffer": jpeg_bytes("green", (640, 480))},
    )
    officer.get_by_role("button", name="提交，申请复查").click()
    officer.wait_for_url(f"**/hazards/{h.pk}/")
    expect(officer.locator(".alert-success")).to_contain_text("等待复查")
    expect(officer.locator("main img[alt='整改照片']")).to_have_count(1)
    # The enterprise cannot verify its own rectification: no such button.
    expect(officer.locator(f"a[href='/hazards/{h.pk}/verify/']")).to_have_count(0)

    # ---- 4. the inspector verifies (pass) and the hazard is closed -------------------------------
    _open_menu_item(inspector, "我的隐患工作")
    inspector.wait_for_url("**/hazards/mine/")
    inspector.get_by_role("link", name=re.compile("二楼常闭防火门被木楔顶开")).first.click()
    inspector.wait_for_url(f"**/hazards/{h.pk}/")
    inspector.locator(f"a[href='/hazards/{h.pk}/verify/']").click()
    inspector.wait_for_url(f"**/hazards/{h.pk}/verify/")
    expect(inspector.locator("main img[alt='整改照片']")).to_have_count(1)
    _fits_phone(inspector)
    inspector.get_by_label("整改到位，同意销号").check()
    inspector.fill("#id_note", "现场复查，防火门常闭，闭门器有效，同意销号")
    _sign(inspector, "#sig-pad")
    expect(inspector.locator("#id_signature")).to_have_value(re.compile(r"^data:image/png;base64,"))
    inspector.get_by_role("button", name="提交复查结论").click()
    inspector.wait_for_url(f"**/hazards/{h.pk}/")
    expect(inspector.locator(".alert-success")).to_contain_text("复查结论已记录")
    expect(inspector.locator("main")).to_contain_text("已销号")
    h.refresh_from_db()
    assert h.state == "closed" and h.closed_by == world.inspector_a1
    assert list(h.events.order_by("at", "id").values_list("type", "actor__username")) == [
        ("registered", "inspector_a1"),
        ("rectification_started", "officer_a"),
        ("evidence_submitted", "officer_a"),
        ("verified_passed", "inspector_a1"),
    ]

    # ---- 5. the case file, downloaded in the inspector's browser session ------------------------
    link = inspector.get_by_role("link", name=re.compile("一案一档"))
    href = link.get_attribute("href")
    assert href == f"/hazards/{h.pk}/case-file.pdf"
    response = inspector.request.get(live_server.url + href)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    (tmp_path / f"{h.code}.pdf").write_bytes(pdf)
    _check_case_file(pdf, h, world, tmp_path)
    # The one refused submission (no photo) answered 400 by design; nothing else went wrong.
    refused = f"/hazards/{h.pk}/submit/: Failed to load resource: the server responded with a status of 400"
    assert [e for e in errors if refused not in e] == []


def _check_case_file(pdf: bytes, h: Hazard, world: Any, out: Path) -> None:
    doc = pdfium.PdfDocument(pdf)
    pages = [doc[i] for i in range(len(doc))]
    texts = [p.get_textpage() for p in pages]
    flat = re.sub(r"\s+", "", "".join(t.get_text_bounded() for t in texts))
    for expected in (
        "安全生产事故隐患档案（一案一档）",
        h.code,
        world.ent_a1.name,
        "二楼常闭防火门被木楔顶开",
        h.legal_basis,
        "已拆除木楔，防火门闭门器调整后能自行关闭",
        "现场复查，防火门常闭，闭门器有效，同意销号",
        "检查人签名",
        "企业代表签名：李主任",
        "复查人签名",
        "整改照片",
    ):
        assert re.sub(r"\s+", "", expected) in flat, expected

    # Every step of the loop is a row of the process table, with who did it on the same row.
    steps = [
        ("登记隐患", world.inspector_a1.name),
        ("开始整改", world.officer_a.name),
        ("提交整改材料", world.officer_a.name),
        ("复查通过，销号", world.inspector_a1.name),
    ]
    for label, who in steps:
        row = _row_text(pages, texts, label, after="处理过程")
        assert row is not None, f"step {label} not in the case file"
        assert who in row, f"step {label}: {who} not on its row ({row!r})"
    closing = _row_text(pages, texts, "复查通过并销号")
    assert closing is not None and world.inspector_a1.name in closing and closing.lstrip().startswith("销号")

    # Rendered, the Chinese is really drawn: the title's glyphs are ink, and different characters
    # look different (a font without the glyphs would draw nothing, or the same .notdef box).
    scale = 2.0
    for i, page in enumerate(pages):
        page.render(scale=scale).to_pil().save(out / f"case-file-p{i + 1}.png")
    first = Image.open(out / "case-file-p1.png").convert("L")
    width, height = pages[0].get_size()
    blank_doc = pdfium.PdfDocument.new()
    blank_doc.new_page(width, height)
    blank = blank_doc[0].render(scale=scale).to_pil().convert("L")
    assert blank.size == first.size
    band = (0, 0, first.width, int(first.height * 0.1))
    assert _ink(ImageChops.difference(first, blank).crop(band).point(lambda v: 255 - v)) > 2000
    glyphs = _glyph_images(first, texts[0], "安全生产事故隐患档案", height, scale)
    assert len(glyphs) == 10
    for ch, img in glyphs.items():
        assert _ink(img) >= 3, f"{ch} drawn blank"  # (一 is a single stroke)
    distinct = {
        img.resize((24, 24)).point(lambda v: 0 if v < 200 else 255).tobytes() for img in glyphs.values()
    }
    assert len(distinct) >= 9, "the title's characters are drawn as the same shape (missing glyphs)"
    # The enterprise name in the header table is drawn too.
    name_glyphs = _glyph_images(first, texts[0], world.ent_a1.name, height, scale, after="企业名称")
    assert name_glyphs and all(_ink(img) >= 3 for img in name_glyphs.values())


def _row_text(pages: list[Any], texts: list[Any], needle: str, after: str = "") -> str | None:
    """The text on the same line band as the first occurrence of `needle` after the heading `after`
    (whole page width), or None."""
    start_page, start_index = 0, 0
    if after:
        for n, tp in enumerate(texts):
            found = tp.search(after).get_next()
            if found:
                start_page, start_index = n, found[0] + found[1]
                break
        else:
            return None
    for n in range(start_page, len(pages)):
        page, tp = pages[n], texts[n]
        found = tp.search(needle, index=start_index if n == start_page else 0).get_next()
        if not found:
            continue
        index, count = found
        boxes = [tp.get_charbox(i) for i in range(index, index + count)]
        bottom = min(b[1] for b in boxes)
        top = max(b[3] for b in boxes)
        width, _ = page.get_size()
        return str(tp.get_text_bounded(left=0, bottom=bottom - 1, right=width, top=top + 1))
    return None


def _glyph_images(
    image: Image.Image, tp: Any, word: str, page_height: float, scale: float, after: str = ""
) -> dict[str, Any]:
    """The rendered pixels of each distinct character of the first occurrence of `word` (after the
    text `after`)."""
    start = 0
    if after:
        label = tp.search(after).get_next()
        assert label, f"{after} not found on the page"
        start = label[0] + label[1]
    found = tp.search(word, index=start).get_next()
    assert found, f"{word} not found on the page"
    index, count = found
    out: dict[str, Any] = {}
    for i in range(index, index + count):
        ch = tp.get_text_range(i, 1)
        left, bottom, right, top = tp.get_charbox(i)
        box = (
            int(left * scale) - 1,
            int((page_height - top) * scale) - 1,
            int(right * scale) + 1,
            int((page_height - bottom) * scale) + 1,
        )
        out.setdefault(ch, image.crop(box))
    return out


def _ink(img: Image.Image) -> int:
    """Pixels clearly darker than the white paper (grey text included)."""
    return sum(img.convert("L").histogram()[:200])
