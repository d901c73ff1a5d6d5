"""Helpers of the tip-off tests: a reporter with a recognisable identity, tips at each workflow step."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from PIL import Image

from anjian.tipoffs import services
from anjian.tipoffs.identity import ReporterIdentity
from anjian.tipoffs.models import RewardRule, TipCategory

REPORTER_NAME = "张举报人"
REPORTER_PHONE = "13912345678"
REPORTER_EMAIL = "whistle@example.cn"


@pytest.fixture(autouse=True)
def _fast_tipoffs(settings: Any) -> None:
    settings.TIPOFF_POW_BITS = 4
    settings.TIPOFF_RATE_PER_HOUR = 5


def jpeg_with_gps(colour: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    img = Image.new("RGB", (80, 60), colour)
    exif = Image.Exif()
    exif[0x010F] = "SpyPhone"
    exif[0x8825] = {1: "N", 2: (22.0, 36.0, 0.0), 3: "E", 4: (113.0, 51.0, 0.0)}
    out = io.BytesIO()
    img.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def category(code: str = "fire_exit") -> TipCategory:
    return TipCategory.objects.get(code=code)


def named_identity() -> ReporterIdentity:
    return ReporterIdentity(name=REPORTER_NAME, phone=REPORTER_PHONE, email=REPORTER_EMAIL)


def submit(world: Any, *, code: str = "fire_exit", named: bool = True, **kw: Any) -> tuple[Any, str]:
    data: dict[str, Any] = {
        "category": category(code),
        "description": kw.pop("description", "三楼安全出口被铁链锁住，楼道堆满纸箱。"),
        "address": kw.pop("address", "甲社区工业路 8 号"),
        "lat": kw.pop("lat", 22.6001),
        "lng": kw.pop("lng", 113.8501),
        "identity": named_identity() if named else ReporterIdentity(),
        "contact_consent": named,
    }
    data.update(kw)
    return services.submit_tip(services.Submission(**data))


def to_verified(world: Any, tip: Any, *, truthful: bool = True) -> Any:
    officer = world.tip_officer
    services.accept_tip(tip.pk, actor=officer, community=world.community_a)
    services.assign_tip(tip.pk, actor=officer, kind="grid", grid=world.grid_a1, note="请两日内核查")
    return services.verify_tip(
        tip.pk, actor=world.inspector_a1, truthful=truthful, note="现场核实，安全出口确被锁闭。"
    )


def to_handled(world: Any, tip: Any, *, fine: str = "50000", **kw: Any) -> Any:
    to_verified(world, tip)
    return services.handle_tip(
        tip.pk,
        actor=world.tip_officer,
        enforcement_action="责令立即整改，依法罚款。",
        fine_amount=Decimal(fine) if fine else None,
        **kw,
    )


def rule(code: str = "national_fine_15") -> RewardRule:
    return RewardRule.objects.get(code=code)
