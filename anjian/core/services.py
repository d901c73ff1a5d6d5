"""Helpers every app's services use: one transaction, one audit link, one timeline line per action."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models

from anjian.core import audit


def validated_save(obj: models.Model, *, exclude: list[str] | None = None) -> None:
    """full_clean() then save(): model rules hold whatever the entry point (page, API, import, job)."""
    obj.full_clean(exclude=exclude)
    obj.save()


def void(obj: Any, *, actor: Any, reason: str, action: str = "void") -> None:
    """Void a VoidableModel row with a reason (nothing is deleted). Call inside a transaction."""
    from django.utils import timezone

    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写作废原因。"})
    if obj.voided_at is not None:
        raise ValidationError("该记录已作废。")
    before = audit.snapshot(obj)
    obj.voided_at = timezone.now()
    obj.voided_by = actor
    obj.void_reason = reason[:500]
    obj.save(update_fields=["voided_at", "voided_by", "void_reason", "updated_at"])
    audit.record(
        actor=actor,
        action=action,
        obj=obj,
        before=before,
        after=audit.snapshot(obj),
        only_changes=True,
        note=reason,
    )
