"""Checklist templates and their versions: publishing a version never changes an earlier one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.http import Http404
from django.utils import timezone

from anjian.core import audit
from anjian.enterprises.models import Enterprise, KeyCategory
from anjian.inspections.choices import GENERAL_CATEGORY, AccidentType, HazardCategory, Severity
from anjian.inspections.models import ChecklistItem, ChecklistTemplate, ChecklistVersion
from anjian.inspections.services.access import NOT_FOUND
from anjian.inspections.services.cleaning import clean_text
from anjian.org.permissions import require

MAX_ITEMS = 100


def default_template_for(enterprise: Enterprise) -> ChecklistTemplate | None:
    """The checklist that fits an enterprise: its first key category with a template, else general fire."""
    codes = [c.code for c in enterprise.categories.all()]
    templates = {t.category: t for t in ChecklistTemplate.objects.filter(is_active=True).order_by("id")}
    for code in codes:
        if code in templates:
            return templates[code]
    return templates.get(GENERAL_CATEGORY)


def _clean_items(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Validate the rows of a new version; every message names the row (第 N 项)."""
    items: list[dict[str, Any]] = []
    errors: list[str] = []
    for n, row in enumerate(rows, start=1):
        text = clean_text(row.get("text"), 500)
        basis = clean_text(row.get("legal_basis"), 300)
        severity = clean_text(row.get("severity")) or Severity.GENERAL
        category = clean_text(row.get("hazard_category")) or HazardCategory.SITE
        accident = clean_text(row.get("accident_type")) or AccidentType.OTHER
        if not text:
            errors.append(f"第 {n} 项：请填写检查内容。")
        if not basis:
            errors.append(f"第 {n} 项：请填写依据（法规、标准条款）。")
        if severity not in Severity.values:
            errors.append(f"第 {n} 项：严重程度“{severity}”无效。")
        if category not in HazardCategory.values:
            errors.append(f"第 {n} 项：隐患类别“{category}”无效。")
        if accident not in AccidentType.values:
            errors.append(f"第 {n} 项：事故类型“{accident}”无效（应为 GB 6441 的 20 类之一）。")
        major = row.get("major_hazard_ground")
        items.append(
            {
                "section": clean_text(row.get("section"), 50),
                "text": text,
                "legal_basis": basis,
                "severity": severity,
                "major_hazard_ground": major in (True, "true", "on", "1", 1),
                "hazard_category": category,
                "accident_type": accident,
            }
        )
    if not items and not errors:
        errors.append("检查表至少需要一个检查项。")
    if len(items) > MAX_ITEMS:
        errors.append(f"检查项不能超过 {MAX_ITEMS} 个。")
    if errors:
        raise ValidationError({"items": errors})
    return items


def _item_snapshot(version: ChecklistVersion) -> list[dict[str, Any]]:
    return [
        {"order": i.order, "text": i.text, "legal_basis": i.legal_basis, "major": i.major_hazard_ground}
        for i in version.items.all()
    ]


@transaction.atomic
def create_template(
    *, actor: Any, data: Mapping[str, Any], items: Iterable[Mapping[str, Any]]
) -> ChecklistTemplate:
    """Create a checklist and publish its first version (office only)."""
    require(actor, "checklist.manage")
    template = ChecklistTemplate(
        code=clean_text(data.get("code"), 50),
        name=clean_text(data.get("name"), 100),
        category=clean_text(data.get("category"), 40) or GENERAL_CATEGORY,
        description=clean_text(data.get("description")),
        created_by=actor,
    )
    _check_category(template.category)
    template.full_clean()
    template.save()
    audit.record(actor=actor, action="create", obj=template, after=audit.snapshot(template))
    publish_version(
        template, actor=actor, items=items, change_note=clean_text(data.get("change_note"), 300) or "初始版本"
    )
    return template


def _check_category(code: str) -> None:
    if code != GENERAL_CATEGORY and not KeyCategory.objects.filter(code=code).exists():
        raise ValidationError({"category": f"适用类型“{code}”不存在。"})


@transaction.atomic
def publish_version(
    template: ChecklistTemplate | int,
    *,
    actor: Any,
    items: Iterable[Mapping[str, Any]],
    change_note: str = "",
    data: Mapping[str, Any] | None = None,
) -> ChecklistVersion:
    """Editing a checklist publishes a new version; earlier versions (and inspections using them) stay as
    they were. `data` may also change the template's name, category, description and active flag."""
    require(actor, "checklist.manage")
    tpl = ChecklistTemplate.objects.select_for_update().filter(pk=getattr(template, "pk", template)).first()
    if tpl is None:
        raise Http404(NOT_FOUND)
    clean = _clean_items(items)
    before = audit.snapshot(tpl)
    if data:
        for field in ("name", "description"):
            if field in data:
                setattr(tpl, field, clean_text(data[field]))
        if "category" in data:
            tpl.category = clean_text(data["category"], 40) or GENERAL_CATEGORY
            _check_category(tpl.category)
        if "is_active" in data:
            tpl.is_active = bool(data["is_active"])
        tpl.full_clean()
        tpl.save()
    previous = tpl.versions.filter(is_current=True).first()
    last = tpl.versions.aggregate(n=models.Max("version"))["n"] or 0
    if previous is not None:
        previous.is_current = False
        previous.save(update_fields=["is_current"])
    version = ChecklistVersion.objects.create(
        template=tpl,
        version=last + 1,
        published_at=timezone.now(),
        published_by=actor if getattr(actor, "is_authenticated", False) else None,
        is_current=True,
        change_note=clean_text(change_note, 300) or ("初始版本" if last == 0 else "修订"),
    )
    ChecklistItem.objects.bulk_create(
        ChecklistItem(version=version, order=n, **row) for n, row in enumerate(clean, start=1)
    )
    after = audit.snapshot(tpl)
    audit.record(
        actor=actor,
        action="publish_version",
        obj=tpl,
        before={**before, "version": previous.version if previous else None},
        after={**after, "version": version.version, "items": _item_snapshot(version)},
        note=version.change_note,
    )
    return version
