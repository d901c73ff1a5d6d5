"""Risk endpoints under /api/v1/: risk points (create, update, reassess, void — never delete), their
assessments, enterprise levels (with the override action), templates, bands, the priority list and the
map data. Every write calls `risks.services`; objects outside the caller's scope answer 404."""

from __future__ import annotations

from typing import Any

import django_filters
from django.http import Http404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.core.api.base import ScopedViewSetMixin
from anjian.core.api.pagination import StandardPagination
from anjian.enterprises.models import Enterprise
from anjian.risks import priority, selectors, services
from anjian.risks.api import serializers as s
from anjian.risks.choices import RiskLevel
from anjian.risks.models import EnterpriseRiskLevel, RiskAssessment, RiskBand, RiskPoint, RiskTemplate
from anjian.risks.permissions import require

ERRORS = {
    400: OpenApiResponse(description='输入有误：{"error": {"code", "message", "fields"}}'),
    403: OpenApiResponse(description="没有执行此操作的权限"),
    404: OpenApiResponse(description="对象不存在或不在管辖范围内"),
}


class RiskPointFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=RiskLevel.choices)
    voided = django_filters.BooleanFilter(field_name="voided_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = RiskPoint
        fields = ["enterprise", "park", "community", "grid", "level", "control_level", "voided"]


class RiskPointViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Risk points of the caller's jurisdiction."""

    queryset = RiskPoint.objects.select_related(
        "enterprise", "park", "community", "current_assessment"
    ).order_by("-id")
    serializer_class = s.RiskPointSerializer
    filterset_class = RiskPointFilter
    filter_backends = [DjangoFilterBackend]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        require(self.request.user, "risk.view")
        return super().get_queryset()

    def _point(self, point: RiskPoint, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=point.pk)
        return Response(s.RiskPointSerializer(fresh).data, status=code)

    @staticmethod
    def _input(serializer_class: type[Any], data: Any) -> dict[str, Any]:
        ser = serializer_class(data=data)
        ser.is_valid(raise_exception=True)
        return dict(ser.validated_data)

    @extend_schema(request=s.RiskPointCreateSerializer, responses={201: s.RiskPointSerializer, **ERRORS})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(s.RiskPointCreateSerializer, request.data)
        assessment = dict(data.pop("assessment"))
        point = services.create_point(actor=request.user, data=data, assessment=assessment)
        return self._point(point, status.HTTP_201_CREATED)

    @extend_schema(request=s.RiskPointUpdateSerializer, responses={200: s.RiskPointSerializer, **ERRORS})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        point = self.get_object()
        data = self._input(s.RiskPointUpdateSerializer, request.data)
        return self._point(services.update_point(point, actor=request.user, data=data))

    @extend_schema(request=s.RiskReassessSerializer, responses={201: s.RiskAssessmentSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def reassess(self, request: Request, pk: str | None = None) -> Response:
        point = self.get_object()
        data = self._input(s.RiskReassessSerializer, request.data)
        control = data.pop("control_level", None)
        a = services.reassess(point, actor=request.user, assessment=data, control_level=control)
        return Response(s.RiskAssessmentSerializer(a).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RiskReasonSerializer, responses={200: s.RiskPointSerializer, **ERRORS})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        point = self.get_object()
        data = self._input(s.RiskReasonSerializer, request.data)
        return self._point(services.void_point(point, actor=request.user, reason=data["reason"]))

    @extend_schema(request=None, responses={200: s.RiskAssessmentSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def assessments(self, request: Request, pk: str | None = None) -> Response:
        point = self.get_object()
        return Response(s.RiskAssessmentSerializer(selectors.assessments_of(point), many=True).data)

    @extend_schema(
        request=s.RiskFromTemplatesSerializer, responses={201: s.RiskPointSerializer(many=True), **ERRORS}
    )
    @action(detail=False, methods=["post"], url_path="from-templates")
    def from_templates(self, request: Request) -> Response:
        data = self._input(s.RiskFromTemplatesSerializer, request.data)
        points = services.add_from_templates(actor=request.user, **data)
        fresh = self.get_queryset().filter(pk__in=[p.pk for p in points])
        return Response(s.RiskPointSerializer(fresh, many=True).data, status=status.HTTP_201_CREATED)


class AssessmentViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Assessment history (every row kept; the latest of a point is its current one)."""

    queryset = RiskAssessment.objects.select_related("assessor").order_by("-assessed_on", "-id")
    serializer_class = s.RiskAssessmentSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["point", "level", "method"]

    def get_queryset(self) -> Any:
        require(self.request.user, "risk.view")
        return super().get_queryset()


class EnterpriseLevelViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Enterprise inherent levels, looked up by enterprise id; override with a reason (street office)."""

    queryset = EnterpriseRiskLevel.objects.select_related("enterprise", "overridden_by").order_by(
        "enterprise_id"
    )
    serializer_class = s.EnterpriseRiskLevelSerializer
    lookup_field = "enterprise"
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["level", "computed_level"]

    def get_queryset(self) -> Any:
        require(self.request.user, "risk.view")
        return super().get_queryset()

    def _row(self, row: EnterpriseRiskLevel) -> Response:
        return Response(s.EnterpriseRiskLevelSerializer(self.get_queryset().get(pk=row.pk)).data)

    @extend_schema(
        request=s.RiskLevelOverrideSerializer, responses={200: s.EnterpriseRiskLevelSerializer, **ERRORS}
    )
    @action(detail=True, methods=["post"])
    def override(self, request: Request, enterprise: str | None = None) -> Response:
        ser = s.RiskLevelOverrideSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        row = services.override_level(_int(enterprise), actor=request.user, **ser.validated_data)
        return self._row(row)

    @extend_schema(request=s.RiskReasonSerializer, responses={200: s.EnterpriseRiskLevelSerializer, **ERRORS})
    @action(detail=True, methods=["post"], url_path="clear-override")
    def clear_override(self, request: Request, enterprise: str | None = None) -> Response:
        ser = s.RiskReasonSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        row = services.clear_override(
            _int(enterprise), actor=request.user, reason=ser.validated_data["reason"]
        )
        return self._row(row)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


class TemplateViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Templates of typical risk points per key-supervision category."""

    queryset = RiskTemplate.objects.filter(is_active=True).select_related("category")
    serializer_class = s.RiskTemplateSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["category", "method"]


class BandViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """The grading bands in force (a band includes its lower bound)."""

    queryset = RiskBand.objects.order_by("method", "-lower_bound")
    serializer_class = s.RiskBandSerializer
    pagination_class = None


class PriorityView(GenericAPIView):  # type: ignore[type-arg]
    """This week's priority list of an inspector, cadre, liaison officer or community worker (default:
    the caller), ranked, each row with the parts of its score."""

    queryset = Enterprise.objects.none()  # rows are computed, see `priority.ranked`
    serializer_class = s.PriorityRowSerializer
    pagination_class = StandardPagination

    @extend_schema(
        parameters=[OpenApiParameter("inspector", int, description="人员 id（街道安委办可查看他人的清单）")],
        responses={200: s.PriorityRowSerializer(many=True), **ERRORS},
    )
    def get(self, request: Request) -> Response:
        require(request.user, "risk.priority")
        person = priority.list_person(request.user, request.query_params.get("inspector"))
        if person is None:
            raise Http404
        rows = priority.ranked(priority.enterprises_of(request.user, person))
        page = self.paginate_queryset(rows)  # type: ignore[arg-type]
        data = [s.PriorityRowSerializer.row(r) for r in (page if page is not None else rows)]
        return self.get_paginated_response(s.PriorityRowSerializer(data, many=True).data)


class MapView(GenericAPIView):  # type: ignore[type-arg]
    """The four-colour map data of the caller's scope."""

    queryset = Enterprise.objects.none()  # computed, see `selectors.map_data`
    serializer_class = s.RiskMapSerializer
    pagination_class = None

    @extend_schema(responses={200: s.RiskMapSerializer})
    def get(self, request: Request) -> Response:
        require(request.user, "risk.map")
        return Response(selectors.map_data(request.user))
