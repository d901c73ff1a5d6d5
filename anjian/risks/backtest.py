"""Back-test of the inspection priority: replay the history period by period (a week by default) and
compare the order in which the visits of each period were actually made (by date) with the order the
priority — computed at the period's start from data before it only — would have chosen.

The measure is the one the City of Chicago used for its food-inspection forecasting (2014: critical
violations found 7.5 days earlier): the visits of a period keep their dates as "slots"; ranked by
priority, the k-th visit takes the k-th earliest slot. For every visit that found a hazard, the
difference between its actual date and its slot is how many days earlier it would have been found;
we report the mean and the share of such visits in the first half of the period (by position in the
period's visit sequence; the middle visit of an odd-sized period counts half) for both orders.

Honesty: a period's scores use only records dated before the period's start (visits, hazards with
their original deadlines, alarms, tips, risk assessments and overrides); ties keep the actual order, so
a priority that knows nothing scores exactly 0 days."""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from anjian.risks.choices import PriorityPart, highest_level
from anjian.risks.priority import Facts, Weights, score


@dataclass(frozen=True)
class Visit:
    enterprise_id: int
    day: dt.date
    findings: int
    ref: int = 0  # tie-breaker: the order in which the visits were made that day


@dataclass(frozen=True)
class HazardRecord:
    enterprise_id: int
    found: dt.date
    deadline: dt.date
    closed: dt.date | None
    major: bool


@dataclass(frozen=True)
class Assessment:
    """A point's level from `day` on, until the point is voided (or reassessed)."""

    point_id: int
    day: dt.date
    level: str
    voided: dt.date | None = None


@dataclass
class History:
    """Everything the replay may know, each record with its date. None = that source has no data."""

    visits: list[Visit]
    categories: dict[int, tuple[str, ...]] = field(default_factory=dict)
    assessments: dict[int, list[Assessment]] = field(default_factory=dict)  # by enterprise
    overrides: dict[int, tuple[dt.date, str]] = field(default_factory=dict)  # enterprise → (from, level)
    hazards: list[HazardRecord] | None = None
    alarms: list[tuple[int, dt.date]] | None = None
    tips: list[tuple[int, dt.date]] | None = None

    def __post_init__(self) -> None:
        self._visits: dict[int, list[Visit]] = defaultdict(list)
        for v in sorted(self.visits, key=lambda v: (v.day, v.ref)):
            self._visits[v.enterprise_id].append(v)
        self._visit_days = {e: [v.day for v in vs] for e, vs in self._visits.items()}
        self._hazards: dict[int, list[HazardRecord]] = defaultdict(list)
        for h in self.hazards or []:
            self._hazards[h.enterprise_id].append(h)
        self._alarms = _by_enterprise(self.alarms or [])
        self._tips = _by_enterprise(self.tips or [])

    def level_at(self, enterprise_id: int, day: dt.date) -> str:
        """The highest level among the points assessed before `day` and not voided by then."""
        override = self.overrides.get(enterprise_id)
        if override is not None and override[0] < day:
            return override[1]
        latest: dict[int, Assessment] = {}
        for a in self.assessments.get(enterprise_id, []):
            if a.day < day and (a.point_id not in latest or a.day >= latest[a.point_id].day):
                latest[a.point_id] = a
        return highest_level(a.level for a in latest.values() if a.voided is None or a.voided >= day)

    def facts_at(self, enterprise_id: int, day: dt.date, weights: Weights) -> Facts:
        """What was known about the enterprise on the morning of `day` (records before `day` only)."""
        f = Facts(
            enterprise_id=enterprise_id,
            level=self.level_at(enterprise_id, day),
            categories=self.categories.get(enterprise_id, ()),
        )
        days = self._visit_days.get(enterprise_id, [])
        upto = bisect.bisect_left(days, day)
        if upto:
            f.days_since_inspection = (day - days[upto - 1]).days
        window = day - dt.timedelta(days=weights[PriorityPart.PAST_FINDINGS].window_days or 365)
        start = bisect.bisect_left(days, window)
        past = self._visits.get(enterprise_id, [])[start:upto]
        f.inspections_in_window = len(past)
        f.findings_in_window = sum(v.findings for v in past)
        if self.hazards is not None:
            open_ = [
                h
                for h in self._hazards.get(enterprise_id, [])
                if h.found < day and (h.closed is None or h.closed >= day)
            ]
            f.open_hazards = len(open_)
            f.overdue_hazards = sum(1 for h in open_ if h.deadline < day)
            f.major_hazards = sum(1 for h in open_ if h.major)
        if self.alarms is not None:
            f.alarms = _count(
                self._alarms, enterprise_id, day, weights[PriorityPart.ALARMS].window_days or 30
            )
        if self.tips is not None:
            f.tips = _count(self._tips, enterprise_id, day, weights[PriorityPart.TIPS].window_days or 90)
        return f


