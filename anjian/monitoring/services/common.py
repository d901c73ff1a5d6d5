"""Helpers of the monitoring services: scoped fetches (404 outside the actor's jurisdiction)."""

from __future__ import annotations

from typing import Any, TypeVar

from django.db import models
from django.http import Http404

M = TypeVar("M", bound=models.Model)
NOT_FOUND = "对象不存在或无权访问。"


def scoped(model: type[M], obj_or_pk: Any, actor: Any, *, lock: bool = False) -> M:
    """`obj_or_pk` re-read through `for_user(actor)`; outside the actor's scope it does not exist (404)."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    qs = model.objects.for_user(actor)  # type: ignore[attr-defined]
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)  # type: ignore[no-any-return]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        raise Http404(NOT_FOUND) from None
