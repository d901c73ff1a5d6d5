"""The configurable numbers of the assignment rules (DOMAIN.md §1): how many targets a person should have
and how often each target is visited or met. Defaults apply when a setting is absent."""

from __future__ import annotations

from django.conf import settings

from anjian.org.choices import AssignmentKind, Role

ELECTROPLATING = "electroplating"


def cadre_range() -> tuple[int, int]:
    """Inclusive bounds of the number of electroplating enterprises a cadre is assigned (default 3–5)."""
    low, high = getattr(settings, "ASSIGNMENT_CADRE_RANGE", (3, 5))
    return int(low), int(high)


def liaison_range() -> tuple[int, int]:
    """Inclusive bounds of the number of communities a liaison officer is assigned (default 1–2)."""
    low, high = getattr(settings, "ASSIGNMENT_LIAISON_RANGE", (1, 2))
    return int(low), int(high)


def range_for(kind: str) -> tuple[int, int]:
    return cadre_range() if kind == AssignmentKind.ENTERPRISE else liaison_range()


def role_for(kind: str) -> str:
    """The role a person must hold to receive an assignment of `kind`."""
    return Role.CADRE if kind == AssignmentKind.ENTERPRISE else Role.LIAISON


def visits_per_week() -> int:
    return int(getattr(settings, "ASSIGNMENT_VISITS_PER_WEEK", 1))


def meetings_per_month() -> int:
    return int(getattr(settings, "ASSIGNMENT_MEETINGS_PER_MONTH", 1))


def range_label(kind: str) -> str:
    low, high = range_for(kind)
    unit = "家电镀企业" if kind == AssignmentKind.ENTERPRISE else "个社区"
    return f"{low}–{high} {unit}" if low != high else f"{low} {unit}"
