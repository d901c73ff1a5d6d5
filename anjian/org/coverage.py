"""Coverage of assignments (履职覆盖): per person and per ISO week (Monday–Sunday, Asia/Shanghai), what was
due and what was done.

Conventions (also shown on the page):
- An assignment is due in a week when it is in force on at least one day of that week (start date on or
  before Sunday, not ended before Monday, not voided).
- Enterprise assignment: `visits_per_week` visits per week to that enterprise by the assigned person.
- Community assignment: `visits_per_week` visits per week in that community (to the community or any of
  its enterprises) by the person, and `meetings_per_month` meetings per calendar month in that community
  hosted by the person. Meetings are counted in separate monthly columns, not in the weeks.
- Done counts never exceed what was due for the same assignment (two visits to one enterprise do not make
  up for another); voided visits and meetings never count.
- "Behind" (落后): less done than due in the last complete week, or in the last complete month's meetings.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q
from django.utils import timezone

from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.models import Assignment, Meeting, User, Visit

WEEKDAY_LABELS = "一二三四五六日"


def week_start(day: dt.date) -> dt.date:
    """The Monday of the ISO week containing `day`."""
    return day - dt.timedelta(days=day.weekday())


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    nxt = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return nxt - dt.timedelta(days=1)


@dataclass(frozen=True)
class Period:
    """A week or a calendar month of the report."""

    start: dt.date
    end: dt.date
    label: str
    current: bool = False  # the period contains today: not over yet

    @property
    def iso(self) -> str:
        year, week, _ = self.start.isocalendar()
        return f"{year}-W{week:02d}" if (self.end - self.start).days == 6 else f"{self.start:%Y-%m}"


@dataclass
class Cell:
    """What was due and what was done in one period."""

    due: int = 0
    done: int = 0

    def add(self, due: int, done: int) -> None:
        self.due += due
        self.done += min(done, due)

    @property
    def short(self) -> int:
        return max(0, self.due - self.done)

    def status(self, current: bool = False) -> str:
        """none (nothing due) · done · progress (current period, not yet done) · partial · missed."""
        if self.due == 0:
            return "none"
        if self.done >= self.due:
            return "done"
        if current:
            return "progress"
        return "partial" if self.done else "missed"


@dataclass
class PersonRow:
    """One person's line of the matrix."""

    person: User
    assignments: list[Assignment] = field(default_factory=list)
    weeks: list[Cell] = field(default_factory=list)
    months: list[Cell] = field(default_factory=list)

    @property
    def targets(self) -> list[str]:
        return [a.target_label for a in self.assignments if a.status == AssignmentStatus.ACTIVE]


@dataclass
class CoverageReport:
    today: dt.date
    weeks: list[Period]
    months: list[Period]
    rows: list[PersonRow]

    @property
    def last_complete_week_index(self) -> int:
        return len(self.weeks) - 2

    @property
    def last_complete_month_index(self) -> int:
        return len(self.months) - 2

    def week_cells(self) -> list[list[tuple[Cell, Period]]]:
        return [list(zip(row.weeks, self.weeks, strict=True)) for row in self.rows]


@dataclass
class BehindEntry:
    """A person behind in the last complete week's visits and/or last complete month's meetings."""

    person: User
    week: Cell
    month: Cell
    week_period: Period
    month_period: Period
    reasons: list[str]

    @property
    def name(self) -> str:
        return self.person.name or self.person.username

    @property
    def role_label(self) -> str:
        return self.person.role_label

    @property
    def detail(self) -> str:
        return "；".join(self.reasons)


def _in_force(a: Assignment, start: dt.date, end: dt.date) -> bool:
    if a.start_date > end:
        return False
    return a.end_date is None or a.end_date >= start


def _periods(today: dt.date, weeks: int) -> tuple[list[Period], list[Period]]:
    this_monday = week_start(today)
    week_periods = []
    for i in range(weeks - 1, -1, -1):
        start = this_monday - dt.timedelta(weeks=i)
        end = start + dt.timedelta(days=6)
        label = f"{start:%m-%d}–{end:%m-%d}"
        week_periods.append(Period(start, end, label, current=(i == 0)))
    first_month = month_start(min(week_periods[0].start, month_start(today) - dt.timedelta(days=1)))
    month_periods = []
    cursor = first_month
    while cursor <= today:
        end = month_end(cursor)
        month_periods.append(
            Period(cursor, end, f"{cursor.year}年{cursor.month}月", current=cursor <= today <= end)
        )
        cursor = end + dt.timedelta(days=1)
    return week_periods, month_periods


def scoped_assignments(user: Any, start: dt.date, end: dt.date) -> list[Assignment]:
    """Assignments visible to `user` that are in force at some point between start and end."""
    return list(
        Assignment.objects.for_user(user)
        .filter(voided_at__isnull=True, start_date__lte=end)
        .exclude(status=AssignmentStatus.VOIDED)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=start))
        .select_related("person", "enterprise", "community")
        .order_by("person__name", "person_id", "kind", "id")
    )


