"""Demo data of the risk register, and a documented synthetic inspection history for the back-test.

`seed()` does three things, deterministically (seeded random generator):

1. **Risk points.** Every operating demo enterprise gets the template risk points of its key-supervision
   categories (electroplating, confined space, gas catering, e-bike charging, construction); the assessor's
   judgement is simulated by moving the template's likelihood L one step down or up with probability
   1/4 each. Enterprises without such a category get one general fire-safety point (LEC, L ∈ {1, 3},
   E = 6, C ∈ {3, 7}); each park gets one point for its fire lanes and water supply. All first
   assessments are dated 366–425 days ago, i.e. *before* the history below starts; one point in ten
   has an older assessment too (reassessment history). The enterprise levels follow from the points.

2. **Synthetic history** (`SyntheticVisit`, 52 weeks) — the recorded demo inspections of
   `anjian.inspections.demo` draw failed items from a random "usual offenders" set that has nothing to
   do with risk, so a separate history is generated here by this model:

   - the usual round: each enterprise is visited every k weeks (k uniform in 2…8, random phase) on a
     random working day — the visit schedule knows nothing about risk;
   - at a visit, a hazard is found with probability
       P(finding) = logistic(a + b·(rank − 1) + c·n_categories + d·min(past, 3) + g·min(gap/30, 3) + u)
     where rank is the enterprise's risk level as assessed before the visit (blue 1 … red 4),
     n_categories its number of key-supervision categories, past the hazards found per visit in the
     previous 365 days, gap the days since its previous visit, and u ~ N(0, 0.6²) a per-enterprise
     effect nobody observes; a = −2.6, b = 0.55, c = 0.25, d = 0.5, g = 0.15;
   - when a hazard is found, the number found is 1 + Binomial(3, P).

   So risk factors really relate to findings, but not perfectly (u, and chance).

3. **Back-test figures** for both sources (records and synthetic), kept as `BacktestRun` rows so the
   office page shows them at once; `anjian bench priority` recomputes them.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.context import origin
from anjian.enterprises.choices import OperatingStatus
from anjian.enterprises.models import Enterprise, Park
from anjian.risks import assessment as calc
from anjian.risks.choices import (
    LEC_L,
    LEVEL_RANK,
    SUGGESTED_CONTROL,
    BacktestSource,
    Method,
    RiskLevel,
    highest_level,
)
from anjian.risks.models import EnterpriseRiskLevel, RiskAssessment, RiskPoint, RiskTemplate, SyntheticVisit
from anjian.risks.services import load_bands

HISTORY_WEEKS = 52
RESPONSIBLE = ["张伟", "王芳", "李强", "刘洋", "陈静", "杨帆", "黄磊", "周敏", "吴刚", "郑丽"]
GENERAL_POINT = {
    "name": "消防安全（电气线路与疏散通道）",
    "kind": "place",
    "location": "经营场所",
    "hazard_factors": "电气线路老化、私拉乱接；疏散通道堵塞；灭火器失效",
    "accident_types": ["fire", "electrocution"],
    "measures": [
        {"type": "engineering", "text": "电气线路穿管保护，设置漏电保护装置"},
        {"type": "management", "text": "每日防火巡查，保持疏散通道畅通"},
        {"type": "emergency", "text": "按规定配置灭火器并每月检查"},
    ],
}
PARK_POINT = {
    "name": "园区消防车通道与消防水源",
    "kind": "place",
    "location": "园区主干道、室外消火栓",
    "hazard_factors": "消防车通道被占用；消火栓无水或损坏；企业间防火间距不足",
    "accident_types": ["fire"],
    "measures": [
        {"type": "management", "text": "园区管理方每周巡查消防车通道，划线并设置禁停标志"},
        {"type": "engineering", "text": "室外消火栓每季度试水"},
        {"type": "emergency", "text": "园区义务消防队每日演练"},
    ],
}


@dataclass(frozen=True)
class Coefficients:
    """The synthetic model's coefficients (see the module docstring)."""

    a: float = -2.6
    b: float = 0.55  # per step of risk level
    c: float = 0.25  # per key-supervision category
    d: float = 0.5  # per past finding per visit (capped at 3)
    g: float = 0.15  # per 30 days since the previous visit (capped at 3)
    u_sd: float = 0.6


DEFAULT_MODEL = Coefficients()
NULL_MODEL = Coefficients(a=-1.6, b=0.0, c=0.0, d=0.0, g=0.0, u_sd=0.0)


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass(frozen=True)
class SiteFacts:
    """What the synthetic model uses about one enterprise."""

    enterprise_id: int
    rank: int  # 1 (blue) … 4 (red), 0 unassessed
    categories: int


