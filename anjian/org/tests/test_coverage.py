"""Coverage computation with a fixed `today` (Wednesday 2025-03-12): ISO weeks, calendar months,
voided records, ended assignments, the 'behind' list and the dashboard summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from anjian.org import coverage
from anjian.org.models import Assignment, Meeting, Visit

TODAY = dt.date(2025, 3, 12)  # Wednesday; current week 03-10..03-16, last complete week 03-03..03-09
D = dt.date
JAN_1 = dt.date(2025, 1, 1)


def ent_assignment(world: Any, enterprise: Any, start: dt.date = JAN_1, **kw: Any) -> Assignment:
    return Assignment.objects.create(
        kind="enterprise",
        person=world.cadre,
        enterprise=enterprise,
        community=enterprise.community,
        start_date=start,
        **kw,
    )


def com_assignment(world: Any, community: Any, start: dt.date = JAN_1, **kw: Any) -> Assignment:
    return Assignment.objects.create(
        kind="community",
        person=world.liaison,
        community=community,
        start_date=start,
        meetings_per_month=1,
        **kw,
    )


def add_visit(
    person: Any, day: dt.date, *, enterprise: Any = None, community: Any = None, voided: bool = False
) -> Visit:
    return Visit.objects.create(
        visitor=person,
        enterprise=enterprise,
        community=community or enterprise.community,
        date=day,
        notes="走访",
        voided_at=timezone.now() if voided else None,
    )


def add_meeting(person: Any, community: Any, day: dt.date, *, voided: bool = False) -> Meeting:
    return Meeting.objects.create(
        host=person,
        community=community,
        date=day,
        title="例会",
        participants="x",
        minutes="y",
        voided_at=timezone.now() if voided else None,
    )


def row_of(report: coverage.CoverageReport, person: Any) -> coverage.PersonRow:
    return next(r for r in report.rows if r.person.pk == person.pk)


def week_index(report: coverage.CoverageReport, monday: dt.date) -> int:
    return next(i for i, w in enumerate(report.weeks) if w.start == monday)


def test_periods() -> None:
    weeks, months = coverage._periods(TODAY, 8)
    assert weeks[0].start == D(2025, 1, 20) and weeks[-1].start == D(2025, 3, 10)
    assert all(w.start.weekday() == 0 and (w.end - w.start).days == 6 for w in weeks)
    assert weeks[-1].current and not weeks[-2].current
    assert [m.start for m in months] == [D(2025, 1, 1), D(2025, 2, 1), D(2025, 3, 1)]
    assert months[1].end == D(2025, 2, 28) and months[-1].current
    assert weeks[-1].iso == "2025-W11"


def test_enterprise_weeks(world: Any) -> None:
    ent_assignment(world, world.ent_a1)
    add_visit(world.cadre, D(2025, 3, 9), enterprise=world.ent_a1)  # Sunday: last complete week
    add_visit(world.cadre, D(2025, 3, 3), enterprise=world.ent_a1)  # same week again: capped at 1
    add_visit(world.cadre, D(2025, 2, 25), enterprise=world.ent_a1, voided=True)  # voided: not counted
    add_visit(world.liaison, D(2025, 2, 18), enterprise=world.ent_a1)  # someone else: not counted
    report = coverage.build_report(world.admin, today=TODAY)
    row = row_of(report, world.cadre)
    last = row.weeks[week_index(report, D(2025, 3, 3))]
    assert (last.due, last.done, last.status()) == (1, 1, "done")
    prev = row.weeks[week_index(report, D(2025, 2, 24))]
    assert (prev.due, prev.done, prev.status()) == (1, 0, "missed")
    assert row.weeks[week_index(report, D(2025, 2, 17))].done == 0
    current = row.weeks[-1]
    assert (current.due, current.done, current.status(True)) == (1, 0, "progress")
    assert all(c.due == 0 for c in row.months)  # enterprise assignments have no meetings


def test_ended_assignment_not_due_after_end_and_new_one_due_from_start(world: Any, plating: Any) -> None:
    ent_assignment(world, world.ent_a1, status="ended", end_date=D(2025, 2, 20), end_reason="停产")
    (e2,) = plating(1)
    ent_assignment(world, e2, start=D(2025, 3, 5))  # a Wednesday
    report = coverage.build_report(world.admin, today=TODAY)
    row = row_of(report, world.cadre)
    assert row.weeks[week_index(report, D(2025, 2, 17))].due == 1  # in force on the 17th..20th
    assert row.weeks[week_index(report, D(2025, 2, 24))].due == 0
    assert row.weeks[week_index(report, D(2025, 3, 3))].due == 1  # started on the 5th
    assert row.weeks[week_index(report, D(2025, 1, 27))].due == 1


def test_voided_assignment_never_due(world: Any) -> None:
    ent_assignment(world, world.ent_a1, status="voided", voided_at=timezone.now(), void_reason="录错")
    assert coverage.build_report(world.admin, today=TODAY).rows == []


def test_community_visits_and_monthly_meetings(world: Any) -> None:
    com_assignment(world, world.community_a)
    add_visit(world.liaison, D(2025, 3, 4), enterprise=world.ent_a2)  # an enterprise in the community counts
    add_visit(world.liaison, D(2025, 2, 26), community=world.community_a)
    add_visit(world.liaison, D(2025, 2, 19), community=world.community_b)  # another community: not counted
    add_meeting(world.liaison, world.community_a, D(2025, 2, 28))  # last day of February
    add_meeting(world.liaison, world.community_a, D(2025, 3, 1))  # first day of March
    add_meeting(world.liaison, world.community_a, D(2025, 1, 15), voided=True)
    report = coverage.build_report(world.admin, today=TODAY)
    row = row_of(report, world.liaison)
    assert row.weeks[week_index(report, D(2025, 3, 3))].done == 1
    assert row.weeks[week_index(report, D(2025, 2, 24))].done == 1
    assert row.weeks[week_index(report, D(2025, 2, 17))].done == 0
    jan, feb, mar = row.months
    assert (jan.due, jan.done) == (1, 0)
    assert (feb.due, feb.done) == (1, 1)
    assert (mar.due, mar.done) == (1, 1)


def test_behind_people_and_summary(world: Any, plating: Any) -> None:
    ent_assignment(world, world.ent_a1)
    (e2,) = plating(1)
    ent_assignment(world, e2)
    add_visit(world.cadre, D(2025, 3, 6), enterprise=world.ent_a1)  # 1 of 2 last week
    com_assignment(world, world.community_a)
    add_visit(world.liaison, D(2025, 3, 5), community=world.community_a)  # visits fine
    add_visit(world.liaison, D(2025, 3, 11), community=world.community_a)  # this week
    # no February meeting → behind on meetings
    behind = {b.person.pk: b for b in coverage.behind_people(world.admin, today=TODAY)}
    assert set(behind) == {world.cadre.pk, world.liaison.pk}
    assert behind[world.cadre.pk].reasons == ["上周走访 1/2"]
    assert behind[world.liaison.pk].reasons == ["2025年2月例会 0/1"]
    assert behind[world.cadre.pk].detail == "上周走访 1/2" and behind[world.cadre.pk].name == world.cadre.name
    add_meeting(world.liaison, world.community_a, D(2025, 2, 10))
    add_visit(world.cadre, D(2025, 3, 7), enterprise=e2)
    assert coverage.behind_people(world.admin, today=TODAY) == []
    summary = coverage.coverage_summary(world.admin, today=TODAY)
    assert summary["people"] == 2 and summary["people_behind"] == 0
    assert (summary["visits_due_this_week"], summary["visits_done_this_week"]) == (3, 1)
    assert (summary["visits_due"], summary["visits_done"]) == (3, 1)
    assert (summary["visits_due_last_week"], summary["visits_done_last_week"]) == (3, 3)
    assert (summary["meetings_due_this_month"], summary["meetings_done_this_month"]) == (1, 0)


@pytest.mark.parametrize(
    ("user", "sees"),
    [
        ("admin", {"cadre", "liaison"}),
        ("cadre", {"cadre", "liaison"}),
        ("worker_a", {"cadre", "liaison"}),
        ("worker_b", set()),
    ],
)
def test_scope(world: Any, user: str, sees: set[str]) -> None:
    ent_assignment(world, world.ent_a1)
    com_assignment(world, world.community_a)
    report = coverage.build_report(getattr(world, user), today=TODAY)
    assert {r.person.username for r in report.rows} == sees


def test_community_worker_counts_only_own_community(world: Any) -> None:
    com_assignment(world, world.community_a)
    com_assignment(world, world.community_b)
    a = coverage.build_report(world.worker_a, today=TODAY)
    assert [r.weeks[-2].due for r in a.rows] == [1]
    street = coverage.build_report(world.admin, today=TODAY)
    assert [r.weeks[-2].due for r in street.rows] == [2]


def test_query_count_is_fixed(world: Any, plating: Any, django_assert_max_num_queries: Any) -> None:
    for e in plating(5):
        ent_assignment(world, e)
        add_visit(world.cadre, D(2025, 3, 4), enterprise=e)
    with django_assert_max_num_queries(4):
        coverage.build_report(world.admin, today=TODAY)
