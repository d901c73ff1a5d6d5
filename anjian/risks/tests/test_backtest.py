"""The back-test: a known answer on a tiny history, priority beats date order when risk relates to
findings and not when it does not, and no future data leaks into a period's scores."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import pytest

from anjian.risks import backtest
from anjian.risks.backtest import Assessment, History, Visit
from anjian.risks.demo import NULL_MODEL, Coefficients, SiteFacts, synthetic_visits
from anjian.risks.priority import default_weights

W = default_weights()
MONDAY = dt.date(2026, 3, 2)
ASSESSED = dt.date(2025, 1, 1)


def test_known_answer_on_one_week() -> None:
    # A is red and was inspected on Friday where it had a hazard; B (blue) and C (blue) earlier in the week.
    history = History(
        visits=[
            Visit(2, MONDAY, 0, 1),
            Visit(3, MONDAY + dt.timedelta(days=2), 0, 2),
            Visit(1, MONDAY + dt.timedelta(days=4), 1, 3),
        ],
        assessments={
            1: [Assessment(11, ASSESSED, "red")],
            2: [Assessment(12, ASSESSED, "blue")],
            3: [Assessment(13, ASSESSED, "blue")],
        },
    )
    r = backtest.replay(history, W)
    assert (r.visits, r.finding_visits, len(r.periods)) == (3, 1, 1)
    assert r.days_earlier == 4.0  # Friday → Monday
    assert (r.first_half_priority, r.first_half_actual) == (1.0, 0.0)


def test_ties_keep_the_actual_order() -> None:
    visits = [Visit(i, MONDAY + dt.timedelta(days=i % 5), i % 2, i) for i in range(10)]
    r = backtest.replay(History(visits=visits, categories={}), W)
    assert r.days_earlier == 0.0
    assert r.first_half_priority == r.first_half_actual


def test_middle_visit_of_odd_period_counts_half() -> None:
    visits = [
        Visit(1, MONDAY, 0, 1),
        Visit(2, MONDAY + dt.timedelta(days=1), 1, 2),
        Visit(3, MONDAY + dt.timedelta(days=2), 0, 3),
    ]
    r = backtest.replay(History(visits=visits), W)
    assert r.first_half_actual == 0.5


def _sites(
    n: int, rng: random.Random
) -> tuple[list[SiteFacts], dict[int, list[Assessment]], dict[int, tuple[str, ...]]]:
    levels = ["blue", "yellow", "orange", "red"]
    sites, assessments, categories = [], {}, {}
    for eid in range(1, n + 1):
        rank = rng.choice([1, 1, 1, 2, 2, 3, 4])
        n_cat = rng.choice([0, 0, 1, 1, 2])
        sites.append(SiteFacts(eid, rank, n_cat))
        assessments[eid] = [Assessment(eid, ASSESSED, levels[rank - 1])]
        categories[eid] = tuple(["electroplating", "confined_space"][:n_cat])
    return sites, assessments, categories


def _history(model: Coefficients, seed: int = 7, n: int = 400) -> History:
    rng = random.Random(seed)
    sites, assessments, categories = _sites(n, rng)
    rows = synthetic_visits(sites, start=MONDAY, weeks=40, rng=rng, coefficients=model)
    visits = [Visit(e, d, f, i) for i, (e, d, f) in enumerate(sorted(rows, key=lambda r: (r[1], r[0])))]
    return History(visits=visits, assessments=assessments, categories=categories)


def test_priority_beats_date_order_when_risk_relates_to_findings() -> None:
    r = backtest.replay(_history(Coefficients()), W)
    assert r.finding_visits > 300
    assert r.days_earlier > 0.4
    assert r.first_half_priority > r.first_half_actual + 0.1


def test_priority_does_not_beat_date_order_when_findings_are_random() -> None:
    r = backtest.replay(_history(NULL_MODEL), W)
    assert r.finding_visits > 300
    assert abs(r.days_earlier) < 0.25
    assert abs(r.first_half_priority - r.first_half_actual) < 0.05


def test_no_future_data_leaks_into_a_period() -> None:
    base = _history(Coefficients(), n=120)
    target = MONDAY + dt.timedelta(weeks=20)
    eids = {v.enterprise_id for v in base.visits if target <= v.day < target + dt.timedelta(days=7)}
    before = {e: base.facts_at(e, target, W) for e in eids}
    # Change everything from the period start on: findings, new visits, a reassessment, hazards.
    changed = History(
        visits=[
            Visit(v.enterprise_id, v.day, v.findings + 5 if v.day >= target else v.findings, v.ref)
            for v in base.visits
        ]
        + [Visit(e, target, 9, 10**6 + e) for e in eids],
        assessments={e: [*a, Assessment(e, target, "red")] for e, a in base.assessments.items()},
        categories=base.categories,
        hazards=[backtest.HazardRecord(e, target, target, None, True) for e in eids],
    )
    after = {e: changed.facts_at(e, target, W) for e in eids}
    for e in eids:
        b, a = before[e], after[e]
        assert (b.level, b.days_since_inspection, b.inspections_in_window, b.findings_in_window) == (
            a.level,
            a.days_since_inspection,
            a.inspections_in_window,
            a.findings_in_window,
        )
        assert a.open_hazards == 0  # found on the period's first day: not known at its start


@pytest.mark.django_db
def test_demo_seed_and_stored_runs(world: Any) -> None:
    from anjian.risks import demo
    from anjian.risks.models import BacktestRun, EnterpriseRiskLevel, RiskPoint, SyntheticVisit

    counts = demo.seed()
    assert counts["points"] >= 3 and counts["synthetic_visits"] > 0
    assert (
        RiskPoint.objects.filter(enterprise=world.ent_a1, template__category__code="electroplating").count()
        >= 4
    )
    assert EnterpriseRiskLevel.objects.count() == 3
    assert SyntheticVisit.objects.exists()
    assert BacktestRun.objects.filter(source="synthetic").exists()
    assert demo.seed() == {"points": 0, "synthetic_visits": 0}  # idempotent


@pytest.mark.django_db
def test_bench_priority_command(world: Any, make_point: Any) -> None:
    import io

    from django.core.management import call_command

    from anjian.risks.models import BacktestRun, SyntheticVisit

    make_point(level="red")
    for week in range(3):
        SyntheticVisit.objects.create(
            enterprise=world.ent_a2, day=MONDAY + dt.timedelta(weeks=week), findings=0
        )
        SyntheticVisit.objects.create(
            enterprise=world.ent_a1, day=MONDAY + dt.timedelta(weeks=week, days=3), findings=1
        )
    out = io.StringIO()
    call_command("bench_priority", "--source", "synthetic", "--period-days", "7", stdout=out)
    text = out.getvalue()
    assert "演示合成历史" in text and "3.00" in text
    run = BacktestRun.objects.get(source="synthetic")
    assert float(run.days_earlier) == 3.0 and run.periods == 3
