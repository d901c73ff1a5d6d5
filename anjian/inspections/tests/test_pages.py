"""Pages: scope per role (404 outside), fixed query counts on lists, the inspection page, detail with
failed items, checklist editing publishes a version, plan actions."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from anjian.inspections import selectors, services
from anjian.inspections.models import ChecklistVersion, Inspection, InspectionPlan
from anjian.inspections.tests.helpers import files, payload, version_of
from anjian.org.models import Assignment

pytestmark = pytest.mark.django_db


def _inspection(
    world: Any, actor: Any = None, enterprise: Any = None, fail: tuple[int, ...] = (1,)
) -> Inspection:
    v = version_of()
    inspection, _ = services.submit_inspection(
        actor=actor or world.inspector_a1,
        payload=payload(v, enterprise=enterprise or world.ent_a1, fail=fail),
        files=files(v, photo_orders=fail),
    )
    return inspection


def test_detail_shows_failed_items_with_legal_basis_photos_and_signatures(
    world: Any, monkeypatch: Any
) -> None:
    inspection = _inspection(world)
    monkeypatch.setattr(selectors, "hazard_creator", lambda: None)
    resp = world.client(world.inspector_a1).get(reverse("inspections:detail", args=[inspection.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    item = inspection.results.get(item__order=1).item
    assert "不合格项（1）" in html and item.legal_basis in html
    assert html.count("/files/") >= 3  # one photo, two signatures
    assert "inspection-map-data" in html
    assert "生成隐患" not in html  # hazards app not available → no button


def test_generate_hazard_button_links_to_the_hazards_app_when_available(world: Any) -> None:
    inspection = _inspection(world)
    result = inspection.results.get(item__order=1)
    url = selectors.new_hazard_url(result, world.inspector_a1)
    if selectors.hazard_creator() is None or not url:
        pytest.skip("hazards app not installed")
    html = (
        world.client(world.inspector_a1)
        .get(reverse("inspections:detail", args=[inspection.pk]))
        .content.decode()
    )
    assert url in html and "生成隐患" in html


@pytest.mark.parametrize(
    ("user", "status"),
    [
        ("admin", 200),
        ("worker_a", 200),
        ("inspector_a1", 200),
        ("officer_a", 200),
        ("worker_b", 404),
        ("inspector_b1", 404),
        ("officer_b", 404),
    ],
)
def test_detail_scope_per_role(world: Any, user: str, status: int) -> None:
    inspection = _inspection(world)
    resp = world.client(getattr(world, user)).get(reverse("inspections:detail", args=[inspection.pk]))
    assert resp.status_code == status


def test_plan_pages_scope_and_actions(world: Any) -> None:
    today = timezone.localdate()
    plan = services.create_plan(
        actor=world.inspector_a1, data={"enterprise": world.ent_a1.pk, "planned_date": today}
    )
    c = world.client(world.inspector_a1)
    assert c.get(reverse("inspections:plan_detail", args=[plan.pk])).status_code == 200
    assert (
        world.client(world.inspector_b1).get(reverse("inspections:plan_detail", args=[plan.pk])).status_code
        == 404
    )
    assert (
        world.client(world.inspector_b1).get(reverse("inspections:perform_plan", args=[plan.pk])).status_code
        == 404
    )
    resp = c.post(reverse("inspections:plan_cancel", args=[plan.pk]), {"reason": ""})
    assert resp.status_code == 200 and "必填" in resp.content.decode()
    resp = c.post(reverse("inspections:plan_cancel", args=[plan.pk]), {"reason": "企业停业"})
    assert resp.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "cancelled"


def test_perform_page_renders_items_and_config(world: Any) -> None:
    plan = services.create_plan(
        actor=world.inspector_a1, data={"enterprise": world.ent_a1.pk, "planned_date": timezone.localdate()}
    )
    resp = world.client(world.inspector_a1).get(reverse("inspections:perform_plan", args=[plan.pk]))
    html = resp.content.decode()
    assert resp.status_code == 200
    assert plan.template is not None
    version = plan.template.versions.get(is_current=True)
    assert html.count('class="card item-card') == version.items.count()
    assert 'capture="environment"' in html and "<script>" not in html.replace("<script src=", "")
    cfg = json.loads(html.split('id="perform-config" type="application/json">')[1].split("</script>")[0])
    assert (
        cfg["plan"] == plan.pk and cfg["version"] == version.pk and cfg["submitUrl"] == "/api/v1/inspections/"
    )
    # Someone else on the street can open the plan but not do it.
    resp = world.client(world.worker_a).get(reverse("inspections:perform_plan", args=[plan.pk]))
    assert resp.status_code == 302


def test_ad_hoc_start_page(world: Any) -> None:
    c = world.client(world.inspector_a1)
    assert c.get(reverse("inspections:start")).status_code == 200
    resp = c.get(reverse("inspections:start"), {"enterprise": world.ent_a1.pk})
    assert resp.status_code == 200 and "电镀企业安全检查表" in resp.content.decode()
    resp = c.get(reverse("inspections:start"), {"enterprise": world.ent_b1.pk})
    assert "perform-config" not in resp.content.decode()  # outside scope: the form shows the error


def test_lists_keep_a_fixed_number_of_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    for _ in range(3):
        _inspection(world)
    for d in range(3):
        services.create_plan(
            actor=world.office,
            data={
                "source": "joint",
                "enterprise": world.ent_a2.pk,
                "planned_date": timezone.localdate() + dt.timedelta(days=d),
                "departments": [world.department.pk],
                "co_inspectors": [world.cadre.pk],
            },
        )
    c = world.client(world.office)
    with django_assert_max_num_queries(12):
        assert c.get(reverse("inspections:list")).status_code == 200
    with django_assert_max_num_queries(14):
        assert c.get(reverse("inspections:plans") + "?view=all").status_code == 200
    with django_assert_max_num_queries(20):
        assert (
            c.get(reverse("inspections:detail", args=[Inspection.objects.order_by("pk")[0].pk])).status_code
            == 200
        )


def test_list_filters(world: Any) -> None:
    failed = _inspection(world)
    clean = _inspection(world, fail=())
    c = world.client(world.admin)
    html = c.get(reverse("inspections:list"), {"failed": "true"}).content.decode()
    assert (
        reverse("inspections:detail", args=[failed.pk]) in html
        and reverse("inspections:detail", args=[clean.pk]) not in html
    )
    html = c.get(reverse("inspections:list"), {"q": "乙一"}).content.decode()
    assert "暂无" in html or "没有符合条件" in html
    assert c.get(reverse("inspections:list"), {"date_from": "bad"}).status_code == 200
    html = world.client(world.inspector_b1).get(reverse("inspections:list")).content.decode()
    assert reverse("inspections:detail", args=[failed.pk]) not in html


def test_checklist_edit_page_publishes_a_new_version(world: Any) -> None:
    v1 = version_of("ebike_charging")
    url = reverse("inspections:checklist_edit", args=[v1.template_id])
    assert world.client(world.inspector_a1).get(url).status_code == 403
    c = world.client(world.office)
    page = c.get(url)
    assert page.status_code == 200
    items = list(v1.items.order_by("order"))
    data: dict[str, Any] = {
        "name": v1.template.name,
        "category": "ebike_charging",
        "description": "",
        "is_active": "on",
        "change_note": "删除最后一项",
        "items-TOTAL_FORMS": str(len(items)),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "100",
    }
    for n, i in enumerate(items):
        data.update(
            {
                f"items-{n}-section": i.section,
                f"items-{n}-text": i.text,
                f"items-{n}-legal_basis": i.legal_basis,
                f"items-{n}-severity": i.severity,
                f"items-{n}-hazard_category": i.hazard_category,
                f"items-{n}-accident_type": i.accident_type,
            }
        )
    data[f"items-{len(items) - 1}-DELETE"] = "on"
    resp = c.post(url, data)
    assert resp.status_code == 302, resp.content.decode()[:2000]
    v2 = ChecklistVersion.objects.get(template=v1.template, is_current=True)
    assert v2.version == 2 and v2.items.count() == len(items) - 1
    data["change_note"] = ""
    resp = c.post(url, data)
    assert resp.status_code == 200 and "修订说明" in resp.content.decode()
    detail = c.get(
        reverse("inspections:checklist_detail", args=[v1.template_id]) + "?version=1"
    ).content.decode()
    assert "历史版本" in detail


def test_generate_button_creates_plans_for_a_cadre(world: Any) -> None:
    Assignment.objects.create(
        kind="enterprise",
        person=world.cadre,
        enterprise=world.ent_a1,
        community=world.community_a,
        start_date=dt.date(2026, 1, 1),
    )
    c = world.client(world.cadre)
    assert "按挂点生成本周检查计划" in c.get(reverse("inspections:plans")).content.decode()
    resp = c.post(reverse("inspections:plan_generate"), follow=True)
    assert "已按挂点生成本周检查计划 1 项" in resp.content.decode()
    assert InspectionPlan.objects.filter(inspector=world.cadre, source="assignment").count() == 1
    assert world.client(world.officer_a).get(reverse("inspections:plans")).status_code == 403
