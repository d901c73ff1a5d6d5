"""Monitoring API viewsets: devices and device types (read), alarms (read, acknowledge, close)."""

from __future__ import annotations

from typing import Any

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.core.api.base import ScopedReadOnlyViewSet
from anjian.monitoring.api.serializers import (
    AcknowledgeSerializer,
    AlarmSerializer,
    CloseSerializer,
    DeviceSerializer,
    DeviceTypeSerializer,
)
from anjian.monitoring.choices import AlarmState
from anjian.monitoring.models import Alarm, Device, DeviceType
from anjian.monitoring.services import alarms as alarm_services


class DeviceFilter(django_filters.FilterSet):
    type = django_filters.CharFilter(field_name="type__code")
    status = django_filters.CharFilter(help_text="unknown / online / offline")

    class Meta:
        model = Device
        fields = ["type", "status", "enterprise", "community", "grid"]


class AlarmFilter(django_filters.FilterSet):
    state = django_filters.CharFilter(help_text="active / acknowledged / cleared / closed")
    open = django_filters.BooleanFilter(method="filter_open", label="未关闭")

    class Meta:
        model = Alarm
        fields = ["state", "level", "device", "enterprise", "community", "grid"]

    def filter_open(self, queryset: Any, name: str, value: bool) -> Any:
        return (
            queryset.exclude(state=AlarmState.CLOSED) if value else queryset.filter(state=AlarmState.CLOSED)
        )


class DeviceTypeViewSet(viewsets.ReadOnlyModelViewSet):  # type: ignore[type-arg]
    queryset = DeviceType.objects.all()
    serializer_class = DeviceTypeSerializer
    pagination_class = None


class DeviceViewSet(ScopedReadOnlyViewSet):
    queryset = Device.objects.select_related("type", "enterprise").order_by("code")
    serializer_class = DeviceSerializer
    filterset_class = DeviceFilter
    search_fields = ["code", "name", "enterprise__name", "location"]


class AlarmViewSet(ScopedReadOnlyViewSet):
    queryset = Alarm.objects.select_related("device", "rule").order_by("-last_at", "-id")
    serializer_class = AlarmSerializer
    filterset_class = AlarmFilter
    search_fields = ["device__code", "message", "enterprise__name"]

    @extend_schema(request=AcknowledgeSerializer, responses=AlarmSerializer, summary="确认报警")
    @action(detail=True, methods=["post"])
    def acknowledge(self, request: Request, pk: Any = None) -> Response:
        data = AcknowledgeSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = alarm_services.acknowledge_alarm(
            self.get_object(), actor=request.user, note=data.validated_data.get("note", "")
        )
        return Response(AlarmSerializer(alarm).data)

    @extend_schema(request=CloseSerializer, responses=AlarmSerializer, summary="关闭报警（填写处置情况）")
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: Any = None) -> Response:
        data = CloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alarm = alarm_services.close_alarm(
            self.get_object(), actor=request.user, note=data.validated_data["note"]
        )
        return Response(AlarmSerializer(alarm).data)
