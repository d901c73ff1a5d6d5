"""Hazard endpoints under /api/v1/: list (filters), retrieve, create, and every transition as a POST
action that answers 409 with the reason when the current state does not allow it."""

from __future__ import annotations

from typing import Any

from django.core.paginator import InvalidPage
from django_filters.rest_framework import DjangoFilterBackend
from django_filters.utils import translate_validation
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.core.api.base import ScopedViewSetMixin
from anjian.core.api.pagination import StandardPagination
from anjian.hazards import selectors, services, statistics
from anjian.hazards.api import serializers as s
from anjian.hazards.counting import EstimatingPaginator
from anjian.hazards.filters import HazardFilter
from anjian.hazards.models import DeadlineExtension, Hazard
from anjian.hazards.permissions import can

PARSERS = [JSONParser, MultiPartParser, FormParser]


class HazardPagination(StandardPagination):
    """Pages of hazards. `count` comes from the list's counts per state (no COUNT of its own); on huge
    sets it is the database's estimate and `count_estimated` is true. Only the first
    HAZARD_EXACT_COUNT_LIMIT rows can be paged through (`truncated`: narrow the filters, e.g. by
    found_from/found_to, to reach the others)."""

    django_paginator_class = EstimatingPaginator

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> list[Any] | None:
        filterset = getattr(view, "filterset", None)
        page_size = self.get_page_size(request)
        if filterset is None or not page_size:
            return super().paginate_queryset(queryset, request, view)
        self.request = request
        _, total, estimated = filterset.counts_and_total()
        paginator = EstimatingPaginator(queryset, page_size, count=total, estimated=estimated)
        page_number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(page_number)
        except InvalidPage as exc:
            raise NotFound(
                self.invalid_page_message.format(page_number=page_number, message=str(exc))
            ) from exc
        return list(self.page)

    def get_paginated_response(self, data: Any) -> Response:
        response = super().get_paginated_response(data)
        paginator: Any = self.page.paginator  # type: ignore[union-attr]
        response.data["count_estimated"] = bool(getattr(paginator, "estimated", False))
        response.data["truncated"] = bool(getattr(paginator, "truncated", False))
        return response

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count_estimated"] = {
            "type": "boolean",
            "description": "count 为估算值（数据量很大时）",
        }
        out["properties"]["truncated"] = {
            "type": "boolean",
            "description": "结果多于可翻阅的条数（HAZARD_EXACT_COUNT_LIMIT），请用筛选条件缩小范围",
        }
        return out


CONFLICT = {
    400: OpenApiResponse(description='输入有误：{"error": {"code", "message", "fields"}}'),
    403: OpenApiResponse(description="角色无权进行该操作"),
    404: OpenApiResponse(description="对象不存在或不在管辖范围内"),
    409: OpenApiResponse(description="当前状态不允许该操作，message 说明原因"),
}


class HazardViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Hazards of the caller's jurisdiction (foreign ids answer 404)."""

    queryset = Hazard.objects.select_related("enterprise", "community", "grid")
    serializer_class = s.HazardSerializer
    filterset_class = HazardFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = HazardPagination
    parser_classes = PARSERS
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        qs = super().get_queryset()
        if self.action == "list" and not self.request.query_params.get("sort"):
            qs = qs.order_by("-found_at", "-id")
        return qs

    def filter_queryset(self, queryset: Any) -> Any:
        """The list keeps its filterset: the pagination takes the total from its counts per state."""
        if self.action != "list":
            return super().filter_queryset(queryset)
        self.filterset = HazardFilter(self.request.query_params, queryset=queryset, request=self.request)
        if not self.filterset.is_valid():
            raise translate_validation(self.filterset.errors)
        return self.filterset.qs

    def _hazard(self, h: Any) -> Response:
        fresh = self.get_queryset().get(pk=h.pk)
        return Response(s.HazardSerializer(fresh, context=self.get_serializer_context()).data)

    def _input(self, serializer_class: type[Any]) -> dict[str, Any]:
        ser = serializer_class(data=self.request.data)
        ser.is_valid(raise_exception=True)
        return dict(ser.validated_data)

    @extend_schema(request=s.HazardCreateSerializer, responses={201: s.HazardSerializer, **CONFLICT})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = self._input(s.HazardCreateSerializer)
        photos = data.pop("photos", [])
        deadline = data.pop("deadline")
        level = data.pop("level", None)
        ent = data.pop("enterprise", None)
        result = data.pop("inspection_result", None)
        if result:
            h = services.create_hazard_from_result(
                result, actor=request.user, deadline=deadline, data=data, level=level, photos=photos
            )
        else:
            h = services.create_hazard(
                actor=request.user,
                enterprise=ent,
                data=data,
                deadline=deadline,
                level=level or "general",
                photos=photos,
            )
        response = self._hazard(h)
        response.status_code = status.HTTP_201_CREATED
        return response

    @extend_schema(request=s.HazardUpdateSerializer, responses={200: s.HazardSerializer, **CONFLICT})
    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        h = self.get_object()
        if {"deadline", "current_deadline", "original_deadline"} & set(request.data):
            from anjian.core.errors import ConflictError

            raise ConflictError("整改期限不能直接修改，请提交延期申请并经审批。")
        return self._hazard(
            services.update_hazard(h, actor=request.user, data=self._input(s.HazardUpdateSerializer))
        )

    def _step(
        self,
        service: Any,
        request_serializer: type[Any],
        reply: type[Any] | None = None,
        *,
        created: bool = True,
    ) -> Response:
        """A transition: the input is validated first (400), then the hazard is fetched in the caller's
        scope (404) and the service decides (403/409 with the reason); the serializer's fields are the
        service's keyword arguments. Answers with the fresh hazard, or with `reply` of what the service
        returned (201 when `created`)."""
        data = self._input(request_serializer)
        h = self.get_object()
        out = service(h, actor=self.request.user, **data)
        if reply is None:
            return self._hazard(h)
        return Response(reply(out).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=s.LevelSerializer, responses={200: s.HazardSerializer, **CONFLICT})
    @action(detail=True, methods=["post"], url_path="confirm-level")
    def confirm_level(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.confirm_level, s.LevelSerializer)

    @extend_schema(request=s.PlanSerializer, responses={201: s.PlanSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def plan(self, request: Request, pk: str | None = None) -> Response:
        d = self._input(s.PlanSerializer)  # (the six parts go to the service as one mapping)
        plan = services.submit_governance_plan(self.get_object(), actor=request.user, data=d)
        return Response(s.PlanSerializer(plan).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.NoteSerializer, responses={200: s.HazardSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.start_rectification, s.NoteSerializer)

    @extend_schema(request=s.EvidenceSerializer, responses={200: s.HazardSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def submit(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.submit_rectification, s.EvidenceSerializer)

    @extend_schema(request=s.VerifySerializer, responses={200: s.HazardSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def verify(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.verify, s.VerifySerializer)

    @extend_schema(
        methods=["post"],
        request=s.ExtensionRequestSerializer,
        responses={201: s.ExtensionSerializer, **CONFLICT},
    )
    @extend_schema(methods=["get"], responses={200: s.ExtensionSerializer(many=True)})
    @action(detail=True, methods=["get", "post"])
    def extensions(self, request: Request, pk: str | None = None) -> Response:
        h = self.get_object()
        if request.method == "GET":
            rows = h.extensions.select_related("hazard").order_by("requested_at", "id")
            return Response(s.ExtensionSerializer(rows, many=True).data)
        d = self._input(s.ExtensionRequestSerializer)
        ext = services.request_extension(h, actor=request.user, **d)
        return Response(s.ExtensionSerializer(ext).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ReasonSerializer, responses={200: s.HazardSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.void_hazard, s.ReasonSerializer)

    @extend_schema(request=s.SuperviseSerializer, responses={201: s.SupervisionSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def supervise(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.list_supervision, s.SuperviseSerializer, s.SupervisionSerializer)

    @extend_schema(request=s.ProgressSerializer, responses={201: s.ProgressReportSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def progress(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.add_progress_report, s.ProgressSerializer, s.ProgressReportSerializer)

    @extend_schema(request=s.NoteSerializer, responses={200: s.SupervisionSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def lift(self, request: Request, pk: str | None = None) -> Response:
        return self._step(services.lift_supervision, s.NoteSerializer, s.SupervisionSerializer, created=False)

    @extend_schema(responses={200: s.EventSerializer(many=True)})
    @action(detail=True, methods=["get"])
    def events(self, request: Request, pk: str | None = None) -> Response:
        h = self.get_object()
        return Response(
            s.EventSerializer(h.events.select_related("actor").order_by("at", "id"), many=True).data
        )

    @extend_schema(
        parameters=[
            OpenApiParameter("year", int, description="年份"),
            OpenApiParameter("quarter", int, description="季度 1–4；0 或省略表示全年"),
        ],
        responses={200: s.StatisticsSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def statistics(self, request: Request) -> Response:
        """Statutory quarterly/annual statistics (counts by level and category) with the due date."""
        if not can(request.user, "hazard.statistics"):
            from rest_framework.exceptions import PermissionDenied

            raise PermissionDenied
        period = statistics.parse_period(
            request.query_params.get("year"), request.query_params.get("quarter", 0)
        )
        report = statistics.build(selectors.hazards_for(request.user), period)
        return Response(
            {
                "period": period.label,
                "kind": period.kind,
                "start": period.start,
                "end": period.end,
                "due": period.due,
                "rows": [{"level": r.level, "category": r.category, **r.counts} for r in report.rows],
                "totals": report.totals,
            }
        )


class ExtensionViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # type: ignore[type-arg]
    """Deadline extension requests of the caller's jurisdiction; pending ones are decided here."""

    queryset = DeadlineExtension.objects.select_related("hazard")
    serializer_class = s.ExtensionSerializer
    filterset_fields = ["status", "hazard"]
    filter_backends = [DjangoFilterBackend]
    parser_classes = PARSERS

    @extend_schema(request=s.DecisionSerializer, responses={200: s.ExtensionSerializer, **CONFLICT})
    @action(detail=True, methods=["post"])
    def decide(self, request: Request, pk: str | None = None) -> Response:
        ser = s.DecisionSerializer(data=request.data)
        ser.is_valid(raise_exception=True)
        ext = services.decide_extension(self.get_object(), actor=request.user, **ser.validated_data)
        return Response(s.ExtensionSerializer(ext).data)
