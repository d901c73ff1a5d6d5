"""A CJK font for ReportLab, embedded in every PDF so that Chinese renders on any viewer.

The font comes from the machine (Debian's fonts-noto-cjk by default, CJK_FONT_PATH / CJK_FONT_INDEX), never
from the network. Noto Sans CJK has PostScript (CFF) outlines, which ReportLab cannot embed, so the
characters a document uses are subset with fontTools and their outlines converted to TrueType
quadratics; ReportLab then embeds that small font. TrueType fonts (.ttf/.ttc with glyf) work directly."""

from __future__ import annotations

import hashlib
import io
import threading
from pathlib import Path

from django.conf import settings

# Always available besides the document's own text (digits, Latin, CJK punctuation, check marks).
BASE_CHARS = (
    "".join(chr(c) for c in range(0x20, 0x7F))
    + "，。、；：？！“”‘’（）《》【】—…·￥％℃×√□■●○－～　第页共年月日时分至"
)
_lock = threading.Lock()
_registered: dict[str, str] = {}


class FontMissingError(RuntimeError):
    """The configured CJK font file is absent or unusable (the message says how to fix it)."""


def font_for(text: str) -> str:
    """Register (once per character set) and return the ReportLab name of a font covering `text`."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont as RLFont

    path = Path(settings.CJK_FONT_PATH)
    chars = "".join(sorted(set(text) | set(BASE_CHARS)))
    key = hashlib.sha1(
        f"{path}:{settings.CJK_FONT_INDEX}:{chars}".encode(), usedforsecurity=False
    ).hexdigest()
    with _lock:
        name = _registered.get(key)
        if name:
            return name
        name = f"AnjianCJK-{key[:12]}"
        # Every subset carries its own PostScript name: ReportLab maps a font whose face name it has
        # seen before onto the first font of that face, so subsets all named after the source font
        # would draw the characters missing from the first one as empty boxes.
        data = truetype_subset(path, settings.CJK_FONT_INDEX, chars, ps_name=name)
        pdfmetrics.registerFont(RLFont(name, io.BytesIO(data)))
        _registered[key] = name
        if len(_registered) > 256:  # bound memory in a long-running process
            _registered.pop(next(iter(_registered)))
        return name


def truetype_subset(path: Path, index: int, chars: str, ps_name: str = "") -> bytes:
    """The glyphs of `chars` from the font at `path` as a small TrueType (glyf) font, renamed to
    `ps_name` (PostScript and full name) when given."""
    from fontTools import subset
    from fontTools.ttLib import TTFont, TTLibError

    if not path.is_file():
        raise FontMissingError(
            f"找不到 PDF 所需的中文字体：{path}。请安装 fonts-noto-cjk（apt-get install fonts-noto-cjk），"
            "或用环境变量 CJK_FONT_PATH 指定一个中文字体文件（.ttf/.otf/.ttc）。"
        )
    try:
        font = TTFont(str(path), fontNumber=index if path.suffix.lower() in (".ttc", ".otc") else -1)
    except (TTLibError, OSError, IndexError) as exc:
        raise FontMissingError(
            f"中文字体无法读取：{path}（{exc}）。请检查 CJK_FONT_PATH 和 CJK_FONT_INDEX。"
        ) from exc
    options = subset.Options()
    options.desubroutinize = True
    options.layout_features = []
    options.notdef_outline = True
    options.name_IDs = ["*"]
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=chars)
    subsetter.subset(font)
    if "CFF " in font:
        _cff_to_glyf(font)
    if ps_name:
        names = font["name"]
        for record in list(names.names):
            if record.nameID in (4, 6):  # full name, PostScript name
                names.setName(ps_name, record.nameID, record.platformID, record.platEncID, record.langID)
        names.setName(ps_name, 6, 3, 1, 0x409)  # (the one ReportLab reads, present even if absent before)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cff_to_glyf(font: object) -> None:
    """Replace PostScript (CFF) outlines by TrueType quadratic outlines, in place."""
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen
    from fontTools.ttLib import newTable

    f: dict = font  # type: ignore[assignment]
    order = font.getGlyphOrder()  # type: ignore[attr-defined]
    glyph_set = font.getGlyphSet()  # type: ignore[attr-defined]
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyph_set)
        glyph_set[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
        glyf.glyphs[name] = pen.glyph()
    del f["CFF "]
    if "VORG" in f:  # vertical origins belong to CFF fonts
        del f["VORG"]  # noqa: RUF051 (TTFont has no pop)
    f["glyf"] = glyf
    f["loca"] = newTable("loca")
    maxp = f["maxp"]
    maxp.tableVersion = 0x00010000
    for attr in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, attr, 0)
    maxp.maxZones = 1
    f["head"].glyphDataFormat = 0
    post = f["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    font.sfntVersion = "\x00\x01\x00\x00"  # type: ignore[attr-defined]
