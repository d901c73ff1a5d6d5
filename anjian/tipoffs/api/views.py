"""Tip endpoints under /api/v1/: list and read (scoped, no identity), the timeline, and the triage
steps as POST actions (409 with the reason when the current state does not allow the step)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.core.api.base import ScopedViewSetMixin
from anjian.enterprises.models import Enterprise
from anjian.org.permissions import can
from anjian.tipoffs import selectors, services
from anjian.tipoffs.api import serializers as s
from anjian.tipoffs.filters import TipoffFilter
from anjian.tipoffs.models import RewardRule, TipCategory, Tipoff

ERRORS = {code: s.TipoffErrorSerializer for code in (400, 403, 404, 409)}


class CanViewTips(BasePermission):
    """Only roles with the tipoff.view capability read tips (cadres, liaisons and enterprises do not)."""

    message = "没有执行此操作的权限。"

    def has_permission(self, request: Request, view: Any) -> bool:
        return can(request.user, "tipoff.view")


@extend_schema(tags=["举报受理"])
class TipoffViewSet(
    ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):  # type: ignore[type-arg]
    """Tips in the caller's jurisdiction (street level: all; community/grid: tips assigned there)."""

    queryset = Tipoff.objects.select_related(
        "category",
        "community",
        "enterprise",
        "assigned_community",
        "assigned_grid",
        "assigned_department",
        "duplicate_suspect",
        "merged_into",
        "reward",
    )
    serializer_class = s.TipoffSerializer
    permission_classes = [CanViewTips]
    filterset_class = TipoffFilter
    search_fields = ["code", "address", "enterprise__name"]
    ordering_fields = ["received_at", "due_at", "id"]
    ordering = ["-received_at", "-id"]

    def _step(self, serializer_class: type[Any], run: Any) -> Response:
        tip = self.get_object()
        body = serializer_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        run(tip, dict(body.validated_data))
        fresh = self.get_queryset().get(pk=tip.pk)
        return Response(s.TipoffSerializer(fresh, context=self.get_serializer_context()).data)

    @extend_schema(responses=s.TipEventSerializer(many=True), summary="举报办理记录")
    @action(detail=True, methods=["get"], filterset_class=None, pagination_class=None)
    def timeline(self, request: Request, pk: Any = None) -> Response:
        return Response(s.TipEventSerializer(selectors.timeline_of(self.get_object()), many=True).data)

    @extend_schema(
        request=s.TipAcceptSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="受理"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def accept(self, request: Request, pk: Any = None) -> Response:
        def run(tip: Tipoff, d: dict[str, Any]) -> None:
            enterprise = None
            if d.get("enterprise"):
                enterprise = Enterprise.objects.filter(pk=d["enterprise"]).first()
                if enterprise is None:
                    raise ValidationError({"enterprise": "企业不存在。"})
            services.accept_tip(
                tip.pk,
                actor=request.user,
                community=d.get("community"),
                enterprise=enterprise,
                note=d.get("note", ""),
            )

        return self._step(s.TipAcceptSerializer, run)

    @extend_schema(
        request=s.TipRejectSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="不予受理"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def reject(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipRejectSerializer,
            lambda tip, d: services.reject_tip(tip.pk, actor=request.user, reason=d["reason"]),
        )

    @extend_schema(
        request=s.TipAssignSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="交办核查"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def assign(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipAssignSerializer,
            lambda tip, d: services.assign_tip(
                tip.pk,
                actor=request.user,
                kind=d["kind"],
                community=d.get("community"),
                grid=d.get("grid"),
                department=d.get("department"),
                note=d.get("note", ""),
            ),
        )

    @extend_schema(
        request=s.TipVerifySerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="登记核查结果"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def verify(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipVerifySerializer,
            lambda tip, d: services.verify_tip(
                tip.pk, actor=request.user, truthful=d["truthful"], note=d["note"]
            ),
        )

    @extend_schema(
        request=s.TipHandleSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="登记处理结果"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def handle(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipHandleSerializer,
            lambda tip, d: services.handle_tip(
                tip.pk,
                actor=request.user,
                enforcement_action=d["enforcement_action"],
                fine_amount=d.get("fine_amount"),
                confiscated_amount=d.get("confiscated_amount"),
                concealed_deaths=d.get("concealed_deaths"),
                accident_level=d.get("accident_level", ""),
                hazard_code=d.get("hazard_code", ""),
            ),
        )

    @extend_schema(
        request=s.TipFeedbackSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="答复举报人"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def feedback(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipFeedbackSerializer,
            lambda tip, d: services.give_feedback(tip.pk, actor=request.user, text=d["text"]),
        )

    @extend_schema(
        request=s.TipCloseSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="办结"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def close(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipCloseSerializer,
            lambda tip, d: services.close_tip(tip.pk, actor=request.user, note=d.get("note", "")),
        )

    @extend_schema(
        request=s.TipMergeSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="合并重复举报"
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def merge(self, request: Request, pk: Any = None) -> Response:
        def run(tip: Tipoff, d: dict[str, Any]) -> None:
            target = self.get_queryset().filter(code=d["into"].strip().upper()).first()
            if target is None:
                raise ValidationError({"into": "找不到该举报编号。"})
            services.merge_tip(tip.pk, actor=request.user, into_id=target.pk, note=d.get("note", ""))

        return self._step(s.TipMergeSerializer, run)

    @extend_schema(
        request=s.TipNoteSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="不是重复举报"
    )
    @action(detail=True, methods=["post"], filterset_class=None, url_path="dismiss-duplicate")
    def dismiss_duplicate(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipNoteSerializer,
            lambda tip, d: services.dismiss_duplicate(tip.pk, actor=request.user, note=d.get("note", "")),
        )

    @extend_schema(
        request=s.RewardDecideSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="奖励决定"
    )
    @action(detail=True, methods=["post"], filterset_class=None, url_path="reward-decide")
    def reward_decide(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.RewardDecideSerializer,
            lambda tip, d: services.decide_reward(
                tip.pk, actor=request.user, rule=d["rule"], note=d.get("note", "")
            ),
        )

    @extend_schema(
        request=s.TipNoteSerializer, responses={200: s.TipoffSerializer, **ERRORS}, summary="奖励审批"
    )
    @action(detail=True, methods=["post"], filterset_class=None, url_path="reward-approve")
    def reward_approve(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.TipNoteSerializer,
            lambda tip, d: services.approve_reward(tip.pk, actor=request.user, note=d.get("note", "")),
        )

    @extend_schema(
        request={"multipart/form-data": s.RewardPaySerializer},
        responses={200: s.TipoffSerializer, **ERRORS},
        summary="奖励发放（附凭证）",
    )
    @action(
        detail=True,
        methods=["post"],
        filterset_class=None,
        url_path="reward-pay",
        parser_classes=[MultiPartParser, FormParser],
    )
    def reward_pay(self, request: Request, pk: Any = None) -> Response:
        return self._step(
            s.RewardPaySerializer,
            lambda tip, d: services.pay_reward(
                tip.pk,
                actor=request.user,
                amount=d["amount"],
                paid_on=d["paid_on"],
                method=d["method"],
                reference=d.get("reference", ""),
                receipt=d["receipt"],
            ),
        )


@extend_schema(tags=["举报受理"])
class TipCategoryViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Report categories (the Open311 services)."""

    queryset = TipCategory.objects.order_by("sort_order", "code")
    serializer_class = s.TipCategorySerializer
    filterset_fields = ["code", "active"]
    search_fields = ["code", "name"]


@extend_schema(tags=["举报受理"])
class RewardRuleViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    """Reward rules in force (configuration; changed on the rules page)."""

    queryset = RewardRule.objects.prefetch_related("categories").order_by("sort_order", "code")
    serializer_class = s.RewardRuleSerializer
    permission_classes = [CanViewTips]
    filterset_fields = ["basis", "active", "is_local"]
