"""Filters of the hazard list, shared by the page and the API (each choice list narrowed to the scope)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django.utils import timezone

from anjian.hazards.choices import Level, SourceKind, State
from anjian.hazards.models import Hazard
from anjian.hazards.selectors import count_of, overdue_q, state_counts
from anjian.inspections.choices import AccidentType, HazardCategory

SORTS = {
    "found_at": ("found_at", "id"),
    "-found_at": ("-found_at", "-id"),
    "deadline": ("current_deadline", "id"),
    "-deadline": ("-current_deadline", "-id"),
}


class HazardFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label="搜索", method="filter_q")
    level = django_filters.ChoiceFilter(label="等级", choices=Level.choices, empty_label="全部等级")
    state = django_filters.ChoiceFilter(label="状态", choices=State.choices, empty_label="全部状态")
    overdue = django_filters.BooleanFilter(label="已逾期", method="filter_overdue")
    listed = django_filters.BooleanFilter(label="挂牌督办", field_name="is_listed")
    community = django_filters.NumberFilter(label="社区", field_name="community_id")
    grid = django_filters.NumberFilter(label="网格", field_name="grid_id")
    enterprise = django_filters.NumberFilter(label="企业", field_name="enterprise_id")
    category = django_filters.ChoiceFilter(
        label="类别", choices=HazardCategory.choices, empty_label="全部类别"
    )
    accident_type = django_filters.ChoiceFilter(
        label="事故类型", choices=AccidentType.choices, empty_label="全部事故类型"
    )
    source_kind = django_filters.ChoiceFilter(
        label="来源", choices=SourceKind.choices, empty_label="全部来源"
    )
    found_from = django_filters.DateFilter(label="发现日期起", field_name="found_at", lookup_expr="date__gte")
    found_to = django_filters.DateFilter(label="发现日期止", field_name="found_at", lookup_expr="date__lte")
    sort = django_filters.ChoiceFilter(
        label="排序",
        choices=[
            ("-found_at", "发现时间（新→旧）"),
            ("found_at", "发现时间（旧→新）"),
            ("deadline", "整改期限（近→远）"),
            ("-deadline", "整改期限（远→近）"),
        ],
        method="filter_sort",
        empty_label=None,
    )

    class Meta:
        model = Hazard
        fields: list[str] = []

    def filter_q(self, qs: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        value = (value or "").strip()
        if not value:
            return qs
        if value.upper().startswith("YH-"):
            return qs.filter(code__startswith=value.upper())
        return qs.filter(Q(title__icontains=value) | Q(enterprise_id__in=self._enterprise_ids(value)))

    def _enterprise_ids(self, value: str) -> list[int]:
        """Enterprises whose name matches, looked up once per request (the counts' filterset shares
        it). Matched first (a few thousand rows) and passed as literal keys, so that PostgreSQL plans
        the hazard search on the hazard table's own indexes (trigram OR enterprise), which a join or a
        subquery in the OR would defeat."""
        from anjian.enterprises.models import Enterprise

        cache: dict[str, list[int]] = self.__dict__.setdefault("_enterprise_cache", {})
        if value not in cache:
            cache[value] = list(
                Enterprise.objects.filter(name__icontains=value).values_list("pk", flat=True)[:500]
            )
        return cache[value]

    def filter_overdue(self, qs: QuerySet[Hazard], name: str, value: bool | None) -> QuerySet[Hazard]:
        if value is None:
            return qs
        cond = overdue_q(timezone.localdate())
        return qs.filter(cond) if value else qs.exclude(cond)

    def filter_sort(self, qs: QuerySet[Hazard], name: str, value: str) -> QuerySet[Hazard]:
        return qs.order_by(*SORTS.get(value, SORTS["-found_at"]))

    @property
    def qs_without_state(self) -> QuerySet[Hazard]:
        """The filtered queryset ignoring the state filter (for the counts per state)."""
        data = self.data.copy() if hasattr(self.data, "copy") else dict(self.data)
        data.pop("state", None)
        data.pop("overdue", None)
        other: Any = type(self)(data, queryset=self.queryset, request=self.request)
        other._enterprise_cache = self.__dict__.setdefault("_enterprise_cache", {})
        return other.qs  # type: ignore[no-any-return]

    def counts_and_total(self) -> tuple[dict[str, Any], int, bool]:
        """The counts per state of the list without its state/overdue filters, and the list's own
        number of rows (estimated?) derived from them."""
        counts = state_counts(self.qs_without_state)
        cleaned: dict[str, Any] = {}
        if self.is_bound:
            self.form.is_valid()
            cleaned = getattr(self.form, "cleaned_data", {})
        total, estimated = count_of(counts, cleaned.get("state") or None, cleaned.get("overdue"))
        return counts, total, estimated
