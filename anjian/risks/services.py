"""Every write of the risk register (DOMAIN.md §3). Pages, the API and the demo seed call these.

Each action: capability by role (risks.permissions) and jurisdiction (objects re-read through
`for_user(actor)`: outside the scope they do not exist), validation with Chinese messages (`full_clean`),
save, an audit link with before/after values. Nothing is deleted: a wrong risk point is voided with a
reason; an assessment is never edited, a reassessment adds a row. The enterprise's inherent level is
recomputed from its active points after every change."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import PermissionDeniedError
from anjian.core.services import void
from anjian.enterprises.models import Enterprise, Park
from anjian.org.models import Community, Grid, User
from anjian.risks import assessment as calc
from anjian.risks.choices import (
    ControlLevel,
    Method,
    PriorityPart,
    RiskLevel,
    highest_level,
    level_rank,
)
from anjian.risks.models import (
    EnterpriseRiskLevel,
    PriorityWeight,
    RiskAssessment,
    RiskBand,
    RiskPoint,
    RiskTemplate,
)
from anjian.risks.permissions import can, require

M = TypeVar("M", bound=models.Model)
NOT_FOUND = "对象不存在或无权访问。"
POINT_FIELDS = (
    "name",
    "kind",
    "location",
    "hazard_factors",
    "accident_types",
    "measures",
    "control_level",
    "responsible_name",
    "responsible_phone",
    "review_date",
)
MAX_TEMPLATE_POINTS = 50


# --------------------------------------------------------------------------------------------- helpers
def fetch(model: type[M], obj_or_pk: Any, actor: Any, *, lock: bool = False, field: str = "") -> M:
    """Re-read through `for_user(actor)`; outside the scope → 404 (or a field error with `field`)."""
    pk = getattr(obj_or_pk, "pk", obj_or_pk)
    qs = model.objects.for_user(actor)  # type: ignore[attr-defined]
    if lock:
        qs = qs.select_for_update()
    try:
        return qs.get(pk=pk)  # type: ignore[no-any-return]
    except (model.DoesNotExist, ValueError, TypeError):  # type: ignore[attr-defined]
        if field:
            label = model._meta.verbose_name
            raise ValidationError({field: f"所选{label}不存在或不在您的管辖范围内。"}) from None
        raise Http404(NOT_FOUND) from None


def load_bands() -> list[calc.Band]:
    """The configured grading bands of both methods."""
    return [
        calc.Band(b.method, b.level, b.lower_bound, b.grade, b.action)
        for b in RiskBand.objects.order_by("method", "-lower_bound")
    ]


def _text(value: Any, limit: int = 0) -> str:
    text = str(value or "").strip()
    return text[:limit] if limit else text


def _date(value: Any, field: str, label: str, default: dt.date | None = None) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if value in (None, ""):
        if default is not None:
            return default
        raise ValidationError({field: f"请填写{label}。"})
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError({field: f"{label}格式不正确，应为 YYYY-MM-DD。"}) from None


def _clean_measures(value: Any) -> Any:
    """Strip the texts of [{"type", "text"}] and drop empty rows (the model validates the rest)."""
    if not isinstance(value, list):
        return value
    out = []
    for m in value:
        if isinstance(m, Mapping):
            text = _text(m.get("text"))
            if text or m.get("type") not in (None, ""):
                out.append({"type": m.get("type"), "text": text})
        else:
            out.append(m)
    return [m for m in out if not (isinstance(m, dict) and not m["text"] and not m["type"])]


def _grade(
    data: Mapping[str, Any], *, bands: list[calc.Band] | None = None, today: dt.date | None = None
) -> tuple[dict[str, Any], calc.Grading, dt.date]:
    """Validate an assessment's inputs and grade them; the date may not lie in the future."""
    method = _text(data.get("method"))
    cleaned, grading = calc.assess(method, data, bands if bands is not None else load_bands())
    today = today or timezone.localdate()
    assessed_on = _date(data.get("assessed_on"), "assessed_on", "评估日期", default=today)
    if assessed_on > today:
        raise ValidationError({"assessed_on": "评估日期不能晚于今天。"})
    return cleaned, grading, assessed_on


