"""Checklist pages: the list, one checklist with any of its versions, and (office) create / edit, where
saving publishes a new version."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from anjian.inspections import selectors, services
from anjian.inspections.choices import GENERAL_CATEGORY, SEVERITY_COLOURS
from anjian.inspections.forms import ItemForm, ItemFormSet, TemplateForm, category_choices
from anjian.inspections.models import ChecklistTemplate
from anjian.inspections.views.form_pages import form_page
from anjian.org.views.common import capability_required


def _category_labels() -> dict[str, str]:
    return dict(category_choices())


@login_required
@capability_required("inspection.perform")
def checklist_list(request: HttpRequest) -> HttpResponse:
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
@capability_required("inspection.perform")
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A checklist's items in the current (or a chosen) version, and its version history."""
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


def _detail_url(template: ChecklistTemplate) -> str:
    return reverse("inspections:checklist_detail", args=[template.pk])


@login_required
@capability_required("checklist.manage")
def checklist_create(request: HttpRequest) -> HttpResponse:
    formset = ItemFormSet(request.POST or None, prefix="items")
    return form_page(
        request,
        TemplateForm(request.POST or None, initial={"category": GENERAL_CATEGORY, "is_active": True}),
        formset=formset,
        save=lambda form: services.create_template(
            actor=request.user, data=form.cleaned_data, items=_item_rows(formset)
        ),
        success=lambda template: f"已创建检查表：{template.name}（第1版）",
        done=_detail_url,
        template="inspections/checklist_form.html",
        context={"page_title": "新建检查表"},
    )


@login_required
@capability_required("checklist.manage")
def checklist_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a checklist: saving publishes a new version; inspections keep the version they used."""
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    current = template.versions.filter(is_current=True).first()
    initial_items = [
        model_to_dict(i, fields=list(ItemForm.base_fields))
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

    def publish(form: TemplateForm) -> Any:
        data = form.cleaned_data
        return services.publish_version(
            template,
            actor=request.user,
            items=_item_rows(formset),
            change_note=data.get("change_note", ""),
            data={k: data[k] for k in ("name", "category", "description", "is_active")},
        )

    return form_page(
        request,
        form,
        formset=formset,
        save=publish,
        success=lambda version: f"已发布第{version.version}版。此前的检查记录仍按其使用的版本显示。",
        done=lambda _: _detail_url(template),
        template="inspections/checklist_form.html",
        context={"page_title": f"编辑检查表 · {template.name}", "template": template, "current": current},
    )
