"""Jurisdiction scoping: every read of scoped data goes through `for_user(user)`.

A model declares how it hangs on the organisation tree with a `Scope` (lookup paths from the model to
its community, grid and enterprise; "pk" when the model *is* that node). A user's jurisdiction comes
from the role (street / community / grid / enterprise level).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from django.db import models

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser


@dataclass(frozen=True)
class Scope:
    """Lookup paths from a model to the organisation nodes it belongs to ('' = not linked)."""

    community: str = ""
    grid: str = ""
    enterprise: str = ""


@dataclass(frozen=True)
class Jurisdiction:
    """What part of the street a user may see."""

    level: str  # "street" | "community" | "grid" | "enterprise" | "none"
    community_id: int | None = None
    grid_id: int | None = None
    enterprise_id: int | None = None

    @property
    def is_street(self) -> bool:
        return self.level == "street"


NO_JURISDICTION = Jurisdiction(level="none")


def jurisdiction_of(user: AbstractBaseUser | AnonymousUser | None) -> Jurisdiction:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_JURISDICTION
    getter = getattr(user, "jurisdiction", None)
    if getter is None:
        return NO_JURISDICTION
    return getter  # type: ignore[no-any-return]


_Q = TypeVar("_Q", bound="ScopedQuerySet")


class ScopedQuerySet(models.QuerySet):  # type: ignore[type-arg]
    """QuerySet with `for_user`, the only way views, API, exports and prefetches read scoped data."""

    def for_user(self: _Q, user: Any) -> _Q:
        scope: Scope | None = getattr(self.model, "scope", None)
        j = jurisdiction_of(user)
        if j.level == "street":
            return self
        if j.level == "none" or scope is None:
            return self.none()
        return self.filter(scope_filter(scope, j))


def scope_filter(scope: Scope, j: Jurisdiction) -> models.Q:
    """The filter that narrows a model with `scope` to jurisdiction `j` (never street level)."""
    nothing = models.Q(pk__in=[])
    if j.level == "community":
        if scope.community and j.community_id:
            return models.Q(**{scope.community: j.community_id})
        return nothing
    if j.level == "grid":
        if scope.grid and j.grid_id:
            return models.Q(**{scope.grid: j.grid_id})
        if scope.community and j.community_id and not scope.enterprise:
            return models.Q(**{scope.community: j.community_id})
        return nothing
    if j.level == "enterprise":
        if scope.enterprise and j.enterprise_id:
            return models.Q(**{scope.enterprise: j.enterprise_id})
        if scope.grid and j.grid_id and scope.grid == "pk":
            return models.Q(pk=j.grid_id)
        if scope.community and j.community_id and scope.community == "pk":
            return models.Q(pk=j.community_id)
        return nothing
    return nothing


class ScopedModelMixin:
    scope: ClassVar[Scope | None] = None
