"""Helpers for risk tests: risk points registered through the services."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

MEASURES = [
    {"type": "engineering", "text": "设置局部排风"},
    {"type": "management", "text": "双人双锁管理"},
]
# LEC values giving each level with the default bands.
LEC_FOR = {
    "red": {"likelihood": "3", "exposure": "6", "consequence": "40"},  # 720
    "orange": {"likelihood": "3", "exposure": "6", "consequence": "15"},  # 270
    "yellow": {"likelihood": "3", "exposure": "6", "consequence": "7"},  # 126
    "blue": {"likelihood": "1", "exposure": "6", "consequence": "3"},  # 18
}
CONTROL_FOR = {"red": "street", "orange": "street", "yellow": "community", "blue": "enterprise"}


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def make_point(world: Any) -> Any:
    from anjian.risks import services

    def make(
        *,
        actor: Any = None,
        enterprise: Any = ...,
        level: str = "yellow",
        assessed_on: Any = None,
        **data: Any,
    ) -> Any:
        values = {
            "enterprise": world.ent_a1 if enterprise is ... else enterprise,
            "name": f"氰化镀槽（{level}）",
            "kind": "place",
            "location": "电镀车间",
            "hazard_factors": "氰化物泄漏",
            "accident_types": ["poisoning"],
            "measures": MEASURES,
            "control_level": CONTROL_FOR[level],
            "responsible_name": "张三",
            "responsible_phone": "13800138000",
            "review_date": today() + dt.timedelta(days=365),
        }
        values.update(data)
        return services.create_point(
            actor=actor or world.office,
            data=values,
            assessment={"method": "lec", **LEC_FOR[level], "assessed_on": assessed_on},
        )

    return make
