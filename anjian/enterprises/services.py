"""Writes of the enterprise register. Pages, API, imports and jobs all call these functions.

Each one checks the actor's capability (org.permissions) and jurisdiction, validates with the model's
`full_clean()` (Chinese messages), saves in one transaction, appends an audit link and a line to the
enterprise's timeline. Nothing is deleted: licences are voided with a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404

from anjian.core import audit
from anjian.core import services as core_services
from anjian.core.context import current_origin
from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.scoping import jurisdiction_of
from anjian.enterprises.choices import EnterpriseEventType, OperatingStatus
from anjian.enterprises.models import Enterprise, EnterpriseEvent, KeyCategory, Licence, Park
from anjian.org.choices import Role
from anjian.org.models import Community, Grid
from anjian.org.permissions import require

# Fields a caller may set on an enterprise (categories go through `categories=` / set_categories).
ENTERPRISE_FIELDS = (
    "name",
    "uscc",
    "community",
    "grid",
    "park",
    "address",
    "lat",
    "lng",
    "industry",
    "legal_representative",
    "safety_officer",
    "phone",
    "employees",
    "status",
    "notes",
)
LICENCE_FIELDS = ("kind", "number", "issuer", "issued_on", "expires_on", "notes")
PARK_FIELDS = ("name", "community", "address", "lat", "lng", "manager", "phone")
PARK_MANAGERS = frozenset({Role.STREET_ADMIN, Role.OFFICE_STAFF})
NOT_FOUND = "对象不存在或无权访问。"


# ---------------------------------------------------------------------------------------------- enterprises
@transaction.atomic
def create_enterprise(
    *, actor: Any, data: Mapping[str, Any], categories: Iterable[KeyCategory | str] | None = None
) -> Enterprise:
    """Register an enterprise (in the actor's community or grid unless the actor is street level)."""
    require(actor, "enterprise.create")
    enterprise = Enterprise(created_by=_user_or_none(actor))
    _apply(enterprise, data, ENTERPRISE_FIELDS)
    chosen = resolve_categories(categories or [])
    enterprise.full_clean()
    _check_write_scope(actor, enterprise)
    _save_unique(enterprise)
    enterprise.categories.set(chosen)
    audit.record(
        actor=actor, action="create", obj=enterprise, after=audit.snapshot(enterprise, m2m=["categories"])
    )
    source = current_origin().source
    kind = EnterpriseEventType.IMPORTED if source == "import" else EnterpriseEventType.CREATED
    _event(enterprise, kind, actor, {"source": source})
    return enterprise


@transaction.atomic
def update_enterprise(
    enterprise: Enterprise | int,
    *,
    actor: Any,
    data: Mapping[str, Any],
    categories: Iterable[KeyCategory | str] | None = None,
) -> Enterprise:
    """Change an enterprise's fields (and categories when given); the timeline lists what changed and
    a change of operating status gets its own event."""
    ent = _locked_enterprise(actor, enterprise)
    require(actor, "enterprise.change")
    before = audit.snapshot(ent, m2m=["categories"])
    before_shown = _shown(ent)
    _apply(ent, data, ENTERPRISE_FIELDS)
    chosen = resolve_categories(categories) if categories is not None else None
    ent.full_clean()
    _check_write_scope(actor, ent)
    _save_unique(ent)
    if chosen is not None:
        ent.categories.set(chosen)
    after = audit.snapshot(ent, m2m=["categories"])
    old, new = audit.diff(before, after)
    if not new:
        return ent
    audit.record(actor=actor, action="update", obj=ent, before=old, after=new)
    after_shown = _shown(ent)
    changed = [_field_name(ent, key) for key in new]
    changes = [
        {"field": name, "label": _label(ent, name), "old": before_shown[name], "new": after_shown[name]}
        for name in _ordered(changed)
        if name != "status"
    ]
    if changes:
        _event(ent, EnterpriseEventType.UPDATED, actor, {"changes": changes})
    if "status" in changed:
        _status_event(ent, actor, str(before["status"]), "")
    return ent


@transaction.atomic
def change_status(enterprise: Enterprise | int, *, actor: Any, status: str, reason: str = "") -> Enterprise:
    """Change the operating status (在营/停业/注销) with an optional reason."""
    ent = _locked_enterprise(actor, enterprise)
    require(actor, "enterprise.change")
    if status not in OperatingStatus.values:
        raise ValidationError({"status": f"未知的经营状态：{status}"})
    if status == ent.status:
        raise ConflictError(f"经营状态已是“{ent.get_status_display()}”，无需变更。")
    reason = (reason or "").strip()
    old = ent.status
    ent.status = status
    ent.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action="change_status",
        obj=ent,
        before={"status": old},
        after={"status": status},
        note=reason,
    )
    _status_event(ent, actor, old, reason)
    return ent


