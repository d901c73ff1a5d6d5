"""Upload validation: the type is sniffed from the content, sizes are limited, images are re-encoded
(which drops EXIF metadata such as GPS position and camera) and files are stored outside the web root."""

from __future__ import annotations

import hashlib
import io
import zipfile
from typing import Any

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import models
from PIL import Image, ImageOps, UnidentifiedImageError

from anjian.core.models import Attachment

IMAGE = "image"
PDF = "pdf"
XLSX = "xlsx"
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def sniff(head: bytes, data: bytes | None = None) -> str:
    """The real type of a file from its first bytes ('' when unknown)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04") and data is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
        except zipfile.BadZipFile:
            return ""
        if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
            return XLSX_MIME
    return ""


def _read_limited(uploaded: Any, limit: int) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            f"文件过大：{size / 1024 / 1024:.1f} MB，上限 {limit / 1024 / 1024:.0f} MB。", code="too_large"
        )
    if hasattr(uploaded, "seek"):
        uploaded.seek(0)
    data: bytes = uploaded.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(f"文件过大，上限 {limit / 1024 / 1024:.0f} MB。", code="too_large")
    if not data:
        raise ValidationError("文件为空。", code="empty")
    return data


def reencode_image(data: bytes) -> tuple[bytes, str, int, int]:
    """Decode and re-encode an image: strips all metadata, applies EXIF rotation, caps the pixel count."""
    Image.MAX_IMAGE_PIXELS = settings.IMAGE_MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > settings.IMAGE_MAX_PIXELS:
                raise ValidationError("图片像素过多，请压缩后再上传。", code="too_large")
            img.load()
            img = ImageOps.exif_transpose(img) or img
            has_alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
            out = io.BytesIO()
            if has_alpha:
                clean = img.convert("RGBA")
                clean.save(out, format="PNG", optimize=True)
                mime = "image/png"
            else:
                clean = img.convert("RGB")
                clean.save(out, format="JPEG", quality=85, optimize=True)
                mime = "image/jpeg"
            return out.getvalue(), mime, clean.width, clean.height
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError, ValueError):
        raise ValidationError("图片文件已损坏或格式无法识别。", code="bad_image") from None


def validate_upload(
    uploaded: Any, *, kinds: tuple[str, ...], limit: int | None = None
) -> tuple[bytes, str, int | None, int | None]:
    """Return (clean bytes, mime, width, height) or raise ValidationError with a Chinese message."""
    limit = limit or settings.UPLOAD_MAX_BYTES
    data = _read_limited(uploaded, limit)
    mime = sniff(data[:16], data)
    allowed = []
    if IMAGE in kinds:
        allowed.append("图片（JPEG/PNG/GIF/WebP）")
    if PDF in kinds:
        allowed.append("PDF")
    if XLSX in kinds:
        allowed.append("Excel（.xlsx）")
    if mime.startswith("image/") and IMAGE in kinds:
        clean, mime, w, h = reencode_image(data)
        return clean, mime, w, h
    if mime == "application/pdf" and PDF in kinds:
        return data, mime, None, None
    if mime == XLSX_MIME and XLSX in kinds:
        return data, mime, None, None
    raise ValidationError(f"不支持的文件类型，只接受：{'、'.join(allowed)}。", code="bad_type")


def store_attachment(
    uploaded: Any, *, owner: models.Model, actor: Any, kinds: tuple[str, ...] = (IMAGE,), purpose: str = ""
) -> Attachment:
    """Validate `uploaded` and save it as an Attachment of `owner` (call inside the owner's transaction)."""
    clean, mime, width, height = validate_upload(uploaded, kinds=kinds)
    att = Attachment(
        content_type=ContentType.objects.get_for_model(owner),
        object_id=owner.pk,
        purpose=purpose,
        original_name=(getattr(uploaded, "name", "") or "upload")[-255:],
        mime_type=mime,
        size=len(clean),
        sha256=hashlib.sha256(clean).hexdigest(),
        width=width,
        height=height,
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    att.file.save(f"{att.uuid}{att.extension}", ContentFile(clean), save=False)
    att.save()
    return att


def attachments_of(owner: models.Model) -> models.QuerySet[Attachment]:
    return Attachment.objects.filter(
        content_type=ContentType.objects.get_for_model(owner), object_id=owner.pk, voided_at__isnull=True
    ).order_by("uploaded_at")
