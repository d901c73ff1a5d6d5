"""Counting large hazard sets cheaply. The only database-specific code of the app lives here.

On PostgreSQL, COUNT(*) over a million rows costs a few hundred milliseconds; above HAZARD_EXACT_COUNT_LIMIT
rows the planner's estimate (EXPLAIN) is used instead and the page says "约". SQLite (one street,
small tables) always counts exactly."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.functional import cached_property


class EstimatingPaginator(Paginator):
    """A paginator whose total is exact for small sets and estimated for huge ones (`estimated` says which).
    A total already known (e.g. from the counts per state) can be passed as `count`."""

    def __init__(self, *args: Any, count: int | None = None, estimated: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.estimated = estimated
        if count is not None:
            self.__dict__["count"] = count  # fills the cached_property

    @cached_property
    def count(self) -> int:
        n, self.estimated = count_rows(self.object_list)  # type: ignore[arg-type]
        return n


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
    limit = settings.HAZARD_EXACT_COUNT_LIMIT if limit is None else limit
    estimate = estimated_count(qs)
    if estimate is not None and estimate > limit:
        return estimate, True
    return qs.order_by().count(), False
