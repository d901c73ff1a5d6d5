"""The reward engine (安全生产领域举报奖励办法, DOMAIN.md §6): pure functions over Decimal money.

Each function returns the amount and the arithmetic in Chinese, so the decision record shows exactly
which rule was applied and how the amount came out. The rule values come from RewardRule rows."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from anjian.tipoffs.choices import AccidentLevel, RewardBasis

CENT = Decimal("0.01")
ZERO = Decimal(0)


@dataclass(frozen=True)
class RewardCalculation:
    """An amount with the text that explains it ("罚没款 ¥50,000 × 15% = ¥7,500，在 … 范围内")."""

    amount: Decimal
    basis_amount: Decimal | None
    text: str


class RewardInputError(ValueError):
    """The case lacks what the rule needs (e.g. no fine recorded); the message is Chinese."""


def money(value: Any) -> Decimal:
    """A Decimal rounded to the fen (half up)."""
    try:
        return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        raise RewardInputError(f"金额无效：{value}") from None


def yuan(value: Decimal) -> str:
    """¥50,000 or ¥7,500.50 (fen shown only when not zero)."""
    value = money(value)
    if value == value.to_integral_value():
        return f"¥{int(value):,}"
    return f"¥{value:,.2f}"


def _percent_text(percent: Decimal) -> str:
    text = format(percent.normalize(), "f")
    return f"{text}%"


def _bounded(raw: Decimal, minimum: Decimal | None, maximum: Decimal | None) -> tuple[Decimal, str]:
    """Clamp `raw` into [minimum, maximum] and say what happened."""
    if minimum is not None and raw < minimum:
        return money(minimum), f"，低于下限 {yuan(minimum)}，按下限计 {yuan(minimum)}"
    if maximum is not None and raw > maximum:
        return money(maximum), f"，高于上限 {yuan(maximum)}，按上限计 {yuan(maximum)}"
    if minimum is not None and maximum is not None:
        return raw, f"，在 {yuan(minimum)}–{yuan(maximum)} 范围内"
    if maximum is not None:
        return raw, f"，未超过上限 {yuan(maximum)}"
    if minimum is not None:
        return raw, f"，不低于下限 {yuan(minimum)}"
    return raw, ""


def percent_of_penalty(
    fine: Decimal | None,
    confiscated: Decimal | None,
    *,
    percent: Decimal,
    minimum: Decimal | None,
    maximum: Decimal | None,
) -> RewardCalculation:
    """Reports of major hazards or illegal production: percent of 罚没款 (fine + confiscated gains), bounded."""
    if fine is None and confiscated is None:
        raise RewardInputError(
            "按罚没款比例计奖，需要先在处理结果中登记罚款或没收违法所得金额（没有罚没款请填 0）。"
        )
    fine_m, conf_m = money(fine or ZERO), money(confiscated or ZERO)
    if fine_m < 0 or conf_m < 0:
        raise RewardInputError("罚没款金额不能为负数。")
    total = fine_m + conf_m
    prefix = ""
    if fine_m and conf_m:
        prefix = f"罚款 {yuan(fine_m)} + 没收违法所得 {yuan(conf_m)} = 罚没款 {yuan(total)}；"
    raw = money(total * Decimal(percent) / Decimal(100))
    amount, bound_text = _bounded(raw, minimum, maximum)
    text = f"{prefix}罚没款 {yuan(total)} × {_percent_text(Decimal(percent))} = {yuan(raw)}{bound_text}。奖励金额 {yuan(amount)}。"
    return RewardCalculation(amount=amount, basis_amount=total, text=text)


def per_concealed_death(
    deaths: int | None, *, level_label: str, per_death: Decimal, maximum: Decimal | None
) -> RewardCalculation:
    """Reports of concealed or falsely reported accidents: an amount per concealed death, capped in total."""
    if not deaths or deaths < 1:
        raise RewardInputError("按瞒报死亡人数计奖，需要先在处理结果中登记查实的瞒报死亡人数（至少 1 人）。")
    per = money(per_death)
    raw = money(per * deaths)
    amount, bound_text = _bounded(raw, None, maximum)
    text = f"瞒报{level_label}死亡 {deaths} 人 × {yuan(per)} = {yuan(raw)}{bound_text}。奖励金额 {yuan(amount)}。"
    return RewardCalculation(amount=amount, basis_amount=Decimal(deaths), text=text)


def fixed_amount(amount: Decimal, *, name: str) -> RewardCalculation:
    """A local rule paying a fixed amount for a verified report."""
    value = money(amount)
    return RewardCalculation(
        amount=value, basis_amount=None, text=f"{name}：固定奖励 {yuan(value)}。奖励金额 {yuan(value)}。"
    )


def _dec(value: Any) -> Decimal | None:
    return None if value in (None, "") else Decimal(str(value))


def calculate(
    spec: dict[str, Any],
    *,
    fine: Decimal | None = None,
    confiscated: Decimal | None = None,
    deaths: int | None = None,
    accident_level: str = "",
) -> RewardCalculation:
    """Apply a rule (RewardRule.as_spec()) to a case's handling result."""
    basis = spec.get("basis")
    if basis == RewardBasis.FINE_PERCENT:
        return percent_of_penalty(
            fine,
            confiscated,
            percent=_dec(spec.get("percent")) or ZERO,
            minimum=_dec(spec.get("minimum")),
            maximum=_dec(spec.get("maximum")),
        )
    if basis == RewardBasis.CONCEALED_DEATH:
        level = spec.get("accident_level") or ""
        if accident_level and level and accident_level != level:
            wanted = AccidentLevel(accident_level).label
            raise RewardInputError(
                f"该规则适用于{AccidentLevel(level).label}，本案登记为{wanted}，请选择对应等级的规则。"
            )
        label = str(AccidentLevel(level).label) if level in AccidentLevel.values else "事故"
        per = _dec(spec.get("amount"))
        if per is None:
            raise RewardInputError("规则缺少每人奖励金额。")
        return per_concealed_death(
            deaths, level_label=label, per_death=per, maximum=_dec(spec.get("maximum"))
        )
    if basis == RewardBasis.FIXED:
        value = _dec(spec.get("amount"))
        if value is None:
            raise RewardInputError("规则缺少固定奖励金额。")
        return fixed_amount(value, name=str(spec.get("name") or "本地规则"))
    raise RewardInputError(f"未知的计奖方式：{basis}")
