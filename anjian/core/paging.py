"""Paging large, sorted lists with a "deferred join": the sorted, filtered scan reads primary keys only
(an index-only scan where an index fits), then just the page's rows are loaded with their joins,
prefetches and per-row subqueries. Deep pages and sorts without an index stay cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet


def deferred_page(
    qs: QuerySet[Any],
    number: Any,
    per_page: int,
    *,
    hydrate: Callable[[QuerySet[Any]], QuerySet[Any]],
    count: int | None = None,
) -> Page:
    """The page `number` (any user input; out-of-range gives the last page) of the ordered `qs`.
    `hydrate` adds what a row shows (select_related, prefetch, annotations) to a queryset of the page's
    rows; `count`, when already known, saves the COUNT query."""
    paginator = Paginator(qs.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.__dict__["count"] = count  # fills the cached_property
    page = paginator.get_page(number)
    ids = list(page.object_list)
    rows = {obj.pk: obj for obj in hydrate(qs.model._default_manager.filter(pk__in=ids)).order_by()}
    page.object_list = [rows[pk] for pk in ids if pk in rows]
    return page
