"""Raw input (form data, API and phone payloads) made into typed values, with Chinese messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError


def clean_text(value: Any, limit: int = 0) -> str:
    """Stripped text, cut to `limit` characters when one is given; None and blanks become ""."""
    text = str(value or "").strip()
    return text[:limit] if limit else text


def clean_date(value: Any, field: str, label: str) -> dt.date:
    """A date (or ISO string) for `field`; missing or malformed input is an error naming `label`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not value:
        raise ValidationError({field: f"请填写{label}。"})
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: f"{label}格式不正确，应为 YYYY-MM-DD。"}) from None


def clean_ids(values: Any) -> list[Any]:
    """Primary keys from one value or many (objects, ids or strings), blanks left out."""
    if values in (None, ""):
        return []
    if isinstance(values, str | int) or hasattr(values, "pk"):
        values = [values]
    return [getattr(v, "pk", v) for v in values if v not in (None, "")]


def maybe_int(value: Any) -> int | None:
    """`value` as an int, or None when it is not one."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
