"""The enterprise register: enterprises and sites, key-supervision categories, parks, licences, timeline."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db import models
from django.db.models import Value
from django.db.models.functions import Concat, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, TimelineEvent, VoidableModel
from anjian.core.scoping import Scope
from anjian.core.validators import coordinate_error, normalize_phone, normalize_uscc, phone_error, uscc_error
from anjian.enterprises.choices import (
    EnterpriseEventType,
    ImportStatus,
    Industry,
    LicenceKind,
    OperatingStatus,
)


class KeyCategory(models.Model):
    """A key-supervision category (重点监管类型); rows are configuration an administrator may extend."""

    code = models.CharField(_("编码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=50, unique=True)
    colour = models.CharField(_("颜色"), max_length=20, default="secondary")
    icon = models.CharField(_("图标"), max_length=40, default="bi-tag")
    sort_order = models.PositiveSmallIntegerField(_("排序"), default=0)

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("重点监管类型")
        verbose_name_plural = _("重点监管类型")

    def __str__(self) -> str:
        return self.name


class Park(ScopedModel):
    """An industrial park (工业园区) hosting several enterprises and its volunteer fire team."""

    name = models.CharField(_("园区名称"), max_length=100, unique=True)
    community = models.ForeignKey(
        "org.Community", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="parks"
    )
    address = models.CharField(_("地址"), max_length=200, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    manager = models.CharField(_("园区负责人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    scope = Scope(community="community")

    class Meta:
        ordering = ["name"]
        verbose_name = _("园区")
        verbose_name_plural = _("园区")

    def __str__(self) -> str:
        return self.name

    def clean_fields(self, exclude: Any = None) -> None:
        self.name = (self.name or "").strip()
        self.phone = normalize_phone(self.phone)
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        errors: dict[str, str] = {}
        phone = phone_error(self.phone)
        if phone:
            errors["phone"] = phone
        errors.update(_coordinate_errors(self.lat, self.lng))
        if errors:
            raise ValidationError(errors)


class Enterprise(ScopedModel):
    """An enterprise or site under supervision, identified by its USCC."""

    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    community = models.ForeignKey(
        "org.Community", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="enterprises"
    )
    grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("所属网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    park = models.ForeignKey(
        Park,
        verbose_name=_("所在园区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="enterprises",
    )
    address = models.CharField(_("详细地址"), max_length=300, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    industry = models.CharField(_("行业类别"), max_length=2, choices=Industry.choices, blank=True)
    categories = models.ManyToManyField(
        KeyCategory, verbose_name=_("重点监管类型"), blank=True, related_name="enterprises"
    )
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    safety_officer = models.CharField(_("安全负责人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    status = models.CharField(
        _("经营状态"),
        max_length=20,
        choices=OperatingStatus.choices,
        default=OperatingStatus.OPERATING,
        db_index=True,
    )
    notes = models.TextField(_("备注"), blank=True)
    # One upper-cased text of the searchable fields, kept by the database itself: the list's search is
    # one LIKE per word instead of five case-insensitive ones (three times faster on 100,000 rows).
    search_text = models.GeneratedField(
        expression=Upper(
            Concat(
                "name",
                Value("|"),
                "uscc",
                Value("|"),
                "address",
                Value("|"),
                "legal_representative",
                Value("|"),
                "safety_officer",
                output_field=models.TextField(),
            )
        ),
        output_field=models.TextField(),
        db_persist=True,
        editable=False,
    )

    scope = Scope(community="community", grid="grid", enterprise="pk")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["community", "status", "name"]),
            models.Index(fields=["grid", "name"]),
            models.Index(fields=["name", "id"], name="enterprise_name_id"),
            models.Index(fields=["-updated_at"]),
        ]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None

    def clean_fields(self, exclude: Any = None) -> None:
        """Normalise identity fields first (USCC upper-cased and trimmed), so every entry point agrees."""
        self.name = (self.name or "").strip()
        self.uscc = normalize_uscc(self.uscc)
        self.phone = normalize_phone(self.phone)
        errors: dict[str, list[ValidationError]] = {}
        excluded = set(exclude or ())
        if isinstance(self.employees, int) and self.employees < 0:
            errors["employees"] = [ValidationError(_("从业人数不能为负数。"), code="min_value")]
            excluded.add("employees")
        if uscc_error(self.uscc):
            # The check-digit message is more useful than "at most 18 characters".
            excluded.add("uscc")
        try:
            super().clean_fields(exclude=excluded)
        except ValidationError as e:
            errors = e.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self) -> None:
        """Rules of the register that hold for pages, API and imports alike."""
        errors: dict[str, str] = {}
        usccmsg = uscc_error(self.uscc)
        if usccmsg:
            errors["uscc"] = usccmsg
        else:
            other = Enterprise.objects.filter(uscc=self.uscc).exclude(pk=self.pk).only("name").first()
            if other is not None:
                errors["uscc"] = f"该统一社会信用代码已登记：{other.name}"
        phone = phone_error(self.phone)
        if phone:
            errors["phone"] = phone
        errors.update(_coordinate_errors(self.lat, self.lng))
        grid = _related_or_none(self, "grid")
        if grid is not None and self.community_id and grid.community_id != self.community_id:
            errors["grid"] = f"网格“{grid.name}”不属于所选社区。"
        park = _related_or_none(self, "park")
        if park is not None and self.community_id and park.community_id != self.community_id:
            errors["park"] = f"园区“{park.name}”不属于所选社区。"
        if errors:
            raise ValidationError(errors)


class Licence(VoidableModel):
    """A licence or permit of an enterprise, with its expiry date for the warning list."""

    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="licences"
    )
    kind = models.CharField(_("证照类型"), max_length=40, choices=LicenceKind.choices)
    number = models.CharField(_("证照编号"), max_length=100)
    issuer = models.CharField(_("发证机关"), max_length=100, blank=True)
    issued_on = models.DateField(_("发证日期"), null=True, blank=True)
    expires_on = models.DateField(_("有效期至"), null=True, blank=True, db_index=True)
    notes = models.CharField(_("备注"), max_length=300, blank=True)

    scope = Scope(community="enterprise__community", grid="enterprise__grid", enterprise="enterprise")

    class Meta:
        ordering = ["expires_on", "id"]
        verbose_name = _("证照")
        verbose_name_plural = _("证照")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def clean_fields(self, exclude: Any = None) -> None:
        self.number = (self.number or "").strip()
        self.issuer = (self.issuer or "").strip()
        super().clean_fields(exclude=exclude)

    def clean(self) -> None:
        """A licence cannot expire before it was issued."""
        if (
            isinstance(self.issued_on, dt.date)
            and isinstance(self.expires_on, dt.date)
            and self.expires_on < self.issued_on
        ):
            raise ValidationError({"expires_on": _("有效期至不能早于发证日期。")})

    def days_left(self, today: dt.date | None = None) -> int | None:
        """Days until expiry (negative once expired); None without an expiry date."""
        if self.expires_on is None:
            return None
        return (self.expires_on - (today or timezone.localdate())).days

    @property
    def expiry_state(self) -> str:
        """'expired', 'expiring' (within LICENCE_WARNING_DAYS), 'valid' or '' (no date / voided)."""
        left = self.days_left()
        if left is None or self.is_voided:
            return ""
        if left < 0:
            return "expired"
        if left <= settings.LICENCE_WARNING_DAYS:
            return "expiring"
        return "valid"


class EnterpriseEvent(TimelineEvent):
    """A line of an enterprise's history."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=30, choices=EnterpriseEventType.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["enterprise", "-at"])]
        verbose_name = _("企业动态")
        verbose_name_plural = _("企业动态")

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.summary}".strip()

    @property
    def summary(self) -> str:
        """One readable line for the timeline (details of field changes come from `changes`)."""
        p = self.params or {}
        t = self.type
        if t == EnterpriseEventType.STATUS_CHANGED:
            text = f"{p.get('old_label', '')} → {p.get('new_label', '')}"
            return f"{text}（{p['reason']}）" if p.get("reason") else text
        if t in (
            EnterpriseEventType.LICENCE_ADDED,
            EnterpriseEventType.LICENCE_UPDATED,
            EnterpriseEventType.LICENCE_VOIDED,
        ):
            text = f"{p.get('kind', '')} {p.get('number', '')}".strip()
            if t == EnterpriseEventType.LICENCE_ADDED and p.get("expires_on"):
                text += f"，有效期至 {p['expires_on']}"
            if t == EnterpriseEventType.LICENCE_VOIDED and p.get("reason"):
                text += f"，原因：{p['reason']}"
            return text
        if t == EnterpriseEventType.UPDATED:
            return "、".join(str(c.get("label", "")) for c in self.changes)
        for key in ("summary", "note", "target", "person"):
            if p.get(key):
                return str(p[key])
        return ""

    @property
    def changes(self) -> list[dict[str, Any]]:
        """Field changes recorded with the event: [{"field", "label", "old", "new"}]."""
        value = (self.params or {}).get("changes")
        return value if isinstance(value, list) else []


def _coordinate_errors(lat: Any, lng: Any) -> dict[str, str]:
    """Field errors for a coordinate pair: both or none, each inside the plausible area."""
    if lat is not None and not isinstance(lat, int | float):
        return {}
    if lng is not None and not isinstance(lng, int | float):
        return {}
    message = coordinate_error(lat, lng)
    if not message:
        return {}
    if lat is None:
        return {"lat": message}
    if lng is None:
        return {"lng": message}
    return {"lng" if message.startswith("经度") else "lat": message}


def _related_or_none(obj: models.Model, name: str) -> Any:
    try:
        return getattr(obj, name)
    except ObjectDoesNotExist:
        return None


class ImportJob(models.Model):
    """An Excel import of the register, run as a background job with visible progress and row errors."""

    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/", max_length=300)
    original_name = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    rejected_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    message = models.CharField(max_length=500, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)