def _new_assessment(
    point: RiskPoint,
    cleaned: Mapping[str, Any],
    grading: calc.Grading,
    assessed_on: dt.date,
    *,
    actor: Any,
    note: str,
) -> RiskAssessment:
    a = RiskAssessment(
        point=point,
        method=grading.method,
        likelihood=cleaned["likelihood"],
        exposure=cleaned["exposure"],
        consequence=cleaned["consequence"],
        severity=cleaned["severity"],
        score=grading.score,
        level=grading.level,
        grade=grading.grade,
        assessed_on=assessed_on,
        assessor=actor if getattr(actor, "pk", None) else None,
        note=_text(note, 500),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    a.full_clean(exclude=["point"])
    a.save()
    return a


def _owner(actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """Enterprise, park or public site of a new point, with the community and grid it hangs on."""
    ent_value, park_value = data.get("enterprise"), data.get("park")
    site = _text(data.get("site_name"), 100)
    if ent_value not in (None, ""):
        ent = fetch(Enterprise, ent_value, actor, field="enterprise")
        return {
            "enterprise": ent,
            "park": None,
            "site_name": "",
            "community": ent.community,
            "grid": ent.grid,
        }
    j = getattr(actor, "jurisdiction", None)
    if j is not None and j.level == "enterprise":
        raise PermissionDeniedError("企业安全负责人只能登记本企业的风险点。")
    grid = None
    if data.get("grid") not in (None, ""):
        grid = fetch(Grid, data["grid"], actor, field="grid")
    elif j is not None and j.level == "grid":
        grid = Grid.objects.filter(pk=j.grid_id).first()
    if park_value not in (None, ""):
        park = fetch(Park, park_value, actor, field="park")
        return {
            "enterprise": None,
            "park": park,
            "site_name": site,
            "community": park.community,
            "grid": grid,
        }
    if not site:
        raise ValidationError({"enterprise": "请选择企业、园区，或填写公共场所名称。"})
    if data.get("community") in (None, ""):
        if grid is None:
            raise ValidationError({"community": "公共场所请选择所属社区。"})
        community = grid.community
    else:
        community = fetch(Community, data["community"], actor, field="community")
    return {"enterprise": None, "park": None, "site_name": site, "community": community, "grid": grid}


def _check_visible(point: RiskPoint, actor: Any) -> None:
    if not RiskPoint.objects.for_user(actor).filter(pk=point.pk).exists():
        raise ValidationError({"grid": "该风险点不在您的管辖范围内，请选择您负责的网格。"})


def _snapshot(point: RiskPoint) -> dict[str, Any]:
    return audit.snapshot(point)


# --------------------------------------------------------------------------------------------- points
@transaction.atomic
def create_point(*, actor: Any, data: Mapping[str, Any], assessment: Mapping[str, Any]) -> RiskPoint:
    """Register a risk point with its first assessment (LEC or LS); the enterprise level follows."""
    require(actor, "risk.manage")
    owner = _owner(actor, data)
    errors: dict[str, list[str]] = {}
    try:
        cleaned, grading, assessed_on = _grade(assessment)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        cleaned, grading, assessed_on = {}, None, timezone.localdate()
    review = None
    try:
        review = _date(data.get("review_date"), "review_date", "下次复评日期")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    template = None
    if data.get("template") not in (None, ""):
        template = RiskTemplate.objects.filter(pk=getattr(data["template"], "pk", data["template"])).first()
    point = RiskPoint(  # type: ignore[misc]
        **owner,
        name=_text(data.get("name"), 100),
        kind=_text(data.get("kind")),
        location=_text(data.get("location"), 200),
        hazard_factors=_text(data.get("hazard_factors")),
        accident_types=list(data.get("accident_types") or []),
        measures=_clean_measures(list(data.get("measures") or [])),
        control_level=_text(data.get("control_level")),
        responsible_name=_text(data.get("responsible_name"), 50),
        responsible_phone=_text(data.get("responsible_phone"), 20),
        review_date=review,
        template=template,
        level=grading.level if grading else "",
        score=grading.score if grading else None,
        created_by=actor,
    )
    if review is not None and review < assessed_on:
        errors.setdefault("review_date", []).append("下次复评日期不能早于评估日期。")
    try:
        point.full_clean(exclude=["review_date"] if review is None else None)
    except ValidationError as exc:
        for k, v in exc.message_dict.items():
            errors.setdefault(k, []).extend(v)
    if errors:
        raise ValidationError(errors)
    assert grading is not None
    point.save()
    _check_visible(point, actor)
    a = _new_assessment(point, cleaned, grading, assessed_on, actor=actor, note=_text(assessment.get("note")))
    point.current_assessment = a
    point.save(update_fields=["current_assessment"])
    audit.record(actor=actor, action="create", obj=point, after=_snapshot(point))
    audit.record(
        actor=actor,
        action="assess",
        obj=a,
        after=audit.snapshot(a),
        note=calc.formula(a.method, cleaned, a.score),
    )
    if point.enterprise_id:
        refresh_enterprise_level(point.enterprise_id, actor=actor)
    return point


@transaction.atomic
def update_point(point: RiskPoint | int, *, actor: Any, data: Mapping[str, Any]) -> RiskPoint:
    """Change what a point is and how it is controlled (not its assessment: that is `reassess`)."""
    p = fetch(RiskPoint, point, actor, lock=True)
    require(actor, "risk.manage")
    if p.is_voided:
        raise ValidationError("该风险点已作废，不能修改。")
    before = _snapshot(p)
    for field in POINT_FIELDS:
        if field not in data:
            continue
        value = data[field]
        if field == "review_date":
            value = _date(value, "review_date", "下次复评日期")
        elif field == "accident_types":
            value = list(value or [])
        elif field == "measures":
            value = _clean_measures(list(value or []))
        else:
            value = _text(value)
        setattr(p, field, value)
    p.full_clean()
    p.save()
    after = _snapshot(p)
    audit.record(actor=actor, action="update", obj=p, before=before, after=after, only_changes=True)
    return p


@transaction.atomic
def reassess(
    point: RiskPoint | int,
    *,
    actor: Any,
    assessment: Mapping[str, Any],
    control_level: str | None = None,
) -> RiskAssessment:
    """Assess a point again: a new assessment row becomes current, the old ones stay as history. When
    the new level needs street control, the control level must be raised in the same step."""
    p = fetch(RiskPoint, point, actor, lock=True)
    require(actor, "risk.manage")
    if p.is_voided:
        raise ValidationError("该风险点已作废，不能再评估。")
    cleaned, grading, assessed_on = _grade(assessment)
    current = p.current_assessment
    if current is not None and assessed_on < current.assessed_on:
        raise ValidationError(
            {"assessed_on": f"评估日期不能早于上次评估日期（{current.assessed_on:%Y-%m-%d}）。"}
        )
    before = _snapshot(p)
    p.level = grading.level
    p.score = grading.score
    if control_level:
        p.control_level = control_level
    if "review_date" in assessment and assessment.get("review_date") not in (None, ""):
        p.review_date = _date(assessment["review_date"], "review_date", "下次复评日期")
    if p.review_date < assessed_on:
        raise ValidationError({"review_date": "下次复评日期不能早于评估日期，请同时更新复评日期。"})
    p.full_clean()
    a = _new_assessment(p, cleaned, grading, assessed_on, actor=actor, note=_text(assessment.get("note")))
    p.current_assessment = a
    p.save()
    audit.record(
        actor=actor,
        action="reassess",
        obj=p,
        before=before,
        after=_snapshot(p),
        only_changes=True,
        note=calc.formula(a.method, cleaned, a.score),
    )
    audit.record(actor=actor, action="assess", obj=a, after=audit.snapshot(a))
    if p.enterprise_id:
        refresh_enterprise_level(p.enterprise_id, actor=actor)
    return a


@transaction.atomic
def void_point(point: RiskPoint | int, *, actor: Any, reason: str) -> RiskPoint:
    """Void a wrongly entered or no longer existing risk point (it stays in the history)."""
    p = fetch(RiskPoint, point, actor, lock=True)
    require(actor, "risk.void")
    void(p, actor=actor, reason=reason)
    if p.enterprise_id:
        refresh_enterprise_level(p.enterprise_id, actor=actor)
    return p


@transaction.atomic
def add_from_templates(
    *,
    actor: Any,
    enterprise: Enterprise | int,
    templates: Iterable[Any],
    responsible_name: str,
    responsible_phone: str = "",
    review_date: Any = None,
    assessed_on: Any = None,
    overrides: Mapping[int, Mapping[str, Any]] | None = None,
) -> list[RiskPoint]:
    """从模板添加: several typical risk points at once for one enterprise, each assessed with the
    template's values (or the per-template `overrides` of L/E/C/S), controlled at the level its grade
    needs. One transaction: all points or none."""
    require(actor, "risk.manage")
    ent = fetch(Enterprise, enterprise, actor, field="enterprise")
    ids = [getattr(t, "pk", t) for t in templates if t not in (None, "")]
    if not ids:
        raise ValidationError({"templates": "请至少选择一个风险点模板。"})
    if len(ids) > MAX_TEMPLATE_POINTS:
        raise ValidationError({"templates": f"一次最多添加 {MAX_TEMPLATE_POINTS} 个风险点。"})
    found = {t.pk: t for t in RiskTemplate.objects.filter(pk__in=ids, is_active=True)}
    if len(found) != len(set(ids)):
        raise ValidationError({"templates": "所选模板不存在或已停用。"})
    if not _text(responsible_name):
        raise ValidationError({"responsible_name": "请填写管控责任人。"})
    today = timezone.localdate()
    day = _date(assessed_on, "assessed_on", "评估日期", default=today)
    review = _date(review_date, "review_date", "下次复评日期", default=day + dt.timedelta(days=365))
    bands = load_bands()
    created = []
    for tid in ids:
        t = found[tid]
        values = {**t.assessment_values(), **dict((overrides or {}).get(tid, {}))}
        _, grading = calc.assess(t.method, values, bands)
        level_control = {
            RiskLevel.RED: ControlLevel.STREET,
            RiskLevel.ORANGE: ControlLevel.STREET,
            RiskLevel.YELLOW: ControlLevel.COMMUNITY,
        }.get(grading.level, ControlLevel.ENTERPRISE)  # type: ignore[call-overload]
        created.append(
            create_point(
                actor=actor,
                data={
                    "enterprise": ent,
                    "name": t.name,
                    "kind": t.kind,
                    "location": t.location,
                    "hazard_factors": t.hazard_factors,
                    "accident_types": list(t.accident_types),
                    "measures": [dict(m) for m in t.measures],
                    "control_level": level_control,
                    "responsible_name": responsible_name,
                    "responsible_phone": responsible_phone,
                    "review_date": review,
                    "template": t,
                },
                assessment={
                    "method": t.method,
                    **values,
                    "assessed_on": day,
                    "note": f"按模板“{t.name}”评估",
                },
            )
        )
    return created


# --------------------------------------------------------------------------------------------- levels
def refresh_enterprise_level(enterprise_id: int, *, actor: Any = None) -> EnterpriseRiskLevel:
    """Recompute an enterprise's level from its active risk points (an override stays in force)."""
    levels = list(
        RiskPoint.objects.filter(enterprise_id=enterprise_id, voided_at__isnull=True)
        .exclude(level="")
        .values_list("level", flat=True)
    )
    row, _ = EnterpriseRiskLevel.objects.select_for_update().get_or_create(enterprise_id=enterprise_id)
    before = audit.snapshot(row)
    row.computed_level = highest_level(levels)
    row.point_count = len(levels)
    row.red_count = levels.count(RiskLevel.RED)
    row.orange_count = levels.count(RiskLevel.ORANGE)
    row.yellow_count = levels.count(RiskLevel.YELLOW)
    row.blue_count = levels.count(RiskLevel.BLUE)
    row.level = row.override_level or row.computed_level
    row.save()
    if before.get("level") != row.level or before.get("computed_level") != row.computed_level:
        audit.record(
            actor=actor,
            action="risk_level_computed",
            obj=row,
            before=before,
            after=audit.snapshot(row),
            only_changes=True,
            note="按风险点重新计算企业固有风险等级",
        )
    return row


def _level_row(enterprise: Enterprise | int, actor: Any) -> EnterpriseRiskLevel:
    ent = fetch(Enterprise, enterprise, actor)
    row, _ = EnterpriseRiskLevel.objects.select_for_update().get_or_create(enterprise=ent)
    return row


@transaction.atomic
def override_level(
    enterprise: Enterprise | int, *, actor: Any, level: str, reason: str
) -> EnterpriseRiskLevel:
    """An administrator sets the enterprise's inherent level by hand, with a recorded reason."""
    row = _level_row(enterprise, actor)
    require(actor, "risk.override", "只有街道安委办可以调整企业风险等级。")
    if level not in RiskLevel.values:
        allowed = "、".join(f"{v}（{label}）" for v, label in RiskLevel.choices)
        raise ValidationError({"level": f"风险等级无效，应为：{allowed}。"})
    reason = _text(reason, 500)
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写调整原因（至少 4 个字）。"})
    before = audit.snapshot(row)
    row.override_level = level
    row.override_reason = reason
    row.overridden_by = actor
    row.overridden_at = timezone.now()
    row.level = level
    row.save()
    audit.record(
        actor=actor,
        action="risk_level_override",
        obj=row,
        before=before,
        after=audit.snapshot(row),
        only_changes=True,
        note=reason,
    )
    return row


@transaction.atomic
def clear_override(enterprise: Enterprise | int, *, actor: Any, reason: str) -> EnterpriseRiskLevel:
    """Return to the level computed from the risk points (the reason is recorded)."""
    row = _level_row(enterprise, actor)
    require(actor, "risk.override", "只有街道安委办可以调整企业风险等级。")
    if not row.override_level:
        raise ValidationError("该企业的风险等级没有被人工调整。")
    reason = _text(reason, 500)
    if len(reason) < 4:
        raise ValidationError({"reason": "请填写恢复原因（至少 4 个字）。"})
    before = audit.snapshot(row)
    row.override_level = ""
    row.override_reason = ""
    row.overridden_by = None
    row.overridden_at = None
    row.level = row.computed_level
    row.save()
    audit.record(
        actor=actor,
        action="risk_level_override_cleared",
        obj=row,
        before=before,
        after=audit.snapshot(row),
        only_changes=True,
        note=reason,
    )
    return row


# --------------------------------------------------------------------------------------------- configuration
def _decimal(value: Any, field: str, label: str, *, required: bool = True) -> Decimal | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: f"请填写{label}。"})
        return None
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: f"{label}不是有效的数字。"}) from None
    if not d.is_finite() or d < 0:
        raise ValidationError({field: f"{label}不能为负数。"})
    return d


