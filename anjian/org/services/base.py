"""Helpers shared by the organisation services: scoped fetches and Chinese validation errors."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models
from django.http import Http404

M = TypeVar("M", bound=models.Model)

NOT_FOUND = "对象不存在或无权访问。"


def scoped(model: type[M], obj_or_pk: Any, actor: Any, *, lock: bool = False, field: str = "") -> M:
    """`obj_or_pk` re-read through `for_user(actor)`; outside the actor's scope it does not exist (404).

    With `field`, a missing object is reported as a validation error on that form field instead."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    qs = model.objects.for_user(actor)  # type: ignore[attr-defined]
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)  # type: ignore[no-any-return]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        if field:
            raise ValidationError(
                {field: f"所选{model._meta.verbose_name}不存在或不在您的管辖范围内。"}
            ) from None
        raise Http404(NOT_FOUND) from None


def clean_text(value: Any, *, limit: int = 0) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def require_text(value: Any, field: str, message: str) -> str:
    text = clean_text(value)
    if not text:
        raise ValidationError({field: message})
    return text
