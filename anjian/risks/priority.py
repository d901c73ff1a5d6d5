"""The inspection priority (DOMAIN.md §3, issue 6): an explainable score per enterprise.

Each part is a small function of the enterprise's `Facts` and its `Weight` and returns a `Part` with the
points and the reason people read ("较大风险 +30；逾期隐患 2 项 +20；90 天未检查 +15"). A source that
does not exist yet (hazards, monitoring, tip-offs not installed) contributes 0, shown as "暂无数据".
The same part functions score the live list (facts from the database, `facts_for`) and the back-test
(facts replayed from history as they were at a period's start, `risks.backtest`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db.models import Count, Max, Q, QuerySet, Subquery, Sum
from django.utils import timezone

from anjian.risks.assessment import fmt
from anjian.risks.choices import LEVEL_SHORT, PriorityPart, RiskLevel

NO_DATA = "暂无数据"


@dataclass(frozen=True)
class Weight:
    """Points per unit, an optional cap and look-back window of one part."""

    points: Decimal
    cap: Decimal | None = None
    window_days: int | None = None


Weights = Mapping[str, Weight]


def default_weights() -> dict[str, Weight]:
    """The seeded defaults (used when the table is empty and by tests)."""
    from anjian.risks.template_data import PRIORITY_WEIGHTS

    return {
        row["key"]: Weight(
            Decimal(row["points"]), Decimal(row["cap"]) if row.get("cap") else None, row.get("window_days")
        )
        for row in PRIORITY_WEIGHTS
    }


def load_weights() -> dict[str, Weight]:
    """The configured weights (PriorityWeight rows), defaults for any missing key."""
    from anjian.risks.models import PriorityWeight

    weights = default_weights()
    for w in PriorityWeight.objects.all():
        weights[w.key] = Weight(w.points, w.cap, w.window_days)
    return weights


@dataclass
class Facts:
    """What is known about one enterprise at one moment. None = that source has no data here."""

    enterprise_id: int
    level: str = ""
    categories: tuple[str, ...] = ()
    open_hazards: int | None = None
    overdue_hazards: int | None = None
    major_hazards: int | None = None
    alarms: int | None = None
    tips: int | None = None
    days_since_inspection: int | None = None  # None: never inspected (or no inspection data)
    inspections_available: bool = True
    inspections_in_window: int = 0
    findings_in_window: int = 0


@dataclass(frozen=True)
class Part:
    """One part of a score: points and the reason shown to people."""

    key: str
    points: Decimal
    detail: str
    available: bool = True

    @property
    def text(self) -> str:
        if not self.available:
            return f"{self.detail}：{NO_DATA}"
        return f"{self.detail} +{fmt(self.points)}" if self.points else self.detail


@dataclass
class Score:
    enterprise_id: int
    total: Decimal
    parts: list[Part] = field(default_factory=list)

    @property
    def reasons(self) -> list[Part]:
        """The parts that added points, largest first."""
        return sorted((p for p in self.parts if p.points > 0), key=lambda p: -p.points)

    @property
    def reason_text(self) -> str:
        return "；".join(p.text for p in self.reasons) or "各项因素均未加分"

    @property
    def missing(self) -> list[Part]:
        return [p for p in self.parts if not p.available]


def _capped(n: Decimal, w: Weight) -> Decimal:
    points = n * w.points
    if w.cap is not None:
        points = min(points, w.cap)
    return points.quantize(Decimal("0.1")).normalize() if points else Decimal(0)


# ------------------------------------------------------------------------------------------- the parts
def level_part(f: Facts, weights: Weights) -> Part:
    """Inherent risk level: fixed points per level."""
    if not f.level:
        return Part("level", Decimal(0), "未评估风险点")
    w = weights[f"level_{f.level}"]
    name = dict(RiskLevel.choices)[f.level]
    return Part(f"level_{f.level}", _capped(Decimal(1), w), str(name))


def open_hazards_part(f: Facts, weights: Weights) -> Part:
    """Hazards not yet closed (registered, rectifying, awaiting verification)."""
    if f.open_hazards is None:
        return Part(PriorityPart.OPEN_HAZARDS, Decimal(0), "未销号隐患", available=False)
    if not f.open_hazards:
        return Part(PriorityPart.OPEN_HAZARDS, Decimal(0), "无未销号隐患")
    return Part(
        PriorityPart.OPEN_HAZARDS,
        _capped(Decimal(f.open_hazards), weights[PriorityPart.OPEN_HAZARDS]),
        f"未销号隐患 {f.open_hazards} 项",
    )


def overdue_hazards_part(f: Facts, weights: Weights) -> Part:
    """Hazards past their rectification deadline."""
    if f.overdue_hazards is None:
        return Part(PriorityPart.OVERDUE_HAZARDS, Decimal(0), "逾期隐患", available=False)
    if not f.overdue_hazards:
        return Part(PriorityPart.OVERDUE_HAZARDS, Decimal(0), "无逾期隐患")
    return Part(
        PriorityPart.OVERDUE_HAZARDS,
        _capped(Decimal(f.overdue_hazards), weights[PriorityPart.OVERDUE_HAZARDS]),
        f"逾期隐患 {f.overdue_hazards} 项",
    )


def major_hazards_part(f: Facts, weights: Weights) -> Part:
    """Open 重大事故隐患."""
    if f.major_hazards is None:
        return Part(PriorityPart.MAJOR_HAZARDS, Decimal(0), "重大事故隐患", available=False)
    if not f.major_hazards:
        return Part(PriorityPart.MAJOR_HAZARDS, Decimal(0), "无重大事故隐患")
    return Part(
        PriorityPart.MAJOR_HAZARDS,
        _capped(Decimal(f.major_hazards), weights[PriorityPart.MAJOR_HAZARDS]),
        f"重大事故隐患 {f.major_hazards} 项",
    )


def alarms_part(f: Facts, weights: Weights) -> Part:
    """Sensor alarms raised within the window."""
    w = weights[PriorityPart.ALARMS]
    days = w.window_days or 30
    if f.alarms is None:
        return Part(PriorityPart.ALARMS, Decimal(0), "监测报警", available=False)
    if not f.alarms:
        return Part(PriorityPart.ALARMS, Decimal(0), f"近 {days} 天无监测报警")
    return Part(PriorityPart.ALARMS, _capped(Decimal(f.alarms), w), f"近 {days} 天监测报警 {f.alarms} 次")


def tips_part(f: Facts, weights: Weights) -> Part:
    """Public tip-offs about the enterprise within the window (rejected, untrue and merged ones excluded)."""
    w = weights[PriorityPart.TIPS]
    days = w.window_days or 90
    if f.tips is None:
        return Part(PriorityPart.TIPS, Decimal(0), "群众举报", available=False)
    if not f.tips:
        return Part(PriorityPart.TIPS, Decimal(0), f"近 {days} 天无群众举报")
    return Part(PriorityPart.TIPS, _capped(Decimal(f.tips), w), f"近 {days} 天群众举报 {f.tips} 条")


def not_inspected_part(f: Facts, weights: Weights) -> Part:
    """Time since the last inspection: points per full 30 days; never inspected scores the cap."""
    w = weights[PriorityPart.NOT_INSPECTED]
    if not f.inspections_available:
        return Part(PriorityPart.NOT_INSPECTED, Decimal(0), "检查记录", available=False)
    if f.days_since_inspection is None:
        full = w.cap if w.cap is not None else w.points * 3
        return Part(PriorityPart.NOT_INSPECTED, full.normalize(), "从未检查")
    months = f.days_since_inspection // 30
    if months == 0:
        return Part(PriorityPart.NOT_INSPECTED, Decimal(0), f"{f.days_since_inspection} 天前检查过")
    return Part(
        PriorityPart.NOT_INSPECTED, _capped(Decimal(months), w), f"{f.days_since_inspection} 天未检查"
    )


def categories_part(f: Facts, weights: Weights, names: Mapping[str, str] | None = None) -> Part:
    """Key-supervision categories of the enterprise."""
    if not f.categories:
        return Part(PriorityPart.CATEGORIES, Decimal(0), "无重点监管类型")
    labels = "、".join((names or {}).get(c, c) for c in f.categories)
    return Part(
        PriorityPart.CATEGORIES,
        _capped(Decimal(len(f.categories)), weights[PriorityPart.CATEGORIES]),
        f"重点监管类型 {len(f.categories)} 个（{labels}）",
    )


def past_findings_part(f: Facts, weights: Weights) -> Part:
    """Failed items per inspection within the window (past findings predict future ones)."""
    w = weights[PriorityPart.PAST_FINDINGS]
    days = w.window_days or 365
    if not f.inspections_available:
        return Part(PriorityPart.PAST_FINDINGS, Decimal(0), "过往检查发现", available=False)
    if not f.inspections_in_window:
        return Part(PriorityPart.PAST_FINDINGS, Decimal(0), f"近 {days} 天无检查记录")
    if not f.findings_in_window:
        return Part(
            PriorityPart.PAST_FINDINGS,
            Decimal(0),
            f"近 {days} 天检查 {f.inspections_in_window} 次均未发现问题",
        )
    rate = (Decimal(f.findings_in_window) / Decimal(f.inspections_in_window)).quantize(Decimal("0.1"))
    return Part(
        PriorityPart.PAST_FINDINGS,
        _capped(rate, w),
        f"近 {days} 天平均每次检查发现 {fmt(rate)} 项问题",
    )


PART_FUNCTIONS: tuple[Callable[[Facts, Weights], Part], ...] = (
    level_part,
    major_hazards_part,
    overdue_hazards_part,
    open_hazards_part,
    alarms_part,
    tips_part,
    not_inspected_part,
    categories_part,
    past_findings_part,
)


def score(f: Facts, weights: Weights, category_names: Mapping[str, str] | None = None) -> Score:
    """Add up the parts of one enterprise."""
    parts = []
    for fn in PART_FUNCTIONS:
        if fn is categories_part:
            parts.append(categories_part(f, weights, category_names))
        else:
            parts.append(fn(f, weights))
    return Score(f.enterprise_id, sum((p.points for p in parts), Decimal(0)), parts)


# ------------------------------------------------------------------------------------------- live facts
def _model(label: str) -> Any:
    """A model of another capability, or None when that app is not installed (yet)."""
    app_label, name = label.split(".")
    if not apps.is_installed(f"anjian.{app_label}"):
        return None
    try:
        return apps.get_model(app_label, name)
    except LookupError:
        return None


def facts_for(
    enterprises: QuerySet[Any], weights: Weights, *, now: dt.datetime | None = None
) -> dict[int, Facts]:
    """Facts of every enterprise of `enterprises` now: a fixed number of aggregate queries, no model
    instances (the office list covers thousands of enterprises)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    ids = Subquery(enterprises.values("pk"))
    facts: dict[int, Facts] = {
        pk: Facts(enterprise_id=pk, level=level or "")
        for pk, level in enterprises.values_list("pk", "risk_level__level")
    }
    if not facts:
        return facts
    from anjian.enterprises.models import Enterprise

    codes: dict[int, list[str]] = {}
    for eid, code in (
        Enterprise.categories.through.objects.filter(enterprise_id__in=ids)
        .order_by("keycategory__sort_order", "keycategory__code")
        .values_list("enterprise_id", "keycategory__code")
    ):
        codes.setdefault(eid, []).append(code)
    for eid, values in codes.items():
        facts[eid].categories = tuple(values)

    Hazard = _model("hazards.Hazard")
    if Hazard is not None:
        from anjian.hazards.choices import OPEN_STATES, UNFINISHED_STATES, Level

        for f in facts.values():
            f.open_hazards = f.overdue_hazards = f.major_hazards = 0
        rows = (
            Hazard.objects.filter(enterprise_id__in=ids, voided_at__isnull=True, state__in=UNFINISHED_STATES)
            .values("enterprise_id")
            .annotate(
                n=Count("id"),
                overdue=Count("id", filter=Q(state__in=OPEN_STATES, current_deadline__lt=today)),
                major=Count("id", filter=Q(level=Level.MAJOR)),
            )
        )
        for r in rows:
            f = facts[r["enterprise_id"]]
            f.open_hazards, f.overdue_hazards, f.major_hazards = r["n"], r["overdue"], r["major"]

    Alarm = _model("monitoring.Alarm")
    if Alarm is not None:
        since = now - dt.timedelta(days=weights[PriorityPart.ALARMS].window_days or 30)
        for f in facts.values():
            f.alarms = 0
        for r in (
            Alarm.objects.filter(enterprise_id__in=ids, first_at__gte=since, first_at__lte=now)
            .values("enterprise_id")
            .annotate(n=Count("id"))
        ):
            facts[r["enterprise_id"]].alarms = r["n"]

    Tipoff = _model("tipoffs.Tipoff")
    if Tipoff is not None:
        since = now - dt.timedelta(days=weights[PriorityPart.TIPS].window_days or 90)
        for f in facts.values():
            f.tips = 0
        for r in (
            Tipoff.objects.filter(enterprise_id__in=ids, received_at__gte=since, received_at__lte=now)
            .exclude(status__in=IGNORED_TIP_STATES)
            .values("enterprise_id")
            .annotate(n=Count("id"))
        ):
            facts[r["enterprise_id"]].tips = r["n"]

    Inspection = _model("inspections.Inspection")
    if Inspection is None:
        for f in facts.values():
            f.inspections_available = False
    else:
        window = now - dt.timedelta(days=weights[PriorityPart.PAST_FINDINGS].window_days or 365)
        in_window = Q(submitted_at__gte=window)
        for r in (
            Inspection.objects.filter(
                enterprise_id__in=ids, status="submitted", voided_at__isnull=True, submitted_at__lte=now
            )
            .values("enterprise_id")
            .annotate(
                last=Max("submitted_at"),
                n=Count("id", filter=in_window),
                failed=Sum("failed_count", filter=in_window),
            )
        ):
            f = facts[r["enterprise_id"]]
            if r["last"] is not None:
                f.days_since_inspection = (today - timezone.localdate(r["last"])).days
            f.inspections_in_window = r["n"] or 0
            f.findings_in_window = r["failed"] or 0
    return facts