@transaction.atomic
def update_band(band: RiskBand | int, *, actor: Any, data: Mapping[str, Any]) -> RiskBand:
    """Change a grading band (street administrator). The bands of a method must stay ordered: a higher
    lower bound never gets a lower level, and the lowest band keeps covering every possible score."""
    require(actor, "risk.configure", "只有街道管理员可以修改风险分级标准。")
    b = RiskBand.objects.select_for_update().filter(pk=getattr(band, "pk", band)).first()
    if b is None:
        raise Http404(NOT_FOUND)
    before = audit.snapshot(b)
    if "lower_bound" in data:
        b.lower_bound = _decimal(data["lower_bound"], "lower_bound", "下限")  # type: ignore[assignment]
    if "level" in data:
        if data["level"] not in RiskLevel.values:
            raise ValidationError({"level": "风险等级无效。"})
        b.level = data["level"]
    for field, limit in (("grade", 60), ("action", 200)):
        if field in data:
            setattr(b, field, _text(data[field], limit))
    if not b.grade:
        raise ValidationError({"grade": "请填写危险程度。"})
    others = list(RiskBand.objects.filter(method=b.method).exclude(pk=b.pk))
    if any(o.lower_bound == b.lower_bound for o in others):
        raise ValidationError({"lower_bound": "同一评估方法下已有相同下限的分级。"})
    bands = sorted([*others, b], key=lambda x: x.lower_bound)
    lowest_possible = Decimal("0.05") if b.method == Method.LEC else Decimal(1)
    if bands[0].lower_bound > lowest_possible:
        raise ValidationError(
            {"lower_bound": f"最低一档的下限不能高于 {calc.fmt(lowest_possible)}，否则有的风险值无法分级。"}
        )
    for lower, upper in itertools.pairwise(bands):
        if level_rank(upper.level) < level_rank(lower.level):
            raise ValidationError({"lower_bound": "分级顺序不正确：下限更高的一档不能是更低的风险等级。"})
    b.save()
    audit.record(
        actor=actor, action="update", obj=b, before=before, after=audit.snapshot(b), only_changes=True
    )
    return b


