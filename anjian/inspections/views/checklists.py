"""Checklist pages: the list, one checklist with any of its versions, and (office) create / edit, where
saving publishes a new version."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from anjian.core.errors import ServiceError
from anjian.inspections import selectors, services
from anjian.inspections.choices import GENERAL_CATEGORY, SEVERITY_COLOURS
from anjian.inspections.forms import ItemFormSet, TemplateForm, add_service_errors, category_choices
from anjian.inspections.models import ChecklistTemplate
from anjian.inspections.views.plans import require_cap


def _category_labels() -> dict[str, str]:
    return dict(category_choices())


@login_required
def checklist_list(request: HttpRequest) -> HttpResponse:
    require_cap(request, "inspection.perform")
    return render(
        request,
        "inspections/checklist_list.html",
        {
            "page_title": "检查表",
            "templates": selectors.templates_with_current(),
            "category_labels": _category_labels(),
            "can_manage": services.is_office(request.user),
        },
    )


@login_required
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A checklist's items in the current (or a chosen) version, and its version history."""
    require_cap(request, "inspection.perform")
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    versions = list(
        template.versions.select_related("published_by").annotate(
            n_items=Count("items", distinct=True), n_used=Count("inspections", distinct=True)
        )
    )
    wanted = request.GET.get("version")
    version = next((v for v in versions if str(v.version) == wanted), None) or next(
        (v for v in versions if v.is_current), versions[0] if versions else None
    )
    items = list(version.items.order_by("order")) if version else []
    return render(
        request,
        "inspections/checklist_detail.html",
        {
            "page_title": template.name,
            "template": template,
            "version": version,
            "versions": versions,
            "items": items,
            "major_count": sum(1 for i in items if i.major_hazard_ground),
            "category_label": _category_labels().get(template.category, template.category),
            "severity_colours": SEVERITY_COLOURS,
            "can_manage": services.is_office(request.user),
        },
    )


def _item_rows(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or form.is_blank():
            continue
        rows.append({k: v for k, v in data.items() if k != "DELETE"})
    return rows


def _formset_errors(formset: Any, exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        return [m for errors in exc.error_dict.values() for e in errors for m in e.messages]
    if isinstance(exc, ServiceError):
        return [exc.message]
    return list(getattr(exc, "messages", [str(exc)]))


@login_required
def checklist_create(request: HttpRequest) -> HttpResponse:
    require_cap(request, "checklist.manage")
    form = TemplateForm(request.POST or None, initial={"category": GENERAL_CATEGORY, "is_active": True})
    formset = ItemFormSet(request.POST or None, prefix="items")
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            template = services.create_template(
                actor=request.user, data=form.cleaned_data, items=_item_rows(formset)
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, _without_items(exc))
            errors = _items_errors(exc)
        else:
            messages.success(request, f"已创建检查表：{template.name}（第1版）")
            return redirect("inspections:checklist_detail", pk=template.pk)
    return render(
        request,
        "inspections/checklist_form.html",
        {"page_title": "新建检查表", "form": form, "formset": formset, "item_errors": errors},
    )


def _items_errors(exc: Exception) -> list[str]:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and "items" in exc.error_dict:
        return [m for e in exc.error_dict["items"] for m in e.messages]
    return []


def _without_items(exc: Exception) -> Exception:
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict") and "items" in exc.error_dict:
        rest = {k: v for k, v in exc.error_dict.items() if k != "items"}
        return ValidationError(rest) if rest else ValidationError([])
    return exc


@login_required
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a checklist: saving publishes a new version; inspections keep the version they used."""
    require_cap(request, "checklist.manage")
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    current = template.versions.filter(is_current=True).first()
    initial_items = [
        {
            "section": i.section,
            "text": i.text,
            "legal_basis": i.legal_basis,
            "severity": i.severity,
            "major_hazard_ground": i.major_hazard_ground,
            "hazard_category": i.hazard_category,
            "accident_type": i.accident_type,
        }
        for i in (current.items.order_by("order") if current else [])
    ]
    form = TemplateForm(
        request.POST or None,
        editing=True,
        initial={
            "name": template.name,
            "category": template.category,
            "description": template.description,
            "is_active": template.is_active,
        },
    )
    formset = ItemFormSet(request.POST or None, prefix="items", initial=initial_items)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        data = form.cleaned_data
        try:
            version = services.publish_version(
                template,
                actor=request.user,
                items=_item_rows(formset),
                change_note=data.get("change_note", ""),
                data={k: data[k] for k in ("name", "category", "description", "is_active")},
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, _without_items(exc))
            errors = _items_errors(exc)
        else:
            messages.success(request, f"已发布第{version.version}版。此前的检查记录仍按其使用的版本显示。")
            return redirect("inspections:checklist_detail", pk=template.pk)
    return render(
        request,
        "inspections/checklist_form.html",
        {
            "page_title": f"编辑检查表 · {template.name}",
            "form": form,
            "formset": formset,
            "template": template,
            "current": current,
            "item_errors": errors,
        },
    )