def synthetic_visits(
    sites: Sequence[SiteFacts],
    *,
    start: dt.date,
    weeks: int,
    rng: random.Random,
    coefficients: Coefficients = DEFAULT_MODEL,
) -> list[tuple[int, dt.date, int]]:
    """Generate (enterprise, day, findings) by the model of the module docstring."""
    start = start - dt.timedelta(days=start.weekday())
    out: list[tuple[int, dt.date, int]] = []
    co = coefficients
    for site in sites:
        u = rng.gauss(0.0, co.u_sd) if co.u_sd else 0.0
        every = rng.randint(2, 8)
        phase = rng.randrange(every)
        past: list[tuple[dt.date, int]] = []
        last: dt.date | None = None
        for week in range(phase, weeks, every):
            day = start + dt.timedelta(days=7 * week + rng.randint(0, 4))
            recent = [n for d, n in past if (day - d).days <= 365]
            past_rate = sum(recent) / len(recent) if recent else 0.0
            gap = (day - last).days if last else 90
            x = (
                co.a
                + co.b * max(site.rank - 1, 0)
                + co.c * site.categories
                + co.d * min(past_rate, 3.0)
                + co.g * min(gap / 30.0, 3.0)
                + u
            )
            p = _logistic(x)
            findings = 0
            if rng.random() < p:
                findings = 1 + sum(1 for _ in range(3) if rng.random() < p)
            out.append((site.enterprise_id, day, findings))
            past.append((day, findings))
            last = day
    return out


def _perturb(template: RiskTemplate, rng: random.Random) -> dict[str, Any]:
    """The template's values with L moved one step down or up (1/4 each): the assessor's judgement."""
    roll = rng.random()
    return _step(
        template.method, template.assessment_values(), -1 if roll < 0.25 else (1 if roll > 0.75 else 0)
    )


def _step(method: str, values: dict[str, Any], step: int) -> dict[str, Any]:
    """`values` with the likelihood moved `step` rungs up (bounded)."""
    out = dict(values)
    if method == Method.LEC:
        ladder = sorted(LEC_L)
        i = ladder.index(Decimal(out["likelihood"]))
        out["likelihood"] = ladder[min(max(i + step, 0), len(ladder) - 1)]
    else:
        out["likelihood"] = Decimal(min(max(int(out["likelihood"]) + step, 1), 5))
    return out


def _measures(rows: Iterable[dict[str, str]]) -> list[dict[str, str]]:
    return [dict(m) for m in rows]


