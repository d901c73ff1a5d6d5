"""deferred_page: keys first in the list's order, then only the page's rows with their joins."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from anjian.conftest import make_uscc
from anjian.core.paging import deferred_page
from anjian.enterprises.models import Enterprise

pytestmark = pytest.mark.django_db


@pytest.fixture
def many(world: Any) -> list[Enterprise]:
    rows = [
        Enterprise(name=f"测试企业{i:03d}", uscc=make_uscc(500 + i), community=world.community_a, employees=i)
        for i in range(23)
    ]
    Enterprise.objects.bulk_create(rows)
    return rows


def test_pages_follow_the_order_and_hydrate_only_the_page(many: Any) -> None:
    qs = Enterprise.objects.filter(name__startswith="测试企业").order_by("-employees", "id")
    with CaptureQueriesContext(connection) as ctx:
        page = deferred_page(qs, "2", 10, hydrate=lambda q: q.select_related("community"), count=23)
        names = [e.name for e in page.object_list]
        communities = {e.community.name for e in page.object_list}
    assert names == [f"测试企业{i:03d}" for i in range(12, 2, -1)]
    assert communities == {"甲社区"}
    assert len(ctx.captured_queries) == 2  # keys of page 2, then its rows (count given, community joined)
    assert page.paginator.num_pages == 3 and page.has_next() and page.has_previous()


def test_bad_and_out_of_range_page_numbers_fall_back(many: Any) -> None:
    qs = Enterprise.objects.filter(name__startswith="测试企业").order_by("name", "id")
    last = deferred_page(qs, "99", 10, hydrate=lambda q: q)
    assert last.number == 3 and [e.name for e in last.object_list] == [
        "测试企业020",
        "测试企业021",
        "测试企业022",
    ]
    first = deferred_page(qs, "abc", 10, hydrate=lambda q: q)
    assert first.number == 1 and first.object_list[0].name == "测试企业000"
    empty = deferred_page(qs.none(), 1, 10, hydrate=lambda q: q)
    assert list(empty.object_list) == [] and empty.paginator.count == 0


def test_search_column_follows_every_searchable_field(world: Any) -> None:
    from anjian.enterprises.selectors import search

    ent = world.ent_a1
    ent.legal_representative = "王Abc"
    ent.save()
    assert list(search(Enterprise.objects.all(), "abc")) == [ent]
    assert list(search(Enterprise.objects.all(), ent.uscc.lower())) == [ent]
    assert list(search(Enterprise.objects.all(), "王abc 电镀")) == [ent]
    assert list(search(Enterprise.objects.all(), "王abc 餐饮")) == []
