"""API viewsets of checklists, plans, inspections and results: scoped reads, writes through services."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.core.api.base import ScopedViewSetMixin
from anjian.inspections import selectors, services
from anjian.inspections.api.serializers import (
    ChecklistItemSerializer,
    ChecklistTemplateSerializer,
    ChecklistVersionSerializer,
    InspectionDetailSerializer,
    InspectionPlanInputSerializer,
    InspectionPlanSerializer,
    InspectionReasonSerializer,
    InspectionResultSerializer,
    InspectionSerializer,
    InspectionSubmitMultipartSerializer,
    InspectionSubmitSerializer,
    PlanGenerateSerializer,
    PublishVersionSerializer,
)
from anjian.inspections.choices import PURPOSE_SIGNATURE_ENTERPRISE, PURPOSE_SIGNATURE_INSPECTOR
from anjian.inspections.filters import ChecklistVersionFilter, InspectionFilter, PlanFilter, ResultFilter
from anjian.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionPlan,
    InspectionResult,
)
from anjian.org.permissions import require

TAG = ["安全检查"]


def _validated(serializer_class: Any, request: Request, *, partial: bool = False) -> Any:
    """The request body as `serializer_class` validates it (400 with field errors when it does not)."""
    serializer = serializer_class(data=request.data, partial=partial)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


@extend_schema(tags=TAG)
class ChecklistTemplateViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Checklists (configuration, readable by every signed-in user). Office staff publish a new version
    with POST …/{id}/versions/ (earlier versions and the inspections using them never change)."""

    serializer_class = ChecklistTemplateSerializer
    permission_classes = [IsAuthenticated]
    search_fields = ["name", "code", "description"]
    filterset_class = None
    filterset_fields = ["category", "is_active"]

    def get_queryset(self) -> Any:
        from django.db.models import Prefetch

        current = ChecklistVersion.objects.filter(is_current=True)
        return ChecklistTemplate.objects.prefetch_related(
            Prefetch("versions", queryset=current, to_attr="current_versions")
        ).order_by("name", "id")

    @extend_schema(
        request=PublishVersionSerializer, responses={201: ChecklistVersionSerializer}, summary="发布新版本"
    )
    @action(detail=True, methods=["post"], serializer_class=PublishVersionSerializer, filterset_class=None)
    def versions(self, request: Request, pk: Any = None) -> Response:
        template = self.get_object()
        require(request.user, "checklist.manage")
        data = _validated(PublishVersionSerializer, request)
        version = services.publish_version(
            template, actor=request.user, items=data["items"], change_note=data["change_note"]
        )
        return Response(ChecklistVersionSerializer(version).data, status=201)


@extend_schema(tags=TAG)
class ChecklistVersionViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Published checklist versions with their items."""

    serializer_class = ChecklistVersionSerializer
    permission_classes = [IsAuthenticated]
    filterset_class = ChecklistVersionFilter
    queryset = (
        ChecklistVersion.objects.select_related("template")
        .prefetch_related("items")
        .order_by("template", "-version")
    )


@extend_schema(tags=TAG)
class ChecklistItemViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Checklist items (?version=)."""

    serializer_class = ChecklistItemSerializer
    permission_classes = [IsAuthenticated]
    filterset_fields = ["version", "major_hazard_ground", "accident_type", "hazard_category"]
    queryset = ChecklistItem.objects.order_by("version", "order")


