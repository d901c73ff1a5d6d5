"""People services: role-dependent organisation links, password rules, office-only accounts, deactivation."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.core.exceptions import ValidationError
from django.test import override_settings

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.org import services
from anjian.org.models import User

GOOD = "Qiang-mima-2026!"


def create(world: Any, actor: Any = None, **data: Any) -> User:
    base = {
        "username": "newbie",
        "name": "新人",
        "role": "community_worker",
        "community": world.community_a.pk,
    }
    base.update(data)
    return services.create_person(actor=actor or world.office, data=base, password=data.pop("password", GOOD))


def test_create_community_worker_and_audit(world: Any) -> None:
    p = create(world, phone="13800138000", title="网格长")
    assert p.community == world.community_a and p.grid is None and p.check_password(GOOD)
    entry = AuditEntry.objects.get(action="create", object_type="org.user", object_id=str(p.pk))
    after = entry.after or {}
    assert after["role"] == "community_worker"
    assert "password" not in after and GOOD not in str(after)


@override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.Argon2PasswordHasher"])
def test_password_hashed_with_argon2(world: Any) -> None:
    p = create(world)
    assert identify_hasher(p.password).algorithm == "argon2"


@pytest.mark.parametrize(
    ("data", "field", "text"),
    [
        ({"role": "community_worker", "community": None}, "community", "必须选择所属社区"),
        ({"role": "grid_inspector", "community": None, "grid": None}, "grid", "必须选择负责网格"),
        (
            {"role": "enterprise_officer", "community": None, "enterprise": None},
            "enterprise",
            "必须选择所属企业",
        ),
        ({"role": "cadre"}, "community", "街道级角色"),
        ({"role": "community_worker", "enterprise": "ENT"}, "enterprise", "不能关联企业"),
        ({"role": "grid_inspector", "grid": "B1"}, "community", "不属于社区"),
        ({"phone": "12345"}, "phone", "手机号格式不正确"),
        ({"phone": "0755-12345678"}, "phone", "手机号格式不正确"),
        ({"name": " "}, "name", "请填写姓名"),
        ({"role": "nobody"}, "role", "有效的角色"),
    ],
)
def test_role_requirements_and_mismatches(world: Any, data: dict[str, Any], field: str, text: str) -> None:
    data = dict(data)
    if data.get("enterprise") == "ENT":
        data["enterprise"] = world.ent_a1.pk
    if data.get("grid") == "B1":
        data["grid"] = world.grid_b1.pk
    with pytest.raises(ValidationError) as exc:
        create(world, **data)
    assert text in " ".join(exc.value.message_dict[field])
    assert not User.objects.filter(username="newbie").exists()


def test_grid_inspector_takes_community_from_grid(world: Any) -> None:
    p = create(world, role="grid_inspector", community=None, grid=world.grid_a2.pk)
    assert p.community == world.community_a and p.grid == world.grid_a2


def test_enterprise_officer_takes_community_and_grid_from_enterprise(world: Any) -> None:
    p = create(world, role="enterprise_officer", community=None, enterprise=world.ent_b1.pk)
    assert (p.community, p.grid, p.enterprise) == (world.community_b, world.grid_b1, world.ent_b1)


@pytest.mark.parametrize(
    ("password", "text"),
    [
        ("short-Pw1", "密码太短，至少需要 12 个字符"),
        ("123456789012345", "不能全部为数字"),
        ("password1234", "过于常见"),
    ],
)
def test_password_rules(world: Any, password: str, text: str) -> None:
    with pytest.raises(ValidationError) as exc:
        create(world, password=password)
    assert text in " ".join(exc.value.message_dict["password"])


def test_duplicate_username(world: Any) -> None:
    with pytest.raises(ValidationError) as exc:
        create(world, username="ADMIN")
    assert "已被使用" in exc.value.message_dict["username"][0]


def test_only_street_admin_creates_office_accounts(world: Any) -> None:
    with pytest.raises(PermissionDeniedError):
        create(world, role="office_staff", community=None)
    p = create(world, actor=world.admin, role="office_staff", community=None)
    assert p.role == "office_staff"
    with pytest.raises(PermissionDeniedError):  # office staff cannot change the admin's account either
        services.update_person(world.admin, actor=world.office, data={"phone": "13800138001"})
    with pytest.raises(PermissionDeniedError):
        services.reset_password(world.admin, actor=world.office, password=GOOD)


def test_non_office_cannot_manage_people(world: Any) -> None:
    for user in (world.cadre, world.worker_a, world.inspector_a1):
        with pytest.raises(PermissionDeniedError):
            create(world, actor=user)


def test_update_person_audits_changes(world: Any) -> None:
    services.update_person(
        world.worker_a, actor=world.office, data={"phone": "13900139000", "title": "副主任"}
    )
    entry = AuditEntry.objects.filter(action="update", object_type="org.user").latest("chain_index")
    assert entry.after == {"phone": "13900139000", "title": "副主任"}
    assert entry.before == {"phone": "", "title": ""}


def test_reset_password(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.reset_password(world.cadre, actor=world.office, password="short")
    services.reset_password(world.cadre, actor=world.office, password=GOOD)
    world.cadre.refresh_from_db()
    assert world.cadre.check_password(GOOD)
    entry = AuditEntry.objects.filter(action="reset_password").latest("chain_index")
    assert entry.object_id == str(world.cadre.pk) and GOOD not in str(entry.after)


def test_deactivate_and_reactivate(world: Any) -> None:
    with pytest.raises(ValidationError):
        services.deactivate_person(world.worker_a, actor=world.office, reason="")
    with pytest.raises(ConflictError):
        services.deactivate_person(world.office, actor=world.office, reason="自己")
    p = services.deactivate_person(world.worker_a, actor=world.office, reason="调离")
    assert not p.is_active and p.deactivated_reason == "调离"
    assert User.objects.filter(pk=p.pk).exists()  # never deleted
    with pytest.raises(ConflictError):
        services.deactivate_person(p, actor=world.office, reason="again")
    p = services.reactivate_person(p, actor=world.office)
    assert p.is_active and p.deactivated_reason == ""
    actions = list(
        AuditEntry.objects.filter(object_id=str(p.pk), object_type="org.user").values_list(
            "action", flat=True
        )
    )
    assert "deactivate" in actions and "reactivate" in actions


def test_deactivate_refused_with_active_assignments(world: Any) -> None:
    services.create_assignments(
        actor=world.office, person=world.liaison, kind="community", communities=[world.community_a]
    )
    with pytest.raises(ConflictError) as exc:
        services.deactivate_person(world.liaison, actor=world.office, reason="退休")
    assert "在挂的挂点" in exc.value.message


def test_role_change_refused_with_active_assignments(world: Any) -> None:
    services.create_assignments(
        actor=world.office, person=world.liaison, kind="community", communities=[world.community_a]
    )
    with pytest.raises(ConflictError):
        services.update_person(world.liaison, actor=world.office, data={"role": "cadre"})