IGNORED_TIP_STATES = ("rejected", "verified_false", "merged")


def category_names() -> dict[str, str]:
    from anjian.enterprises.models import KeyCategory

    return dict(KeyCategory.objects.values_list("code", "name"))


@dataclass(frozen=True)
class EnterpriseRef:
    """What a priority row shows of its enterprise (read with values(), no model instances)."""

    pk: int
    name: str
    community_id: int
    grid_id: int | None
    community_name: str
    grid_name: str


@dataclass
class Row:
    """One line of a priority list."""

    enterprise: EnterpriseRef
    level: str
    score: Score

    @property
    def level_short(self) -> str:
        return LEVEL_SHORT.get(self.level, "未评估")  # type: ignore[call-overload]


def ranked(
    enterprises: QuerySet[Any], *, weights: Weights | None = None, now: dt.datetime | None = None
) -> list[Row]:
    """The enterprises of `enterprises` ordered by priority (highest first, then by name)."""
    weights = weights or load_weights()
    facts = facts_for(enterprises, weights, now=now)
    names = category_names()
    refs = {
        pk: EnterpriseRef(pk, name, community_id, grid_id, community_name or "", grid_name or "")
        for pk, name, community_id, grid_id, community_name, grid_name in enterprises.values_list(
            "pk", "name", "community_id", "grid_id", "community__name", "grid__name"
        )
    }
    rows = [Row(refs[pk], f.level, score(f, weights, names)) for pk, f in facts.items() if pk in refs]
    rows.sort(key=lambda r: (-r.score.total, r.enterprise.name, r.enterprise.pk))
    return rows


