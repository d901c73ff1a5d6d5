"""Counting and paging large hazard sets cheaply. The only database-specific code of the app lives here.

A list of hazards shows its counts per state (and overdue) and one page of rows, in a fixed number of
statements whatever the filters, the page or the size of the table:

- on PostgreSQL, one EXPLAIN gives the planner's estimate of the *closed* hazards (the only state that
  grows without bound: years of history). Above HAZARD_EXACT_COUNT_LIMIT that estimate is shown ("约");
- one grouped COUNT gives every other state exactly, and the overdue ones with a FILTER, in one pass
  (closed included when the estimate is small). The list's own total is derived from these counts,
  never counted again;
- one statement reads the page: the sorted, filtered scan selects the page's keys only (an index-only
  scan where an index fits), the outer query loads those rows with their joins ("deferred join");
- pages are bounded: only the first HAZARD_EXACT_COUNT_LIMIT rows of a list can be paged through
  (narrow the filters or export the ledger for the rest), so no page reads an unbounded OFFSET.

SQLite (one street, small tables) counts exactly and skips the EXPLAIN."""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


def exact_limit() -> int:
    return int(settings.HAZARD_EXACT_COUNT_LIMIT)


class EstimatingPaginator(Paginator):
    """A paginator whose total is exact for small sets and estimated for huge ones (`estimated` says
    which), which never pages beyond the first `max_rows` rows (`truncated` says when rows are left
    out), and which reads a page in one statement (keys first, then those rows). A total already known
    (e.g. from the counts per state) is passed as `count`."""

    def __init__(
        self,
        *args: Any,
        count: int | None = None,
        estimated: bool = False,
        max_rows: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.estimated = estimated
        self.max_rows = exact_limit() if max_rows is None else max_rows
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property

    @cached_property
    def count(self) -> int:
        n, self.estimated = count_rows(self.object_list)  # type: ignore[arg-type]
        return n

    @cached_property
    def num_pages(self) -> int:
        pages: int = super().num_pages
        return min(pages, max(1, math.ceil(self.max_rows / self.per_page)))

    @property
    def truncated(self) -> bool:
        """True when the list holds more rows than can be paged through."""
        return self.count > self.num_pages * self.per_page

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count) if not self.estimated else bottom + self.per_page
        qs = self.object_list
        if not isinstance(qs, QuerySet) or not qs.ordered:
            return Page(qs[bottom:top], number, self)
        # Deferred join in one statement: the filtered, sorted scan reads keys only; the outer query
        # loads just those rows with the same joins and columns, in the same order.
        ordering = list(qs.query.order_by or qs.model._meta.ordering)
        keys = qs.order_by(*ordering).values("pk")[bottom:top]
        outer = qs.model._default_manager.all()
        outer.query.select_related = qs.query.select_related
        outer.query.deferred_loading = qs.query.deferred_loading
        return Page(list(outer.filter(pk__in=keys).order_by(*ordering)), number, self)


def estimated_count(qs: QuerySet[Any]) -> int | None:
    """The PostgreSQL planner's estimate of the rows of `qs` (None on other databases)."""
    connection = connections[qs.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = qs.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        row = cursor.fetchone()
    plan = row[0] if row else None
    if isinstance(plan, str):
        plan = json.loads(plan)
    try:
        return int(plan[0]["Plan"]["Plan Rows"])  # type: ignore[index]
    except (TypeError, KeyError, IndexError, ValueError):
        return None


def count_rows(qs: QuerySet[Any], limit: int | None = None) -> tuple[int, bool]:
    """(number of rows, estimated?): exact unless the estimate is above `limit`."""
    limit = exact_limit() if limit is None else limit
    estimate = estimated_count(qs)
    if estimate is not None and estimate > limit:
        return estimate, True
    return qs.order_by().count(), False
