"""Back-office views of the organisation data. Changes go through the pages and API (services, audit), so
the admin only reads, except for the street record itself (set once at installation)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from anjian.org.models import (
    Assignment,
    Community,
    Department,
    Grid,
    Meeting,
    MeetingDecision,
    Street,
    User,
    Visit,
)


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Street)
class StreetAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["name", "division_code", "district"]

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Community)
class CommunityAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "phone", "sort_order"]
    search_fields = ["name", "code"]


@admin.register(Grid)
class GridAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "community"]
    list_filter = ["community"]
    search_fields = ["name", "code"]


@admin.register(Department)
class DepartmentAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "phone"]


@admin.register(User)
class UserAdmin(ReadOnlyAdmin):
    list_display = ["username", "name", "role", "community", "grid", "is_active"]
    list_filter = ["role", "is_active", "community"]
    search_fields = ["username", "name", "phone"]
    exclude = ["password"]


@admin.register(Assignment)
class AssignmentAdmin(ReadOnlyAdmin):
    list_display = ["person", "kind", "enterprise", "community", "status", "start_date", "end_date"]
    list_filter = ["kind", "status"]
    search_fields = ["person__name", "enterprise__name"]


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ["date", "visitor", "enterprise", "community", "voided_at"]
    list_filter = ["community"]
    date_hierarchy = "date"


class DecisionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = MeetingDecision
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    list_display = ["date", "title", "community", "host", "voided_at"]
    list_filter = ["community"]
    inlines = [DecisionInline]
