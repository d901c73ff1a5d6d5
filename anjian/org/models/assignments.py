"""Assignments (挂点): cadres to electroplating enterprises, liaison officers to communities; their visits
and monthly meetings with decisions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from anjian.core.models import TimeStampedModel, VoidableModel
from anjian.core.scoping import Scope, ScopedQuerySet
from anjian.org.choices import AssignmentKind, AssignmentStatus, DecisionStatus


class Assignment(VoidableModel):
    """One person assigned to one enterprise or one community, with the cadence of contact it requires."""

    kind = models.CharField(_("挂点类型"), max_length=20, choices=AssignmentKind.choices)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("挂点人员"),
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("挂点企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    community = models.ForeignKey(
        "org.Community", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="assignments"
    )
    department = models.ForeignKey(
        "org.Department",
        verbose_name=_("挂点科办"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    status = models.CharField(
        _("状态"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.ACTIVE,
        db_index=True,
    )
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"), null=True, blank=True)
    end_reason = models.CharField(_("结束原因"), max_length=300, blank=True)
    visits_per_week = models.PositiveSmallIntegerField(_("每周走访次数"), default=1)
    meetings_per_month = models.PositiveSmallIntegerField(_("每月例会次数"), default=0)
    out_of_range_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("超范围确认人"),
    )
    out_of_range_note = models.CharField(_("超范围确认说明"), max_length=300, blank=True)

    scope = Scope(community="community", grid="enterprise__grid", enterprise="enterprise")

    class Meta:
        ordering = ["person__username", "kind", "id"]
        indexes = [models.Index(fields=["person", "status"]), models.Index(fields=["community", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(kind="enterprise", enterprise__isnull=False)
                    | models.Q(kind="community", enterprise__isnull=True)
                ),
                name="assignment_target_matches_kind",
            ),
            models.UniqueConstraint(
                fields=["person", "enterprise"],
                condition=models.Q(status="active", kind="enterprise"),
                name="assignment_unique_active_enterprise",
            ),
            models.UniqueConstraint(
                fields=["person", "community"],
                condition=models.Q(status="active", kind="community"),
                name="assignment_unique_active_community",
            ),
        ]
        verbose_name = _("挂点")
        verbose_name_plural = _("挂点")

    def __str__(self) -> str:
        target = self.enterprise.name if self.enterprise_id and self.enterprise else str(self.community)
        return f"{self.person} → {target}"

    @property
    def target_label(self) -> str:
        return (
            self.enterprise.name
            if self.kind == AssignmentKind.ENTERPRISE and self.enterprise
            else self.community.name
        )


class Visit(VoidableModel):
    """A recorded visit (走访): who went where, when, with whom, what they found."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("挂点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("走访人"), on_delete=models.PROTECT, related_name="visits"
    )
    community = models.ForeignKey(
        "org.Community", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="visits"
    )
    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("走访企业"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="visits",
    )
    date = models.DateField(_("走访日期"), db_index=True)
    participants = models.CharField(_("同行人员"), max_length=300, blank=True)
    notes = models.TextField(_("走访情况"))
    issues_found = models.TextField(_("发现问题"), blank=True)

    scope = Scope(community="community", grid="enterprise__grid", enterprise="enterprise")

    class Meta:
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["visitor", "date"]), models.Index(fields=["assignment", "date"])]
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")

    def __str__(self) -> str:
        where = self.enterprise.name if self.enterprise_id and self.enterprise else str(self.community)
        return f"{self.date} {where}"


class Meeting(VoidableModel):
    """A community monthly meeting (月例会) held by the liaison officer, with minutes and decisions."""

    assignment = models.ForeignKey(
        Assignment,
        verbose_name=_("挂点"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="meetings",
    )
    community = models.ForeignKey(
        "org.Community", verbose_name=_("社区"), on_delete=models.PROTECT, related_name="meetings"
    )
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("主持人"), on_delete=models.PROTECT, related_name="+"
    )
    date = models.DateField(_("会议日期"), db_index=True)
    title = models.CharField(_("会议主题"), max_length=200)
    participants = models.CharField(_("参会人员"), max_length=500)
    minutes = models.TextField(_("会议纪要"))

    scope = Scope(community="community")

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("例会")
        verbose_name_plural = _("例会")

    def __str__(self) -> str:
        return f"{self.date} {self.title}"


class MeetingDecision(TimeStampedModel):
    """A decision of a meeting, with its owner and due date, followed until done."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("例会"), on_delete=models.PROTECT, related_name="decisions"
    )
    text = models.CharField(_("议定事项"), max_length=500)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("责任人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    owner_name = models.CharField(_("责任人（姓名）"), max_length=50, blank=True)
    due_date = models.DateField(_("完成时限"))
    status = models.CharField(
        _("状态"), max_length=10, choices=DecisionStatus.choices, default=DecisionStatus.OPEN
    )
    done_at = models.DateTimeField(_("落实时间"), null=True, blank=True)
    done_note = models.CharField(_("落实情况"), max_length=500, blank=True)

    objects = ScopedQuerySet.as_manager()
    scope = Scope(community="meeting__community")

    class Meta:
        ordering = ["due_date", "id"]
        verbose_name = _("议定事项")
        verbose_name_plural = _("议定事项")

    def __str__(self) -> str:
        return self.text
