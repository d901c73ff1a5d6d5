"""Export of the register and the import template: contract layout, scope per role, filters, round trip."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from anjian.conftest import make_uscc
from anjian.core.models import AuditEntry
from anjian.enterprises import importer
from anjian.enterprises.importer import HEADERS
from anjian.enterprises.models import Enterprise, EnterpriseEvent
from anjian.enterprises.tests.test_import import run_import


def workbook(response: Any) -> Any:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def data_rows(wb: Any) -> list[tuple[Any, ...]]:
    return list(wb.worksheets[0].iter_rows(min_row=2, values_only=True))


def help_text(wb: Any) -> str:
    return "\n".join(str(v) for r in wb["填写说明"].iter_rows(values_only=True) for v in r if v is not None)


# ------------------------------------------------------------------------------------------ template


def test_template_has_contract_headers_example_and_instructions(world: Any) -> None:
    wb = workbook(world.client(world.admin).get(reverse("enterprises:template")))
    assert wb.sheetnames == ["企业台账", "填写说明"]
    ws = wb.worksheets[0]
    assert next(ws.iter_rows(max_row=1, values_only=True)) == HEADERS
    example = data_rows(wb)
    assert len(example) == 1 and example[0][1] == importer.EXAMPLE_USCC and example[0][2] == "甲社区"
    text = help_text(wb)
    for name in (
        "甲社区",
        "乙社区",
        "甲一网格、甲二网格",
        "乙一网格",
        "电镀",
        "三小场所",
        "制造业",
        "在营",
        "停业",
        "注销",
    ):
        assert name in text


def test_template_lists_only_the_workers_community(world: Any) -> None:
    text = help_text(workbook(world.client(world.worker_a).get(reverse("enterprises:template"))))
    assert "甲社区" in text and "乙社区" not in text


def test_unchanged_template_imports_nothing(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    raw = b"".join(world.client(world.admin).get(reverse("enterprises:template")).streaming_content)
    job = run_import(django_capture_on_commit_callbacks, world.admin, raw, "模板.xlsx")
    assert (job.created_count, job.rejected_count, job.warnings) == (0, 1, [])
    assert job.errors[0]["reasons"] == ["这是导入模板中的示例行，请删除后再导入。"]


def test_template_needs_import_or_export_permission(world: Any) -> None:
    assert world.client(world.officer_a).get(reverse("enterprises:template")).status_code == 403
    assert world.client(world.inspector_a1).get(reverse("enterprises:template")).status_code == 200


# -------------------------------------------------------------------------------------------- export


def test_export_is_the_template_layout_with_every_field(world: Any) -> None:
    ent = world.ent_a1
    ent.phone, ent.employees, ent.industry, ent.address = "0755-12345678", 88, "C", "甲路 1 号"
    ent.legal_representative, ent.safety_officer, ent.status = "钱七", "孙八", "suspended"
    ent.save()
    wb = workbook(world.client(world.admin).get(reverse("enterprises:export")))
    assert next(wb.worksheets[0].iter_rows(max_row=1, values_only=True)) == HEADERS
    assert wb.sheetnames == ["企业台账", "填写说明"]
    rows = {r[1]: r for r in data_rows(wb)}
    assert set(rows) == {world.ent_a1.uscc, world.ent_a2.uscc, world.ent_b1.uscc}
    assert rows[ent.uscc] == (
        "甲一电镀有限公司",
        ent.uscc,
        "甲社区",
        "甲一网格",
        "制造业",
        "电镀",
        "甲路 1 号",
        113.85,
        22.6,
        "钱七",
        "孙八",
        "0755-12345678",
        88,
        "停业",
    )
    entry = AuditEntry.objects.filter(action="export").latest("chain_index")
    after: Any = entry.after
    assert entry.actor == world.admin and after["count"] == 3


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("admin", {"ent_a1", "ent_a2", "ent_b1"}),
        ("cadre", {"ent_a1", "ent_a2", "ent_b1"}),
        ("worker_a", {"ent_a1", "ent_a2"}),
        ("worker_b", {"ent_b1"}),
        ("inspector_a1", {"ent_a1"}),
    ],
)
def test_export_is_scoped_per_role(world: Any, who: str, expected: set[str]) -> None:
    wb = workbook(world.client(getattr(world, who)).get(reverse("enterprises:export")))
    assert {r[1] for r in data_rows(wb)} == {getattr(world, name).uscc for name in expected}


@pytest.mark.parametrize("who", ["officer_a", "tip_officer"])
def test_export_needs_permission(world: Any, who: str) -> None:
    assert world.client(getattr(world, who)).get(reverse("enterprises:export")).status_code == 403


def test_export_uses_the_list_filters(world: Any) -> None:
    client = world.client(world.admin)

    def names(**params: Any) -> set[str]:
        return {r[0] for r in data_rows(workbook(client.get(reverse("enterprises:export"), params)))}

    assert names(community=world.community_b.pk) == {"乙一五金厂"}
    assert names(q="五金") == {"乙一五金厂"}
    assert names(category="electroplating") == {"甲一电镀有限公司"}
    assert names(grid=world.grid_a2.pk) == {"甲二餐饮店"}
    assert names(status="suspended") == set()
    assert names(community="not-a-number") == {"甲一电镀有限公司", "甲二餐饮店", "乙一五金厂"}
    # a worker asking for another community's enterprises gets none of them
    worker = {
        r[0]
        for r in data_rows(
            workbook(
                world.client(world.worker_a).get(
                    reverse("enterprises:export"), {"community": world.community_b.pk}
                )
            )
        )
    }
    assert "乙一五金厂" not in worker


@pytest.mark.parametrize("who", ["admin", "worker_a"])
def test_export_then_reimport_is_a_no_op(
    world: Any, django_capture_on_commit_callbacks: Any, who: str
) -> None:
    user = getattr(world, who)
    world.ent_a2.phone, world.ent_a2.lat, world.ent_a2.lng = (
        "13900001111",
        22.601234567891234,
        113.85123456789,
    )
    world.ent_a2.save()
    raw = b"".join(world.client(user).get(reverse("enterprises:export")).streaming_content)
    expected: int = Enterprise.objects.for_user(user).count()
    audit_count, events = AuditEntry.objects.count(), EnterpriseEvent.objects.count()
    job = run_import(django_capture_on_commit_callbacks, user, raw, "导出.xlsx")
    assert (job.created_count, job.updated_count, job.rejected_count) == (0, expected, 0), job.errors
    assert job.warnings == []
    assert EnterpriseEvent.objects.count() == events
    assert AuditEntry.objects.count() == audit_count + 2  # the job's start and finish only


def test_edited_export_updates_only_what_changed(world: Any, django_capture_on_commit_callbacks: Any) -> None:
    raw = b"".join(world.client(world.admin).get(reverse("enterprises:export")).streaming_content)
    wb = load_workbook(io.BytesIO(raw))
    ws = wb.worksheets[0]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 2).value == world.ent_b1.uscc:
            ws.cell(r, HEADERS.index("从业人数") + 1, 66)
    out = io.BytesIO()
    wb.save(out)
    job = run_import(django_capture_on_commit_callbacks, world.admin, out.getvalue())
    assert (job.created_count, job.updated_count) == (0, 3)
    entries = AuditEntry.objects.filter(object_type="enterprises.enterprise", source="import")
    assert [(e.object_id, e.before, e.after) for e in entries] == [
        (str(world.ent_b1.pk), {"employees": None}, {"employees": 66})
    ]


def test_formula_like_text_is_exported_as_text(world: Any) -> None:
    world.ent_a2.name = '=HYPERLINK("http://example.com")'
    world.ent_a2.save()
    wb = workbook(world.client(world.admin).get(reverse("enterprises:export")))
    cell = next(c for c in wb.worksheets[0]["A"] if c.value and str(c.value).startswith("="))
    assert cell.data_type == "s"


def test_export_query_count_does_not_grow_with_rows(world: Any, django_assert_max_num_queries: Any) -> None:
    for i in range(40):
        Enterprise.objects.create(
            name=f"批量{i}", uscc=make_uscc(2000 + i), community=world.community_a, grid=world.grid_a1
        )
    client = world.client(world.admin)
    with django_assert_max_num_queries(20):
        response = client.get(reverse("enterprises:export"))
        rows = data_rows(workbook(response))
    assert len(rows) == 43
