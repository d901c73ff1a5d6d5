"""People of the street: one user account per person, with a role that fixes jurisdiction."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from anjian.core.scoping import Jurisdiction, Scope, ScopedQuerySet
from anjian.org.choices import STREET_LEVEL_ROLES, Role


class PersonManager(UserManager.from_queryset(ScopedQuerySet)):  # type: ignore[misc]
    def create_superuser(self, username, email=None, password=None, **extra_fields):  # type: ignore[no-untyped-def,override]
        extra_fields.setdefault("role", Role.STREET_ADMIN)
        extra_fields.setdefault("name", username)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    """A person with a login: cadre, liaison officer, community worker, grid inspector, enterprise officer…"""

    name = models.CharField(_("姓名"), max_length=50)
    phone = models.CharField(_("手机号"), max_length=20, blank=True)
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices, db_index=True)
    title = models.CharField(_("职务"), max_length=100, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("所属科办"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    community = models.ForeignKey(
        "org.Community",
        verbose_name=_("所属社区"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    grid = models.ForeignKey(
        "org.Grid",
        verbose_name=_("负责网格"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="people",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("所属企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="officers",
    )
    deactivated_reason = models.CharField(_("停用原因"), max_length=300, blank=True)

    objects = PersonManager()  # type: ignore[misc]
    scope = Scope(community="community", grid="grid", enterprise="enterprise")

    REQUIRED_FIELDS = ["email"]

    class Meta:
        ordering = ["role", "username"]
        verbose_name = _("人员")
        verbose_name_plural = _("人员")

    def __str__(self) -> str:
        return self.name or self.username

    @cached_property
    def jurisdiction(self) -> Jurisdiction:
        """The part of the street this person may see (DOMAIN.md §1)."""
        if not self.is_active:
            return Jurisdiction("none")
        if self.role in STREET_LEVEL_ROLES or (self.is_superuser and not self.role):
            return Jurisdiction("street")
        if self.role == Role.COMMUNITY_WORKER and self.community_id:
            return Jurisdiction("community", community_id=self.community_id)
        if self.role == Role.FIRE_STATION:
            if self.community_id:
                return Jurisdiction("community", community_id=self.community_id)
            return Jurisdiction("street")
        if self.role == Role.GRID_INSPECTOR and self.grid_id:
            return Jurisdiction("grid", community_id=self.community_id, grid_id=self.grid_id)
        if self.role == Role.ENTERPRISE_OFFICER and self.enterprise_id:
            ent = self.enterprise
            return Jurisdiction(
                "enterprise",
                community_id=ent.community_id if ent else None,
                grid_id=ent.grid_id if ent else None,
                enterprise_id=self.enterprise_id,
            )
        return Jurisdiction("none")

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else "—"

    @property
    def scope_label(self) -> str:
        j = self.jurisdiction
        if j.level == "street":
            return "全街道"
        if j.level == "community" and self.community:
            return str(self.community)
        if j.level == "grid" and self.grid:
            return f"{self.grid.community.name} · {self.grid.name}"
        if j.level == "enterprise" and self.enterprise:
            return self.enterprise.name
        return "无"
