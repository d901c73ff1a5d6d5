"""Services of the register: every validation rule, scope of writes, audit rows and timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from anjian.conftest import make_uscc
from anjian.core.context import origin
from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.enterprises import services
from anjian.enterprises.choices import EnterpriseEventType, LicenceKind, OperatingStatus
from anjian.enterprises.models import Enterprise, EnterpriseEvent, Licence, Park

pytestmark = pytest.mark.django_db


def data(world: Any, **overrides: Any) -> dict[str, Any]:
    base = {
        "name": "新登记精密电镀厂",
        "uscc": make_uscc(500),
        "community": world.community_a,
        "grid": world.grid_a1,
        "address": "甲社区工业路 8 号",
        "lat": 22.61,
        "lng": 113.86,
        "industry": "C",
        "legal_representative": "王法人",
        "safety_officer": "李安全",
        "phone": "0755-23456789",
        "employees": 45,
    }
    base.update(overrides)
    return base


def field_errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


# ------------------------------------------------------------------------------------------ create
def test_create_saves_enterprise_categories_audit_and_timeline(world: Any) -> None:
    audit_before = AuditEntry.objects.count()
    ent = services.create_enterprise(
        actor=world.admin, data=data(world), categories=["electroplating", "gas_catering"]
    )
    ent.refresh_from_db()
    assert ent.created_by == world.admin
    assert sorted(ent.categories.values_list("code", flat=True)) == ["electroplating", "gas_catering"]
    entry = AuditEntry.objects.order_by("-chain_index")[0]
    assert AuditEntry.objects.count() == audit_before + 1
    assert entry.action == "create" and entry.object_type == "enterprises.enterprise"
    assert entry.after is not None
    assert entry.after["uscc"] == ent.uscc and len(entry.after["categories"]) == 2
    event = ent.events.get()
    assert event.type == EnterpriseEventType.CREATED and event.actor == world.admin


def test_create_accepts_category_names_and_rejects_unknown_codes(world: Any) -> None:
    ent = services.create_enterprise(actor=world.admin, data=data(world), categories=["电镀", "three_small"])
    assert ent.categories.count() == 2
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(
            actor=world.admin, data=data(world, uscc=make_uscc(501)), categories=["plating"]
        )
    assert field_errors(exc)["categories"] == ["未知的重点监管类型：plating"]
    assert not Enterprise.objects.filter(uscc=make_uscc(501)).exists()


def test_import_origin_writes_imported_event(world: Any) -> None:
    with origin("import"):
        ent = services.create_enterprise(actor=world.admin, data=data(world))
    assert ent.events.get().type == EnterpriseEventType.IMPORTED
    assert AuditEntry.objects.filter(object_id=str(ent.pk), source="import").exists()


def test_uscc_is_normalised_upper_case_and_trimmed(world: Any) -> None:
    code = make_uscc(502)
    ent = services.create_enterprise(actor=world.admin, data=data(world, uscc=f"  {code.lower()} "))
    assert ent.uscc == code


@pytest.mark.parametrize(
    ("uscc", "message"),
    [
        ("", "统一社会信用代码不能为空。"),
        ("91440306MA5F", "统一社会信用代码应为 18 位，当前为 12 位。"),
        ("91440306MA5FIOZSV1", "统一社会信用代码含有不允许的字符：IOSVZ（不使用 I、O、Z、S、V）。"),
    ],
)
def test_invalid_uscc_is_refused_with_reason(world: Any, uscc: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, uscc=uscc))
    assert field_errors(exc)["uscc"] == [message]


def test_wrong_check_character_names_the_expected_one(world: Any) -> None:
    good = make_uscc(503)
    wrong = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, uscc=wrong))
    assert field_errors(exc)["uscc"] == [
        f"统一社会信用代码校验位错误：第 18 位应为 {good[17]}，实际为 {wrong[17]}。"
    ]


def test_too_long_uscc_gets_the_length_message_only(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, uscc=make_uscc(504) + "1"))
    assert field_errors(exc)["uscc"] == ["统一社会信用代码应为 18 位，当前为 19 位。"]


def test_duplicate_uscc_names_the_registered_enterprise(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, uscc=world.ent_b1.uscc.lower()))
    assert field_errors(exc)["uscc"] == ["该统一社会信用代码已登记：乙一五金厂"]
    assert Enterprise.objects.count() == 3


def test_phone_is_validated(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, phone="12345"))
    assert "电话号码格式不正确" in field_errors(exc)["phone"][0]
    ent = services.create_enterprise(actor=world.admin, data=data(world, phone=" 138 0013 8000 "))
    assert ent.phone == "13800138000"


@pytest.mark.parametrize(
    ("lat", "lng", "field", "message"),
    [
        (95.0, 113.8, "lat", "纬度 95.0 超出合理范围"),
        (22.6, 200.0, "lng", "经度 200.0 超出合理范围"),
        (22.6, None, "lng", "经度和纬度须同时填写。"),
        (None, 113.8, "lat", "经度和纬度须同时填写。"),
    ],
)
def test_coordinates_are_validated(world: Any, lat: Any, lng: Any, field: str, message: str) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, lat=lat, lng=lng))
    assert field_errors(exc)[field][0].startswith(message)


def test_no_coordinates_at_all_is_fine(world: Any) -> None:
    ent = services.create_enterprise(actor=world.admin, data=data(world, lat=None, lng=None))
    assert not ent.has_location


def test_grid_must_belong_to_the_community(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, grid=world.grid_b1))
    assert field_errors(exc)["grid"] == ["网格“乙一网格”不属于所选社区。"]


def test_park_must_belong_to_the_community(world: Any) -> None:
    park = Park.objects.create(name="乙园", community=world.community_b)
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, park=park))
    assert field_errors(exc)["park"] == ["园区“乙园”不属于所选社区。"]


def test_employees_cannot_be_negative(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, employees=-1))
    assert field_errors(exc)["employees"] == ["从业人数不能为负数。"]


def test_name_and_community_are_required(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(actor=world.admin, data=data(world, name="  ", community=None, grid=None))
    errors = field_errors(exc)
    assert "name" in errors and "community" in errors


def test_several_errors_are_reported_together_and_nothing_is_saved(world: Any) -> None:
    audit_before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_enterprise(
            actor=world.admin,
            data=data(world, uscc="bad", phone="x", lat=99.0),
            categories=["electroplating"],
        )
    assert {"uscc", "phone", "lat"} <= set(field_errors(exc))
    assert Enterprise.objects.count() == 3
    assert AuditEntry.objects.count() == audit_before
    assert EnterpriseEvent.objects.count() == 0


# ------------------------------------------------------------------------------------------ permissions and scope
def test_roles_without_capability_cannot_create(world: Any) -> None:
    for user in (world.cadre, world.liaison, world.officer_a, world.tip_officer):
        with pytest.raises(PermissionDeniedError):
            services.create_enterprise(actor=user, data=data(world))


def test_community_worker_creates_only_in_own_community(world: Any) -> None:
    ent = services.create_enterprise(actor=world.worker_a, data=data(world))
    assert ent.community == world.community_a
    with pytest.raises(PermissionDeniedError) as exc:
        services.create_enterprise(
            actor=world.worker_a,
            data=data(world, uscc=make_uscc(510), community=world.community_b, grid=world.grid_b1),
        )
    assert exc.value.message == "您只能登记或修改本社区（甲社区）的企业。"
    assert not Enterprise.objects.filter(uscc=make_uscc(510)).exists()


def test_grid_inspector_creates_only_in_own_grid(world: Any) -> None:
    services.create_enterprise(actor=world.inspector_a1, data=data(world))
    with pytest.raises(PermissionDeniedError) as exc:
        services.create_enterprise(
            actor=world.inspector_a1, data=data(world, uscc=make_uscc(511), grid=world.grid_a2)
        )
    assert exc.value.message == "您只能登记或修改本网格（甲社区 · 甲一网格）的企业。"


def test_worker_cannot_edit_or_move_out_of_scope(world: Any) -> None:
    with pytest.raises(Http404):
        services.update_enterprise(world.ent_b1, actor=world.worker_a, data={"name": "改名"})
    with pytest.raises(PermissionDeniedError):
        services.update_enterprise(
            world.ent_a1, actor=world.worker_a, data={"community": world.community_b, "grid": world.grid_b1}
        )
    world.ent_a1.refresh_from_db()
    assert world.ent_a1.community == world.community_a


def test_inspector_edits_only_own_grid(world: Any) -> None:
    services.update_enterprise(world.ent_a1, actor=world.inspector_a1, data={"employees": 12})
    with pytest.raises(Http404):
        services.update_enterprise(world.ent_a2, actor=world.inspector_a1, data={"employees": 12})


def test_enterprise_officer_cannot_edit_register_but_can_add_licence(world: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.update_enterprise(world.ent_a1, actor=world.officer_a, data={"employees": 3})
    lic = services.add_licence(
        world.ent_a1, actor=world.officer_a, data={"kind": LicenceKind.BUSINESS, "number": "N-1"}
    )
    assert lic.enterprise == world.ent_a1
    with pytest.raises(Http404):
        services.add_licence(
            world.ent_a2, actor=world.officer_a, data={"kind": LicenceKind.BUSINESS, "number": "N-2"}
        )


# ------------------------------------------------------------------------------------------ update
def test_update_records_changed_fields_in_timeline_and_audit(world: Any) -> None:
    ent = world.ent_a1
    services.update_enterprise(
        ent, actor=world.office, data={"name": "甲一表面处理有限公司", "employees": 80, "grid": world.grid_a2}
    )
    event = ent.events.get(type=EnterpriseEventType.UPDATED)
    changes = {c["field"]: c for c in event.changes}
    assert set(changes) == {"name", "employees", "grid"}
    assert changes["name"] == {
        "field": "name",
        "label": "企业名称",
        "old": "甲一电镀有限公司",
        "new": "甲一表面处理有限公司",
    }
    assert changes["grid"]["old"] == "甲一网格" and changes["grid"]["new"] == "甲二网格"
    assert changes["employees"]["old"] == "—" and changes["employees"]["new"] == "80"
    entry = AuditEntry.objects.filter(action="update", object_id=str(ent.pk)).get()
    assert entry.before == {"name": "甲一电镀有限公司", "employees": None, "grid_id": world.grid_a1.pk}
    assert entry.after == {"name": "甲一表面处理有限公司", "employees": 80, "grid_id": world.grid_a2.pk}
    assert event.summary == "企业名称、所属网格、从业人数"


def test_update_without_changes_writes_nothing(world: Any) -> None:
    services.update_enterprise(world.ent_a1, actor=world.admin, data={"name": world.ent_a1.name})
    assert not AuditEntry.objects.filter(action="update").exists()
    assert not EnterpriseEvent.objects.exists()


def test_status_change_in_update_gets_its_own_event(world: Any) -> None:
    services.update_enterprise(
        world.ent_a1, actor=world.admin, data={"status": OperatingStatus.SUSPENDED, "notes": "停产整顿"}
    )
    types = sorted(world.ent_a1.events.values_list("type", flat=True))
    assert types == [EnterpriseEventType.STATUS_CHANGED, EnterpriseEventType.UPDATED]
    status_event = world.ent_a1.events.get(type=EnterpriseEventType.STATUS_CHANGED)
    assert status_event.summary == "在营 → 停业"
    assert [c["field"] for c in world.ent_a1.events.get(type=EnterpriseEventType.UPDATED).changes] == [
        "notes"
    ]


def test_update_categories_is_recorded(world: Any) -> None:
    services.update_enterprise(
        world.ent_a1, actor=world.admin, data={}, categories=["electroplating", "confined_space"]
    )
    change = world.ent_a1.events.get().changes[0]
    assert change == {
        "field": "categories",
        "label": "重点监管类型",
        "old": "电镀",
        "new": "电镀、有限空间作业",
    }


def test_failed_update_leaves_everything_as_it_was(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.update_enterprise(
            world.ent_a1, actor=world.admin, data={"name": "新名字", "uscc": world.ent_a2.uscc}, categories=[]
        )
    world.ent_a1.refresh_from_db()
    assert world.ent_a1.name == "甲一电镀有限公司"
    assert list(world.ent_a1.categories.values_list("code", flat=True)) == ["electroplating"]
    assert not EnterpriseEvent.objects.exists()


def test_change_status_with_reason(world: Any) -> None:
    services.change_status(
        world.ent_a2, actor=world.worker_a, status=OperatingStatus.DEREGISTERED, reason="已注销登记"
    )
    world.ent_a2.refresh_from_db()
    assert world.ent_a2.status == OperatingStatus.DEREGISTERED
    event = world.ent_a2.events.get()
    assert event.type == EnterpriseEventType.STATUS_CHANGED and event.summary == "在营 → 注销（已注销登记）"
    entry = AuditEntry.objects.get(action="change_status")
    assert entry.before == {"status": "operating"} and entry.note == "已注销登记"
    with pytest.raises(ConflictError):
        services.change_status(world.ent_a2, actor=world.worker_a, status=OperatingStatus.DEREGISTERED)
    with pytest.raises(ValidationError):
        services.change_status(world.ent_a2, actor=world.worker_a, status="closed")
    with pytest.raises(Http404):
        services.change_status(world.ent_b1, actor=world.worker_a, status=OperatingStatus.SUSPENDED)


def test_set_categories(world: Any) -> None:
    services.set_categories(world.ent_a2, actor=world.admin, categories=["gas_catering", "three_small"])
    assert sorted(world.ent_a2.categories.values_list("code", flat=True)) == ["gas_catering", "three_small"]
    assert AuditEntry.objects.filter(action="set_categories").count() == 1
    services.set_categories(world.ent_a2, actor=world.admin, categories=["three_small", "gas_catering"])
    assert AuditEntry.objects.filter(action="set_categories").count() == 1  # no change, no record
    with pytest.raises(PermissionDeniedError):
        services.set_categories(world.ent_a1, actor=world.officer_a, categories=[])


# ------------------------------------------------------------------------------------------ licences
def licence_data(**overrides: Any) -> dict[str, Any]:
    base = {
        "kind": LicenceKind.SAFETY_PRODUCTION,
        "number": "（粤）WH安许证字[2024]001",
        "issuer": "深圳市应急管理局",
        "issued_on": dt.date(2024, 1, 1),
        "expires_on": dt.date(2027, 1, 1),
    }
    base.update(overrides)
    return base


def test_add_licence_writes_audit_and_timeline(world: Any) -> None:
    lic = services.add_licence(world.ent_a1, actor=world.worker_a, data=licence_data())
    assert AuditEntry.objects.filter(
        action="create", object_type="enterprises.licence", object_id=str(lic.pk)
    ).exists()
    event = world.ent_a1.events.get()
    assert event.type == EnterpriseEventType.LICENCE_ADDED
    assert event.summary == "安全生产许可证 （粤）WH安许证字[2024]001，有效期至 2027-01-01"


def test_licence_cannot_expire_before_it_was_issued(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_licence(
            world.ent_a1,
            actor=world.admin,
            data=licence_data(issued_on=dt.date(2025, 5, 1), expires_on=dt.date(2025, 4, 30)),
        )
    assert field_errors(exc)["expires_on"] == ["有效期至不能早于发证日期。"]
    assert not Licence.objects.exists()
    same_day = services.add_licence(
        world.ent_a1,
        actor=world.admin,
        data=licence_data(issued_on=dt.date(2025, 5, 1), expires_on=dt.date(2025, 5, 1)),
    )
    assert same_day.pk


def test_licence_number_and_kind_are_required(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        services.add_licence(world.ent_a1, actor=world.admin, data={"kind": "", "number": "  "})
    assert {"kind", "number"} <= set(field_errors(exc))


def test_update_licence_records_changes(world: Any) -> None:
    lic = services.add_licence(world.ent_a1, actor=world.admin, data=licence_data())
    services.update_licence(lic, actor=world.inspector_a1, data={"expires_on": dt.date(2028, 1, 1)})
    event = world.ent_a1.events.get(type=EnterpriseEventType.LICENCE_UPDATED)
    assert event.changes == [
        {"field": "expires_on", "label": "有效期至", "old": "2027-01-01", "new": "2028-01-01"}
    ]
    assert AuditEntry.objects.get(action="update", object_type="enterprises.licence").after == {
        "expires_on": "2028-01-01"
    }
    with pytest.raises(ValidationError):
        services.update_licence(lic, actor=world.admin, data={"expires_on": dt.date(2020, 1, 1)})
    lic.refresh_from_db()
    assert lic.expires_on == dt.date(2028, 1, 1)
    with pytest.raises(Http404):
        services.update_licence(lic, actor=world.worker_b, data={"number": "X"})


def test_void_licence_requires_reason_and_keeps_the_row(world: Any) -> None:
    lic = services.add_licence(world.ent_a1, actor=world.admin, data=licence_data())
    with pytest.raises(ValidationError) as exc:
        services.void_licence(lic, actor=world.admin, reason="   ")
    assert field_errors(exc)["reason"] == ["请填写作废原因。"]
    lic.refresh_from_db()
    assert not lic.is_voided
    services.void_licence(lic, actor=world.admin, reason="编号录入错误")
    lic.refresh_from_db()
    assert lic.is_voided and lic.void_reason == "编号录入错误" and lic.voided_by == world.admin
    assert (
        world.ent_a1.events.filter(type=EnterpriseEventType.LICENCE_VOIDED).get().params["reason"]
        == "编号录入错误"
    )
    assert AuditEntry.objects.filter(action="void", object_id=str(lic.pk)).get().note == "编号录入错误"
    with pytest.raises(ConflictError):
        services.void_licence(lic, actor=world.admin, reason="again")
    with pytest.raises(ConflictError):
        services.update_licence(lic, actor=world.admin, data={"number": "X"})


def test_cadre_sees_but_cannot_change_licences(world: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        services.add_licence(world.ent_a1, actor=world.cadre, data=licence_data())


# ------------------------------------------------------------------------------------------ parks
def test_parks_are_managed_by_the_office(world: Any) -> None:
    park = services.create_park(actor=world.office, data={"name": "甲工业园", "community": world.community_a})
    services.update_park(park, actor=world.admin, data={"manager": "园区张"})
    park.refresh_from_db()
    assert park.manager == "园区张"
    assert AuditEntry.objects.filter(object_type="enterprises.park").count() == 2
    with pytest.raises(PermissionDeniedError):
        services.create_park(actor=world.worker_a, data={"name": "乙工业园", "community": world.community_a})
    with pytest.raises(ValidationError):
        services.create_park(
            actor=world.office, data={"name": "丙园", "community": world.community_a, "lat": 1.0, "lng": 1.0}
        )


def test_unexpected_fields_are_a_programming_error(world: Any) -> None:
    with pytest.raises(TypeError):
        services.create_enterprise(actor=world.admin, data={**data(world), "created_by": world.worker_a})
