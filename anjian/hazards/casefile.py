"""一案一档: the case file of one hazard as one printable PDF with an embedded CJK font.

The document is first described as plain blocks (headings, field tables, paragraphs, photos), so the
font can be subset to exactly the characters used; then ReportLab lays it out."""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from anjian.core.models import Attachment
from anjian.hazards.choices import PURPOSE_SIGNATURE, SourceKind
from anjian.hazards.selectors import Case, attachments_for
from anjian.hazards.timeline import describe


@dataclass
class Block:
    kind: str  # "h" heading · "kv" field table · "p" paragraph · "table" · "photos"
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)
    photos: list[tuple[Attachment, str]] = field(default_factory=list)
    widths: list[float] = field(default_factory=list)


def _dt(value: Any) -> str:
    if value is None:
        return "—"
    if hasattr(value, "hour"):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def _who(user: Any) -> str:
    if user is None:
        return "系统"
    label = getattr(user, "role_label", "")
    return f"{user}（{label}）" if label and label != "—" else str(user)


def blocks_of(case: Case, *, generated_by: Any = None) -> list[Block]:
    """The contents of the case file in reading order."""
    h = case.hazard
    ent = h.enterprise
    out: list[Block] = []
    out.append(
        Block(
            "kv",
            rows=[
                ["隐患编号", h.code],
                ["企业名称", ent.name],
                ["统一社会信用代码", ent.uscc],
                ["所属社区 / 网格", f"{h.community.name} / {h.grid.name if h.grid else '—'}"],
                ["企业地址", ent.address or "—"],
                ["企业安全负责人", f"{ent.safety_officer or '—'}  {ent.phone or ''}"],
            ],
        )
    )
    out.append(Block("h", "隐患情况"))
    level = h.get_level_display()
    if h.level_confirmed_at:
        level += f"（{_who(h.level_confirmed_by)} 于 {_dt(h.level_confirmed_at)} 确认）"
    elif h.level_pending:
        level += "（建议，待街道安委办确认）"
    out.append(
        Block(
            "kv",
            rows=[
                ["隐患描述", h.title],
                ["详细情况", h.description or "—"],
                ["隐患部位", h.location or "—"],
                [
                    "经纬度",  # longitude first, as on every page of the platform
                    f"{h.lng:.6f}, {h.lat:.6f}" if h.lat is not None and h.lng is not None else "—",
                ],
                ["隐患类别", h.get_category_display()],
                ["事故类型（GB 6441）", h.get_accident_type_display()],
                ["隐患等级", level],
                ["来源", h.get_source_kind_display() + (f"（{h.source_ref}）" if h.source_ref else "")],
                ["发现人", _who(h.found_by)],
                ["发现时间", _dt(h.found_at)],
                [
                    "当前状态",
                    h.get_state_display() + (f"（作废原因：{h.void_reason}）" if h.void_reason else ""),
                ],
            ],
        )
    )
    out.append(Block("h", "检查项与依据"))
    result = h.inspection_result
    rows = []
    if result is not None:
        inspection = result.inspection
        version = result.item.version
        rows += [
            ["检查表", f"{version.template.name}（第 {version.version} 版）"],
            ["检查时间", _dt(inspection.submitted_at or inspection.started_at)],
            ["检查人", _who(inspection.inspector)],
            ["企业代表", inspection.representative_name or "—"],
        ]
    rows += [
        [
            "检查项",
            h.checklist_item_text or ("—" if h.source_kind != SourceKind.DIRECT else "直接登记，无检查项"),
        ],
        ["依据", h.legal_basis or "—"],
    ]
    if result is not None and result.note:
        rows.append(["检查记录说明", result.note])
    out.append(Block("kv", rows=rows))
    photos = [(a, "隐患照片") for a in case.photos] + [(a, "检查照片") for a in case.result_photos]
    out.append(Block("h", "隐患照片"))
    out.append(Block("photos", photos=photos) if photos else Block("p", "无照片。"))

    out.append(Block("h", "整改安排"))
    out.append(
        Block(
            "kv",
            rows=[
                ["整改责任人", f"{h.responsible_name or '—'}  {h.responsible_phone}"],
                ["整改措施", h.measures or "—"],
                ["整改资金", f"{h.funds:,.2f} 元" if h.funds is not None else "—"],
                ["原定整改期限", _dt(h.original_deadline)],
                ["现整改期限", _dt(h.current_deadline) + ("（经批准延期）" if h.deadline_extended else "")],
                ["开始整改", _dt(h.rectification_started_at)],
            ],
        )
    )
    out.append(Block("h", "期限变更"))
    if case.extensions:
        out.append(
            Block(
                "table",
                rows=[["申请时间", "申请人", "原期限 → 申请延至", "理由", "结果", "审批人 / 时间 / 意见"]]
                + [
                    [
                        _dt(e.requested_at),
                        str(e.requested_by),
                        f"{_dt(e.previous_deadline)} → {_dt(e.requested_deadline)}",
                        e.reason,
                        e.get_status_display(),
                        f"{e.decided_by or '—'} {_dt(e.decided_at) if e.decided_at else ''} {e.decision_note}".strip(),
                    ]
                    for e in case.extensions
                ],
                widths=[0.14, 0.12, 0.2, 0.22, 0.1, 0.22],
            )
        )
    else:
        out.append(Block("p", "整改期限未变更。"))
    if case.plans or h.is_major:
        out.append(Block("h", "重大事故隐患治理方案"))
        plan = case.plan
        if plan is None:
            out.append(Block("p", "尚未提交治理方案。"))
        else:
            out.append(
                Block(
                    "kv",
                    rows=[
                        [
                            "版本",
                            f"第 {plan.version} 版，{_who(plan.submitted_by)} 于 {_dt(plan.submitted_at)} 提交",
                        ]
                    ]
                    + [[label, text] for label, text in plan.parts()],
                )
            )
    if case.supervisions:
        out.append(Block("h", "挂牌督办"))
        for s in case.supervisions:
            out.append(
                Block(
                    "kv",
                    rows=[
                        ["督办单位", s.supervising_unit],
                        ["挂牌", f"{_who(s.listed_by)} · {_dt(s.listed_at)}"],
                        ["督办要求", s.requirements or "—"],
                        ["进展报送周期", f"{s.report_every_days} 天"],
                        [
                            "解除",
                            f"{_who(s.lifted_by)} · {_dt(s.lifted_at)} {s.lift_note}"
                            if s.lifted_at
                            else "督办中",
                        ],
                    ],
                )
            )
        if case.reports:
            out.append(
                Block(
                    "table",
                    rows=[["报送时间", "报送人", "完成", "进展情况"]]
                    + [
                        [_dt(r.reported_at), str(r.reported_by), f"{r.percent}%", r.progress]
                        for r in case.reports
                    ],
                    widths=[0.18, 0.16, 0.1, 0.56],
                )
            )
    out.append(Block("h", "整改材料"))
    if not case.rectifications:
        out.append(Block("p", "尚未提交整改材料。"))
    for i, r in enumerate(case.rectifications, start=1):
        out.append(
            Block(
                "kv",
                rows=[
                    [f"第 {i} 次提交", f"{_who(r.submitted_by)} · {_dt(r.submitted_at)}"],
                    ["整改情况", r.note],
                ],
            )
        )
        shots = case.attachments["rectification"].get(r.pk, [])
        if shots:
            out.append(Block("photos", photos=[(a, f"整改照片 {j}") for j, a in enumerate(shots, start=1)]))
    out.append(Block("h", "复查验收"))
    if not case.verifications:
        out.append(Block("p", "尚未复查。"))
    signatures: list[tuple[Attachment, str]] = []
    for v in case.verifications:
        out.append(
            Block(
                "kv",
                rows=[
                    ["复查时间", _dt(v.verified_at)],
                    ["复查人", _who(v.verifier)],
                    ["结论", "整改到位，同意销号" if v.passed else "整改不到位，退回整改"],
                    ["复查意见", v.note],
                ],
            )
        )
        files = case.attachments["verification"].get(v.pk, [])
        shots = [a for a in files if a.purpose != PURPOSE_SIGNATURE]
        if shots:
            out.append(Block("photos", photos=[(a, "复查照片") for a in shots]))
        signatures += [
            (a, f"复查人签名：{v.verifier}\n{_dt(v.verified_at)}")
            for a in files
            if a.purpose == PURPOSE_SIGNATURE
        ]
    if h.closed_at:
        out.append(Block("p", f"销号：{_who(h.closed_by)} 于 {_dt(h.closed_at)} 复查通过并销号。"))

    out.append(Block("h", "处理过程"))
    out.append(
        Block(
            "table",
            rows=[["时间", "人员", "事项"]] + [[_dt(e.at), _who(e.actor), describe(e)] for e in case.events],
            widths=[0.2, 0.25, 0.55],
        )
    )
    out.append(Block("h", "签名"))
    if result is not None:
        inspection_files = attachments_for([result.inspection]).get(result.inspection.pk, [])
        for a in inspection_files:
            if a.purpose == "signature_inspector":
                signatures.insert(0, (a, f"检查人签名：{result.inspection.inspector}"))
            elif a.purpose == "signature_enterprise":
                signatures.insert(
                    1 if signatures else 0, (a, f"企业代表签名：{result.inspection.representative_name}")
                )
    if signatures:
        out.append(Block("photos", photos=signatures))
    else:
        out.append(Block("p", "无电子签名。"))
    by = f"，导出人：{_who(generated_by)}" if generated_by is not None else ""
    out.append(Block("p", f"本档案由安监平台于 {_dt(timezone.now())} 生成{by}。"))
    headings = [b for b in out if b.kind == "h"]
    for n, b in enumerate(headings, start=1):  # sections a hazard does not have are left out
        b.text = f"{NUMERALS[n]}、{b.text}"
    return out