def _by_enterprise(rows: Iterable[tuple[int, dt.date]]) -> dict[int, list[dt.date]]:
    out: dict[int, list[dt.date]] = defaultdict(list)
    for eid, day in rows:
        out[eid].append(day)
    for days in out.values():
        days.sort()
    return out


def _count(index: Mapping[int, list[dt.date]], eid: int, day: dt.date, window: int) -> int:
    days = index.get(eid, [])
    return bisect.bisect_left(days, day) - bisect.bisect_left(days, day - dt.timedelta(days=window))


@dataclass
class PeriodResult:
    start: dt.date
    visits: int
    finding_visits: int
    days_earlier: float  # mean over the period's finding visits
    first_half_priority: float
    first_half_actual: float


@dataclass
class Result:
    """The figures of one replay."""

    period_days: int
    start: dt.date | None
    end: dt.date | None
    periods: list[PeriodResult]
    visits: int
    finding_visits: int
    days_earlier: float  # mean per visit that found a hazard
    days_earlier_per_hazard: float  # mean weighted by the number of hazards found
    first_half_priority: float
    first_half_actual: float

    def summary(self) -> dict[str, Any]:
        return {
            "period_days": self.period_days,
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "periods": len(self.periods),
            "visits": self.visits,
            "finding_visits": self.finding_visits,
            "days_earlier": round(self.days_earlier, 2),
            "days_earlier_per_hazard": round(self.days_earlier_per_hazard, 2),
            "first_half_priority": round(self.first_half_priority, 4),
            "first_half_actual": round(self.first_half_actual, 4),
        }


def _half_weight(position: int, n: int) -> float:
    """1 when `position` (0-based) lies in the first half of n visits, 0.5 for the middle of odd n."""
    if n % 2 and position == n // 2:
        return 0.5
    return 1.0 if position < n / 2 else 0.0


