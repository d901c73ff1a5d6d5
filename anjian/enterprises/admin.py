"""Back-office view of the register. Enterprises and licences change only through the pages and API
(services write the audit log and timeline), so they are read-only here; categories and parks are
configuration and their admin edits are audited too."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from anjian.core import audit
from anjian.enterprises.models import Enterprise, EnterpriseEvent, KeyCategory, Licence, Park


class AuditedAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    """Admin edits append an audit link with the before/after values like any other write."""

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        before = None
        if change:
            old = type(obj).objects.filter(pk=obj.pk).first()
            before = audit.snapshot(old) if old else None
        super().save_model(request, obj, form, change)
        audit.record(
            actor=request.user,
            action="update" if change else "create",
            obj=obj,
            before=before,
            after=audit.snapshot(obj),
            only_changes=change,
            note="后台管理",
        )

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(KeyCategory)
class KeyCategoryAdmin(AuditedAdmin):
    list_display = ["name", "code", "colour", "icon", "sort_order"]
    list_editable = ["sort_order"]
    search_fields = ["name", "code"]


@admin.register(Park)
class ParkAdmin(AuditedAdmin):
    list_display = ["name", "community", "manager", "phone"]
    list_filter = ["community"]
    search_fields = ["name", "address"]


class ReadOnlyAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(ReadOnlyAdmin):
    list_display = ["name", "uscc", "community", "grid", "status", "updated_at"]
    list_filter = ["status", "community", "categories"]
    search_fields = ["name", "uscc", "address"]
    list_select_related = ["community", "grid"]


@admin.register(Licence)
class LicenceAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "kind", "number", "expires_on", "voided_at"]
    list_filter = ["kind"]
    search_fields = ["number", "enterprise__name"]
    list_select_related = ["enterprise"]


@admin.register(EnterpriseEvent)
class EnterpriseEventAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "type", "actor", "at"]
    list_filter = ["type"]
    list_select_related = ["enterprise", "actor"]
