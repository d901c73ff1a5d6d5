"""Base models, the hash-chained audit log, uploads and the token bucket shared by every app."""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from typing import Any, ClassVar

import orjson
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anjian.core.scoping import Scope, ScopedQuerySet


class TimeStampedModel(models.Model):
    """Creation/update times and the user who created the row."""

    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )

    class Meta:
        abstract = True


class ScopedModel(TimeStampedModel):
    """A row that belongs somewhere on the street → community → grid → enterprise tree."""

    scope: ClassVar[Scope | None] = None
    objects = ScopedQuerySet.as_manager()

    class Meta:
        abstract = True


class VoidableModel(ScopedModel):
    """Nothing is deleted: a wrong record is voided with a reason and stays in the history."""

    voided_at = models.DateTimeField(_("作废时间"), null=True, blank=True, editable=False)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        editable=False,
    )
    void_reason = models.CharField(_("作废原因"), max_length=500, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_voided(self) -> bool:
        return self.voided_at is not None


class TimelineEvent(models.Model):
    """One line of an aggregate's human-readable history (type, parameters, who, when)."""

    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    params = models.JSONField(_("参数"), default=dict, blank=True)

    class Meta:
        abstract = True
        ordering = ["-at", "-id"]


class AuditEntry(models.Model):
    """One link of the audit chain: who did what to which object, with before/after values."""

    chain_index = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(max_length=150, blank=True)
    source = models.CharField(max_length=20)
    ip = models.CharField(max_length=64, blank=True)
    action = models.CharField(max_length=60, db_index=True)
    object_type = models.CharField(max_length=100, db_index=True)
    object_id = models.CharField(max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["-chain_index"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")

    def __str__(self) -> str:
        return f"#{self.chain_index} {self.action} {self.object_type}:{self.object_id}"

    def payload(self) -> bytes:
        """The canonical bytes the hash covers (everything but the hash itself)."""
        body = {
            "i": self.chain_index,
            "at": self.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
            "actor": self.actor_id,
            "actor_label": self.actor_label,
            "source": self.source,
            "ip": self.ip,
            "action": self.action,
            "type": self.object_type,
            "id": self.object_id,
            "repr": self.object_repr,
            "before": self.before,
            "after": self.after,
            "note": self.note,
            "prev": self.prev_hash,
        }
        return orjson.dumps(body, option=orjson.OPT_SORT_KEYS)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload()).hexdigest()


class AuditHead(models.Model):
    """The single row holding the end of the audit chain; locked while a link is added."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    length = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"audit head @{self.length}"


class TokenBucket(models.Model):
    """Cheap abuse control for logins and anonymous endpoints, kept in the database."""

    key = models.CharField(max_length=200, unique=True)
    tokens = models.FloatField()
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key


def _upload_path(instance: Attachment, filename: str) -> str:
    now = timezone.now()
    return f"{now:%Y/%m}/{instance.uuid}{instance.extension}"


class Attachment(models.Model):
    """A validated upload (photo, PDF, spreadsheet) attached to any record, stored outside the web root."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    purpose = models.CharField(_("用途"), max_length=40, blank=True)
    file = models.FileField(upload_to=_upload_path, max_length=300)
    original_name = models.CharField(_("原文件名"), max_length=255)
    mime_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    voided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.original_name

    @property
    def extension(self) -> str:
        return {
            "image/jpeg": ".jpg",
            "image/png": ".png",
            "application/pdf": ".pdf",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
        }.get(self.mime_type, ".bin")

    @property
    def is_image(self) -> bool:
        return self.mime_type.startswith("image/")

    def as_dict(self) -> dict[str, Any]:
        return {"uuid": str(self.uuid), "name": self.original_name, "mime": self.mime_type, "size": self.size}
