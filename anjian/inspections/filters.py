"""Filters of the inspections API (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from anjian.inspections import selectors
from anjian.inspections.choices import InspectionStatus, Outcome, PlanSource, PlanStatus
from anjian.inspections.models import ChecklistVersion, Inspection, InspectionPlan, InspectionResult


class ChecklistVersionFilter(django_filters.FilterSet):
    """?template= ?is_current=true"""

    class Meta:
        model = ChecklistVersion
        fields = ["template", "is_current"]


class PlanFilter(django_filters.FilterSet):
    """?view=mine|today|week|overdue ?status= ?source= ?enterprise= ?inspector= ?date_from= ?date_to="""

    view = django_filters.ChoiceFilter(
        choices=[(k, v) for k, v in selectors.PLAN_VIEWS.items()], method="filter_view", label="快捷视图"
    )
    status = django_filters.ChoiceFilter(choices=PlanStatus.choices, label="状态")
    source = django_filters.ChoiceFilter(choices=PlanSource.choices, label="计划来源")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 ID")
    inspector = django_filters.NumberFilter(field_name="inspector_id", label="检查负责人 ID")
    date_from = django_filters.DateFilter(field_name="planned_date", lookup_expr="gte", label="计划日期起")
    date_to = django_filters.DateFilter(field_name="planned_date", lookup_expr="lte", label="计划日期止")

    class Meta:
        model = InspectionPlan
        fields = ["view", "status", "source", "enterprise", "inspector", "date_from", "date_to"]

    def filter_view(self, qs: QuerySet[InspectionPlan], name: str, value: str) -> QuerySet[InspectionPlan]:
        request: Any = self.request
        return selectors.filter_plan_view(qs, request.user, value) if value else qs


class InspectionFilter(django_filters.FilterSet):
    """?enterprise= ?inspector= ?status= ?plan= ?date_from= ?date_to= ?failed=true"""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 ID")
    inspector = django_filters.NumberFilter(field_name="inspector_id", label="检查人 ID")
    plan = django_filters.NumberFilter(field_name="plan_id", label="检查计划 ID")
    status = django_filters.ChoiceFilter(choices=InspectionStatus.choices, label="状态")
    date_from = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__gte", label="提交日期起"
    )
    date_to = django_filters.DateFilter(
        field_name="submitted_at", lookup_expr="date__lte", label="提交日期止"
    )
    failed = django_filters.BooleanFilter(method="filter_failed", label="有不合格项")

    class Meta:
        model = Inspection
        fields = ["enterprise", "inspector", "plan", "status", "date_from", "date_to", "failed"]

    def filter_failed(self, qs: QuerySet[Inspection], name: str, value: bool | None) -> QuerySet[Inspection]:
        if value is None:
            return qs
        return qs.filter(failed_count__gt=0) if value else qs.filter(failed_count=0)


class ResultFilter(django_filters.FilterSet):
    """?inspection= ?outcome= ?enterprise= ?major=true"""

    inspection = django_filters.NumberFilter(field_name="inspection_id", label="检查记录 ID")
    outcome = django_filters.ChoiceFilter(choices=Outcome.choices, label="结果")
    enterprise = django_filters.NumberFilter(field_name="inspection__enterprise_id", label="企业 ID")
    major = django_filters.BooleanFilter(field_name="item__major_hazard_ground", label="重大隐患判定依据项")

    class Meta:
        model = InspectionResult
        fields = ["inspection", "outcome", "enterprise", "major"]
