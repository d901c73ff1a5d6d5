"""Viewsets of the organisation API (/api/v1/). Reads are scoped (foreign ids answer 404); every write
calls the same service as the pages."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from anjian.core.api.base import ScopedViewSetMixin
from anjian.core.models import Attachment
from anjian.org import coverage, selectors, services
from anjian.org.api import serializers as s
from anjian.org.filters import (
    AssignmentFilter,
    DecisionFilter,
    GridFilter,
    MeetingFilter,
    UserFilter,
    VisitFilter,
)
from anjian.org.models import Assignment, Community, Department, Grid, Meeting, MeetingDecision, User, Visit
from anjian.org.permissions import can


class _ReadWrite(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # type: ignore[type-arg]
    http_method_names = ["get", "post", "patch", "put", "head", "options"]


class CommunityViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ReadWrite):
    """Communities (社区) with counts; street administrators create and edit them."""

    queryset = Community.objects.all()
    serializer_class = s.CommunitySerializer
    search_fields = ["name", "code"]
    ordering_fields = ["sort_order", "code", "name"]

    def get_queryset(self) -> Any:
        return selectors.communities(self.request.user)

    def perform_create(self, serializer: Any) -> None:
        obj = services.create_community(actor=self.request.user, data=dict(serializer.validated_data))
        serializer.instance = self.get_queryset().get(pk=obj.pk)

    def perform_update(self, serializer: Any) -> None:
        obj = services.update_community(
            serializer.instance, actor=self.request.user, data=dict(serializer.validated_data)
        )
        serializer.instance = self.get_queryset().get(pk=obj.pk)


class GridViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ReadWrite):
    """Grids (网格) of the communities; street administrators create and edit them."""

    queryset = Grid.objects.select_related("community")
    serializer_class = s.GridSerializer
    filterset_class = GridFilter
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]

    def perform_create(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        community = data.pop("community")
        serializer.instance = services.create_grid(actor=self.request.user, community=community.pk, data=data)

    def perform_update(self, serializer: Any) -> None:
        data = dict(serializer.validated_data)
        data.pop("community", None)
        serializer.instance = services.update_grid(serializer.instance, actor=self.request.user, data=data)


class DepartmentViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ReadWrite):
    """Street departments (科办); visible to street-level roles, edited by street administrators."""

    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer
    search_fields = ["name", "code"]
    ordering_fields = ["code", "name"]

    def perform_create(self, serializer: Any) -> None:
        serializer.instance = services.create_department(
            actor=self.request.user, data=dict(serializer.validated_data)
        )

    def perform_update(self, serializer: Any) -> None:
        serializer.instance = services.update_department(
            serializer.instance, actor=self.request.user, data=dict(serializer.validated_data)
        )


@extend_schema_view(
    create=extend_schema(request=s.UserWriteSerializer, responses={201: s.UserSerializer}),
    partial_update=extend_schema(request=s.UserWriteSerializer, responses={200: s.UserSerializer}),
)
class UserViewSet(_ReadWrite):
    """People and their accounts (scoped); office staff create and change them through the services."""

    queryset = User.objects.select_related("community", "grid", "enterprise", "department")
    serializer_class = s.UserSerializer
    filterset_class = UserFilter
    search_fields = ["name", "username", "phone", "title"]
    ordering_fields = ["name", "username", "role"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("role", "name", "id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.UserWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        password = values.pop("password", "")
        person = services.create_person(actor=request.user, data=values, password=password)
        return Response(s.UserSerializer(person).data, status=status.HTTP_201_CREATED)

    def partial_update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        person = self.get_object()
        data = s.UserWriteSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        values.pop("password", None)
        values.pop("username", None)
        person = services.update_person(person, actor=request.user, data=values)
        return Response(s.UserSerializer(person).data)

    @extend_schema(request=s.RecordReasonSerializer, responses={200: s.UserSerializer})
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str | None = None) -> Response:
        data = s.RecordReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        person = services.deactivate_person(
            self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.UserSerializer(person).data)

    @extend_schema(request=None, responses={200: s.UserSerializer})
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: str | None = None) -> Response:
        person = services.reactivate_person(self.get_object(), actor=request.user)
        return Response(s.UserSerializer(person).data)

    @extend_schema(request=s.PersonPasswordSerializer, responses={204: None})
    @action(detail=True, methods=["post"], url_path="password")
    def set_password(self, request: Request, pk: str | None = None) -> Response:
        data = s.PersonPasswordSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.reset_password(
            self.get_object(), actor=request.user, password=data.validated_data["password"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema_view(
    create=extend_schema(
        request=s.AssignmentCreateSerializer, responses={201: s.AssignmentSerializer(many=True)}
    )
)
class AssignmentViewSet(_ReadWrite):
    """Assignments (挂点). Creating one outside the 3–5 / 1–2 range answers 409 `out_of_range` unless a
    street administrator confirms with `confirm_out_of_range` and a note."""

    queryset = Assignment.objects.select_related("person", "enterprise", "community", "department")
    serializer_class = s.AssignmentSerializer
    filterset_class = AssignmentFilter
    search_fields = ["person__name", "enterprise__name", "community__name"]
    ordering_fields = ["start_date", "person__name"]
    http_method_names = ["get", "post", "head", "options"]

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.AssignmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        created = services.create_assignments(actor=request.user, **data.validated_data)
        return Response(s.AssignmentSerializer(created, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.AssignmentEndSerializer, responses={200: s.AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def end(self, request: Request, pk: str | None = None) -> Response:
        data = s.AssignmentEndSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.end_assignment(self.get_object(), actor=request.user, **data.validated_data)
        return Response(s.AssignmentSerializer(a).data)

    @extend_schema(request=s.AssignmentVoidSerializer, responses={200: s.AssignmentSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        data = s.AssignmentVoidSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        a = services.void_assignment(self.get_object(), actor=request.user, **data.validated_data)
        return Response(s.AssignmentSerializer(a).data)


@extend_schema_view(create=extend_schema(request=s.VisitCreateSerializer, responses={201: s.VisitSerializer}))
class VisitViewSet(_ReadWrite):
    """Visits (走访). Voided ones are left out unless `include_voided=true`."""

    queryset = Visit.objects.select_related("visitor", "community", "enterprise")
    serializer_class = s.VisitSerializer
    filterset_class = VisitFilter
    search_fields = ["enterprise__name", "notes", "issues_found"]
    ordering_fields = ["date", "id"]
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-date", "-id")

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        if page is not None:
            _attach_photos(page)
        return page

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.VisitCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        photos = values.pop("photos", [])
        visit = services.record_visit(actor=request.user, data=values, photos=photos)
        return Response(s.VisitSerializer(visit).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.RecordReasonSerializer, responses={200: s.VisitSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        data = s.RecordReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visit = services.void_visit(
            self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.VisitSerializer(visit).data)


def _attach_photos(visits: Any) -> None:
    """One query for the photos of a page of visits."""
    ct = ContentType.objects.get_for_model(Visit)
    by_visit: dict[int, list[Attachment]] = {v.pk: [] for v in visits}
    for att in Attachment.objects.filter(
        content_type=ct, object_id__in=list(by_visit), voided_at__isnull=True
    ).order_by("uploaded_at"):
        by_visit[att.object_id].append(att)
    for v in visits:
        v._photos = by_visit[v.pk]  # type: ignore[attr-defined]


@extend_schema_view(
    create=extend_schema(request=s.MeetingCreateSerializer, responses={201: s.MeetingSerializer})
)
class MeetingViewSet(_ReadWrite):
    """Monthly meetings (月例会) with their decisions. Voided ones are left out unless `include_voided=true`."""

    queryset = Meeting.objects.select_related("community", "host").prefetch_related("decisions__owner")
    serializer_class = s.MeetingSerializer
    filterset_class = MeetingFilter
    search_fields = ["title", "minutes"]
    ordering_fields = ["date", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("-date", "-id")

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = s.MeetingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        decisions = [dict(d) for d in values.pop("decisions", [])]
        meeting = services.record_meeting(actor=request.user, data=values, decisions=decisions)
        return Response(
            s.MeetingSerializer(self.get_queryset().get(pk=meeting.pk)).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(request=s.RecordReasonSerializer, responses={200: s.MeetingSerializer})
    @action(detail=True, methods=["post"])
    def void(self, request: Request, pk: str | None = None) -> Response:
        data = s.RecordReasonSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        meeting = services.void_meeting(
            self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.MeetingSerializer(meeting).data)


class DecisionViewSet(_ReadWrite):
    """Meeting decisions; `done` marks one as carried out with a note."""

    queryset = MeetingDecision.objects.select_related("owner", "meeting")
    serializer_class = s.MeetingDecisionSerializer
    filterset_class = DecisionFilter
    ordering_fields = ["due_date", "id"]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return super().get_queryset().order_by("due_date", "id")

    @extend_schema(request=s.MeetingDecisionDoneSerializer, responses={200: s.MeetingDecisionSerializer})
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: str | None = None) -> Response:
        data = s.MeetingDecisionDoneSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.mark_decision_done(
            self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(s.MeetingDecisionSerializer(decision).data)


class CoverageView(APIView):
    """Coverage per person and ISO week (and calendar month for meetings), in the caller's scope."""

    @extend_schema(
        parameters=[OpenApiParameter("weeks", int, description="周数（1–52，默认 8，含本周）")],
        responses={200: s.CoverageSerializer},
        summary="履职覆盖",
    )
    def get(self, request: Request) -> Response:
        if not can(request.user, "coverage.view"):
            raise PermissionDenied()
        try:
            weeks = int(request.query_params.get("weeks", 8))
        except ValueError:
            weeks = 0
        if not 1 <= weeks <= 52:
            from rest_framework.exceptions import ValidationError

            raise ValidationError({"weeks": ["weeks 应为 1–52 的整数。"]})
        report = coverage.build_report(request.user, weeks=weeks)
        behind_ids = {b.person.pk for b in coverage.behind_from(report)}

        def period(p: coverage.Period) -> dict[str, Any]:
            return {"key": p.iso, "start": p.start, "end": p.end, "current": p.current}

        rows = []
        for row in report.rows:
            rows.append(
                {
                    "person": row.person.pk,
                    "name": row.person.name,
                    "role": row.person.role,
                    "targets": row.targets,
                    "weeks": [
                        {"due": c.due, "done": c.done, "status": c.status(p.current)}
                        for c, p in zip(row.weeks, report.weeks, strict=True)
                    ],
                    "months": [
                        {"due": c.due, "done": c.done, "status": c.status(p.current)}
                        for c, p in zip(row.months, report.months, strict=True)
                    ],
                    "behind": row.person.pk in behind_ids,
                }
            )
        body = {
            "today": report.today,
            "weeks": [period(p) for p in report.weeks],
            "months": [period(p) for p in report.months],
            "rows": rows,
            "summary": coverage.summary_from(report),
        }
        return Response(s.CoverageSerializer(body).data)
