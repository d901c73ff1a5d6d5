"""API serializers of monitoring (read shapes; writes go through the services)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from anjian.monitoring.models import Alarm, Device, DeviceType


class DeviceTypeSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    code = serializers.CharField(
        read_only=True,
        help_text="gas4 / restaurant_gas / smoke / ebike_charger / plating_tank / electrical_fire",
    )

    class Meta:
        model = DeviceType
        fields = ["id", "code", "name", "metrics", "default_interval_s", "description"]


class DeviceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    type: Any = serializers.SlugRelatedField(slug_field="code", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    status = serializers.CharField(read_only=True, help_text="unknown / online / offline")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Device
        fields = [
            "id",
            "code",
            "name",
            "type",
            "enterprise",
            "enterprise_name",
            "community",
            "grid",
            "location",
            "lat",
            "lng",
            "reporting_interval_s",
            "status",
            "status_label",
            "battery",
            "last_seen",
            "last_seq",
            "last_metrics",
            "voided_at",
        ]
        read_only_fields = fields


class AlarmSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    device_code = serializers.CharField(source="device.code", read_only=True)
    rule_code = serializers.CharField(source="rule.code", read_only=True)
    level = serializers.IntegerField(read_only=True, help_text="1 预警，2 报警")
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    state = serializers.CharField(read_only=True, help_text="active / acknowledged / cleared / closed")
    escalation_level = serializers.IntegerField(read_only=True, help_text="0 网格/企业，1 社区，2 街道")
    state_label = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = Alarm
        fields = [
            "id",
            "device",
            "device_code",
            "rule",
            "rule_code",
            "enterprise",
            "community",
            "grid",
            "level",
            "level_label",
            "state",
            "state_label",
            "metric",
            "value",
            "peak_value",
            "message",
            "first_at",
            "last_at",
            "repeat_count",
            "acknowledged_by",
            "acknowledged_at",
            "cleared_at",
            "closed_by",
            "closed_at",
            "disposal_note",
            "escalation_level",
            "hazard_ref",
        ]
        read_only_fields = fields


class AcknowledgeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CloseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(max_length=2000, help_text="处置情况")
