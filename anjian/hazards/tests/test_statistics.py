"""Statutory statistics: periods, due dates (15th of the month after a quarter; 31 January), counts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from anjian.hazards import services, statistics
from anjian.hazards.models import Hazard
from anjian.hazards.statistics import Period
from anjian.hazards.tests.conftest import photo


@pytest.mark.parametrize(
    ("period", "start", "end", "due"),
    [
        (Period(2025, 1), dt.date(2025, 1, 1), dt.date(2025, 3, 31), dt.date(2025, 4, 15)),
        (Period(2025, 2), dt.date(2025, 4, 1), dt.date(2025, 6, 30), dt.date(2025, 7, 15)),
        (Period(2025, 3), dt.date(2025, 7, 1), dt.date(2025, 9, 30), dt.date(2025, 10, 15)),
        (Period(2025, 4), dt.date(2025, 10, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 15)),
        (Period(2025), dt.date(2025, 1, 1), dt.date(2025, 12, 31), dt.date(2026, 1, 31)),
    ],
)
def test_periods_and_due_dates(period, start, end, due):
    assert (period.start, period.end, period.due) == (start, end, due)


def test_current_periods_around_new_year():
    last_q, this_q, annual = statistics.current_periods(dt.date(2026, 1, 10))
    assert last_q == Period(2025, 4) and this_q == Period(2026, 1) and annual == Period(2025)
    assert statistics.current_periods(dt.date(2026, 5, 2))[0] == Period(2026, 1)


def test_parse_period_refuses_nonsense():
    assert statistics.parse_period("abc", "1", dt.date(2026, 5, 2)) == Period(2026, 1)
    assert statistics.parse_period("2026", "9", dt.date(2026, 5, 2)) == Period(2026, 1)
    assert statistics.parse_period("2025", "0", dt.date(2026, 5, 2)) == Period(2025)


def test_counts_found_rectified_overdue_by_level(world, make_hazard):
    tz = timezone.get_current_timezone()
    jan = dt.datetime(2025, 1, 10, 9, tzinfo=tz)
    a = make_hazard(title="一季度发现、一季度销号")
    b = make_hazard(title="一季度发现、期末逾期", level="major", actor=world.office, funds="1")
    c = make_hazard(title="作废的不计")
    services.void_hazard(c, actor=world.office, reason="重复")
    services.start_rectification(a, actor=world.officer_a)
    services.submit_rectification(a, actor=world.officer_a, note="ok", photos=[photo()])
    services.verify(a, actor=world.inspector_a1, passed=True, note="ok")
    Hazard.objects.filter(pk__in=[a.pk, b.pk, c.pk]).update(
        found_at=jan, original_deadline=dt.date(2025, 2, 1), current_deadline=dt.date(2025, 2, 1)
    )
    Hazard.objects.filter(pk=a.pk).update(
        rectified_at=dt.datetime(2025, 1, 18, tzinfo=tz), closed_at=dt.datetime(2025, 1, 20, tzinfo=tz)
    )
    report = statistics.build(Hazard.objects.all(), Period(2025, 1))
    assert report.totals["all"] == {"found": 2, "rectified": 1, "on_time": 1, "unfinished": 1, "overdue": 1}
    assert report.totals["major"]["overdue"] == 1 and report.totals["general"]["rectified"] == 1
    q2 = statistics.build(Hazard.objects.all(), Period(2025, 2))
    assert q2.totals["all"]["found"] == 0 and q2.totals["all"]["overdue"] == 1
