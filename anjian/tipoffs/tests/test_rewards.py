"""Reward arithmetic (DOMAIN.md §6) at every bound, with the rules seeded by the migration."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from anjian.tipoffs import rewards
from anjian.tipoffs.models import RewardRule

D = Decimal
NATIONAL = {"basis": "fine_percent", "percent": "15", "minimum": "3000", "maximum": "300000"}


def fine(amount: str, confiscated: str | None = None) -> rewards.RewardCalculation:
    return rewards.calculate(NATIONAL, fine=D(amount), confiscated=D(confiscated) if confiscated else None)


def test_fifteen_percent_inside_the_bounds():
    calc = fine("50000")
    assert calc.amount == D("7500.00")
    assert calc.text.startswith("罚没款 ¥50,000 × 15% = ¥7,500，在 ¥3,000–¥300,000 范围内")


def test_below_minimum_gives_minimum():
    calc = fine("10000")  # 1,500
    assert calc.amount == D("3000.00")
    assert "低于下限 ¥3,000，按下限计 ¥3,000" in calc.text


def test_exactly_twenty_thousand_is_the_minimum():
    calc = fine("20000")  # 15 % = 3,000 exactly
    assert calc.amount == D("3000.00")
    assert "在 ¥3,000–¥300,000 范围内" in calc.text


def test_just_above_twenty_thousand():
    assert fine("20000.07").amount == D("3000.01")


def test_exactly_two_million_is_the_maximum():
    calc = fine("2000000")
    assert calc.amount == D("300000.00")
    assert "范围内" in calc.text


def test_above_two_million_gives_maximum():
    calc = fine("2000001")
    assert calc.amount == D("300000.00")
    assert "高于上限 ¥300,000，按上限计 ¥300,000" in calc.text
    assert fine("9000000").amount == D("300000.00")


def test_confiscated_gains_are_included():
    calc = fine("40000", confiscated="10000")
    assert calc.amount == D("7500.00")
    assert calc.text.startswith("罚款 ¥40,000 + 没收违法所得 ¥10,000 = 罚没款 ¥50,000")


def test_zero_penalty_still_gets_minimum_for_a_true_report():
    assert fine("0").amount == D("3000.00")


def test_missing_penalty_is_a_clear_error():
    with pytest.raises(rewards.RewardInputError, match="罚款"):
        rewards.calculate(NATIONAL)


def test_fen_rounding_half_up():
    assert fine("33333.33").amount == D("5000.00")  # 4,999.9995 → 5,000.00
    assert fine("20000.30").amount == D("3000.05")  # 3,000.045 rounds up, not to even


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("code", "level", "per_death"),
    [
        ("concealed_general", "general", 30000),
        ("concealed_larger", "larger", 40000),
        ("concealed_major", "major", 50000),
        ("concealed_especially_major", "especially_major", 60000),
    ],
)
def test_each_accident_level(code, level, per_death):
    spec = RewardRule.objects.get(code=code).as_spec()
    one = rewards.calculate(spec, deaths=1, accident_level=level)
    assert one.amount == D(per_death)
    three = rewards.calculate(spec, deaths=3, accident_level=level)
    assert three.amount == D(per_death * 3)
    assert f"死亡 3 人 × ¥{per_death:,} = ¥{per_death * 3:,}" in three.text


@pytest.mark.django_db
def test_cap_with_many_deaths():
    spec = RewardRule.objects.get(code="concealed_larger").as_spec()
    calc = rewards.calculate(spec, deaths=12, accident_level="larger")  # 480,000
    assert calc.amount == D("300000.00")
    assert "¥480,000，高于上限 ¥300,000，按上限计 ¥300,000" in calc.text
    exactly = rewards.calculate(RewardRule.objects.get(code="concealed_especially_major").as_spec(), deaths=5)
    assert exactly.amount == D("300000.00")
    assert "死亡 5 人 × ¥60,000 = ¥300,000，未超过上限 ¥300,000" in exactly.text


@pytest.mark.django_db
def test_wrong_level_rule_is_refused():
    spec = RewardRule.objects.get(code="concealed_general").as_spec()
    with pytest.raises(rewards.RewardInputError, match="较大事故"):
        rewards.calculate(spec, deaths=2, accident_level="larger")


@pytest.mark.django_db
def test_no_deaths_is_refused():
    with pytest.raises(rewards.RewardInputError, match="死亡人数"):
        rewards.calculate(RewardRule.objects.get(code="concealed_major").as_spec(), deaths=0)


@pytest.mark.django_db
def test_local_fixed_rule():
    calc = rewards.calculate(RewardRule.objects.get(code="local_general_violation").as_spec())
    assert calc.amount == D("500.00") and "固定奖励 ¥500" in calc.text


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False, allow_infinity=False))
def test_amount_always_within_bounds(value):
    amount = rewards.calculate(NATIONAL, fine=value).amount
    assert D(3000) <= amount <= D(300000)
    raw = (value * D("0.15")).quantize(D("0.01"), rounding=ROUND_HALF_UP)
    if D(3000) <= raw <= D(300000):
        assert amount == raw