@transaction.atomic
def set_categories(
    enterprise: Enterprise | int, *, actor: Any, categories: Iterable[KeyCategory | str]
) -> Enterprise:
    """Replace the key-supervision categories (by code, name or object) of an enterprise."""
    ent = _locked_enterprise(actor, enterprise)
    require(actor, "enterprise.change")
    chosen = resolve_categories(categories)
    before_ids = sorted(ent.categories.values_list("pk", flat=True))
    before_names = _category_names(ent)
    after_ids = sorted(c.pk for c in chosen)
    if before_ids == after_ids:
        return ent
    ent.categories.set(chosen)
    ent.save(update_fields=["updated_at"])
    audit.record(
        actor=actor,
        action="set_categories",
        obj=ent,
        before={"categories": before_ids},
        after={"categories": after_ids},
    )
    change = {
        "field": "categories",
        "label": "重点监管类型",
        "old": before_names,
        "new": _category_names(ent),
    }
    _event(ent, EnterpriseEventType.UPDATED, actor, {"changes": [change]})
    return ent


def resolve_categories(values: Iterable[KeyCategory | str]) -> list[KeyCategory]:
    """KeyCategory rows for codes, Chinese names or objects; unknown ones are a validation error."""
    wanted: list[KeyCategory | str] = [v.strip() if isinstance(v, str) else v for v in values]
    wanted = [v for v in wanted if v != ""]
    texts = {v for v in wanted if isinstance(v, str)}
    found: dict[str, KeyCategory] = {}
    if texts:
        for cat in KeyCategory.objects.filter(models.Q(code__in=texts) | models.Q(name__in=texts)):
            found[cat.code] = cat
            found[cat.name] = cat
    unknown = sorted(t for t in texts if t not in found)
    if unknown:
        raise ValidationError({"categories": f"未知的重点监管类型：{'、'.join(unknown)}"})
    result: dict[int, KeyCategory] = {}
    for v in wanted:
        cat = found[v] if isinstance(v, str) else v
        result[cat.pk] = cat
    return list(result.values())


# ---------------------------------------------------------------------------------------------- licences
@transaction.atomic
def add_licence(enterprise: Enterprise | int, *, actor: Any, data: Mapping[str, Any]) -> Licence:
    """Record a licence or permit of an enterprise."""
    ent = _scoped(Enterprise, actor, enterprise)
    require(actor, "licence.change")
    licence = Licence(enterprise=ent, created_by=_user_or_none(actor))
    _apply(licence, data, LICENCE_FIELDS)
    licence.full_clean()
    licence.save()
    audit.record(actor=actor, action="create", obj=licence, after=audit.snapshot(licence))
    _event(ent, EnterpriseEventType.LICENCE_ADDED, actor, _licence_params(licence))
    return licence


