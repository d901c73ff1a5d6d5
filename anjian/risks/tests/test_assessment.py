"""LEC and LS (DOMAIN.md §3): every value, every combination, every band boundary, invalid values."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from anjian.risks import assessment as calc
from anjian.risks.choices import LEC_C, LEC_E, LEC_L

BANDS = list(calc.DEFAULT_BANDS)
L_VALUES = ["10", "6", "3", "1", "0.5", "0.2", "0.1"]
E_VALUES = ["10", "6", "3", "2", "1", "0.5"]
C_VALUES = ["100", "40", "15", "7", "3", "1"]


def expected_lec(d_hundredths: int) -> tuple[str, str]:
    """The DOMAIN.md table in integer hundredths: a band includes its lower bound."""
    if d_hundredths >= 32000:
        return "red", "极其危险，不能继续作业"
    if d_hundredths >= 16000:
        return "orange", "高度危险，需立即整改"
    if d_hundredths >= 7000:
        return "yellow", "显著危险，需要整改"
    if d_hundredths >= 2000:
        return "blue", "一般危险，需要注意"
    return "blue", "稍有危险，可以接受"


def test_value_sets_are_exactly_domain_md() -> None:
    assert sorted(LEC_L) == sorted(Decimal(v) for v in L_VALUES)
    assert sorted(LEC_E) == sorted(Decimal(v) for v in E_VALUES)
    assert sorted(LEC_C) == sorted(Decimal(v) for v in C_VALUES)


@pytest.mark.parametrize(
    ("l_value", "e_value", "c_value"), list(itertools.product(L_VALUES, E_VALUES, C_VALUES))
)
def test_every_lec_combination_scores_exactly_and_grades_by_the_table(
    l_value: str, e_value: str, c_value: str
) -> None:
    _, g = calc.assess("lec", {"likelihood": l_value, "exposure": e_value, "consequence": c_value}, BANDS)
    exact = Decimal(l_value) * Decimal(e_value) * Decimal(c_value)
    assert g.score == exact
    # Integer arithmetic: tenths × tenths × units = hundredths, no float anywhere.
    hundredths = round(float(l_value) * 10) * round(float(e_value) * 10) * int(c_value)
    assert (g.level, g.grade) == expected_lec(hundredths)


def test_float_inputs_do_not_leak_binary_error() -> None:
    _, g = calc.assess("lec", {"likelihood": 0.1, "exposure": 2, "consequence": 100}, BANDS)
    assert g.score == Decimal("20")  # 0.1 × 2 × 100 in floats is 20.000000000000004
    assert g.grade == "一般危险，需要注意"
    _, g = calc.assess("lec", {"likelihood": 0.2, "exposure": 0.5, "consequence": 7}, BANDS)
    assert g.score == Decimal("0.7")


@pytest.mark.parametrize(
    ("score", "level", "grade"),
    [
        ("10000", "red", "极其危险，不能继续作业"),
        ("320", "red", "极其危险，不能继续作业"),
        ("319.99", "orange", "高度危险，需立即整改"),
        ("300", "orange", "高度危险，需立即整改"),
        ("160", "orange", "高度危险，需立即整改"),
        ("159.99", "yellow", "显著危险，需要整改"),
        ("70", "yellow", "显著危险，需要整改"),
        ("69.99", "blue", "一般危险，需要注意"),
        ("20", "blue", "一般危险，需要注意"),
        ("19.99", "blue", "稍有危险，可以接受"),
        ("18", "blue", "稍有危险，可以接受"),
        ("0.05", "blue", "稍有危险，可以接受"),
    ],
)
def test_lec_band_boundaries_lower_bound_included(score: str, level: str, grade: str) -> None:
    band = calc.grade(Decimal(score), [b for b in BANDS if b.method == "lec"])
    assert (band.level, band.grade) == (level, grade)


@pytest.mark.parametrize(
    ("values", "score", "level"),
    [
        ({"likelihood": "3", "exposure": "1", "consequence": "100"}, "300", "orange"),
        ({"likelihood": "10", "exposure": "1", "consequence": "7"}, "70", "yellow"),
        ({"likelihood": "10", "exposure": "2", "consequence": "1"}, "20", "blue"),
        ({"likelihood": "6", "exposure": "3", "consequence": "1"}, "18", "blue"),
        ({"likelihood": "10", "exposure": "10", "consequence": "100"}, "10000", "red"),
        ({"likelihood": "0.1", "exposure": "0.5", "consequence": "1"}, "0.05", "blue"),
    ],
)
def test_reachable_lec_boundaries(values: dict[str, str], score: str, level: str) -> None:
    _, g = calc.assess("lec", values, BANDS)
    assert (g.score, g.level) == (Decimal(score), level)


def expected_ls(r: int) -> str:
    return "red" if r >= 20 else "orange" if r >= 9 else "yellow" if r >= 4 else "blue"


@pytest.mark.parametrize(("l_value", "s_value"), list(itertools.product(range(1, 6), range(1, 6))))
def test_every_ls_combination(l_value: int, s_value: int) -> None:
    _, g = calc.assess("ls", {"likelihood": l_value, "severity": str(s_value)}, BANDS)
    assert g.score == Decimal(l_value * s_value)
    assert g.level == expected_ls(l_value * s_value)


@pytest.mark.parametrize(
    ("r", "level"),
    [
        (25, "red"),
        (20, "red"),
        (16, "orange"),
        (9, "orange"),
        (8, "yellow"),
        (4, "yellow"),
        (3, "blue"),
        (1, "blue"),
    ],
)
def test_ls_band_boundaries(r: int, level: str) -> None:
    assert calc.grade(Decimal(r), [b for b in BANDS if b.method == "ls"]).level == level


@pytest.mark.parametrize(
    ("values", "field", "text"),
    [
        (
            {"likelihood": "2", "exposure": "6", "consequence": "15"},
            "likelihood",
            "10、6、3、1、0.5、0.2、0.1",
        ),
        ({"likelihood": "0.3", "exposure": "6", "consequence": "15"}, "likelihood", "不能取 0.3"),
        ({"likelihood": "11", "exposure": "6", "consequence": "15"}, "likelihood", "不能取 11"),
        ({"likelihood": "abc", "exposure": "6", "consequence": "15"}, "likelihood", "不是有效的数值"),
        ({"likelihood": "", "exposure": "6", "consequence": "15"}, "likelihood", "请填写"),
        ({"likelihood": "6", "exposure": "4", "consequence": "15"}, "exposure", "10、6、3、2、1、0.5"),
        ({"likelihood": "6", "exposure": "6", "consequence": "50"}, "consequence", "100、40、15、7、3、1"),
        ({"likelihood": "6", "exposure": "6", "consequence": "NaN"}, "consequence", "不是有效的数值"),
    ],
)
def test_invalid_lec_values_are_rejected_listing_the_allowed_ones(
    values: dict[str, str], field: str, text: str
) -> None:
    with pytest.raises(ValidationError) as exc:
        calc.assess("lec", values, BANDS)
    assert text in " ".join(exc.value.message_dict[field])


def test_all_invalid_lec_fields_reported_at_once() -> None:
    with pytest.raises(ValidationError) as exc:
        calc.assess("lec", {"likelihood": "2", "exposure": "4", "consequence": "5"}, BANDS)
    assert set(exc.value.message_dict) == {"likelihood", "exposure", "consequence"}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"likelihood": "0", "severity": "3"}, "likelihood"),
        ({"likelihood": "6", "severity": "3"}, "likelihood"),
        ({"likelihood": "2.5", "severity": "3"}, "likelihood"),
        ({"likelihood": "3", "severity": "x"}, "severity"),
        ({"likelihood": "3", "severity": None}, "severity"),
    ],
)
def test_invalid_ls_values(values: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as exc:
        calc.assess("ls", values, BANDS)
    assert "1、2、3、4、5" in " ".join(exc.value.message_dict[field])


def test_unknown_method() -> None:
    with pytest.raises(ValidationError) as exc:
        calc.assess("xyz", {}, BANDS)
    assert "LEC" in exc.value.message_dict["method"][0]


def test_formula_text() -> None:
    cleaned, g = calc.assess("lec", {"likelihood": "0.5", "exposure": "6", "consequence": "40"}, BANDS)
    assert calc.formula("lec", cleaned, g.score) == "D = 0.5 × 6 × 40 = 120"
    cleaned, g = calc.assess("ls", {"likelihood": "4", "severity": "5"}, BANDS)
    assert calc.formula("ls", cleaned, g.score) == "R = 4 × 5 = 20"


@pytest.mark.django_db
def test_seeded_band_table_matches_domain_defaults() -> None:
    from anjian.risks.services import load_bands

    assert sorted(load_bands(), key=lambda b: (b.method, b.lower)) == sorted(
        BANDS, key=lambda b: (b.method, b.lower)
    )
