"""Register pages: scope per role, forms, licences, expiring list, map data, fixed query counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from anjian.conftest import make_uscc
from anjian.core.models import AuditEntry
from anjian.enterprises import services
from anjian.enterprises.choices import EnterpriseEventType, LicenceKind, OperatingStatus
from anjian.enterprises.models import Enterprise, KeyCategory, Licence

pytestmark = pytest.mark.django_db
LIST = reverse("enterprises:list")


def names_on_list(client: Any, query: str = "") -> set[str]:
    response = client.get(LIST + query)
    assert response.status_code == 200
    return {e.name for e in response.context["enterprises"]}


# ------------------------------------------------------------------------------------------ scope per role
@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"甲一电镀有限公司", "甲二餐饮店", "乙一五金厂"}),
        ("cadre", {"甲一电镀有限公司", "甲二餐饮店", "乙一五金厂"}),
        ("worker_a", {"甲一电镀有限公司", "甲二餐饮店"}),
        ("inspector_a1", {"甲一电镀有限公司"}),
        ("officer_a", {"甲一电镀有限公司"}),
        ("worker_b", {"乙一五金厂"}),
    ],
)
def test_list_shows_exactly_the_scope(world: Any, persona: str, expected: set[str]) -> None:
    assert names_on_list(world.client(getattr(world, persona))) == expected


def test_anonymous_is_sent_to_login(client: Any, world: Any) -> None:
    response = client.get(LIST)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "url_name", ["enterprises:detail", "enterprises:edit", "enterprises:status", "enterprises:licence_add"]
)
def test_out_of_scope_ids_answer_404(world: Any, url_name: str) -> None:
    url = reverse(url_name, args=[world.ent_a1.pk])
    assert world.client(world.worker_b).get(url).status_code == 404
    assert world.client(world.inspector_b1).get(url).status_code == 404
    assert world.client(world.officer_b).get(url).status_code == 404


def test_foreign_licence_answers_404(world: Any) -> None:
    lic = services.add_licence(world.ent_a1, actor=world.admin, data={"kind": "business", "number": "B-1"})
    client = world.client(world.worker_b)
    assert client.get(reverse("enterprises:licence_edit", args=[world.ent_a1.pk, lic.pk])).status_code == 404
    # A licence id paired with another enterprise of the user's own scope is not found either.
    assert (
        world.client(world.admin)
        .get(reverse("enterprises:licence_edit", args=[world.ent_b1.pk, lic.pk]))
        .status_code
        == 404
    )


def test_detail_shows_fields_categories_licences_and_timeline(world: Any) -> None:
    services.update_enterprise(world.ent_a1, actor=world.admin, data={"safety_officer": "赵安全"})
    today = timezone.localdate()
    services.add_licence(
        world.ent_a1,
        actor=world.admin,
        data={
            "kind": LicenceKind.SAFETY_PRODUCTION,
            "number": "AQ-1",
            "expires_on": today - dt.timedelta(days=3),
        },
    )
    services.add_licence(
        world.ent_a1,
        actor=world.admin,
        data={
            "kind": LicenceKind.POLLUTANT_DISCHARGE,
            "number": "PW-1",
            "expires_on": today + dt.timedelta(days=10),
        },
    )
    response = world.client(world.worker_a).get(reverse("enterprises:detail", args=[world.ent_a1.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    for text in (
        "甲一电镀有限公司",
        world.ent_a1.uscc,
        "电镀",
        "赵安全",
        "AQ-1",
        "已过期 3 天",
        "剩 10 天",
        "修改信息",
    ):
        assert text in html
    assert "expiry-expired" in html and "expiry-expiring" in html
    assert 'id="enterprise-location-data"' in html


def test_edit_buttons_only_for_those_who_may_edit(world: Any) -> None:
    url = reverse("enterprises:detail", args=[world.ent_a1.pk])
    edit = reverse("enterprises:edit", args=[world.ent_a1.pk])
    add_licence = reverse("enterprises:licence_add", args=[world.ent_a1.pk])
    worker_html = world.client(world.worker_a).get(url).content.decode()
    assert edit in worker_html and add_licence in worker_html
    cadre_html = world.client(world.cadre).get(url).content.decode()
    assert edit not in cadre_html and add_licence not in cadre_html
    officer_html = world.client(world.officer_a).get(url).content.decode()
    assert edit not in officer_html and add_licence in officer_html
    assert world.client(world.cadre).get(edit).status_code == 403
    assert world.client(world.officer_a).get(edit).status_code == 403
    list_html = world.client(world.cadre).get(LIST).content.decode()
    assert reverse("enterprises:create") not in list_html
    assert reverse("enterprises:create") in world.client(world.worker_a).get(LIST).content.decode()


def test_mine_redirects_an_officer_to_their_enterprise(world: Any) -> None:
    response = world.client(world.officer_a).get(reverse("enterprises:mine"))
    assert response.status_code == 302 and response["Location"] == reverse(
        "enterprises:detail", args=[world.ent_a1.pk]
    )
    assert world.client(world.worker_a).get(reverse("enterprises:mine"))["Location"] == LIST


# ------------------------------------------------------------------------------------------ list: search, filters, sort
def test_search_filters_and_sort(world: Any) -> None:
    client = world.client(world.admin)
    Enterprise.objects.filter(pk=world.ent_b1.pk).update(legal_representative="钱多多", employees=300)
    Enterprise.objects.filter(pk=world.ent_a2.pk).update(employees=5, status=OperatingStatus.SUSPENDED)
    assert names_on_list(client, "?q=钱多") == {"乙一五金厂"}
    assert names_on_list(client, f"?q={world.ent_a2.uscc.lower()}") == {"甲二餐饮店"}
    assert names_on_list(client, "?q=餐饮 甲二") == {"甲二餐饮店"}
    assert names_on_list(client, f"?community={world.community_b.pk}") == {"乙一五金厂"}
    assert names_on_list(client, f"?grid={world.grid_a2.pk}") == {"甲二餐饮店"}
    assert names_on_list(client, "?category=electroplating") == {"甲一电镀有限公司"}
    assert names_on_list(client, "?status=suspended") == {"甲二餐饮店"}
    response = client.get(LIST + "?sort=-employees")
    assert [e.name for e in response.context["enterprises"]][:2] == ["乙一五金厂", "甲二餐饮店"]
    response = client.get(LIST + "?sort=community")
    assert [e.community.code for e in response.context["enterprises"]] == ["C01", "C01", "C02"]
    assert response.context["counts"] == {
        "total": 3,
        "operating": 2,
        "suspended": 1,
        "deregistered": 0,
        "warning": 0,
    }


def test_licence_expiring_filter(world: Any) -> None:
    services.add_licence(
        world.ent_a2,
        actor=world.admin,
        data={"kind": "business", "number": "B-9", "expires_on": timezone.localdate() + dt.timedelta(days=5)},
    )
    client = world.client(world.admin)
    assert names_on_list(client, "?licence_expiring=true") == {"甲二餐饮店"}
    assert client.get(LIST).context["warning_count"] == 1


def test_list_paginates_fifty_per_page(world: Any) -> None:
    Enterprise.objects.bulk_create(
        Enterprise(name=f"批量企业{i:03d}", uscc=make_uscc(1000 + i), community=world.community_a)
        for i in range(60)
    )
    client = world.client(world.admin)
    first = client.get(LIST)
    assert len(first.context["enterprises"]) == 50
    assert first.context["page_obj"].paginator.count == 63
    assert len(client.get(LIST + "?page=2").context["enterprises"]) == 13


def test_list_page_has_a_fixed_number_of_queries(world: Any, django_assert_max_num_queries: Any) -> None:
    client = world.client(world.admin)
    cats = list(KeyCategory.objects.all())
    client.get(LIST)  # warm up session and caches

    def add_rows(start: int, n: int) -> None:
        for i in range(start, start + n):
            ent = Enterprise.objects.create(
                name=f"查询计数企业{i}",
                uscc=make_uscc(2000 + i),
                community=world.community_a,
                grid=world.grid_a1,
            )
            ent.categories.set(cats[: 1 + i % 3])
            Licence.objects.create(
                enterprise=ent, kind="business", number=f"L{i}", expires_on=timezone.localdate()
            )

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    add_rows(0, 3)
    with CaptureQueriesContext(connection) as few:
        assert client.get(LIST).status_code == 200
    add_rows(3, 40)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(LIST)
    assert len(response.context["enterprises"]) == 46


# ------------------------------------------------------------------------------------------ forms
def form_post(world: Any, **overrides: Any) -> dict[str, Any]:
    base = {
        "name": "页面登记五金厂",
        "uscc": make_uscc(600),
        "community": world.community_a.pk,
        "grid": world.grid_a1.pk,
        "park": "",
        "industry": "C",
        "status": "operating",
        "employees": "20",
        "categories": ["confined_space"],
        "address": "甲社区创业路 1 号",
        "lng": "113.851",
        "lat": "22.602",
        "legal_representative": "孙法人",
        "safety_officer": "周安全",
        "phone": "13800138000",
        "notes": "",
    }
    confined = KeyCategory.objects.get(code="confined_space").pk
    base["categories"] = [confined]
    base.update(overrides)
    return base


def test_create_page_registers_and_redirects(world: Any) -> None:
    client = world.client(world.worker_a)
    response = client.post(reverse("enterprises:create"), form_post(world))
    ent = Enterprise.objects.get(uscc=make_uscc(600))
    assert response.status_code == 302 and response["Location"] == reverse(
        "enterprises:detail", args=[ent.pk]
    )
    assert list(ent.categories.values_list("code", flat=True)) == ["confined_space"]
    assert AuditEntry.objects.filter(object_id=str(ent.pk), action="create", source="web").exists()


def test_create_form_rerenders_with_chinese_errors(world: Any) -> None:
    client = world.client(world.admin)
    response = client.post(
        reverse("enterprises:create"),
        form_post(
            world, uscc=world.ent_b1.uscc, phone="999", lat="95", grid=world.grid_b1.pk, employees="-3"
        ),
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["uscc"] == ["该统一社会信用代码已登记：乙一五金厂"]
    assert "电话号码格式不正确" in errors["phone"][0]
    assert errors["lat"][0].startswith("纬度 95.0 超出合理范围")
    assert errors["grid"] == ["网格“乙一网格”不属于所选社区。"]
    assert errors["employees"] == ["从业人数不能为负数。"]
    assert Enterprise.objects.count() == 3


def test_community_worker_cannot_pick_another_community(world: Any) -> None:
    client = world.client(world.worker_a)
    response = client.post(
        reverse("enterprises:create"), form_post(world, community=world.community_b.pk, grid=world.grid_b1.pk)
    )
    assert response.status_code == 200
    assert "community" in response.context["form"].errors
    assert not Enterprise.objects.filter(uscc=make_uscc(600)).exists()
    page = client.get(reverse("enterprises:create"))
    assert list(page.context["form"].fields["community"].queryset) == [world.community_a]


def test_grid_inspector_form_defaults_to_own_grid(world: Any) -> None:
    form = world.client(world.inspector_a1).get(reverse("enterprises:create")).context["form"]
    assert form.initial["community"] == world.community_a.pk and form.initial["grid"] == world.grid_a1.pk


def test_cadre_cannot_open_create_page(world: Any) -> None:
    assert world.client(world.cadre).get(reverse("enterprises:create")).status_code == 403


def test_edit_page_saves_changes_into_the_timeline(world: Any) -> None:
    client = world.client(world.worker_a)
    ent = world.ent_a2
    post = form_post(
        world, name=ent.name, uscc=ent.uscc, grid=world.grid_a2.pk, employees="12", categories=[]
    )
    response = client.post(reverse("enterprises:edit", args=[ent.pk]), post)
    assert response.status_code == 302
    ent.refresh_from_db()
    assert ent.employees == 12
    event = ent.events.get(type=EnterpriseEventType.UPDATED)
    assert "从业人数" in [c["label"] for c in event.changes]


def test_status_page(world: Any) -> None:
    client = world.client(world.worker_a)
    url = reverse("enterprises:status", args=[world.ent_a2.pk])
    assert client.post(url, {"status": "suspended", "reason": "停业整顿"}).status_code == 302
    world.ent_a2.refresh_from_db()
    assert world.ent_a2.status == "suspended"
    response = client.post(url, {"status": "suspended"})
    assert response.status_code == 200 and "经营状态已是“停业”" in response.content.decode()


def test_licence_pages(world: Any) -> None:
    client = world.client(world.officer_a)
    add = reverse("enterprises:licence_add", args=[world.ent_a1.pk])
    bad = client.post(
        add, {"kind": "business", "number": "Y-1", "issued_on": "2025-05-02", "expires_on": "2025-05-01"}
    )
    assert bad.status_code == 200 and bad.context["form"].errors["expires_on"] == [
        "有效期至不能早于发证日期。"
    ]
    assert (
        client.post(add, {"kind": "business", "number": "Y-1", "expires_on": "2030-01-01"}).status_code == 302
    )
    lic = Licence.objects.get(number="Y-1")
    edit = reverse("enterprises:licence_edit", args=[world.ent_a1.pk, lic.pk])
    assert (
        client.post(edit, {"kind": "business", "number": "Y-2", "expires_on": "2030-01-01"}).status_code
        == 302
    )
    void = reverse("enterprises:licence_void", args=[world.ent_a1.pk, lic.pk])
    empty = client.post(void, {"reason": ""})
    assert empty.status_code == 200 and empty.context["form"].errors["reason"] == ["请填写作废原因。"]
    assert client.post(void, {"reason": "重复录入"}).status_code == 302
    lic.refresh_from_db()
    assert lic.number == "Y-2" and lic.void_reason == "重复录入"
    assert client.get(edit).status_code == 302  # voided: back to the detail page with a message


# ------------------------------------------------------------------------------------------ expiring list
def test_expiring_list_boundaries(world: Any, settings: Any) -> None:
    settings.LICENCE_WARNING_DAYS = 30
    today = timezone.localdate()
    for days in (-1, 0, 29, 30, 31):
        Licence.objects.create(
            enterprise=world.ent_a1,
            kind="business",
            number=f"D{days}",
            expires_on=today + dt.timedelta(days=days),
        )
    Licence.objects.create(enterprise=world.ent_a1, kind="business", number="LONG")
    voided = Licence.objects.create(enterprise=world.ent_a1, kind="business", number="VOID", expires_on=today)
    services.void_licence(voided, actor=world.admin, reason="作废")
    Licence.objects.create(enterprise=world.ent_a2, kind="business", number="GONE", expires_on=today)
    Enterprise.objects.filter(pk=world.ent_a2.pk).update(status=OperatingStatus.DEREGISTERED)
    Licence.objects.create(enterprise=world.ent_b1, kind="business", number="B-SIDE", expires_on=today)

    response = world.client(world.admin).get(reverse("enterprises:expiring"))
    numbers = [lic.number for lic in response.context["licences"]]
    assert set(numbers) == {"D-1", "D0", "D29", "D30", "B-SIDE"}
    assert numbers[0] == "D-1" and numbers[-1] == "D30"
    assert response.context["totals"] == {"expired": 1, "expiring": 4}
    html = response.content.decode()
    assert "已过期 1 天" in html and "今天到期" in html and "剩 29 天" in html and "剩 30 天" in html

    worker_numbers = {
        lic.number
        for lic in world.client(world.worker_a).get(reverse("enterprises:expiring")).context["licences"]
    }
    assert worker_numbers == {"D-1", "D0", "D29", "D30"}
    expired_only = world.client(world.admin).get(reverse("enterprises:expiring") + "?state=expired")
    assert [lic.number for lic in expired_only.context["licences"]] == ["D-1"]


# ------------------------------------------------------------------------------------------ map
def test_map_page_and_scoped_json(world: Any) -> None:
    world.community_a.boundary = {
        "type": "Polygon",
        "coordinates": [
            [[113.84, 22.59], [113.86, 22.59], [113.86, 22.61], [113.84, 22.61], [113.84, 22.59]]
        ],
    }
    world.community_a.save()
    Enterprise.objects.filter(pk=world.ent_a2.pk).update(lat=None, lng=None)
    page = world.client(world.worker_a).get(reverse("enterprises:map"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="community-boundaries"' in html and "113.84" in html and "乙社区" not in html

    data = world.client(world.worker_a).get(reverse("enterprises:map_data")).json()
    assert [row[1] for row in data["rows"]] == [
        "甲一电镀有限公司"
    ]  # ent_a2 has no location; ent_b1 out of scope
    plating = KeyCategory.objects.get(code="electroplating").pk
    assert data["rows"][0][5] == [plating] and data["rows"][0][6] == "operating"
    assert {c["code"] for c in data["categories"]} >= {"electroplating", "gas_catering"}

    admin_rows = world.client(world.admin).get(reverse("enterprises:map_data")).json()["rows"]
    assert {r[1] for r in admin_rows} == {"甲一电镀有限公司", "乙一五金厂"}
    officer_rows = world.client(world.officer_b).get(reverse("enterprises:map_data")).json()["rows"]
    assert [r[1] for r in officer_rows] == ["乙一五金厂"]
    filtered = (
        world.client(world.admin).get(reverse("enterprises:map_data") + "?category=electroplating").json()
    )
    assert [r[1] for r in filtered["rows"]] == ["甲一电镀有限公司"]


def test_map_uses_configured_tiles_only_when_set(world: Any, settings: Any) -> None:
    html = world.client(world.admin).get(reverse("enterprises:map")).content.decode()
    assert '"tileUrl": ""' in html
    settings.MAP_TILE_URL = "https://tiles.intranet.example/{z}/{x}/{y}.png"
    html = world.client(world.admin).get(reverse("enterprises:map")).content.decode()
    assert "tiles.intranet.example" in html


def test_map_json_query_count_is_fixed(world: Any, django_assert_max_num_queries: Any) -> None:
    client = world.client(world.admin)
    client.get(reverse("enterprises:map_data"))
    Enterprise.objects.bulk_create(
        Enterprise(
            name=f"地图企业{i}", uscc=make_uscc(3000 + i), community=world.community_a, lat=22.6, lng=113.85
        )
        for i in range(30)
    )
    with django_assert_max_num_queries(6):
        rows = client.get(reverse("enterprises:map_data")).json()["rows"]
    assert len(rows) == 33
