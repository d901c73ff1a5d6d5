"""Device register services: create, edit, decommission, credentials (shown once), Excel import, rule
overrides per site or device. Every write is validated, audited and scoped to the actor's jurisdiction."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from anjian.core import audit
from anjian.core.errors import ServiceError
from anjian.core.services import void
from anjian.monitoring import credentials
from anjian.monitoring.choices import BAND_KINDS, RuleKind
from anjian.monitoring.models import OVERRIDABLE, OVERRIDE_LABELS, Device, DeviceType, Rule, RuleOverride
from anjian.monitoring.permissions import require
from anjian.monitoring.services.common import scoped

DEVICE_FIELDS = (
    "code",
    "name",
    "type",
    "enterprise",
    "location",
    "lat",
    "lng",
    "reporting_interval_s",
    "rated_current",
)
SECRET_FIELDS = ("mqtt_password_hash", "http_token_hash", "rule_state", "last_metrics")


def _enterprise(actor: Any, value: Any) -> Any:
    from anjian.enterprises.models import Enterprise

    pk = getattr(value, "pk", value)
    ent = Enterprise.objects.for_user(actor).filter(pk=pk).first() if pk not in (None, "") else None
    if ent is None:
        raise ValidationError({"enterprise": "请选择管辖范围内的企业/场所。"})
    return ent


def _device_type(value: Any) -> DeviceType:
    if isinstance(value, DeviceType):
        return value
    dtype = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        dtype = DeviceType.objects.filter(pk=int(value)).first()
    if dtype is None and value:
        dtype = DeviceType.objects.filter(code=value).first() or DeviceType.objects.filter(name=value).first()
    if dtype is None:
        raise ValidationError({"type": "请选择设备类型。"})
    return dtype


def _apply(device: Device, data: Mapping[str, Any], actor: Any) -> None:
    for name in DEVICE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "enterprise":
            ent = _enterprise(actor, value)
            device.enterprise = ent
            device.community_id = ent.community_id
            device.grid_id = ent.grid_id
        elif name == "type":
            device.type = _device_type(value)
        elif name in ("code", "name", "location"):
            setattr(device, name, str(value or "").strip())
        else:
            setattr(device, name, value if value != "" else None)


def _snapshot(device: Device) -> dict[str, Any]:
    return audit.snapshot(device, exclude=SECRET_FIELDS)


@transaction.atomic
def create_device(*, actor: Any, data: Mapping[str, Any]) -> Device:
    """Register a device at an enterprise/site of the actor's jurisdiction."""
    require(actor, "device.manage")
    device = Device(created_by=actor if getattr(actor, "is_authenticated", False) else None)
    _apply(device, data, actor)
    if data.get("reporting_interval_s") in (None, "") and device.type_id:
        device.reporting_interval_s = device.type.default_interval_s
    device.full_clean()
    device.save()
    audit.record(actor=actor, action="device.create", obj=device, after=_snapshot(device))
    return device


@transaction.atomic
def update_device(device: Device | int, *, actor: Any, data: Mapping[str, Any]) -> Device:
    """Change a device's register data (its code stays its MQTT username: changing it needs new credentials)."""
    require(actor, "device.manage")
    obj = scoped(Device, device, actor, lock=True)
    if obj.voided_at is not None:
        raise ServiceError("该设备已停用，不能修改。")
    before = _snapshot(obj)
    _apply(obj, data, actor)
    obj.full_clean()
    obj.save()
    audit.record(
        actor=actor, action="device.update", obj=obj, before=before, after=_snapshot(obj), only_changes=True
    )
    return obj


@transaction.atomic
def decommission_device(device: Device | int, *, actor: Any, reason: str) -> Device:
    """Stop a device (removed, broken, replaced): its messages are rejected from now on; history stays."""
    require(actor, "device.manage")
    obj = scoped(Device, device, actor, lock=True)
    void(obj, actor=actor, reason=reason, action="device.decommission")
    return obj


@transaction.atomic
def issue_credentials(
    device: Device | int, *, actor: Any, mqtt: bool = True, http: bool = True
) -> dict[str, str]:
    """New MQTT password and/or HTTP push token; the plain values are returned once and never stored."""
    require(actor, "device.manage")
    obj = scoped(Device, device, actor, lock=True)
    if obj.voided_at is not None:
        raise ServiceError("该设备已停用，不能生成凭据。")
    out: dict[str, str] = {"code": obj.code}
    if mqtt:
        password = credentials.new_password()
        obj.mqtt_password_hash = credentials.mosquitto_hash(password)
        out["mqtt_username"] = obj.code
        out["mqtt_password"] = password
    if http:
        token = credentials.new_token()
        obj.http_token_hash = credentials.token_hash(token)
        obj.http_token_hint = token[:8]
        out["http_token"] = token
    obj.credentials_issued_at = timezone.now()
    obj.save(
        update_fields=[
            "mqtt_password_hash",
            "http_token_hash",
            "http_token_hint",
            "credentials_issued_at",
            "updated_at",
        ]
    )
    kinds = "、".join(k for k, on in (("MQTT 密码", mqtt), ("HTTP 推送令牌", http)) if on)
    audit.record(actor=actor, action="device.credentials", obj=obj, note=f"重新生成{kinds}（明文仅显示一次）")
    return out