@transaction.atomic
def update_licence(licence: Licence | int, *, actor: Any, data: Mapping[str, Any]) -> Licence:
    """Correct a licence (a voided licence cannot be changed)."""
    lic = _scoped(Licence, actor, licence, lock=True)
    require(actor, "licence.change")
    if lic.is_voided:
        raise ConflictError("已作废的证照不能修改。")
    before = audit.snapshot(lic)
    before_shown = _shown(lic, LICENCE_FIELDS)
    _apply(lic, data, LICENCE_FIELDS)
    lic.full_clean()
    lic.save()
    old, new = audit.diff(before, audit.snapshot(lic))
    if not new:
        return lic
    audit.record(actor=actor, action="update", obj=lic, before=old, after=new)
    after_shown = _shown(lic, LICENCE_FIELDS)
    changes = [
        {"field": name, "label": _label(lic, name), "old": before_shown[name], "new": after_shown[name]}
        for name in LICENCE_FIELDS
        if name in {_field_name(lic, key) for key in new}
    ]
    _event(
        lic.enterprise,
        EnterpriseEventType.LICENCE_UPDATED,
        actor,
        {**_licence_params(lic), "changes": changes},
    )
    return lic


@transaction.atomic
def void_licence(licence: Licence | int, *, actor: Any, reason: str) -> Licence:
    """Void a wrongly entered or withdrawn licence; the reason is required and kept."""
    lic = _scoped(Licence, actor, licence, lock=True)
    require(actor, "licence.change")
    if lic.is_voided:
        raise ConflictError("该证照已作废。")
    core_services.void(lic, actor=actor, reason=reason)
    _event(
        lic.enterprise,
        EnterpriseEventType.LICENCE_VOIDED,
        actor,
        {**_licence_params(lic), "reason": lic.void_reason},
    )
    return lic


# ---------------------------------------------------------------------------------------------- parks
@transaction.atomic
def create_park(*, actor: Any, data: Mapping[str, Any]) -> Park:
    """Register an industrial park (street safety office only)."""
    _require_park_manager(actor)
    park = Park(created_by=_user_or_none(actor))
    _apply(park, data, PARK_FIELDS)
    park.full_clean()
    park.save()
    audit.record(actor=actor, action="create", obj=park, after=audit.snapshot(park))
    return park


@transaction.atomic
def update_park(park: Park | int, *, actor: Any, data: Mapping[str, Any]) -> Park:
    """Change an industrial park's details (street safety office only)."""
    obj = _scoped(Park, actor, park, lock=True)
    _require_park_manager(actor)
    before = audit.snapshot(obj)
    _apply(obj, data, PARK_FIELDS)
    obj.full_clean()
    obj.save()
    audit.record(
        actor=actor, action="update", obj=obj, before=before, after=audit.snapshot(obj), only_changes=True
    )
    return obj


# ---------------------------------------------------------------------------------------------- helpers
def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _require_park_manager(actor: Any) -> None:
    if not getattr(actor, "is_authenticated", False) or not (
        actor.is_superuser or getattr(actor, "role", "") in PARK_MANAGERS
    ):
        raise PermissionDeniedError("只有街道安委办可以登记或修改园区。")


def _scoped(model: Any, actor: Any, obj: Any, *, lock: bool = False) -> Any:
    """The object re-read through the actor's scope (404 outside it), locked when asked."""
    pk = obj.pk if isinstance(obj, models.Model) else obj
    qs = model.objects.for_user(actor)
    if lock:
        qs = qs.select_for_update(of=("self",))
    if model is Licence:
        qs = qs.select_related("enterprise")
    try:
        return qs.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404(NOT_FOUND) from None


def _locked_enterprise(actor: Any, enterprise: Enterprise | int) -> Enterprise:
    ent: Enterprise = _scoped(Enterprise, actor, enterprise, lock=True)
    return ent


def _apply(obj: models.Model, data: Mapping[str, Any], allowed: Iterable[str]) -> None:
    """Set fields from `data` (foreign keys as objects or ids; text trimmed; None → '' for text)."""
    unknown = set(data) - set(allowed)
    if unknown:
        raise TypeError(f"unexpected fields for {obj._meta.label}: {sorted(unknown)}")
    for name, value in data.items():
        field = obj._meta.get_field(name)
        if isinstance(value, str):
            value = value.strip()
        if field.is_relation:
            if isinstance(value, models.Model) or value is None:
                setattr(obj, name, value)
            else:
                setattr(obj, field.attname, value if value != "" else None)  # type: ignore[union-attr]
            continue
        if value is None and isinstance(field, models.CharField | models.TextField) and not field.null:
            value = ""
        if value == "" and not isinstance(field, models.CharField | models.TextField):
            value = None
        setattr(obj, name, value)