def replay(
    history: History,
    weights: Weights,
    *,
    period_days: int = 7,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> Result:
    """Replay `history` period by period (periods of a week start on Monday)."""
    if period_days < 1:
        raise ValueError("period_days must be ≥ 1")
    visits = sorted(history.visits, key=lambda v: (v.day, v.ref, v.enterprise_id))
    if start is None and visits:
        start = visits[0].day
    if end is None and visits:
        end = visits[-1].day + dt.timedelta(days=1)
    periods: list[PeriodResult] = []
    total_days = total_hazard_days = 0.0
    n_find = n_hazards = 0
    half_p = half_a = 0.0
    n_visits = 0
    if start is None or end is None:
        return Result(period_days, start, end, [], 0, 0, 0.0, 0.0, 0.0, 0.0)
    if period_days == 7:
        start = start - dt.timedelta(days=start.weekday())
    cursor = start
    i = bisect.bisect_left([v.day for v in visits], start)
    while cursor < end:
        stop = cursor + dt.timedelta(days=period_days)
        batch = []
        while i < len(visits) and visits[i].day < stop:
            if visits[i].day >= cursor:
                batch.append(visits[i])
            i += 1
        if batch:
            scores = {
                eid: score(history.facts_at(eid, cursor, weights), weights).total
                for eid in {v.enterprise_id for v in batch}
            }
            actual = batch  # already by date
            slots = [v.day for v in actual]
            ranked = sorted(range(len(actual)), key=lambda k: (-scores[actual[k].enterprise_id], k))
            n = len(actual)
            p_days = 0.0
            p_find = 0
            for position, k in enumerate(ranked):
                v = actual[k]
                if v.findings <= 0:
                    continue
                earlier = (v.day - slots[position]).days
                p_days += earlier
                p_find += 1
                total_hazard_days += earlier * v.findings
                n_hazards += v.findings
                half_p += _half_weight(position, n)
                half_a += _half_weight(k, n)
            total_days += p_days
            n_find += p_find
            n_visits += n
            periods.append(
                PeriodResult(
                    start=cursor,
                    visits=n,
                    finding_visits=p_find,
                    days_earlier=p_days / p_find if p_find else 0.0,
                    first_half_priority=sum(
                        _half_weight(pos, n) for pos, k in enumerate(ranked) if actual[k].findings > 0
                    )
                    / p_find
                    if p_find
                    else 0.0,
                    first_half_actual=sum(_half_weight(k, n) for k in range(n) if actual[k].findings > 0)
                    / p_find
                    if p_find
                    else 0.0,
                )
            )
        cursor = stop
    return Result(
        period_days=period_days,
        start=start,
        end=end,
        periods=periods,
        visits=n_visits,
        finding_visits=n_find,
        days_earlier=total_days / n_find if n_find else 0.0,
        days_earlier_per_hazard=total_hazard_days / n_hazards if n_hazards else 0.0,
        first_half_priority=half_p / n_find if n_find else 0.0,
        first_half_actual=half_a / n_find if n_find else 0.0,
    )


# ------------------------------------------------------------------------------------------- loading
def _day(value: dt.datetime | dt.date | None) -> dt.date | None:
    from django.utils import timezone

    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value)
    return value


def _levels() -> tuple[dict[int, list[Assessment]], dict[int, tuple[dt.date, str]]]:
    from anjian.risks.models import EnterpriseRiskLevel, RiskAssessment

    assessments: dict[int, list[Assessment]] = defaultdict(list)
    for a in RiskAssessment.objects.filter(point__enterprise__isnull=False).values(
        "point_id", "point__enterprise_id", "assessed_on", "level", "point__voided_at"
    ):
        assessments[a["point__enterprise_id"]].append(
            Assessment(a["point_id"], a["assessed_on"], a["level"], _day(a["point__voided_at"]))
        )
    overrides = {
        r["enterprise_id"]: (_day(r["overridden_at"]), r["override_level"])
        for r in EnterpriseRiskLevel.objects.exclude(override_level="").values(
            "enterprise_id", "overridden_at", "override_level"
        )
        if r["overridden_at"] is not None
    }
    return assessments, overrides  # type: ignore[return-value]


def _categories() -> dict[int, tuple[str, ...]]:
    from anjian.enterprises.models import Enterprise

    out: dict[int, list[str]] = defaultdict(list)
    for eid, code in Enterprise.categories.through.objects.values_list("enterprise_id", "keycategory__code"):
        out[eid].append(code)
    return {k: tuple(sorted(v)) for k, v in out.items()}


