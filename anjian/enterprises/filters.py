"""Filters of the register, shared by the list page and the API (django-filter)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet

from anjian.enterprises import selectors
from anjian.enterprises.choices import Industry, LicenceKind, OperatingStatus
from anjian.enterprises.models import Enterprise, Licence, Park
from anjian.org.models import Community, Grid


def _communities(request: Any) -> QuerySet[Community]:
    return selectors.communities_for(request.user) if request is not None else Community.objects.none()


def _grids(request: Any) -> QuerySet[Grid]:
    return selectors.grids_for(request.user) if request is not None else Grid.objects.none()


def _parks(request: Any) -> QuerySet[Park]:
    return selectors.parks_for(request.user) if request is not None else Park.objects.none()


class EnterpriseFilter(django_filters.FilterSet):
    """?community= ?grid= ?category=code[,code] ?industry= ?status= ?park= ?licence_expiring=true"""

    community = django_filters.ModelChoiceFilter(
        queryset=_communities, label="所属社区", empty_label="全部社区"
    )
    grid = django_filters.ModelChoiceFilter(queryset=_grids, label="所属网格", empty_label="全部网格")
    category = django_filters.CharFilter(
        method="filter_category", label="重点监管类型（编码，多个用逗号分隔，如 electroplating,gas_catering）"
    )
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label="行业类别", empty_label="全部行业")
    status = django_filters.ChoiceFilter(
        choices=OperatingStatus.choices, label="经营状态", empty_label="全部状态"
    )
    park = django_filters.ModelChoiceFilter(queryset=_parks, label="所在园区", empty_label="全部园区")
    licence_expiring = django_filters.BooleanFilter(
        method="filter_licence_expiring", label="有证照已过期或即将到期"
    )

    class Meta:
        model = Enterprise
        fields = ["community", "grid", "category", "industry", "status", "park", "licence_expiring"]

    def filter_category(self, qs: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        codes = [c.strip() for c in (value or "").split(",") if c.strip()]
        return selectors.with_categories(qs, codes) if codes else qs

    def filter_licence_expiring(
        self, qs: QuerySet[Enterprise], name: str, value: bool | None
    ) -> QuerySet[Enterprise]:
        if value is None:
            return qs
        cond = selectors.expiring_licence_exists()
        return qs.filter(cond) if value else qs.exclude(cond)


class EnterprisePageFilter(EnterpriseFilter):
    """The list page adds a free-text search box (?q=) and sorting (?sort=name|-employees|…)."""

    q = django_filters.CharFilter(method="filter_q", label="搜索")
    sort = django_filters.CharFilter(method="filter_sort", label="排序")

    class Meta(EnterpriseFilter.Meta):
        fields = [*EnterpriseFilter.Meta.fields, "q", "sort"]

    def filter_q(self, qs: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        return selectors.search(qs, value)

    def filter_sort(self, qs: QuerySet[Enterprise], name: str, value: str) -> QuerySet[Enterprise]:
        return selectors.sort(qs, value)


class LicenceFilter(django_filters.FilterSet):
    """?enterprise= ?kind= ?voided=true|false ?expiring=true (expired or within LICENCE_WARNING_DAYS)"""

    enterprise = django_filters.NumberFilter(field_name="enterprise_id", label="企业 ID")
    kind = django_filters.ChoiceFilter(choices=LicenceKind.choices, label="证照类型")
    voided = django_filters.BooleanFilter(
        field_name="voided_at", lookup_expr="isnull", exclude=True, label="已作废"
    )
    expiring = django_filters.BooleanFilter(method="filter_expiring", label="已过期或即将到期")
    expires_before = django_filters.DateFilter(
        field_name="expires_on", lookup_expr="lte", label="有效期不晚于"
    )

    class Meta:
        model = Licence
        fields = ["enterprise", "kind", "voided", "expiring", "expires_before"]

    def filter_expiring(self, qs: QuerySet[Licence], name: str, value: bool | None) -> QuerySet[Licence]:
        if value is None:
            return qs
        cond = {"expires_on__isnull": False, "expires_on__lte": selectors.expiry_horizon()}
        return qs.filter(**cond) if value else qs.exclude(**cond)
