"""The organisation tree: street → communities → grids, and the street's departments (科办)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from anjian.core.models import ScopedModel
from anjian.core.scoping import Scope


class Street(ScopedModel):
    """The sub-district (街道) this installation serves."""

    name = models.CharField(_("街道名称"), max_length=100)
    division_code = models.CharField(_("行政区划代码"), max_length=12, blank=True)
    district = models.CharField(_("所属区"), max_length=100, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    center_lng = models.FloatField(_("中心经度"), null=True, blank=True)

    scope = Scope(community="communities", grid="communities__grids", enterprise="communities__enterprises")

    class Meta:
        verbose_name = _("街道")
        verbose_name_plural = _("街道")

    def __str__(self) -> str:
        return self.name


class Community(ScopedModel):
    """A community (社区) of the street; every record in Anjian belongs to one."""

    street = models.ForeignKey(
        Street, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="communities"
    )
    name = models.CharField(_("社区名称"), max_length=100, unique=True)
    code = models.CharField(_("社区编码"), max_length=20, unique=True)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)
    center_lat = models.FloatField(_("中心纬度"), null=True, blank=True)
    center_lng = models.FloatField(_("中心经度"), null=True, blank=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    sort_order = models.PositiveIntegerField(_("排序"), default=0)

    scope = Scope(community="pk", grid="grids", enterprise="enterprises")

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("社区")
        verbose_name_plural = _("社区")

    def __str__(self) -> str:
        return self.name


class Grid(ScopedModel):
    """A grid (网格) within a community, patrolled by its grid inspector (安格员)."""

    community = models.ForeignKey(
        Community, verbose_name=_("社区"), on_delete=models.PROTECT, related_name="grids"
    )
    name = models.CharField(_("网格名称"), max_length=100)
    code = models.CharField(_("网格编码"), max_length=30, unique=True)
    boundary = models.JSONField(_("边界（GeoJSON）"), null=True, blank=True)

    scope = Scope(community="community", grid="pk", enterprise="enterprises")

    class Meta:
        ordering = ["community__sort_order", "code"]
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="grid_unique_name_in_community")
        ]
        verbose_name = _("网格")
        verbose_name_plural = _("网格")

    def __str__(self) -> str:
        return self.name

    @property
    def full_name(self) -> str:
        return f"{self.community.name} · {self.name}"


class Department(ScopedModel):
    """A street department (科办) that co-owns assignments and supervision work."""

    name = models.CharField(_("科办名称"), max_length=100, unique=True)
    code = models.CharField(_("编码"), max_length=20, unique=True)
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    duties = models.TextField(_("职责"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("科办")
        verbose_name_plural = _("科办")

    def __str__(self) -> str:
        return self.name
