"""Builders shared by the inspection tests: images, signatures and complete submissions."""

from __future__ import annotations

import io
import uuid
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from anjian.inspections.models import ChecklistTemplate, ChecklistVersion


def jpeg_bytes(colour: str = "orange", size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="JPEG")
    return out.getvalue()


def signature_png(blank: bool = False) -> bytes:
    img = Image.new("RGBA", (300, 120), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(img).line([(10, 100), (80, 20), (150, 90), (290, 30)], fill=(0, 0, 0, 255), width=4)
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


def upload(name: str, data: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def version_of(code: str = "fire_general") -> ChecklistVersion:
    return ChecklistTemplate.objects.get(code=code).versions.get(is_current=True)


def payload(
    version: ChecklistVersion,
    *,
    enterprise: Any = None,
    plan: Any = None,
    fail: tuple[int, ...] = (),
    **extra: Any,
) -> dict[str, Any]:
    """A complete, valid submission: every item passes except the orders in `fail` (with a note)."""
    results = []
    for item in version.items.order_by("order"):
        failed = item.order in fail
        results.append(
            {
                "item": item.pk,
                "outcome": "fail" if failed else "pass",
                "note": "现场发现问题" if failed else "",
            }
        )
    data: dict[str, Any] = {
        "client_uuid": str(uuid.uuid4()),
        "checklist_version": version.pk,
        "representative_name": "张经理",
        "lat": 22.6001,
        "lng": 113.8502,
        "accuracy": 12.5,
        "summary": "总体良好",
        "results": results,
    }
    if enterprise is not None:
        data["enterprise"] = enterprise.pk
    if plan is not None:
        data["plan"] = plan.pk
    data.update(extra)
    return data


def files(
    version: ChecklistVersion | None = None, *, photo_orders: tuple[int, ...] = ()
) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = {
        "signature_inspector": [upload("si.png", signature_png(), "image/png")],
        "signature_enterprise": [upload("se.png", signature_png(), "image/png")],
    }
    if version is not None:
        for item in version.items.filter(order__in=photo_orders):
            out[f"photo_{item.pk}"] = [upload(f"p{item.order}.jpg", jpeg_bytes())]
    return out
