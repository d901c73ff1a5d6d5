"""REST API of the register: scope per role, writes through services, JSON errors, query budget."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from anjian.conftest import make_uscc
from anjian.core.models import AuditEntry
from anjian.enterprises import services
from anjian.enterprises.choices import EnterpriseEventType
from anjian.enterprises.models import Enterprise, KeyCategory, Licence, Park

pytestmark = pytest.mark.django_db
BASE = "/api/v1/enterprises/"


def api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def payload(world: Any, **overrides: Any) -> dict[str, Any]:
    body = {
        "name": "接口登记化工有限公司",
        "uscc": make_uscc(700).lower(),
        "community": world.community_a.pk,
        "grid": world.grid_a1.pk,
        "categories": ["hazardous_chemicals", "confined_space"],
        "lat": 22.605,
        "lng": 113.855,
        "phone": "0755-88886666",
        "employees": 30,
        "industry": "C",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize(
    ("persona", "count"),
    [("admin", 3), ("office", 3), ("worker_a", 2), ("inspector_a1", 1), ("officer_a", 1), ("worker_b", 1)],
)
def test_list_is_scoped(world: Any, persona: str, count: int) -> None:
    body = api(getattr(world, persona)).get(BASE).json()
    assert body["count"] == count


def test_officer_sees_only_own_enterprise(world: Any) -> None:
    body = api(world.officer_a).get(BASE).json()
    assert [r["id"] for r in body["results"]] == [world.ent_a1.pk]
    assert api(world.officer_a).get(f"{BASE}{world.ent_a2.pk}/").status_code == 404


def test_foreign_id_is_404_with_json_error(world: Any) -> None:
    client = api(world.worker_b)
    for method, body in (("get", None), ("patch", {"name": "x"}), ("put", payload(world))):
        response = getattr(client, method)(f"{BASE}{world.ent_a1.pk}/", body, format="json")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"{BASE}{world.ent_a1.pk}/licences/").status_code == 404


def test_anonymous_is_refused(world: Any) -> None:
    response = APIClient().get(BASE)
    assert response.status_code in (401, 403)
    assert response.json()["error"]["code"] == "not_authenticated"


def test_retrieve_shows_category_codes_and_labels(world: Any) -> None:
    body = api(world.admin).get(f"{BASE}{world.ent_a1.pk}/").json()
    assert body["categories"] == ["electroplating"]
    assert (
        body["community_name"] == "甲社区" and body["grid_name"] == "甲一网格" and body["park_name"] is None
    )
    assert body["status"] == "operating" and body["status_label"] == "在营"


def test_create_through_service_with_audit_and_timeline(world: Any) -> None:
    response = api(world.worker_a).post(BASE, payload(world), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["uscc"] == make_uscc(700)
    assert sorted(body["categories"]) == ["confined_space", "hazardous_chemicals"]
    ent = Enterprise.objects.get(pk=body["id"])
    assert ent.events.get().type == EnterpriseEventType.CREATED
    assert AuditEntry.objects.get(action="create", object_id=str(ent.pk)).source == "api"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"uscc": "91440306MA5F"}, "uscc", "统一社会信用代码应为 18 位，当前为 12 位。"),
        ({"lat": 123.0}, "lat", "纬度 123.0 超出合理范围"),
        ({"lng": None}, "lng", "经度和纬度须同时填写。"),
        ({"phone": "abc"}, "phone", "电话号码格式不正确"),
        ({"employees": -2}, "employees", "从业人数不能为负数。"),
    ],
)
def test_create_errors_are_json_in_chinese(
    world: Any, overrides: dict[str, Any], field: str, message: str
) -> None:
    response = api(world.admin).post(BASE, payload(world, **overrides), format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid"
    assert error["fields"][field][0].startswith(message)
    assert error["message"].startswith(message)
    assert Enterprise.objects.count() == 3


def test_duplicate_uscc_and_grid_outside_community(world: Any) -> None:
    client = api(world.admin)
    dup = client.post(BASE, payload(world, uscc=world.ent_a2.uscc), format="json").json()["error"]
    assert dup["fields"]["uscc"] == ["该统一社会信用代码已登记：甲二餐饮店"]
    grid = client.post(BASE, payload(world, grid=world.grid_b1.pk), format="json").json()["error"]
    assert grid["fields"]["grid"] == ["网格“乙一网格”不属于所选社区。"]
    unknown = client.post(BASE, payload(world, categories=["electroplating", "nope"]), format="json")
    assert unknown.status_code == 400 and "categories" in unknown.json()["error"]["fields"]


def test_community_worker_cannot_create_in_another_community(world: Any) -> None:
    response = api(world.worker_a).post(
        BASE, payload(world, community=world.community_b.pk, grid=world.grid_b1.pk), format="json"
    )
    assert response.status_code == 400  # community B is not among the choices offered to worker_a
    assert "community" in response.json()["error"]["fields"]
    assert not Enterprise.objects.filter(uscc=make_uscc(700)).exists()


def test_inspector_cannot_create_outside_own_grid(world: Any) -> None:
    response = api(world.inspector_a1).post(BASE, payload(world, grid=None), format="json")
    assert response.status_code == 403
    assert response.json()["error"]["message"] == "您只能登记或修改本网格（甲社区 · 甲一网格）的企业。"


def test_roles_without_capability_get_403(world: Any) -> None:
    for user in (world.cadre, world.officer_a):
        assert api(user).post(BASE, payload(world), format="json").status_code == 403
    assert (
        api(world.officer_a).patch(f"{BASE}{world.ent_a1.pk}/", {"employees": 1}, format="json").status_code
        == 403
    )


def test_partial_update_and_categories(world: Any) -> None:
    client = api(world.inspector_a1)
    response = client.patch(
        f"{BASE}{world.ent_a1.pk}/",
        {"employees": 66, "categories": ["electroplating", "three_small"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["employees"] == 66
    assert sorted(response.json()["categories"]) == ["electroplating", "three_small"]
    change_fields = {c["field"] for c in world.ent_a1.events.get().changes}
    assert change_fields == {"employees", "categories"}
    assert AuditEntry.objects.get(action="update").source == "api"


def test_status_change_through_api_gets_its_own_event(world: Any) -> None:
    api(world.admin).patch(f"{BASE}{world.ent_a1.pk}/", {"status": "deregistered"}, format="json")
    assert world.ent_a1.events.get().type == EnterpriseEventType.STATUS_CHANGED


def test_delete_is_not_allowed(world: Any) -> None:
    response = api(world.admin).delete(f"{BASE}{world.ent_a1.pk}/")
    assert response.status_code == 405
    assert Enterprise.objects.filter(pk=world.ent_a1.pk).exists()


def test_filters_search_and_ordering(world: Any) -> None:
    client = api(world.admin)
    Enterprise.objects.filter(pk=world.ent_b1.pk).update(employees=500, safety_officer="欧阳安全")

    def names(query: str) -> list[str]:
        response = client.get(BASE + query)
        assert response.status_code == 200, response.json()
        return [r["name"] for r in response.json()["results"]]

    assert names(f"?community={world.community_b.pk}") == ["乙一五金厂"]
    assert names("?category=electroplating") == ["甲一电镀有限公司"]
    assert names("?category=electroplating,gas_catering") == ["甲一电镀有限公司"]
    assert names("?search=欧阳") == ["乙一五金厂"]
    assert names("?ordering=-employees")[0] == "乙一五金厂"
    assert names("?status=deregistered") == []
    assert client.get(BASE + "?status=closed").status_code == 400
    Licence.objects.create(
        enterprise=world.ent_a2,
        kind="business",
        number="X",
        expires_on=timezone.localdate() + dt.timedelta(days=2),
    )
    assert names("?licence_expiring=true") == ["甲二餐饮店"]
    assert client.get(BASE + "?page_size=2").json()["count"] == 3


def test_list_query_count_is_fixed(world: Any, django_assert_max_num_queries: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api(world.admin)
    cats = list(KeyCategory.objects.all())
    with CaptureQueriesContext(connection) as few:
        client.get(BASE)
    for i in range(40):
        ent = Enterprise.objects.create(
            name=f"接口企业{i}", uscc=make_uscc(800 + i), community=world.community_a
        )
        ent.categories.set(cats[: 1 + i % 4])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(BASE).json()["count"] == 43


# ------------------------------------------------------------------------------------------ licences
def test_enterprise_licences_endpoint(world: Any) -> None:
    client = api(world.officer_a)
    url = f"{BASE}{world.ent_a1.pk}/licences/"
    created = client.post(
        url, {"kind": "business", "number": "YY-1", "expires_on": "2030-12-31"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["enterprise"] == world.ent_a1.pk
    rows = client.get(url).json()
    assert [r["number"] for r in rows] == ["YY-1"]
    bad = client.post(
        url, {"kind": "business", "number": "YY-2", "issued_on": "2025-02-01", "expires_on": "2025-01-01"}
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["fields"]["expires_on"] == ["有效期至不能早于发证日期。"]


def test_licence_crud_void_and_scope(world: Any) -> None:
    admin = api(world.admin)
    created = admin.post(
        "/api/v1/licences/",
        {
            "enterprise": world.ent_a1.pk,
            "kind": "safety_production",
            "number": "AQ-9",
            "expires_on": "2026-01-01",
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    lic_id = created.json()["id"]
    patched = admin.patch(
        f"/api/v1/licences/{lic_id}/", {"number": "AQ-10", "enterprise": world.ent_b1.pk}, format="json"
    )
    assert patched.status_code == 200 and patched.json()["number"] == "AQ-10"
    assert patched.json()["enterprise"] == world.ent_a1.pk  # a licence never moves to another enterprise
    assert api(world.worker_b).get(f"/api/v1/licences/{lic_id}/").status_code == 404
    assert api(world.worker_b).post(f"/api/v1/licences/{lic_id}/void/", {"reason": "x"}).status_code == 404
    no_reason = admin.post(f"/api/v1/licences/{lic_id}/void/", {"reason": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["error"]["message"] == "请填写作废原因。"
    voided = admin.post(f"/api/v1/licences/{lic_id}/void/", {"reason": "重复登记"}, format="json")
    assert voided.status_code == 200 and voided.json()["voided"] is True
    again = admin.post(f"/api/v1/licences/{lic_id}/void/", {"reason": "重复登记"}, format="json")
    assert again.status_code == 409
    assert admin.delete(f"/api/v1/licences/{lic_id}/").status_code == 405
    foreign = api(world.worker_b).post(
        "/api/v1/licences/", {"enterprise": world.ent_a1.pk, "kind": "business", "number": "Z"}, format="json"
    )
    assert foreign.status_code == 400 and "enterprise" in foreign.json()["error"]["fields"]


def test_licence_filters(world: Any) -> None:
    today = timezone.localdate()
    services.add_licence(
        world.ent_a1, actor=world.admin, data={"kind": "business", "number": "SOON", "expires_on": today}
    )
    services.add_licence(
        world.ent_a1,
        actor=world.admin,
        data={"kind": "business", "number": "LATER", "expires_on": today + dt.timedelta(days=400)},
    )
    rows = api(world.admin).get("/api/v1/licences/?expiring=true").json()["results"]
    assert [r["number"] for r in rows] == ["SOON"]
    assert rows[0]["days_left"] == 0 and rows[0]["expiry_state"] == "expiring"
    assert api(world.worker_b).get("/api/v1/licences/").json()["count"] == 0


# ------------------------------------------------------------------------------------------ categories and parks
def test_key_categories_are_readable(world: Any) -> None:
    body = api(world.officer_a).get("/api/v1/key-categories/").json()
    codes = [r["code"] for r in body["results"]]
    assert codes[:3] == ["electroplating", "confined_space", "gas_catering"]
    assert api(world.admin).post("/api/v1/key-categories/", {"code": "x", "name": "x"}).status_code == 405


def test_parks_office_writes_others_read(world: Any) -> None:
    office = api(world.office)
    created = office.post(
        "/api/v1/parks/", {"name": "甲社区工业园", "community": world.community_a.pk}, format="json"
    )
    assert created.status_code == 201, created.json()
    park_id = created.json()["id"]
    assert (
        office.patch(f"/api/v1/parks/{park_id}/", {"manager": "王园长"}, format="json").json()["manager"]
        == "王园长"
    )
    assert api(world.worker_a).get("/api/v1/parks/").json()["count"] == 1
    assert api(world.worker_b).get(f"/api/v1/parks/{park_id}/").status_code == 404
    denied = api(world.worker_a).patch(f"/api/v1/parks/{park_id}/", {"manager": "x"}, format="json")
    assert (
        denied.status_code == 403
        and denied.json()["error"]["message"] == "只有街道安委办可以登记或修改园区。"
    )
    dup = office.post(
        "/api/v1/parks/", {"name": "甲社区工业园", "community": world.community_a.pk}, format="json"
    )
    assert dup.status_code == 400 and "name" in dup.json()["error"]["fields"]
    assert Park.objects.count() == 1
