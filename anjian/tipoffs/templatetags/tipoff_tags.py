"""Template filters of the tip-off pages."""

from __future__ import annotations

from typing import Any

from django import template

from anjian.tipoffs.rewards import RewardInputError, yuan

register = template.Library()


@register.filter(name="yuan")
def yuan_filter(value: Any) -> str:
    """¥7,500 / ¥7,500.50 ('—' when empty)."""
    if value in (None, ""):
        return "—"
    try:
        return yuan(value)
    except RewardInputError:
        return str(value)