@extend_schema(tags=TAG)
class PlanViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Inspection plans in the caller's scope. Nothing is deleted: cancel with a reason."""

    queryset = (
        InspectionPlan.objects.select_related("enterprise", "inspector")
        .prefetch_related("co_inspectors", "departments")
        .order_by("planned_date", "id")
    )
    serializer_class = InspectionPlanSerializer
    filterset_class = PlanFilter
    search_fields = ["enterprise__name", "title"]

    @extend_schema(request=InspectionPlanInputSerializer, responses={201: InspectionPlanSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = services.create_plan(
            actor=request.user, data=_validated(InspectionPlanInputSerializer, request)
        )
        return Response(InspectionPlanSerializer(plan).data, status=201)

    @extend_schema(request=InspectionPlanInputSerializer, responses=InspectionPlanSerializer)
    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_object()
        given = _validated(InspectionPlanInputSerializer, request, partial=True)
        data = {k: v for k, v in given.items() if k not in ("source", "enterprise")}
        plan = services.update_plan(plan, actor=request.user, data=data)
        return Response(InspectionPlanSerializer(plan).data)

    @extend_schema(request=InspectionReasonSerializer, responses=InspectionPlanSerializer, summary="取消计划")
    @action(detail=True, methods=["post"], serializer_class=InspectionReasonSerializer, filterset_class=None)
    def cancel(self, request: Request, pk: Any = None) -> Response:
        plan = self.get_object()
        reason = _validated(InspectionReasonSerializer, request)["reason"]
        plan = services.cancel_plan(plan, actor=request.user, reason=reason)
        return Response(InspectionPlanSerializer(plan).data)

    @extend_schema(
        request=PlanGenerateSerializer,
        responses={200: InspectionPlanSerializer(many=True)},
        summary="按挂点生成本周检查计划",
    )
    @action(detail=False, methods=["post"], serializer_class=PlanGenerateSerializer, filterset_class=None)
    def generate(self, request: Request) -> Response:
        data = _validated(PlanGenerateSerializer, request)
        created = services.generate_assignment_plans(
            actor=request.user, week_start=data.get("week_start"), person=data.get("person")
        )
        return Response(InspectionPlanSerializer(created, many=True).data)


def _data_url(value: Any, label: str) -> ContentFile[bytes] | None:
    """A `data:image/...;base64,` string as an uploaded file (JSON submissions)."""
    if not isinstance(value, str) or not value:
        return None
    head, _, body = value.partition(",")
    if not head.startswith("data:") or ";base64" not in head:
        raise ValidationError({label: "图片须为 base64 编码的 data URL。"})
    if len(body) > settings.UPLOAD_MAX_BYTES * 4 // 3 + 8:
        raise ValidationError({label: "图片过大。"})
    try:
        raw = base64.b64decode(body, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({label: "图片的 base64 编码无效。"}) from None
    return ContentFile(raw, name=f"{label}.{head[11:].split(';')[0] or 'bin'}")


def _submission(request: Request) -> tuple[dict[str, Any], dict[str, list[Any]]]:
    """The payload and files of a submission, from multipart (payload + files) or JSON (data URLs)."""
    files: dict[str, list[Any]] = {key: request.FILES.getlist(key) for key in request.FILES}
    raw = request.data.get("payload") if hasattr(request.data, "get") else None
    if raw is not None:
        try:
            payload = orjson.loads(raw if isinstance(raw, str | bytes) else raw.read())
        except (orjson.JSONDecodeError, AttributeError):
            raise ValidationError({"payload": "payload 不是有效的 JSON。"}) from None
    else:
        payload = dict(request.data)
    if not isinstance(payload, dict):
        raise ValidationError({"payload": "payload 应为 JSON 对象。"})
    for purpose in (PURPOSE_SIGNATURE_INSPECTOR, PURPOSE_SIGNATURE_ENTERPRISE):
        if purpose not in files:
            upload = _data_url(payload.get(purpose), purpose)
            if upload is not None:
                files[purpose] = [upload]
    results = payload.get("results")
    if isinstance(results, list):
        for row in results:
            if isinstance(row, dict) and isinstance(row.get("photos"), list):
                key = f"photo_{row.get('item')}"
                for n, url in enumerate(row["photos"], start=1):
                    upload = _data_url(url, f"{key}_{n}")
                    if upload is not None:
                        files.setdefault(key, []).append(upload)
    return payload, files


@extend_schema(tags=TAG)
class InspectionViewSet(
    ScopedViewSetMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,  # type: ignore[type-arg]
):
    """Inspections in the caller's scope. POST submits a whole inspection at once (multipart: `payload`
    JSON + `photo_<item id>` files + two signature PNGs; or JSON with data URLs). Resending the same
    client_uuid answers 200 with the inspection already saved."""

    queryset = Inspection.objects.select_related(
        "enterprise", "inspector", "checklist_version__template"
    ).order_by("-submitted_at", "-id")
    serializer_class = InspectionSerializer
    filterset_class = InspectionFilter
    search_fields = ["enterprise__name", "enterprise__uscc"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_serializer_class(self) -> Any:
        return InspectionDetailSerializer if self.action == "retrieve" else InspectionSerializer

    @extend_schema(
        request={
            "multipart/form-data": InspectionSubmitMultipartSerializer,
            "application/json": InspectionSubmitSerializer,
        },
        responses={
            201: InspectionSerializer,
            200: OpenApiResponse(
                InspectionSerializer, description="同一 client_uuid 已提交过，返回已保存的记录"
            ),
        },
        summary="提交检查记录",
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        payload, files = _submission(request)
        inspection, created = services.submit_inspection(actor=request.user, payload=payload, files=files)
        return Response(InspectionSerializer(inspection).data, status=201 if created else 200)

    @extend_schema(request=InspectionReasonSerializer, responses=InspectionSerializer, summary="作废检查记录")
    @action(detail=True, methods=["post"], serializer_class=InspectionReasonSerializer, filterset_class=None)
    def void(self, request: Request, pk: Any = None) -> Response:
        inspection = self.get_object()
        reason = _validated(InspectionReasonSerializer, request)["reason"]
        inspection = services.void_inspection(inspection, actor=request.user, reason=reason)
        return Response(InspectionSerializer(inspection).data)


@extend_schema(tags=TAG)
class ResultViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Item results of inspections in the caller's scope (?outcome=fail for failed items)."""

    queryset = InspectionResult.objects.select_related("item", "inspection").order_by(
        "-inspection_id", "item__order"
    )
    serializer_class = InspectionResultSerializer
    filterset_class = ResultFilter

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        if args:
            rows = args[0] if isinstance(args[0], list) else [args[0]]
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["photos"] = selectors.photos_for_results([r.pk for r in rows])
        return super().get_serializer(*args, **kwargs)
