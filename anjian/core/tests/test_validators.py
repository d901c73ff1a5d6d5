"""DOMAIN.md §2: USCC check character, phone numbers, resident ID, coordinates."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from anjian.core.validators import (
    USCC_CHARSET,
    USCC_WEIGHTS,
    coordinate_error,
    phone_error,
    resident_id_error,
    uscc_check_char,
    uscc_error,
    validate_uscc,
)


def test_weights_are_the_published_ones():
    assert USCC_WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


@pytest.mark.parametrize("code", ["91350100M000100Y43", "91440300708461136T", " 91440300708461136t "])
def test_real_codes_are_valid(code):
    assert uscc_error(code) == ""
    validate_uscc(code)


def test_wrong_check_character_names_the_expected_one():
    assert uscc_error("91350100M000100Y44") == "统一社会信用代码校验位错误：第 18 位应为 3，实际为 4。"


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("", "不能为空"),
        ("91350100M000100Y4", "应为 18 位"),
        ("91350100M000100I43", "不允许的字符：I"),
        ("91350100M0001O0Y43", "不允许的字符：O"),
        ("91ABCDEFM000100Y43", "行政区划代码"),
    ],
)
def test_invalid_codes_are_explained(code, fragment):
    assert fragment in uscc_error(code)
    with pytest.raises(ValidationError):
        validate_uscc(code)


def test_check_value_31_maps_to_zero():
    # Find a body whose weighted sum is ≡ 0 (mod 31): c = 31 - 0 = 31 → '0'.
    body = "0" * 17
    assert uscc_check_char(body) == "0"


@given(st.text(alphabet=USCC_CHARSET, min_size=17, max_size=17).map(lambda s: "91440306" + s[8:]))
def test_generated_codes_round_trip(body):
    code = body + uscc_check_char(body)
    assert uscc_error(code) == ""
    wrong = USCC_CHARSET[(USCC_CHARSET.index(code[17]) + 1) % 31]
    assert uscc_error(code[:17] + wrong) != ""


@pytest.mark.parametrize(
    "phone", ["13800138000", "19912345678", "0755-12345678", "075512345678", "+8613800138000", ""]
)
def test_valid_phones(phone):
    assert phone_error(phone) == ""


@pytest.mark.parametrize("phone", ["12800138000", "1380013800", "138001380001", "abc", "0755-123"])
def test_invalid_phones(phone):
    assert "电话号码格式不正确" in phone_error(phone)


def test_resident_id_check():
    assert resident_id_error("11010519491231002X") == ""
    assert "校验位错误" in resident_id_error("110105194912310021")
    assert "18 位" in resident_id_error("1101051949123100")


def test_coordinates(settings):
    settings.GEO_BOUNDS = (18.0, 73.0, 54.0, 135.0)
    assert coordinate_error(None, None) == ""
    assert coordinate_error(22.6, 113.9) == ""
    assert coordinate_error(18.0, 73.0) == ""
    assert "纬度" in coordinate_error(17.99, 113.9)
    assert "经度" in coordinate_error(22.6, 135.01)
    assert "同时填写" in coordinate_error(22.6, None)
