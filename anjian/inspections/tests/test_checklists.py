"""Standard checklists shipped as data, and versioning: editing publishes a new version and past
inspections keep the one they used."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from anjian.core.errors import PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.inspections import services
from anjian.inspections.models import ChecklistTemplate, ChecklistVersion, Inspection
from anjian.inspections.tests.helpers import files, payload, version_of

pytestmark = pytest.mark.django_db


def test_standard_checklists_are_loaded_with_sourced_items(db: Any) -> None:
    codes = set(ChecklistTemplate.objects.values_list("code", flat=True))
    assert {
        "electroplating",
        "confined_space",
        "gas_catering",
        "ebike_charging",
        "construction",
        "fire_general",
    } <= codes
    for template in ChecklistTemplate.objects.filter(code__in=codes):
        version = template.versions.get(is_current=True)
        items = list(version.items.all())
        assert 8 <= len(items) <= 15, template.code
        assert all(i.legal_basis.strip() for i in items), template.code
    confined = version_of("confined_space").items.all()
    flagged = [i.text for i in confined if i.major_hazard_ground]
    assert any("台账" in t for t in flagged)
    assert any("先通风、再检测、后作业" in t for t in flagged)
    assert any("监护" in t for t in flagged)
    assert any("审批" in t for t in flagged)
    assert all(
        "第十三条" in i.legal_basis for i in confined if i.major_hazard_ground and "承包" not in i.text
    )
    plating = " ".join(version_of("electroplating").items.values_list("text", flat=True))
    for word in ("氰化物", "酸", "抽风", "整流器", "洗眼", "危险废物"):
        assert word in plating
    assert version_of("ebike_charging").items.filter(legal_basis__contains="第三十七条").count() >= 3


def _rows(version: ChecklistVersion) -> list[dict[str, Any]]:
    return [
        {
            "section": i.section,
            "text": i.text,
            "legal_basis": i.legal_basis,
            "severity": i.severity,
            "major_hazard_ground": i.major_hazard_ground,
            "hazard_category": i.hazard_category,
            "accident_type": i.accident_type,
        }
        for i in version.items.order_by("order")
    ]


def test_editing_publishes_a_new_version_and_past_inspections_keep_theirs(world: Any) -> None:
    v1 = version_of("fire_general")
    inspection, _ = services.submit_inspection(
        actor=world.inspector_a1, payload=payload(v1, enterprise=world.ent_a1, fail=(1,)), files=files()
    )
    rows = _rows(v1)
    rows[0]["text"] = "疏散通道、安全出口畅通（修订）"
    rows.append({"text": "微型消防站器材配备齐全", "legal_basis": "《消防法》第三十九条"})
    v2 = services.publish_version(v1.template, actor=world.office, items=rows, change_note="增加微型消防站")

    v1.refresh_from_db()
    assert (v1.is_current, v2.is_current, v2.version) == (False, True, 2)
    assert v2.items.count() == v1.items.count() + 1
    assert v1.items.get(order=1).text.startswith("疏散通道、安全出口畅通，")
    inspection = Inspection.objects.get(pk=inspection.pk)
    assert inspection.checklist_version_id == v1.pk
    assert inspection.results.get(item__order=1).item.text == v1.items.get(order=1).text
    entry = AuditEntry.objects.filter(action="publish_version").first()
    assert entry is not None and entry.after is not None and entry.after["version"] == 2
    # A new inspection uses the new version; the old version still accepts a draft begun on it.
    services.submit_inspection(
        actor=world.inspector_a1, payload=payload(v2, enterprise=world.ent_a1), files=files()
    )
    services.submit_inspection(
        actor=world.inspector_a1, payload=payload(v1, enterprise=world.ent_a1), files=files()
    )
    assert v1.inspections.count() == 2 and v2.inspections.count() == 1


def test_only_office_publishes_and_items_are_validated(world: Any) -> None:
    v1 = version_of("gas_catering")
    with pytest.raises(PermissionDeniedError):
        services.publish_version(v1.template, actor=world.inspector_a1, items=_rows(v1))
    with pytest.raises(ValidationError) as exc:
        services.publish_version(
            v1.template,
            actor=world.office,
            items=[
                {"text": "", "legal_basis": "x"},
                {"text": "x", "legal_basis": "", "accident_type": "meteor"},
            ],
        )
    messages = exc.value.message_dict["items"]
    assert "第 1 项：请填写检查内容。" in messages
    assert "第 2 项：请填写依据（法规、标准条款）。" in messages
    assert any("GB 6441" in m for m in messages)
    with pytest.raises(ValidationError):
        services.publish_version(v1.template, actor=world.office, items=[])
    assert v1.template.versions.count() == 1


def test_create_template_publishes_version_one(world: Any) -> None:
    template = services.create_template(
        actor=world.office,
        data={"code": "three_small", "name": "三小场所检查表", "category": "three_small"},
        items=[{"text": "不得住人", "legal_basis": "《消防法》第十九条", "accident_type": "fire"}],
    )
    version = template.versions.get()
    assert (version.version, version.is_current, version.items.count()) == (1, True, 1)
    with pytest.raises(ValidationError):
        services.create_template(
            actor=world.office,
            data={"code": "x1", "name": "x", "category": "nope"},
            items=[{"text": "a", "legal_basis": "b"}],
        )
