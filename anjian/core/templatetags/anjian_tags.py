"""Template helpers used across pages: CSS classes on form fields, query-string editing, badges."""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.html import format_html
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def add_class(field: BoundField, css: str) -> SafeString | str:
    if not isinstance(field, BoundField):
        return field
    existing = field.field.widget.attrs.get("class", "")
    classes = f"{existing} {css}".strip() + (" is-invalid" if field.errors else "")
    attrs: dict[str, str | bool] = {"class": classes}
    return field.as_widget(attrs=attrs)


@register.simple_tag(takes_context=True)
def query_replace(context: dict[str, Any], **kwargs: Any) -> str:
    """The current query string with some parameters replaced (page links keep the filters)."""
    request = context["request"]
    query = request.GET.copy()
    for key, value in kwargs.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return str(query.urlencode())


@register.simple_tag(takes_context=True)
def sort_link(context: dict[str, Any], field: str, label: str) -> SafeString:
    """A column header that sorts by `field`, toggling direction, with an arrow for the current order."""
    request = context["request"]
    current = request.GET.get("sort", "")
    if current == field:
        target, arrow = f"-{field}", " ↑"
    elif current == f"-{field}":
        target, arrow = field, " ↓"
    else:
        target, arrow = field, ""
    query = request.GET.copy()
    query["sort"] = target
    query.pop("page", None)
    return format_html('<a class="sort-link" href="?{}">{}{}</a>', query.urlencode(), label, arrow)


@register.simple_tag
def badge(text: Any, colour: str = "secondary") -> SafeString:
    return format_html('<span class="badge text-bg-{} badge-soft">{}</span>', colour or "secondary", text)


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key) if isinstance(mapping, dict) else None


@register.filter(name="can")
def can_filter(user: Any, capability: str) -> bool:
    """{% if request.user|can:"risk.map" %}: show a link only to those who may open it."""
    from anjian.org.permissions import can

    return can(user, capability)
