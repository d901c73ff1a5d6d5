"""Shared API building blocks: scoped viewsets whose writes go through services."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import viewsets
from rest_framework.permissions import BasePermission
from rest_framework.request import Request


class ScopedViewSetMixin:
    """Reads are narrowed to the caller's jurisdiction; objects outside it answer 404."""

    def get_queryset(self) -> QuerySet[Any]:
        queryset: Any = getattr(self, "queryset", None)
        request: Any = getattr(self, "request", None)
        return queryset.for_user(request.user)  # type: ignore[no-any-return]


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    pass


class RolePermission(BasePermission):
    """Allow unsafe methods only to the roles listed on the view as `write_roles`."""

    message = "没有执行此操作的权限。"

    def has_permission(self, request: Request, view: Any) -> bool:
        if not request.user or not request.user.is_authenticated:
            return False
        if request.method in ("GET", "HEAD", "OPTIONS"):
            return True
        roles = getattr(view, "write_roles", ())
        return getattr(request.user, "role", None) in roles
