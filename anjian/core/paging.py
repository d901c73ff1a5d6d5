"""Paging large, sorted lists with a "deferred join": the sorted, filtered scan reads primary keys only
(an index-only scan where an index fits), then just the page's rows are loaded with their joins,
prefetches and per-row subqueries. Deep pages and sorts without an index stay cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import QuerySet

Hydrate = Callable[[QuerySet[Any]], QuerySet[Any]]


class DeferredPaginator(Paginator):
    """A paginator over an ordered queryset that reads the page's keys first, then its rows.

    Without `hydrate`, the rows come from `object_list` itself narrowed to the page's keys (its
    select_related, prefetches and annotations apply to those rows only). With `hydrate`, from
    hydrate(model.objects.filter(pk__in=keys)). A `count` already known saves the COUNT query."""

    def __init__(
        self,
        object_list: QuerySet[Any],
        per_page: int,
        *args: Any,
        hydrate: Hydrate | None = None,
        count: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(object_list, per_page, *args, **kwargs)
        self.hydrate = hydrate
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        qs: QuerySet[Any] = self.object_list  # type: ignore[assignment]
        ids = list(qs.prefetch_related(None).values_list("pk", flat=True)[bottom:top])
        if self.hydrate is not None:
            rows_qs = self.hydrate(qs.model._default_manager.filter(pk__in=ids))
        else:
            rows_qs = qs.filter(pk__in=ids)
        rows = {obj.pk: obj for obj in rows_qs.order_by()}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)


def deferred_page(
    qs: QuerySet[Any], number: Any, per_page: int, *, hydrate: Hydrate, count: int | None = None
) -> Page:
    """The page `number` (any user input; out-of-range gives the last page) of the ordered `qs`."""
    return DeferredPaginator(qs, per_page, hydrate=hydrate, count=count).get_page(number)
