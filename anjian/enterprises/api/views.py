"""API viewsets of the register: short; scoping from ScopedViewSetMixin, filters from filters.py,
writes through the services (called by the serializers)."""

from __future__ import annotations

from typing import Any

from django.db.models import F, QuerySet
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import filters, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.core.api.base import ScopedViewSetMixin
from anjian.core.api.pagination import DeferredPagination
from anjian.enterprises import selectors, services
from anjian.enterprises.api.serializers import (
    EnterpriseLicenceSerializer,
    EnterpriseSerializer,
    KeyCategorySerializer,
    LicenceSerializer,
    ParkSerializer,
    VoidSerializer,
)
from anjian.enterprises.filters import EnterpriseFilter, LicenceFilter
from anjian.enterprises.models import Enterprise, KeyCategory, Licence, Park


class NullsLastOrdering(filters.OrderingFilter):
    """?ordering= with empty values last on SQLite and PostgreSQL alike."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        exprs = [
            F(o[1:]).desc(nulls_last=True) if o.startswith("-") else F(o).asc(nulls_last=True)
            for o in ordering
            if isinstance(o, str)
        ]
        return queryset.order_by(*exprs)


FILTERS = [DjangoFilterBackend, filters.SearchFilter, NullsLastOrdering]


class EnterpriseSearch(filters.SearchFilter):
    """?search= over the register's search column, the same search as the list page."""

    def filter_queryset(self, request: Request, queryset: QuerySet[Any], view: Any) -> QuerySet[Any]:
        return selectors.search(queryset, " ".join(self.get_search_terms(request)))


class WriteWithoutDeleteViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Nothing is deleted in Anjian: list, retrieve, create, update and partial update only."""

    filter_backends = FILTERS


@extend_schema(tags=["企业台账"])
class EnterpriseViewSet(WriteWithoutDeleteViewSet):
    """Enterprises in the caller's jurisdiction. Search with ?search=, sort with ?ordering=."""

    queryset = Enterprise.objects.select_related("community", "grid", "park").prefetch_related("categories")
    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    filter_backends = [DjangoFilterBackend, EnterpriseSearch, NullsLastOrdering]
    pagination_class = DeferredPagination
    search_fields = list(selectors.SEARCH_FIELDS)
    ordering_fields = ["name", "community__sort_order", "employees", "updated_at", "id"]
    ordering = ["name", "id"]

    @extend_schema(methods=["GET"], responses=LicenceSerializer(many=True), summary="企业的证照")
    @extend_schema(methods=["POST"], request=EnterpriseLicenceSerializer, responses={201: LicenceSerializer})
    @action(
        detail=True,
        methods=["get", "post"],
        serializer_class=EnterpriseLicenceSerializer,
        filterset_class=None,
    )
    def licences(self, request: Request, pk: Any = None) -> Response:
        enterprise = self.get_object()
        if request.method == "POST":
            serializer = EnterpriseLicenceSerializer(data=request.data, context=self.get_serializer_context())
            serializer.is_valid(raise_exception=True)
            licence = services.add_licence(enterprise.pk, actor=request.user, data=serializer.validated_data)
            return Response(
                LicenceSerializer(licence, context=self.get_serializer_context()).data, status=201
            )
        rows = selectors.licences_of(enterprise).select_related("enterprise")
        return Response(LicenceSerializer(rows, many=True, context=self.get_serializer_context()).data)


@extend_schema(tags=["企业台账"])
class LicenceViewSet(WriteWithoutDeleteViewSet):
    """Licences and permits; a wrong one is voided with a reason (POST …/void/)."""

    queryset = Licence.objects.select_related("enterprise")
    serializer_class = LicenceSerializer
    filterset_class = LicenceFilter
    search_fields = ["number", "enterprise__name", "enterprise__uscc"]
    ordering_fields = ["expires_on", "issued_on", "id"]
    ordering = ["expires_on", "id"]

    @extend_schema(request=VoidSerializer, responses=LicenceSerializer, summary="作废证照")
    @action(detail=True, methods=["post"], serializer_class=VoidSerializer, filterset_class=None)
    def void(self, request: Request, pk: Any = None) -> Response:
        licence = self.get_object()
        body = VoidSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        licence = services.void_licence(licence.pk, actor=request.user, reason=body.validated_data["reason"])
        return Response(
            LicenceSerializer(licence, context=self.get_serializer_context()).data, status=status.HTTP_200_OK
        )


@extend_schema(tags=["企业台账"])
class KeyCategoryViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Key-supervision categories (重点监管类型), the codes used in enterprises' `categories`."""

    queryset = KeyCategory.objects.order_by("sort_order", "code")
    serializer_class = KeyCategorySerializer
    filterset_fields = ["code"]
    search_fields = ["code", "name"]
    ordering_fields = ["sort_order", "code"]


@extend_schema(tags=["企业台账"])
class ParkViewSet(WriteWithoutDeleteViewSet):
    """Industrial parks; created and changed by the street safety office."""

    queryset = Park.objects.select_related("community")
    serializer_class = ParkSerializer
    filterset_fields = ["community"]
    search_fields = ["name", "address"]
    ordering_fields = ["name", "id"]
    ordering = ["name"]