def seed(stdout: Any = None, *, seed_value: int = 2026, today: dt.date | None = None) -> dict[str, int]:
    """Create the demo risk register, the synthetic history and the back-test figures (skipped when risk
    points already exist)."""
    if RiskPoint.objects.exists():
        _say(stdout, "风险点已存在，跳过。")
        return {"points": 0, "synthetic_visits": 0}
    rng = random.Random(seed_value)
    today = today or timezone.localdate()
    history_start = today - dt.timedelta(weeks=HISTORY_WEEKS)
    enterprises = list(
        Enterprise.objects.filter(status=OperatingStatus.OPERATING)
        .prefetch_related("categories")
        .order_by("pk")
    )
    if not enterprises:
        _say(stdout, "没有企业，跳过风险管控演示数据。")
        return {"points": 0, "synthetic_visits": 0}
    bands = load_bands()
    templates: dict[str, list[RiskTemplate]] = defaultdict(list)
    for t in RiskTemplate.objects.filter(is_active=True).select_related("category"):
        templates[t.category.code].append(t)

    with transaction.atomic(), origin("cli"):
        points: list[RiskPoint] = []
        plans: list[list[tuple[dict[str, Any], calc.Grading, dt.date, str]]] = []

        def add(point: RiskPoint, method: str, values: dict[str, Any], first_day: dt.date, note: str) -> None:
            cleaned, grading = calc.assess(method, values, bands)
            rows = []
            if rng.random() < 0.1:  # an older assessment: the point was reassessed since
                older = _step(method, values, 1)
                older_day = first_day - dt.timedelta(days=rng.randint(180, 400))
                older_cleaned, older_grading = calc.assess(method, older, bands)
                rows.append((older_cleaned, older_grading, older_day, "首次辨识评估"))
            rows.append((cleaned, grading, first_day, note))
            point.level = grading.level
            point.score = grading.score
            point.control_level = SUGGESTED_CONTROL[RiskLevel(grading.level)]
            points.append(point)
            plans.append(rows)

        for ent in enterprises:
            codes = [c.code for c in ent.categories.all()]
            chosen = [t for code in codes for t in templates.get(code, [])]
            person = ent.safety_officer or rng.choice(RESPONSIBLE)
            first_day = history_start - dt.timedelta(days=rng.randint(1, 60))
            review = today + dt.timedelta(days=rng.randint(-20, 300))
            if chosen:
                for t in chosen:
                    add(
                        RiskPoint(
                            community_id=ent.community_id,
                            grid_id=ent.grid_id,
                            enterprise=ent,
                            name=t.name,
                            kind=t.kind,
                            location=t.location,
                            hazard_factors=t.hazard_factors,
                            accident_types=list(t.accident_types),
                            measures=_measures(t.measures),
                            responsible_name=person,
                            responsible_phone=ent.phone,
                            review_date=review,
                            template=t,
                        ),
                        t.method,
                        _perturb(t, rng),
                        first_day,
                        f"按模板“{t.name}”评估",
                    )
            else:
                values = {
                    "likelihood": rng.choice([Decimal(1), Decimal(1), Decimal(3)]),
                    "exposure": Decimal(6),
                    "consequence": rng.choice([Decimal(3), Decimal(7)]),
                }
                add(
                    RiskPoint(
                        community_id=ent.community_id,
                        grid_id=ent.grid_id,
                        enterprise=ent,
                        responsible_name=person,
                        responsible_phone=ent.phone,
                        review_date=review,
                        **{k: (list(v) if isinstance(v, list) else v) for k, v in GENERAL_POINT.items()},
                    ),
                    Method.LEC,
                    values,
                    first_day,
                    "日常消防安全风险评估",
                )
        for park in Park.objects.order_by("pk"):
            add(
                RiskPoint(
                    community_id=park.community_id,
                    park=park,
                    responsible_name=park.manager or rng.choice(RESPONSIBLE),
                    responsible_phone=park.phone,
                    review_date=today + dt.timedelta(days=rng.randint(30, 300)),
                    **{k: (list(v) if isinstance(v, list) else v) for k, v in PARK_POINT.items()},
                ),
                Method.LEC,
                {"likelihood": Decimal(3), "exposure": Decimal(6), "consequence": Decimal(7)},
                history_start - dt.timedelta(days=rng.randint(1, 60)),
                "园区消防安全风险评估",
            )
        for p in points:
            p.measures = [{"type": m["type"], "text": m["text"]} for m in p.measures]
        RiskPoint.objects.bulk_create(points, batch_size=1000)
        assessments = []
        current = []
        for point, rows in zip(points, plans, strict=True):
            for cleaned, grading, day, note in rows:
                assessments.append(
                    RiskAssessment(
                        point=point,
                        method=grading.method,
                        likelihood=cleaned["likelihood"],
                        exposure=cleaned["exposure"],
                        consequence=cleaned["consequence"],
                        severity=cleaned["severity"],
                        score=grading.score,
                        level=grading.level,
                        grade=grading.grade,
                        assessed_on=day,
                        note=note,
                    )
                )
            current.append(assessments[-1])
        RiskAssessment.objects.bulk_create(assessments, batch_size=1000)
        for point, a in zip(points, current, strict=True):
            point.current_assessment = a
        RiskPoint.objects.bulk_update(points, ["current_assessment"], batch_size=1000)

        by_enterprise: dict[int, list[str]] = defaultdict(list)
        for p in points:
            if p.enterprise_id:
                by_enterprise[p.enterprise_id].append(p.level)
        EnterpriseRiskLevel.objects.bulk_create(
            [
                EnterpriseRiskLevel(
                    enterprise_id=eid,
                    computed_level=highest_level(levels),
                    level=highest_level(levels),
                    point_count=len(levels),
                    red_count=levels.count("red"),
                    orange_count=levels.count("orange"),
                    yellow_count=levels.count("yellow"),
                    blue_count=levels.count("blue"),
                )
                for eid, levels in by_enterprise.items()
            ],
            batch_size=1000,
        )

        sites = [
            SiteFacts(
                e.pk,
                LEVEL_RANK.get(highest_level(by_enterprise.get(e.pk, [])), 0),  # type: ignore[call-overload]
                len(e.categories.all()),
            )
            for e in enterprises
        ]
        visits = synthetic_visits(sites, start=history_start, weeks=HISTORY_WEEKS, rng=rng)
        visits = [v for v in visits if v[1] < today]
        SyntheticVisit.objects.bulk_create(
            [SyntheticVisit(enterprise_id=eid, day=day, findings=n) for eid, day, n in visits],
            batch_size=2000,
        )
        counts = {
            "points": len(points),
            "assessments": len(assessments),
            "synthetic_visits": len(visits),
            "synthetic_findings": sum(1 for v in visits if v[2]),
        }
        audit.record(
            actor=None,
            action="demo_data",
            object_type="risks.riskpoint",
            object_repr="风险管控演示数据",
            note=(
                f"风险点 {counts['points']} 个，评估 {counts['assessments']} 次，"
                f"合成检查记录 {counts['synthetic_visits']} 条"
            ),
        )
    _say(
        stdout,
        f"风险点 {counts['points']} 个（评估 {counts['assessments']} 次），"
        f"合成检查历史 {counts['synthetic_visits']} 次（发现隐患 {counts['synthetic_findings']} 次）。",
    )
    from anjian.risks import backtest
    from anjian.risks.priority import load_weights

    weights = load_weights()
    with origin("cli"):
        for source in (BacktestSource.SYNTHETIC, BacktestSource.RECORDS):
            result, _ = backtest.run(source, weights, keep_empty=False)
            if result.visits:
                _say(
                    stdout,
                    f"回测（{dict(BacktestSource.choices)[source]}）：{result.visits} 次检查，"
                    f"发现隐患平均提前 {result.days_earlier:.2f} 天，前半周期发现占比 "
                    f"{result.first_half_priority:.1%}（实际顺序 {result.first_half_actual:.1%}）。",
                )
    return counts
