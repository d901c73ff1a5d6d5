"""Back-office screens for the tip-off configuration only. Tips themselves are not registered here:
they are read and changed through the audited pages, and the reporter's identity never shows here."""

from django.contrib import admin

from anjian.tipoffs.models import TipCategory


@admin.register(TipCategory)
class TipCategoryAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["code", "name", "group", "sort_order", "active"]
    list_editable = ["sort_order", "active"]
    search_fields = ["code", "name", "keywords"]
