"""Services for people and their accounts: create, edit, reset password, deactivate, reactivate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.db import transaction

from anjian.core import audit
from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.validators import validate_mobile
from anjian.enterprises.models import Enterprise
from anjian.org.choices import STREET_LEVEL_ROLES, AssignmentStatus, Role
from anjian.org.models import Community, Department, Grid, User
from anjian.org.permissions import require
from anjian.org.services.base import clean_text, scoped

OFFICE_ROLES = frozenset({Role.STREET_ADMIN, Role.OFFICE_STAFF})
PERSON_FIELDS = ("name", "phone", "role", "title", "department", "community", "grid", "enterprise", "email")


def _check_role_allowed(actor: Any, role: str) -> None:
    """Only a street administrator may create or change office accounts (街道应急办/安委办)."""
    if role in OFFICE_ROLES and not (actor.role == Role.STREET_ADMIN or actor.is_superuser):
        raise PermissionDeniedError("只有街道应急办管理员可以创建或修改应急办管理员、安委办工作人员账号。")


def _resolve(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Look up the linked department/community/grid/enterprise in the actor's scope."""
    out = dict(data)
    for key, model in (
        ("department", Department),
        ("community", Community),
        ("grid", Grid),
        ("enterprise", Enterprise),
    ):
        if key not in out:
            continue
        value = out[key]
        out[key] = None if value in (None, "") else scoped(model, value, actor, field=key)
    return out


def _link_by_role(role: str, community: Any, grid: Any, enterprise: Any) -> tuple[Any, Any, Any]:
    """The (community, grid, enterprise) a person of `role` hangs on; mismatches raise Chinese errors."""
    errors: dict[str, str] = {}
    if role == Role.COMMUNITY_WORKER:
        if community is None:
            errors["community"] = "社区工作者必须选择所属社区。"
        if grid is not None:
            errors["grid"] = "社区工作者不设负责网格；安格员请选择角色“安格员”。"
        if enterprise is not None:
            errors["enterprise"] = "社区工作者不能关联企业。"
    elif role == Role.GRID_INSPECTOR:
        if grid is None:
            errors["grid"] = "安格员必须选择负责网格。"
        elif community is not None and community.pk != grid.community_id:
            errors["community"] = f"所选网格“{grid.name}”不属于社区“{community.name}”。"
        else:
            community = grid.community
        if enterprise is not None:
            errors["enterprise"] = "安格员不能关联企业。"
    elif role == Role.ENTERPRISE_OFFICER:
        if enterprise is None:
            errors["enterprise"] = "企业安全负责人必须选择所属企业。"
        else:
            if community is not None and community.pk != enterprise.community_id:
                errors["community"] = f"企业“{enterprise.name}”不属于社区“{community.name}”。"
            if grid is not None and grid.pk != enterprise.grid_id:
                errors["grid"] = f"企业“{enterprise.name}”不在网格“{grid.name}”。"
            community, grid = enterprise.community, enterprise.grid
    elif role == Role.FIRE_STATION:
        if grid is not None:
            errors["grid"] = "消防站（队）负责人不设负责网格。"
        if enterprise is not None:
            errors["enterprise"] = "消防站（队）负责人不能关联企业。"
    elif role in STREET_LEVEL_ROLES:
        label = Role(role).label
        if community is not None:
            errors["community"] = f"{label}为街道级角色，管辖全街道，不应选择所属社区。"
        if grid is not None:
            errors["grid"] = f"{label}为街道级角色，不应选择负责网格。"
        if enterprise is not None:
            errors["enterprise"] = f"{label}不能关联企业。"
    else:
        errors["role"] = "请选择有效的角色。"
    if errors:
        raise ValidationError(errors)
    return community, grid, enterprise


def _clean_person(actor: Any, data: dict[str, Any], person: User | None = None) -> dict[str, Any]:
    out = _resolve(actor, data)
    errors: dict[str, str] = {}
    for key in ("name", "phone", "title", "email"):
        if key in out:
            out[key] = clean_text(out[key])
    if "name" in out and not out["name"]:
        errors["name"] = "请填写姓名。"
    if out.get("phone"):
        out["phone"] = out["phone"].replace(" ", "").removeprefix("+86")
        try:
            validate_mobile(out["phone"])
        except ValidationError as exc:
            errors["phone"] = exc.messages[0]
    role = out.get("role", person.role if person else "")
    if role not in Role.values:
        errors["role"] = "请选择有效的角色。"
    if errors:
        raise ValidationError(errors)
    current = person
    community = out.get("community", current.community if current else None)
    grid = out.get("grid", current.grid if current else None)
    enterprise = out.get("enterprise", current.enterprise if current else None)
    out["community"], out["grid"], out["enterprise"] = _link_by_role(role, community, grid, enterprise)
    out["role"] = role
    return out


PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要 {min_length} 个字符。",
    "password_too_similar": "密码与用户名、姓名等个人信息太相似。",
    "password_too_common": "密码过于常见，容易被猜中。",
    "password_entirely_numeric": "密码不能全部为数字。",
}


def _validate_password(password: str, user: User, field: str = "password") -> None:
    """The configured password validators, with their messages in Chinese whatever Django's catalogue has."""
    if not password:
        raise ValidationError({field: "请设置密码。"})
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        messages = []
        for error in exc.error_list:
            template = PASSWORD_MESSAGES.get(error.code or "")
            params = error.params or {}
            messages.append(template.format(**params) if template else " ".join(error.messages))
        raise ValidationError({field: messages}) from None


@transaction.atomic
def create_person(*, actor: Any, data: dict[str, Any], password: str) -> User:
    """Open an account for a person with a role; the initial password follows the password rules."""
    require(actor, "people.manage")
    _check_role_allowed(actor, data.get("role", ""))
    username = clean_text(data.get("username"))
    if not username:
        raise ValidationError({"username": "请填写用户名。"})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": f"用户名“{username}”已被使用。"})
    clean = _clean_person(actor, data)
    person = User(username=username)
    for key in PERSON_FIELDS:
        if key in clean:
            setattr(person, key, clean[key])
    _validate_password(password, person)
    person.set_password(password)
    person.full_clean(exclude=["password"])
    person.save()
    audit.record(
        actor=actor, action="create", obj=person, after=audit.snapshot(person, exclude=["last_login"])
    )
    return person


@transaction.atomic
def update_person(person: User, *, actor: Any, data: dict[str, Any]) -> User:
    """Change a person's details, role or place in the organisation."""
    person = scoped(User, person, actor, lock=True)
    require(actor, "people.manage")
    _check_role_allowed(actor, person.role)
    _check_role_allowed(actor, data.get("role", person.role))
    if (
        "role" in data
        and data["role"] != person.role
        and person.assignments.filter(status=AssignmentStatus.ACTIVE).exists()
    ):
        raise ConflictError(
            "该人员仍有在挂的挂点，请先结束挂点再变更角色。", fields={"role": ["仍有在挂的挂点。"]}
        )
    clean = _clean_person(actor, {k: v for k, v in data.items() if k != "username"}, person)
    before = audit.snapshot(person, exclude=["last_login"])
    for key in PERSON_FIELDS:
        if key in clean:
            setattr(person, key, clean[key])
    person.full_clean(exclude=["password"])
    person.save()
    audit.record(
        actor=actor,
        action="update",
        obj=person,
        before=before,
        after=audit.snapshot(person, exclude=["last_login"]),
        only_changes=True,
    )
    return person


@transaction.atomic
def reset_password(person: User, *, actor: Any, password: str) -> User:
    """Set a new password for a person (the value itself is never logged)."""
    person = scoped(User, person, actor, lock=True)
    require(actor, "people.manage")
    _check_role_allowed(actor, person.role)
    _validate_password(password, person)
    person.set_password(password)
    person.save(update_fields=["password"])
    audit.record(actor=actor, action="reset_password", obj=person, note="管理员重置密码")
    return person


@transaction.atomic
def deactivate_person(person: User, *, actor: Any, reason: str) -> User:
    """Disable a person's login with a reason (accounts are never deleted)."""
    person = scoped(User, person, actor, lock=True)
    require(actor, "people.manage")
    if person.pk == actor.pk:
        raise ConflictError("不能停用自己的账号。")
    _check_role_allowed(actor, person.role)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError({"reason": "请填写停用原因。"})
    if not person.is_active:
        raise ConflictError("该账号已停用。")
    active = person.assignments.filter(status=AssignmentStatus.ACTIVE).count()
    if active:
        raise ConflictError(f"该人员仍有 {active} 个在挂的挂点，请先结束挂点再停用账号。")
    before = audit.snapshot(person, exclude=["last_login"])
    person.is_active = False
    person.deactivated_reason = reason[:300]
    person.save(update_fields=["is_active", "deactivated_reason"])
    audit.record(
        actor=actor,
        action="deactivate",
        obj=person,
        before=before,
        after=audit.snapshot(person, exclude=["last_login"]),
        only_changes=True,
        note=reason,
    )
    return person


@transaction.atomic
def reactivate_person(person: User, *, actor: Any) -> User:
    """Enable a deactivated account again."""
    person = scoped(User, person, actor, lock=True)
    require(actor, "people.manage")
    _check_role_allowed(actor, person.role)
    if person.is_active:
        raise ConflictError("该账号已是启用状态。")
    before = audit.snapshot(person, exclude=["last_login"])
    person.is_active = True
    person.deactivated_reason = ""
    person.save(update_fields=["is_active", "deactivated_reason"])
    audit.record(
        actor=actor,
        action="reactivate",
        obj=person,
        before=before,
        after=audit.snapshot(person, exclude=["last_login"]),
        only_changes=True,
    )
    return person