NUMERALS = ["", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四"]


def _text_of(blocks: list[Block], title: str) -> str:
    parts = [title]
    for b in blocks:
        parts.append(b.text)
        for row in b.rows:
            parts.extend(row)
        parts.extend(caption for _, caption in b.photos)
    return "".join(parts)


def render_pdf(case: Case, *, generated_by: Any = None) -> bytes:
    """The case file as PDF bytes (A4, CJK font embedded, photos and signatures included)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.lib.enums import TA_CENTER
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.platypus import (
        Image,
        Paragraph,
        SimpleDocTemplate,
        Spacer,
        Table,
        TableStyle,
    )

    from anjian.hazards.cjkfont import font_for

    h = case.hazard
    title = "安全生产事故隐患档案（一案一档）"
    blocks = blocks_of(case, generated_by=generated_by)
    font = font_for(_text_of(blocks, title) + h.code)
    body = ParagraphStyle("body", fontName=font, fontSize=9.5, leading=14, wordWrap="CJK")
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor=colors.HexColor("#555555"))
    label = ParagraphStyle("label", parent=body, textColor=colors.HexColor("#333333"))
    heading = ParagraphStyle(
        "h", parent=body, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4, keepWithNext=1
    )
    title_style = ParagraphStyle("t", parent=body, fontSize=17, leading=24, alignment=TA_CENTER, spaceAfter=2)
    sub_style = ParagraphStyle("s", parent=small, alignment=TA_CENTER, spaceAfter=8)

    def para(text: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(str(text)).replace("\n", "<br/>"), style)

    width = A4[0] - 36 * mm
    grid_style = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#999999")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
        ]
    )
    story: list[Any] = [para(title, title_style), para(f"档案编号：{h.code}", sub_style)]
    for b in blocks:
        if b.kind == "h":
            story.append(para(b.text, heading))
        elif b.kind == "p":
            story.append(para(b.text))
        elif b.kind == "kv":
            t = Table([[para(k, label), para(v)] for k, v in b.rows], colWidths=[36 * mm, width - 36 * mm])
            t.setStyle(grid_style)
            t.setStyle(TableStyle([("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f1f3f5"))]))
            story.append(t)
            story.append(Spacer(1, 3 * mm))
        elif b.kind == "table":
            widths = [w * width for w in b.widths] if b.widths else None
            t = Table([[para(c, small) for c in row] for row in b.rows], colWidths=widths, repeatRows=1)
            t.setStyle(grid_style)
            t.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f1f3f5"))]))
            story.append(t)
            story.append(Spacer(1, 3 * mm))
        elif b.kind == "photos":
            cells: list[Any] = []
            cell_w = (width - 4 * mm) / 3
            # Signatures are short and wide; photos get more height. The images of a block stand in
            # boxes of one height (the tallest) on a common bottom line, so that the captions line up.
            max_h = 30 * mm if all(_is_signature(a) for a, _ in b.photos) else 55 * mm
            images = [(_image(att, cell_w - 4 * mm, max_h, Image), caption) for att, caption in b.photos]
            box_h = max((img.drawHeight for img, _ in images if img is not None), default=12 * mm)
            for img, caption in images:
                frame = Table([[img or para("（文件缺失）", small)]], colWidths=[cell_w], rowHeights=[box_h])
                frame.setStyle(
                    TableStyle(
                        [
                            ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                            ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                            ("LEFTPADDING", (0, 0), (-1, -1), 0),
                            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                            ("TOPPADDING", (0, 0), (-1, -1), 0),
                            ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
                        ]
                    )
                )
                cells.append([frame, para(caption, small)])
            rows = [cells[i : i + 3] for i in range(0, len(cells), 3)]
            rows[-1] += [""] * (3 - len(rows[-1]))
            # A plain table (not KeepTogether): a heading before it can then keep with it.
            t = Table(rows, colWidths=[cell_w] * 3)
            t.setStyle(
                TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("ALIGN", (0, 0), (-1, -1), "CENTER")])
            )
            story.append(t)
            story.append(Spacer(1, 3 * mm))

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.setFillColor(colors.HexColor("#777777"))
        canvas.drawString(18 * mm, 10 * mm, f"{h.code} · {h.enterprise.name}")
        canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"第 {doc.page} 页")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{h.code} {h.title}",
        author="安监 Anjian",
        subject="一案一档",
    )
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def _is_signature(att: Attachment) -> bool:
    return att.purpose in (PURPOSE_SIGNATURE, "signature_inspector", "signature_enterprise")


def _image(att: Attachment, max_w: float, max_h: float, image_cls: Any) -> Any:
    """A photo scaled to fit the cell, or None when the stored file is missing."""
    try:
        path = att.file.path
        w, h = att.width, att.height
        if not w or not h:
            from PIL import Image as PILImage

            with PILImage.open(path) as im:
                w, h = im.size
    except (OSError, ValueError, NotImplementedError):
        return None
    scale = min(max_w / w, max_h / h, 1.0 * max_w / max(w, 1))
    return image_cls(path, width=w * scale, height=h * scale)