def enterprises_of(viewer: Any, person: Any) -> QuerySet[Any]:
    """The enterprises on `person`'s weekly list, within what `viewer` may see: a grid inspector's grid,
    a cadre's assigned enterprises, a liaison officer's communities, a community worker's community,
    the whole scope for the street office."""
    from anjian.enterprises.choices import OperatingStatus
    from anjian.enterprises.models import Enterprise
    from anjian.org.choices import AssignmentKind, AssignmentStatus, Role
    from anjian.org.models import Assignment

    qs: QuerySet[Any] = Enterprise.objects.for_user(viewer).filter(status=OperatingStatus.OPERATING)
    role = getattr(person, "role", "")
    active = Assignment.objects.filter(person=person, status=AssignmentStatus.ACTIVE, voided_at__isnull=True)
    if role == Role.GRID_INSPECTOR:
        return qs.filter(grid_id=person.grid_id) if person.grid_id else qs.none()
    if role == Role.CADRE:
        return qs.filter(pk__in=active.filter(kind=AssignmentKind.ENTERPRISE).values("enterprise_id"))
    if role == Role.LIAISON:
        return qs.filter(community_id__in=active.filter(kind=AssignmentKind.COMMUNITY).values("community_id"))
    if role == Role.COMMUNITY_WORKER:
        return qs.filter(community_id=person.community_id) if person.community_id else qs.none()
    if role == Role.ENTERPRISE_OFFICER:
        return qs.none()
    return qs


LIST_ROLES = ("grid_inspector", "cadre", "liaison", "community_worker")


def list_person(viewer: Any, value: Any) -> Any:
    """Whose weekly list: oneself, or (street office) any inspector, cadre, liaison officer or community
    worker in the viewer's scope; None when there is no such person (404)."""
    from anjian.core.errors import PermissionDeniedError
    from anjian.org.models import User
    from anjian.risks.permissions import can

    if value in (None, "") or str(value) == str(viewer.pk):
        return viewer
    if not can(viewer, "risk.backtest"):
        raise PermissionDeniedError("只能查看本人的优先清单。")
    try:
        return User.objects.for_user(viewer).get(pk=int(value), is_active=True, role__in=LIST_ROLES)
    except (User.DoesNotExist, ValueError, TypeError):
        return None


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    start = day - dt.timedelta(days=day.weekday())
    return start, start + dt.timedelta(days=6)
