"""LEC and LS arithmetic (DOMAIN.md §3) in Decimal, and grading a score against a band table.

Only the listed values are accepted; anything else raises a ValidationError whose Chinese message lists
the allowed values. Bands are read from `RiskBand` rows (configurable); a band includes its lower bound
(a value on a boundary gets the higher grade)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError

from anjian.risks.choices import LEC_C, LEC_E, LEC_L, LS_L, LS_S, Method


@dataclass(frozen=True)
class Band:
    """One grade of a method: scores ≥ `lower` (and below the next band's lower bound) get `level`."""

    method: str
    level: str
    lower: Decimal
    grade: str
    action: str = ""


@dataclass(frozen=True)
class Grading:
    """The result of an assessment: the score and the band it falls in."""

    method: str
    score: Decimal
    level: str
    grade: str
    action: str


def fmt(value: Decimal | int | float | None) -> str:
    """A value as people write it: 0.5, 10, 320 (no trailing zeros, never scientific notation)."""
    if value is None:
        return ""
    d = Decimal(str(value))
    text = format(d.normalize(), "f")
    return text


def allowed_text(values: Iterable[Decimal | int]) -> str:
    return "、".join(fmt(v) for v in values)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, float):
        value = repr(value)
    try:
        d = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        return None
    return d if d.is_finite() else None


def _pick(value: Any, allowed: Mapping[Any, str], field: str, label: str) -> Decimal:
    """The allowed value equal to `value`, or a ValidationError listing the allowed values."""
    d = _decimal(value)
    message = f"{label}只能取以下值之一：{allowed_text(allowed)}。"
    if d is None:
        if value is None or value == "":
            raise ValidationError({field: f"请填写{label}。{message}"})
        raise ValidationError({field: f"“{value}”不是有效的数值。{message}"})
    for candidate in allowed:
        if Decimal(candidate) == d:
            return Decimal(candidate)
    raise ValidationError({field: f"{label}不能取 {fmt(d)}。{message}"})


def lec_values(l_value: Any, e_value: Any, c_value: Any) -> tuple[Decimal, Decimal, Decimal]:
    """Validate L, E, C against DOMAIN.md §3 (all errors at once)."""
    errors: dict[str, list[str]] = {}
    picked: list[Decimal] = []
    for value, allowed, field, label in (
        (l_value, LEC_L, "likelihood", "事故发生的可能性 L"),
        (e_value, LEC_E, "exposure", "暴露于危险环境的频繁程度 E"),
        (c_value, LEC_C, "consequence", "发生事故产生的后果 C"),
    ):
        try:
            picked.append(_pick(value, allowed, field, label))
        except ValidationError as exc:
            for k, v in exc.message_dict.items():
                errors.setdefault(k, []).extend(v)
    if errors:
        raise ValidationError(errors)
    return picked[0], picked[1], picked[2]


def ls_values(l_value: Any, s_value: Any) -> tuple[int, int]:
    """Validate L and S: integers 1–5."""
    errors: dict[str, list[str]] = {}
    picked: list[int] = []
    for value, allowed, field, label in (
        (l_value, LS_L, "likelihood", "可能性 L"),
        (s_value, LS_S, "severity", "严重性 S"),
    ):
        try:
            picked.append(int(_pick(value, {Decimal(k): v for k, v in allowed.items()}, field, label)))
        except ValidationError as exc:
            for k, v in exc.message_dict.items():
                errors.setdefault(k, []).extend(v)
    if errors:
        raise ValidationError(errors)
    return picked[0], picked[1]


def lec_score(l_value: Any, e_value: Any, c_value: Any) -> Decimal:
    """D = L × E × C, exact."""
    lv, ev, cv = lec_values(l_value, e_value, c_value)
    return lv * ev * cv


def ls_score(l_value: Any, s_value: Any) -> Decimal:
    """R = L × S."""
    lv, sv = ls_values(l_value, s_value)
    return Decimal(lv * sv)


def grade(score: Decimal, bands: Iterable[Band]) -> Band:
    """The band `score` falls in: the one with the highest lower bound ≤ score (lower bound included)."""
    ordered = sorted(bands, key=lambda b: b.lower, reverse=True)
    for band in ordered:
        if score >= band.lower:
            return band
    if ordered:
        return ordered[-1]
    raise ValidationError("没有配置风险分级标准，请联系管理员。")


def assess(method: str, values: Mapping[str, Any], bands: Iterable[Band]) -> tuple[dict[str, Any], Grading]:
    """Validate the inputs of `method`, compute the score and grade it.

    Returns the cleaned inputs (likelihood, exposure, consequence, severity) and the grading."""
    if method == Method.LEC:
        lv, ev, cv = lec_values(values.get("likelihood"), values.get("exposure"), values.get("consequence"))
        score = lv * ev * cv
        cleaned: dict[str, Any] = {"likelihood": lv, "exposure": ev, "consequence": cv, "severity": None}
    elif method == Method.LS:
        lv_i, sv = ls_values(values.get("likelihood"), values.get("severity"))
        score = Decimal(lv_i * sv)
        cleaned = {"likelihood": Decimal(lv_i), "exposure": None, "consequence": None, "severity": sv}
    else:
        raise ValidationError({"method": "评估方法只能是 LEC（作业条件危险性分析法）或 LS（风险矩阵法）。"})
    band = grade(score, [b for b in bands if b.method == method])
    return cleaned, Grading(
        method=method, score=score, level=band.level, grade=band.grade, action=band.action
    )


def formula(method: str, cleaned: Mapping[str, Any], score: Decimal) -> str:
    """The arithmetic as shown to people: 'D = 6 × 6 × 15 = 540'."""
    if method == Method.LEC:
        return (
            f"D = {fmt(cleaned['likelihood'])} × {fmt(cleaned['exposure'])} × "
            f"{fmt(cleaned['consequence'])} = {fmt(score)}"
        )
    return f"R = {fmt(cleaned['likelihood'])} × {fmt(cleaned['severity'])} = {fmt(score)}"


# DOMAIN.md §3 defaults, seeded into RiskBand by migration (administrators may change them later).
DEFAULT_BANDS: tuple[Band, ...] = (
    Band("lec", "red", Decimal("320"), "极其危险，不能继续作业", "立即停止作业，制定管控方案，街道挂牌管控"),
    Band("lec", "orange", Decimal("160"), "高度危险，需立即整改", "立即整改，街道管控"),
    Band("lec", "yellow", Decimal("70"), "显著危险，需要整改", "限期整改，社区管控"),
    Band("lec", "blue", Decimal("20"), "一般危险，需要注意", "加强日常管理，企业管控"),
    Band("lec", "blue", Decimal("0"), "稍有危险，可以接受", "保持现有措施，企业管控"),
    Band("ls", "red", Decimal("20"), "重大风险", "立即停止作业，街道挂牌管控"),
    Band("ls", "orange", Decimal("9"), "较大风险", "立即整改，街道管控"),
    Band("ls", "yellow", Decimal("4"), "一般风险", "限期整改，社区管控"),
    Band("ls", "blue", Decimal("1"), "低风险", "保持现有措施，企业管控"),
)
