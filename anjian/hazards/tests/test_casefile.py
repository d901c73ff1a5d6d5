"""一案一档: the case-file PDF embeds a CJK font and shows every step; rendered to an image to prove it."""

from __future__ import annotations

import re

import pypdfium2 as pdfium
import pytest

from anjian.hazards import services
from anjian.hazards.casefile import render_pdf
from anjian.hazards.cjkfont import FontMissingError
from anjian.hazards.selectors import case_of, hazard_for_case
from anjian.hazards.tests.conftest import SIX_PARTS, photo


def _closed_major_case(world, failed_result):
    result = failed_result(major=True)
    h = services.create_hazard_from_result(
        result,
        actor=world.inspector_a1,
        deadline=result.inspection.submitted_at.date().replace(year=result.inspection.submitted_at.year + 1),
        data={"responsible_name": "王五", "measures": "设置警示标志并建立有限空间台账", "funds": "30000"},
        photos=[photo("现场.jpg")],
    )
    services.confirm_level(h, actor=world.office, level="major", note="有限空间重大隐患")
    services.submit_governance_plan(h, actor=world.officer_a, data=SIX_PARTS)
    services.list_supervision(h, actor=world.office, supervising_unit="街道安委办")
    services.add_progress_report(h, actor=world.officer_a, progress="已完成台账建立", percent=60)
    ext = (
        services.request_extension(
            h,
            actor=world.officer_a,
            requested_deadline=h.current_deadline.replace(day=1).replace(month=12),
            reason="设备到货延迟",
        )
        if h.current_deadline.month < 12
        else None
    )
    if ext:
        services.decide_extension(ext, actor=world.office, approve=True, note="同意延期")
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(
        h, actor=world.officer_a, note="已设置警示标志，建立台账", photos=[photo("整改后.jpg", "green")]
    )
    services.verify(
        h,
        actor=world.inspector_a1,
        passed=True,
        note="复查合格，同意销号",
        signature=photo("sig.png", "white"),
    )
    services.lift_supervision(h, actor=world.office, note="已销号")
    return hazard_for_case(world.admin, h.pk)


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "\n".join(doc[i].get_textpage().get_text_bounded() for i in range(len(doc)))


def test_case_file_shows_every_step_in_chinese(world, failed_result, tmp_path):
    h = _closed_major_case(world, failed_result)
    pdf = render_pdf(case_of(h), generated_by=world.admin)
    assert pdf.startswith(b"%PDF-")
    assert b"/FontFile2" in pdf  # the CJK font is embedded (TrueType program), not referenced
    text = re.sub(r"\s+", "", _text(pdf))  # table cells wrap lines
    for expected in (
        "安全生产事故隐患档案",
        h.code,
        "甲一电镀有限公司",
        h.checklist_item_text[:10],
        h.legal_basis[:8],
        "治理的目标和任务",
        "安全措施和应急预案",
        "挂牌督办",
        "已完成台账建立",
        "已设置警示标志",
        "复查合格，同意销号",
        "复查人签名",
        "安格员甲",
        "登记隐患",
        "开始整改",
        "复查通过，销号",
    ):
        assert re.sub(r"\s+", "", expected) in text, expected
    # render the first page to an image: the Chinese glyphs are drawn (dark pixels in the title band)
    page = pdfium.PdfDocument(pdf)[0]
    image = page.render(scale=1.5).to_pil().convert("L")
    image.save(tmp_path / "case-file.png")
    band = image.crop((0, 0, image.width, int(image.height * 0.08)))
    assert sum(1 for p in band.getdata() if p < 128) > 500


def test_case_file_download_is_scoped(world, make_hazard):
    h = make_hazard()
    response = world.client(world.officer_a).get(f"/hazards/{h.pk}/case-file.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert world.client(world.officer_b).get(f"/hazards/{h.pk}/case-file.pdf").status_code == 404
    assert world.client(world.inspector_b1).get(f"/hazards/{h.pk}/case-file.pdf").status_code == 404


def test_missing_font_fails_with_a_clear_message(world, make_hazard, settings):
    settings.CJK_FONT_PATH = "/nonexistent/font.ttc"
    h = make_hazard(title="字体缺失测试用隐患")
    with pytest.raises(FontMissingError, match="CJK_FONT_PATH"):
        render_pdf(case_of(h))
    response = world.client(world.admin).get(f"/hazards/{h.pk}/case-file.pdf")
    assert response.status_code == 503 and "fonts-noto-cjk" in response.content.decode()


def test_each_case_file_of_a_process_draws_its_own_characters(world, make_hazard):
    """Subsets of one source font used to share its PostScript name, and ReportLab then drew every
    later document with the first subset (characters missing from it came out as empty boxes)."""
    first = make_hazard(title="鑫淼焱垚堆放杂物")
    second = make_hazard(title="犇骉麤毳线路裸露")
    for h, own in ((first, "鑫淼焱垚"), (second, "犇骉麤毳")):
        pdf = render_pdf(case_of(h))
        text = re.sub(r"\s+", "", _text(pdf))
        assert own in text, own
        page = pdfium.PdfDocument(pdf)[0]
        tp = page.get_textpage()
        index, count = tp.search(own).get_next()
        image = page.render(scale=2).to_pil().convert("L")
        height = page.get_size()[1]
        shapes = set()
        for i in range(index, index + count):
            left, bottom, right, top = tp.get_charbox(i)
            glyph = image.crop(
                (int(left * 2), int((height - top) * 2), int(right * 2) + 1, int((height - bottom) * 2) + 1)
            )
            assert sum(glyph.histogram()[:200]) > 0
            shapes.add(glyph.resize((20, 20)).point(lambda v: 0 if v < 200 else 255).tobytes())
        assert len(shapes) == 4  # four different characters, not four .notdef boxes