@transaction.atomic
def update_weight(weight: PriorityWeight | int, *, actor: Any, data: Mapping[str, Any]) -> PriorityWeight:
    """Change the points, cap or look-back window of one priority part (street administrator)."""
    require(actor, "risk.configure", "只有街道管理员可以修改优先级权重。")
    w = PriorityWeight.objects.select_for_update().filter(pk=getattr(weight, "pk", weight)).first()
    if w is None:
        raise Http404(NOT_FOUND)
    before = audit.snapshot(w)
    if "points" in data:
        w.points = _decimal(data["points"], "points", "分值")  # type: ignore[assignment]
    if "cap" in data:
        w.cap = _decimal(data["cap"], "cap", "封顶分", required=False)
    if "window_days" in data:
        value = data["window_days"]
        if value in (None, ""):
            w.window_days = None
        else:
            try:
                days = int(value)
            except (TypeError, ValueError):
                raise ValidationError({"window_days": "统计天数应为整数。"}) from None
            if not 1 <= days <= 3650:
                raise ValidationError({"window_days": "统计天数应在 1 到 3650 之间。"})
            w.window_days = days
    if w.key in (PriorityPart.ALARMS, PriorityPart.TIPS, PriorityPart.PAST_FINDINGS) and not w.window_days:
        raise ValidationError({"window_days": "该因素需要统计天数。"})
    w.full_clean()
    w.save()
    audit.record(
        actor=actor, action="update", obj=w, before=before, after=audit.snapshot(w), only_changes=True
    )
    return w


