"""The enterprise register: enterprises and sites, key-supervision categories, parks, licences, timeline."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel, TimelineEvent, VoidableModel
from anjian.core.scoping import Scope
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
    community = models.ForeignKey("org.Community", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="parks")
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


class Enterprise(ScopedModel):
    """An enterprise or site under supervision, identified by its USCC."""

    name = models.CharField(_("企业名称"), max_length=200, db_index=True)
    uscc = models.CharField(_("统一社会信用代码"), max_length=18, unique=True)
    community = models.ForeignKey(
        "org.Community", verbose_name=_("所属社区"), on_delete=models.PROTECT, related_name="enterprises"
    )
    grid = models.ForeignKey(
        "org.Grid", verbose_name=_("所属网格"), null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    park = models.ForeignKey(
        Park, verbose_name=_("所在园区"), null=True, blank=True, on_delete=models.PROTECT, related_name="enterprises"
    )
    address = models.CharField(_("详细地址"), max_length=300, blank=True)
    lat = models.FloatField(_("纬度"), null=True, blank=True)
    lng = models.FloatField(_("经度"), null=True, blank=True)
    industry = models.CharField(_("行业类别"), max_length=2, choices=Industry.choices, blank=True)
    categories = models.ManyToManyField(KeyCategory, verbose_name=_("重点监管类型"), blank=True, related_name="enterprises")
    legal_representative = models.CharField(_("法定代表人"), max_length=50, blank=True)
    safety_officer = models.CharField(_("安全负责人"), max_length=50, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    employees = models.PositiveIntegerField(_("从业人数"), null=True, blank=True)
    status = models.CharField(
        _("经营状态"), max_length=20, choices=OperatingStatus.choices, default=OperatingStatus.OPERATING, db_index=True
    )
    notes = models.TextField(_("备注"), blank=True)

    scope = Scope(community="community", grid="grid", enterprise="pk")

    class Meta:
        ordering = ["name", "id"]
        indexes = [
            models.Index(fields=["community", "status", "name"]),
            models.Index(fields=["grid", "name"]),
            models.Index(fields=["-updated_at"]),
        ]
        verbose_name = _("企业")
        verbose_name_plural = _("企业")

    def __str__(self) -> str:
        return self.name

    @property
    def has_location(self) -> bool:
        return self.lat is not None and self.lng is not None


class Licence(VoidableModel):
    """A licence or permit of an enterprise, with its expiry date for the warning list."""

    enterprise = models.ForeignKey(Enterprise, verbose_name=_("企业"), on_delete=models.PROTECT, related_name="licences")
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


class EnterpriseEvent(TimelineEvent):
    """A line of an enterprise's history."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="events")
    type = models.CharField(max_length=30, choices=EnterpriseEventType.choices)

    class Meta(TimelineEvent.Meta):
        indexes = [models.Index(fields=["enterprise", "-at"])]
        verbose_name = _("企业动态")
        verbose_name_plural = _("企业动态")


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
