"""Identity and contact checks of DOMAIN.md §2: USCC, mobile and landline numbers, resident ID, coordinates."""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [
    pow(3, i, 31) for i in range(17)
]  # 1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28
_USCC_VALUES = {ch: i for i, ch in enumerate(USCC_CHARSET)}

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}(-\d{1,6})?$")
RESIDENT_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
RESIDENT_ID_CHECK = "10X98765432"


def normalize_uscc(value: str) -> str:
    return (value or "").strip().upper()


def uscc_check_char(first17: str) -> str:
    """The 18th character for the first 17 (GB 32100-2015)."""
    total = sum(_USCC_VALUES[ch] * w for ch, w in zip(first17, USCC_WEIGHTS, strict=True))
    c = 31 - total % 31
    return USCC_CHARSET[0 if c == 31 else c]


def uscc_error(value: str) -> str:
    """'' when `value` is a valid USCC, otherwise the reason in Chinese."""
    code = normalize_uscc(value)
    if not code:
        return "统一社会信用代码不能为空。"
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位，当前为 {len(code)} 位。"
    bad = sorted({ch for ch in code if ch not in _USCC_VALUES})
    if bad:
        return f"统一社会信用代码含有不允许的字符：{''.join(bad)}（不使用 I、O、Z、S、V）。"
    if not code[2:8].isdigit():
        return "统一社会信用代码第 3–8 位应为行政区划代码（数字）。"
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        return f"统一社会信用代码校验位错误：第 18 位应为 {expected}，实际为 {code[17]}。"
    return ""


def validate_uscc(value: str) -> None:
    error = uscc_error(value)
    if error:
        raise ValidationError(error, code="uscc")


def normalize_phone(value: str) -> str:
    return re.sub(r"[\s]", "", (value or "").strip())


def phone_error(value: str) -> str:
    phone = normalize_phone(value)
    if not phone:
        return ""
    if phone.startswith("+86"):
        phone = phone[3:]
    if MOBILE_RE.match(phone) or LANDLINE_RE.match(phone):
        return ""
    return f"电话号码格式不正确：{value}（手机号为 1[3-9] 开头的 11 位数字，座机如 0755-12345678）。"


def validate_phone(value: str) -> None:
    error = phone_error(value)
    if error:
        raise ValidationError(error, code="phone")


def validate_mobile(value: str) -> None:
    phone = normalize_phone(value)
    if phone and not MOBILE_RE.match(phone):
        raise ValidationError(f"手机号格式不正确：{value}（应为 1[3-9] 开头的 11 位数字）。", code="mobile")


def resident_id_error(value: str) -> str:
    code = (value or "").strip().upper()
    if len(code) != 18 or not code[:17].isdigit() or code[17] not in "0123456789X":
        return "身份证号应为 18 位，前 17 位为数字，最后一位为数字或 X。"
    expected = RESIDENT_ID_CHECK[
        sum(int(c) * w for c, w in zip(code[:17], RESIDENT_ID_WEIGHTS, strict=True)) % 11
    ]
    if code[17] != expected:
        return f"身份证号校验位错误：最后一位应为 {expected}。"
    return ""


def validate_resident_id(value: str) -> None:
    error = resident_id_error(value)
    if error:
        raise ValidationError(error, code="resident_id")


def coordinate_error(lat: float | None, lng: float | None) -> str:
    """'' when both are empty or both lie inside the configured plausible area (GEO_BOUNDS)."""
    if lat is None and lng is None:
        return ""
    if lat is None or lng is None:
        return "经度和纬度须同时填写。"
    lat_min, lng_min, lat_max, lng_max = settings.GEO_BOUNDS
    if not (lat_min <= lat <= lat_max):
        return f"纬度 {lat} 超出合理范围（{lat_min}–{lat_max}）。"
    if not (lng_min <= lng <= lng_max):
        return f"经度 {lng} 超出合理范围（{lng_min}–{lng_max}）。"
    return ""
