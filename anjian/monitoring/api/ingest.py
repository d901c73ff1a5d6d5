"""HTTP push of telemetry (CONTRACTS.md §4): `POST /api/v1/ingest/telemetry` with `X-Device-Token`, one message
or {"messages": [...]} (at most 1000), answered 202 with accepted / duplicate / rejected counts and a
result per message. The same pipeline as the MQTT consumer processes it."""

from __future__ import annotations

import logging
import threading
from typing import Any

import orjson
from django.db import DatabaseError
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    inline_serializer,
)
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from anjian.core.api.errors import error_body
from anjian.core.context import origin
from anjian.core.middleware import client_ip
from anjian.monitoring import conf
from anjian.monitoring.choices import IngestReason
from anjian.monitoring.ingest.pipeline import (
    ACCEPTED,
    DUPLICATE,
    REJECTED,
    Inbound,
    Pipeline,
    Result,
    wall_ms,
)
from anjian.monitoring.services.devices import device_for_token

log = logging.getLogger("anjian.ingest")
_lock = threading.Lock()
_pipeline: Pipeline | None = None


def get_pipeline() -> Pipeline:
    """The web process's pipeline (one per process; batches are serialised so device state stays ordered)."""
    global _pipeline
    if _pipeline is None:
        _pipeline = Pipeline("http", save_state_each_batch=True)
    return _pipeline


def reset_pipeline() -> None:
    global _pipeline
    with _lock:
        _pipeline = None


def _count_rejected(reason: str) -> None:
    """Requests refused as a whole (not JSON) are counted as well, so the health page shows them."""
    try:
        with _lock:
            get_pipeline().process([Inbound(None, "telemetry", None, wall_ms(), reject=reason)])
    except DatabaseError:
        log.exception("could not count a rejected HTTP push")


MESSAGE = inline_serializer(
    "TelemetryMessage",
    fields={
        "device": serializers.CharField(required=False, help_text="设备编码（须与令牌所属设备一致）"),
        "ts": serializers.CharField(help_text="ISO 8601（带时区）或毫秒时间戳"),
        "seq": serializers.IntegerField(required=False, help_text="设备内递增序号"),
        "metrics": serializers.DictField(child=serializers.FloatField()),
    },
)
RESULT = inline_serializer(
    "IngestResult",
    fields={
        "accepted": serializers.IntegerField(),
        "duplicate": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "results": inline_serializer(
            "IngestMessageResult",
            fields={
                "index": serializers.IntegerField(),
                "status": serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"]),
                "reason": serializers.CharField(required=False),
                "message": serializers.CharField(required=False),
            },
            many=True,
        ),
    },
)


class TelemetryPushView(APIView):
    """Devices behind carrier NB-IoT/4G platforms push telemetry here (authenticated by device token)."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="ingest_telemetry",
        summary="推送设备遥测数据",
        tags=["ingest"],
        parameters=[OpenApiParameter("X-Device-Token", str, OpenApiParameter.HEADER, required=True)],
        request=MESSAGE,
        responses={
            202: RESULT,
            400: OpenApiResponse(description="请求体不是 JSON，或超过 1000 条"),
            401: OpenApiResponse(description="设备令牌缺失或无效"),
        },
        examples=[
            OpenApiExample(
                "单条",
                value={
                    "device": "GAS4-0001",
                    "ts": "2026-03-01T10:00:00+08:00",
                    "seq": 42,
                    "metrics": {"o2": 20.9, "lel": 0, "h2s": 0, "co": 1},
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        device = device_for_token(request.headers.get("X-Device-Token", ""))
        if device is None:
            return Response(error_body("not_authenticated", "设备令牌缺失或无效。"), status=401)
        try:
            body = orjson.loads(request.body or b"")
        except orjson.JSONDecodeError:
            _count_rejected(IngestReason.MALFORMED_JSON)
            return Response(error_body("malformed_json", "请求体不是有效的 JSON。"), status=400)
        if isinstance(body, dict) and "messages" in body:
            messages = body["messages"]
            if not isinstance(messages, list) or not messages:
                return Response(error_body("invalid", "messages 应为非空数组。"), status=400)
        else:
            messages = [body]
        limit = conf.get("HTTP_MAX_MESSAGES")
        if len(messages) > limit:
            return Response(
                error_body(
                    "too_many_messages", f"一次最多提交 {limit} 条消息，本次 {len(messages)} 条，已全部拒收。"
                ),
                status=400,
            )
        now = wall_ms()
        inbound = []
        for m in messages:
            code = m.get("device") if isinstance(m, dict) else None
            if code is not None and code != device.code:
                inbound.append(Inbound(device.code, "telemetry", m, now, reject=IngestReason.DEVICE_MISMATCH))
            else:
                inbound.append(Inbound(device.code, "telemetry", m, now))
        try:
            with _lock, origin("ingest", ip=client_ip(request)):
                results = get_pipeline().process(inbound)
        except DatabaseError:
            log.exception("HTTP ingest batch failed")
            return Response(
                error_body("unavailable", "数据库暂时不可用，请稍后重试（本批数据未保存）。"), status=503
            )
        return Response(summary(results), status=202)


def summary(results: list[Result]) -> dict[str, Any]:
    counts = {ACCEPTED: 0, DUPLICATE: 0, REJECTED: 0}
    for r in results:
        counts[r.status] += 1
    return {**counts, "results": [r.as_dict(i) for i, r in enumerate(results)]}