def build_report(user: Any, today: dt.date | None = None, weeks: int = 8) -> CoverageReport:
    """The people × weeks matrix (plus monthly meeting columns) in `user`'s scope."""
    today = today or timezone.localdate()
    weeks = max(1, min(int(weeks), 52))
    week_periods, month_periods = _periods(today, weeks)
    start = min(week_periods[0].start, month_periods[0].start)
    end = today
    assignments = scoped_assignments(user, start, end)
    person_ids = {a.person_id for a in assignments}

    visits_ent: Counter[tuple[int, int, dt.date]] = Counter()
    visits_com: Counter[tuple[int, int, dt.date]] = Counter()
    for visitor_id, enterprise_id, community_id, day in Visit.objects.filter(
        voided_at__isnull=True, visitor_id__in=person_ids, date__gte=start, date__lte=end
    ).values_list("visitor_id", "enterprise_id", "community_id", "date"):
        ws = week_start(day)
        if enterprise_id:
            visits_ent[(visitor_id, enterprise_id, ws)] += 1
        visits_com[(visitor_id, community_id, ws)] += 1
    meetings: Counter[tuple[int, int, dt.date]] = Counter()
    for host_id, community_id, day in Meeting.objects.filter(
        voided_at__isnull=True, host_id__in=person_ids, date__gte=start, date__lte=end
    ).values_list("host_id", "community_id", "date"):
        meetings[(host_id, community_id, month_start(day))] += 1

    rows: dict[int, PersonRow] = {}
    for a in assignments:
        row = rows.get(a.person_id)
        if row is None:
            row = rows[a.person_id] = PersonRow(
                a.person, weeks=[Cell() for _ in week_periods], months=[Cell() for _ in month_periods]
            )
        row.assignments.append(a)
        for i, w in enumerate(week_periods):
            if not _in_force(a, w.start, w.end):
                continue
            if a.kind == AssignmentKind.ENTERPRISE:
                done = visits_ent[(a.person_id, a.enterprise_id or 0, w.start)]
            else:
                done = visits_com[(a.person_id, a.community_id, w.start)]
            row.weeks[i].add(a.visits_per_week, done)
        if a.kind == AssignmentKind.COMMUNITY and a.meetings_per_month:
            for i, m in enumerate(month_periods):
                if _in_force(a, m.start, m.end):
                    row.months[i].add(a.meetings_per_month, meetings[(a.person_id, a.community_id, m.start)])
    ordered = sorted(rows.values(), key=lambda r: (r.person.role, r.person.name, r.person.pk))
    return CoverageReport(today=today, weeks=week_periods, months=month_periods, rows=ordered)


def behind_from(report: CoverageReport) -> list[BehindEntry]:
    wi = report.last_complete_week_index
    mi = report.last_complete_month_index
    out = []
    for row in report.rows:
        week = row.weeks[wi] if wi >= 0 else Cell()
        month = row.months[mi] if mi >= 0 else Cell()
        reasons = []
        if week.short:
            reasons.append(f"上周走访 {week.done}/{week.due}")
        if month.short:
            reasons.append(f"{report.months[mi].label}例会 {month.done}/{month.due}")
        if reasons:
            out.append(
                BehindEntry(
                    person=row.person,
                    week=week,
                    month=month,
                    week_period=report.weeks[wi] if wi >= 0 else report.weeks[-1],
                    month_period=report.months[mi] if mi >= 0 else report.months[-1],
                    reasons=reasons,
                )
            )
    return out


def behind_people(user: Any, today: dt.date | None = None) -> list[BehindEntry]:
    """People in `user`'s scope who did less than due in the last complete week or last complete month."""
    return behind_from(build_report(user, today=today, weeks=2))


def summary_from(report: CoverageReport) -> dict[str, int]:
    """Dashboard counts of a report: people, people behind, visits this/last week, meetings this month."""
    this_week = Cell()
    last_week = Cell()
    this_month = Cell()
    for row in report.rows:
        this_week.add(row.weeks[-1].due, row.weeks[-1].done)
        if len(row.weeks) > 1:
            last_week.add(row.weeks[-2].due, row.weeks[-2].done)
        this_month.add(row.months[-1].due, row.months[-1].done)
    return {
        "people": len(report.rows),
        "people_behind": len(behind_from(report)),
        "visits_due": this_week.due,
        "visits_done": this_week.done,
        "visits_due_this_week": this_week.due,
        "visits_done_this_week": this_week.done,
        "visits_due_last_week": last_week.due,
        "visits_done_last_week": last_week.done,
        "meetings_due_this_month": this_month.due,
        "meetings_done_this_month": this_month.done,
    }


def coverage_summary(user: Any, today: dt.date | None = None) -> dict[str, int]:
    """Counts for the home dashboard: people assigned / behind, visits due/done this week, meetings this month."""
    return summary_from(build_report(user, today=today, weeks=2))
