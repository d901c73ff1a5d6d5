"""Filters of the tip list, shared by the office page and the API (django-filter)."""

from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet

from anjian.org.models import Community
from anjian.tipoffs.choices import CLOSED_STATUSES, TipStatus
from anjian.tipoffs.models import TipCategory, Tipoff
from anjian.tipoffs.selectors import overdue_q


class TipoffFilter(django_filters.FilterSet):
    """?status= ?state=open|closed ?category=<code> ?community= ?overdue=true ?received_after= ?received_before="""

    status = django_filters.ChoiceFilter(choices=TipStatus.choices, label="状态", empty_label="全部状态")
    state = django_filters.ChoiceFilter(
        choices=[("open", "办理中"), ("closed", "已结束")],
        method="filter_state",
        label="办理状态",
        empty_label="全部",
    )
    category = django_filters.ModelChoiceFilter(
        queryset=TipCategory.objects.all(), to_field_name="code", label="举报类别", empty_label="全部类别"
    )
    community = django_filters.ModelChoiceFilter(
        queryset=Community.objects.all(), label="所在社区", empty_label="全部社区"
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label="超期")
    received_after = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__gte", label="接收日期起"
    )
    received_before = django_filters.DateFilter(
        field_name="received_at", lookup_expr="date__lte", label="接收日期止"
    )

    class Meta:
        model = Tipoff
        fields = ["status", "state", "category", "community", "overdue", "received_after", "received_before"]

    def filter_state(self, qs: QuerySet[Tipoff], name: str, value: str) -> QuerySet[Tipoff]:
        if value == "open":
            return qs.exclude(status__in=list(CLOSED_STATUSES))
        if value == "closed":
            return qs.filter(status__in=list(CLOSED_STATUSES))
        return qs

    def filter_overdue(self, qs: QuerySet[Tipoff], name: str, value: bool | None) -> QuerySet[Tipoff]:
        if value is None:
            return qs
        return qs.filter(overdue_q()) if value else qs.exclude(overdue_q())


class TipoffPageFilter(TipoffFilter):
    """The list page adds a search box: tracking code, place, enterprise."""

    q = django_filters.CharFilter(method="filter_q", label="搜索")

    class Meta(TipoffFilter.Meta):
        fields = [*TipoffFilter.Meta.fields, "q"]

    def filter_q(self, qs: QuerySet[Tipoff], name: str, value: str) -> QuerySet[Tipoff]:
        value = (value or "").strip()
        if not value:
            return qs
        return qs.filter(
            Q(code__icontains=value)
            | Q(address__icontains=value)
            | Q(enterprise__name__icontains=value)
            | Q(enterprise_hint__icontains=value)
        )
