"""FilterSets of the organisation API (ids as plain numbers: a foreign id filters to nothing, never leaks)."""

from __future__ import annotations

from typing import Any

import django_filters as filters
from django.db.models import QuerySet

from anjian.org.choices import AssignmentKind, AssignmentStatus, DecisionStatus, Role
from anjian.org.models import Assignment, Grid, Meeting, MeetingDecision, User, Visit


class GridFilter(filters.FilterSet):
    community = filters.NumberFilter(field_name="community_id", label="社区 id")

    class Meta:
        model = Grid
        fields: list[str] = []


class UserFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.choices, label="角色")
    community = filters.NumberFilter(field_name="community_id", label="社区 id")
    grid = filters.NumberFilter(field_name="grid_id", label="网格 id")
    department = filters.NumberFilter(field_name="department_id", label="科办 id")
    is_active = filters.BooleanFilter(label="是否在用")

    class Meta:
        model = User
        fields: list[str] = []


class AssignmentFilter(filters.FilterSet):
    person = filters.NumberFilter(field_name="person_id", label="人员 id")
    kind = filters.ChoiceFilter(choices=AssignmentKind.choices, label="挂点类型")
    status = filters.ChoiceFilter(choices=AssignmentStatus.choices, label="状态")
    community = filters.NumberFilter(field_name="community_id", label="社区 id")
    enterprise = filters.NumberFilter(field_name="enterprise_id", label="企业 id")

    class Meta:
        model = Assignment
        fields: list[str] = []


class _DatedFilter(filters.FilterSet):
    date_from = filters.DateFilter(field_name="date", lookup_expr="gte", label="开始日期")
    date_to = filters.DateFilter(field_name="date", lookup_expr="lte", label="结束日期")
    community = filters.NumberFilter(field_name="community_id", label="社区 id")
    include_voided = filters.BooleanFilter(method="filter_voided", label="包含已作废")

    def filter_voided(self, qs: QuerySet[Any], name: str, value: bool) -> QuerySet[Any]:
        return qs if value else qs.filter(voided_at__isnull=True)

    def filter_queryset(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        qs = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("include_voided"):
            qs = qs.filter(voided_at__isnull=True)
        return qs


class VisitFilter(_DatedFilter):
    person = filters.NumberFilter(field_name="visitor_id", label="走访人 id")
    enterprise = filters.NumberFilter(field_name="enterprise_id", label="企业 id")

    class Meta:
        model = Visit
        fields: list[str] = []


class MeetingFilter(_DatedFilter):
    host = filters.NumberFilter(field_name="host_id", label="主持人 id")

    class Meta:
        model = Meeting
        fields: list[str] = []


class DecisionFilter(filters.FilterSet):
    status = filters.ChoiceFilter(choices=DecisionStatus.choices, label="状态")
    meeting = filters.NumberFilter(field_name="meeting_id", label="例会 id")
    owner = filters.NumberFilter(field_name="owner_id", label="责任人 id")

    class Meta:
        model = MeetingDecision
        fields: list[str] = []