# --------------------------------------------------------------------------------------------- plans
@transaction.atomic
def plan_from_priority(
    *,
    actor: Any,
    enterprises: Iterable[Any],
    planned_date: Any,
    inspector: Any = None,
    reasons: Mapping[int, str] | None = None,
) -> tuple[list[Any], list[str]]:
    """Turn selected rows of a priority list into inspection plans in one step, through the inspections
    service (same checks and audit as a plan made by hand). Returns (plans, skipped reasons)."""
    require(actor, "risk.priority")
    from anjian.inspections import services as inspections
    from anjian.inspections.choices import PlanSource, PlanStatus
    from anjian.inspections.models import InspectionPlan
    from anjian.org.choices import AssignmentKind, AssignmentStatus, Role
    from anjian.org.models import Assignment

    ids = []
    for value in enterprises:
        pk = getattr(value, "pk", value)
        try:
            ids.append(int(pk))
        except (TypeError, ValueError):
            raise ValidationError({"enterprises": "所选企业无效。"}) from None
    if not ids:
        raise ValidationError({"enterprises": "请至少勾选一家企业。"})
    scoped: QuerySet[Enterprise] = Enterprise.objects.for_user(actor).filter(pk__in=ids)
    chosen = {e.pk: e for e in scoped}
    if len(chosen) != len(set(ids)):
        raise ValidationError({"enterprises": "所选企业不存在或不在您的管辖范围内。"})
    person = actor
    if inspector not in (None, "") and getattr(inspector, "pk", inspector) != actor.pk:
        if not can(actor, "risk.backtest"):  # office staff plan for others; everyone else for themselves
            raise PermissionDeniedError("只能为本人制定检查计划。")
        person = fetch(User, inspector, actor, field="inspector")
    day = _date(planned_date, "planned_date", "计划日期")
    already = set(
        InspectionPlan.objects.filter(
            inspector=person, planned_date=day, status=PlanStatus.PLANNED, enterprise_id__in=ids
        ).values_list("enterprise_id", flat=True)
    )
    plans, skipped = [], []
    for pk in dict.fromkeys(ids):
        ent = chosen[pk]
        if pk in already:
            skipped.append(f"{ent.name}：{day:%m月%d日}已有检查计划")
            continue
        data: dict[str, Any] = {
            "enterprise": ent,
            "planned_date": day,
            "inspector": person,
            "title": "风险优先检查",
            "notes": _text((reasons or {}).get(pk, ""), 500),
        }
        assignment = None
        if getattr(person, "role", "") == Role.CADRE:
            assignment = Assignment.objects.filter(
                person=person,
                enterprise=ent,
                kind=AssignmentKind.ENTERPRISE,
                status=AssignmentStatus.ACTIVE,
                voided_at__isnull=True,
            ).first()
        if assignment is not None:
            data.update(source=PlanSource.ASSIGNMENT, assignment=assignment)
        elif inspections.is_office(actor):
            data["source"] = PlanSource.OFFICE_ADHOC
        else:
            data["source"] = PlanSource.GRID_ROUND
        plans.append(inspections.create_plan(actor=actor, data=data))
    return plans, skipped