def device_for_token(token: str) -> Device | None:
    """The active device whose HTTP push token this is."""
    if not token or len(token) > 200:
        return None
    return (
        Device.objects.filter(http_token_hash=credentials.token_hash(token), voided_at__isnull=True)
        .only("pk", "code")
        .first()
    )


# ------------------------------------------------------------------------------------------ rule overrides
def _clean_values(rule: Rule, values: Mapping[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    allowed = _allowed_fields(rule)
    for key, raw in values.items():
        if raw in (None, ""):
            continue
        if key not in OVERRIDABLE or key not in allowed:
            errors[key] = f"此规则不能调整“{OVERRIDE_LABELS.get(key, key)}”。"
            continue
        if key == "enabled":
            out[key] = bool(raw) if not isinstance(raw, str) else raw.lower() in ("1", "true", "on", "yes")
            continue
        try:
            number = float(raw)
        except (TypeError, ValueError):
            errors[key] = f"“{OVERRIDE_LABELS[key]}”应为数字。"
            continue
        if key.endswith("_s") or key == "factor":
            if number < 0 or (key == "factor" and number < 1):
                errors[key] = f"“{OVERRIDE_LABELS[key]}”应{'不小于 1' if key == 'factor' else '不小于 0'}。"
                continue
            out[key] = int(number) if key.endswith("_s") else number
        else:
            out[key] = number
    if not out and not errors:
        errors["values"] = "请至少填写一个要调整的值。"
    merged = {k: getattr(rule, k) for k in OVERRIDABLE} | out
    if (
        merged["warn_high"] is not None
        and merged["alarm_high"] is not None
        and merged["warn_high"] > merged["alarm_high"]
    ):
        errors["warn_high"] = "预警上限不能高于报警上限。"
    if (
        merged["warn_low"] is not None
        and merged["alarm_low"] is not None
        and merged["warn_low"] < merged["alarm_low"]
    ):
        errors["warn_low"] = "预警下限不能低于报警下限。"
    if errors:
        raise ValidationError(errors)
    return out


def _allowed_fields(rule: Rule) -> set[str]:
    if rule.kind in BAND_KINDS:
        return {
            "warn_low",
            "alarm_low",
            "warn_high",
            "alarm_high",
            "warn_duration_s",
            "alarm_duration_s",
            "enabled",
        }
    if rule.kind == RuleKind.RATE:
        return {"warn_high", "alarm_high", "enabled"}
    if rule.kind == RuleKind.HEARTBEAT:
        return {"factor", "enabled"}
    if rule.kind == RuleKind.VALVE:
        return {"warn_high", "timeout_s", "enabled"}
    return {"alarm_low", "aux_threshold", "enabled"}


@transaction.atomic
def set_override(
    *,
    actor: Any,
    rule: Rule | int,
    enterprise: Any,
    device: Device | int | None = None,
    values: Mapping[str, Any],
    reason: str,
) -> RuleOverride:
    """A site's (or one device's) own values for a rule, replacing its previous override; who and why recorded."""
    require(actor, "rule.override")
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "请填写调整原因。"})
    rule_obj = Rule.objects.select_related("pack__device_type").filter(pk=getattr(rule, "pk", rule)).first()
    if rule_obj is None:
        raise ValidationError({"rule": "请选择规则。"})
    dev = scoped(Device, device, actor) if device not in (None, "") else None
    ent = dev.enterprise if dev is not None else _enterprise(actor, enterprise)
    if dev is not None and dev.type_id != rule_obj.pack.device_type_id:
        raise ValidationError({"rule": "该规则不适用于此设备类型。"})
    clean = _clean_values(rule_obj, values)
    previous = RuleOverride.objects.select_for_update().filter(
        rule=rule_obj, enterprise=ent, device=dev, voided_at__isnull=True
    )
    for old in previous:
        void(old, actor=actor, reason=f"被新的调整替代：{reason}"[:500], action="rule_override.replace")
    override = RuleOverride(
        rule=rule_obj,
        device=dev,
        enterprise=ent,
        community_id=ent.community_id,
        grid_id=ent.grid_id,
        values=clean,
        reason=reason[:300],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    override.full_clean()
    override.save()
    audit.record(
        actor=actor, action="rule_override.set", obj=override, after=audit.snapshot(override), note=reason
    )
    return override


@transaction.atomic
def void_override(override: RuleOverride | int, *, actor: Any, reason: str) -> RuleOverride:
    """Withdraw an override: the pack's default values apply again."""
    require(actor, "rule.override")
    obj = scoped(RuleOverride, override, actor, lock=True)
    void(obj, actor=actor, reason=reason, action="rule_override.void")
    return obj


# ------------------------------------------------------------------------------------------ Excel import
IMPORT_COLUMNS = {
    "设备编码": "code",
    "设备名称": "name",
    "设备类型": "type",
    "统一社会信用代码": "uscc",
    "企业名称": "enterprise_name",
    "安装位置": "location",
    "经度": "lng",
    "纬度": "lat",
    "上报间隔（秒）": "reporting_interval_s",
    "额定电流（A）": "rated_current",
}
REQUIRED_COLUMNS = ("设备编码", "设备名称", "设备类型")


@dataclass
class ImportReport:
    """What an import did: created/updated counts, rejected rows with reasons, credentials of new devices."""

    created: int = 0
    updated: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    credentials: list[dict[str, str]] = field(default_factory=list)


def _number(value: Any, label: str, *, integer: bool = False) -> Any:
    if value in (None, ""):
        return None
    try:
        number = float(str(value).strip())
    except ValueError:
        raise ValidationError(f"{label}应为数字：{value}") from None
    return int(number) if integer else number


def import_devices(upload: Any, *, actor: Any, issue: bool = True) -> ImportReport:
    """Import devices from an .xlsx (first sheet, header row 1). Rows are matched by device code: existing
    devices are updated, new ones created (with credentials when `issue`); a bad row is reported with its
    number and reason and saves nothing."""
    require(actor, "device.manage")
    from openpyxl import load_workbook

    from anjian.enterprises.models import Enterprise

    report = ImportReport()
    try:
        wb = load_workbook(upload, read_only=True, data_only=True)
    except Exception:
        raise ServiceError("无法读取该文件，请上传 Excel（.xlsx）文件。") from None
    ws = wb.worksheets[0]
    rows = ws.iter_rows(values_only=True)
    header = [str(c).strip() if c is not None else "" for c in next(rows, ())]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ServiceError(f"缺少必填列：{'、'.join(missing)}。")
    if "统一社会信用代码" not in header and "企业名称" not in header:
        raise ServiceError("缺少企业列：请提供“统一社会信用代码”或“企业名称”。")
    unknown = [c for c in header if c and c not in IMPORT_COLUMNS]
    if unknown:
        report.warnings.append(f"已忽略未知列：{'、'.join(unknown)}")
    enterprises: Any = Enterprise.objects.for_user(actor)
    for number, values in enumerate(rows, start=2):
        row = {IMPORT_COLUMNS[h]: v for h, v in zip(header, values, strict=False) if h in IMPORT_COLUMNS}
        if all(v in (None, "") for v in row.values()):
            continue
        try:
            with transaction.atomic():
                uscc = str(row.get("uscc") or "").strip().upper()
                name = str(row.get("enterprise_name") or "").strip()
                ent = None
                if uscc:
                    ent = enterprises.filter(uscc=uscc).first()
                elif name:
                    matches = list(enterprises.filter(name=name)[:2])
                    ent = matches[0] if len(matches) == 1 else None
                    if len(matches) > 1:
                        raise ValidationError(f"企业名称“{name}”不唯一，请填写统一社会信用代码。")
                if ent is None:
                    raise ValidationError(f"找不到管辖范围内的企业：{uscc or name or '（未填写）'}")
                data = {
                    "code": str(row.get("code") or "").strip(),
                    "name": str(row.get("name") or "").strip(),
                    "type": str(row.get("type") or "").strip(),
                    "enterprise": ent.pk,
                    "location": str(row.get("location") or "").strip(),
                    "lat": _number(row.get("lat"), "纬度"),
                    "lng": _number(row.get("lng"), "经度"),
                    "reporting_interval_s": _number(
                        row.get("reporting_interval_s"), "上报间隔", integer=True
                    ),
                    "rated_current": _number(row.get("rated_current"), "额定电流"),
                }
                if not data["reporting_interval_s"]:
                    data.pop("reporting_interval_s")
                existing = (
                    Device.objects.for_user(actor).filter(code=data["code"]).first() if data["code"] else None
                )
                if existing is not None:
                    update_device(existing, actor=actor, data=data)
                    report.updated += 1
                else:
                    device = create_device(actor=actor, data=data)
                    report.created += 1
                    if issue:
                        report.credentials.append(issue_credentials(device, actor=actor))
        except ValidationError as exc:
            report.errors.append((number, _messages(exc)))
        except ServiceError as exc:
            report.errors.append((number, exc.message))
    return report


def _messages(exc: ValidationError) -> str:
    if hasattr(exc, "error_dict"):
        labels = {f.name: str(f.verbose_name) for f in Device._meta.fields}
        return "；".join(
            f"{labels.get(k, k) if k != '__all__' else ''}{'：' if k != '__all__' else ''}{m}"
            for k, v in exc.message_dict.items()
            for m in v
        )
    return "；".join(exc.messages)