def _check_write_scope(actor: Any, ent: Enterprise) -> None:
    """A community worker writes only in their community, a grid inspector only in their grid."""
    j = jurisdiction_of(actor)
    if j.is_street:
        return
    if j.level == "community":
        if ent.community_id != j.community_id:
            name = (
                Community.objects.filter(pk=j.community_id or 0).values_list("name", flat=True).first() or ""
            )
            raise PermissionDeniedError(f"您只能登记或修改本社区（{name}）的企业。")
        return
    if j.level == "grid":
        if ent.grid_id != j.grid_id:
            grid = Grid.objects.select_related("community").filter(pk=j.grid_id).first()
            label = grid.full_name if grid else ""
            raise PermissionDeniedError(f"您只能登记或修改本网格（{label}）的企业。")
        return
    raise PermissionDeniedError("没有执行此操作的权限。")


def _save_unique(ent: Enterprise) -> None:
    """Save; a USCC registered concurrently by someone else still gets the Chinese message."""
    try:
        with transaction.atomic():
            ent.save()
    except IntegrityError:
        other = Enterprise.objects.filter(uscc=ent.uscc).exclude(pk=ent.pk).first()
        if other is None:
            raise
        raise ValidationError({"uscc": f"该统一社会信用代码已登记：{other.name}"}) from None


def _event(ent: Enterprise, kind: str, actor: Any, params: dict[str, Any]) -> EnterpriseEvent:
    return EnterpriseEvent.objects.create(
        enterprise=ent, type=kind, actor=_user_or_none(actor), params=params
    )


def _status_event(ent: Enterprise, actor: Any, old: str, reason: str) -> None:
    params = {
        "old": old,
        "new": ent.status,
        "old_label": str(OperatingStatus(old).label) if old in OperatingStatus.values else old,
        "new_label": ent.get_status_display(),
    }
    if reason:
        params["reason"] = reason
    _event(ent, EnterpriseEventType.STATUS_CHANGED, actor, params)


def _licence_params(lic: Licence) -> dict[str, Any]:
    return {
        "licence": lic.pk,
        "kind": lic.get_kind_display(),
        "number": lic.number,
        "expires_on": lic.expires_on.isoformat() if lic.expires_on else "",
    }


def _field_name(obj: models.Model, key: str) -> str:
    """The field name for a snapshot key (attname such as community_id → community)."""
    for field in obj._meta.concrete_fields:
        if field.attname == key:
            return field.name
    return key


def _label(obj: models.Model, name: str) -> str:
    if name == "categories":
        return "重点监管类型"
    return str(obj._meta.get_field(name).verbose_name)  # type: ignore[union-attr]


def _ordered(names: Iterable[str]) -> list[str]:
    order = [*ENTERPRISE_FIELDS, "categories"]
    wanted = set(names)
    return [n for n in order if n in wanted]


def _category_names(ent: Enterprise) -> str:
    return "、".join(ent.categories.order_by("sort_order", "code").values_list("name", flat=True)) or "—"


def _shown(obj: models.Model, names: Iterable[str] = (*ENTERPRISE_FIELDS, "categories")) -> dict[str, str]:
    """Readable values for the timeline (choices by label, relations by name, empty as —)."""
    shown: dict[str, str] = {}
    for name in names:
        if name == "categories":
            shown[name] = _category_names(obj)  # type: ignore[arg-type]
            continue
        field = obj._meta.get_field(name)
        if field.is_relation:
            try:
                value: Any = getattr(obj, name)
            except models.ObjectDoesNotExist:
                value = None
        elif getattr(field, "choices", None):
            value = getattr(obj, f"get_{name}_display")()
        else:
            value = getattr(obj, name)
        shown[name] = "—" if value in (None, "") else str(value)
    return shown