def history_from_records() -> History:
    """The recorded history: submitted inspections (findings = failed items), hazards with their
    original deadlines, alarms, tip-offs and risk assessments. Key-supervision categories are taken as
    they are now (they rarely change)."""
    from anjian.risks.priority import IGNORED_TIP_STATES, _model

    visits: list[Visit] = []
    Inspection = _model("inspections.Inspection")
    if Inspection is not None:
        for ref, (eid, at, failed) in enumerate(
            Inspection.objects.filter(status="submitted", voided_at__isnull=True, submitted_at__isnull=False)
            .order_by("submitted_at", "id")
            .values_list("enterprise_id", "submitted_at", "failed_count")
            .iterator(chunk_size=5000)
        ):
            visits.append(Visit(eid, _day(at), int(failed or 0), ref))  # type: ignore[arg-type]
    hazards = None
    Hazard = _model("hazards.Hazard")
    if Hazard is not None:
        hazards = [
            HazardRecord(eid, _day(found), deadline, _day(closed), level == "major")  # type: ignore[arg-type]
            for eid, found, deadline, closed, level in Hazard.objects.filter(voided_at__isnull=True)
            .values_list("enterprise_id", "found_at", "original_deadline", "closed_at", "level")
            .iterator(chunk_size=5000)
        ]
    alarms = None
    Alarm = _model("monitoring.Alarm")
    if Alarm is not None:
        alarms = [(eid, _day(at)) for eid, at in Alarm.objects.values_list("enterprise_id", "first_at")]
    tips = None
    Tipoff = _model("tipoffs.Tipoff")
    if Tipoff is not None:
        tips = [
            (eid, _day(at))
            for eid, at in Tipoff.objects.filter(enterprise__isnull=False)
            .exclude(status__in=IGNORED_TIP_STATES)
            .values_list("enterprise_id", "received_at")
        ]
    assessments, overrides = _levels()
    return History(
        visits=visits,
        categories=_categories(),
        assessments=assessments,
        overrides=overrides,
        hazards=hazards,
        alarms=alarms,  # type: ignore[arg-type]
        tips=tips,  # type: ignore[arg-type]
    )


def history_from_synthetic() -> History:
    """The documented synthetic demo history (`risks.demo`): its visits with the same level and category
    facts the live priority uses; hazards, alarms and tips are not part of that model."""
    from anjian.risks.models import SyntheticVisit

    visits = [
        Visit(eid, day, findings, ref)
        for ref, (eid, day, findings) in enumerate(
            SyntheticVisit.objects.order_by("day", "id").values_list("enterprise_id", "day", "findings")
        )
    ]
    assessments, overrides = _levels()
    return History(visits=visits, categories=_categories(), assessments=assessments, overrides=overrides)


def run(
    source: str, weights: Weights, *, period_days: int = 7, actor: Any = None, keep_empty: bool = True
) -> tuple[Result, Any]:
    """Replay one source and keep the figures (BacktestRun) for the office page (an empty history is
    kept only with `keep_empty`, so the page can say there was nothing to replay)."""
    from anjian.core import audit
    from anjian.risks.choices import BacktestSource
    from anjian.risks.models import BacktestRun

    history = history_from_synthetic() if source == BacktestSource.SYNTHETIC else history_from_records()
    result = replay(history, weights, period_days=period_days)
    if not result.visits and not keep_empty:
        return result, None
    run_row = BacktestRun.objects.create(
        source=source,
        ran_by=actor if getattr(actor, "pk", None) else None,
        period_days=period_days,
        start=result.start,
        end=result.end,
        periods=len(result.periods),
        visits=result.visits,
        finding_visits=result.finding_visits,
        days_earlier=Decimal(str(round(result.days_earlier, 2))),
        first_half_priority=Decimal(str(round(result.first_half_priority, 4))),
        first_half_actual=Decimal(str(round(result.first_half_actual, 4))),
        details={
            **result.summary(),
            "weights": {
                k: [str(w.points), str(w.cap) if w.cap is not None else None, w.window_days]
                for k, w in weights.items()
            },
            "by_period": [
                [
                    p.start.isoformat(),
                    p.visits,
                    p.finding_visits,
                    round(p.days_earlier, 2),
                    round(p.first_half_priority, 3),
                    round(p.first_half_actual, 3),
                ]
                for p in result.periods
            ],
        },
    )
    audit.record(actor=actor, action="backtest", obj=run_row, after=result.summary())
    return result, run_row
