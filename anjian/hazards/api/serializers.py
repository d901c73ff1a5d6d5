"""API representations of hazards and their steps. Inputs are parsed here; the services decide."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import serializers

from anjian.hazards.choices import Level
from anjian.hazards.models import (
    DeadlineExtension,
    GovernancePlan,
    Hazard,
    HazardEvent,
    ListedSupervision,
    ProgressReport,
)
from anjian.hazards.timeline import describe
from anjian.inspections.choices import AccidentType, HazardCategory


class HazardSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A hazard as listed and retrieved."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    grid_name = serializers.SerializerMethodField()
    is_overdue = serializers.SerializerMethodField()
    overdue_days = serializers.SerializerMethodField()
    level_pending = serializers.BooleanField(read_only=True)

    class Meta:
        model = Hazard
        fields = [
            "id",
            "code",
            "enterprise",
            "enterprise_name",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "source_kind",
            "source_ref",
            "inspection_result",
            "checklist_item_text",
            "legal_basis",
            "level",
            "proposed_level",
            "level_pending",
            "level_confirmed_at",
            "accident_type",
            "category",
            "title",
            "description",
            "location",
            "lat",
            "lng",
            "responsible_name",
            "responsible_phone",
            "measures",
            "funds",
            "original_deadline",
            "current_deadline",
            "state",
            "is_listed",
            "is_overdue",
            "overdue_days",
            "found_by",
            "found_at",
            "rectification_started_at",
            "rectified_at",
            "closed_at",
            "closed_by",
            "void_reason",
            "updated_at",
        ]
        read_only_fields = fields

    def get_grid_name(self, obj: Hazard) -> str:
        return obj.grid.name if obj.grid_id and obj.grid else ""

    def get_is_overdue(self, obj: Hazard) -> bool:
        return obj.overdue_days(self._today()) > 0

    def get_overdue_days(self, obj: Hazard) -> int:
        return obj.overdue_days(self._today())

    def _today(self) -> Any:
        today = self.context.get("today")
        if today is None:
            today = self.context["today"] = timezone.localdate()
        return today


class HazardCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Register a hazard at an enterprise, or from a failed inspection result (then enterprise, item,
    legal basis and proposed level come from the inspection)."""

    enterprise = serializers.IntegerField(required=False, help_text="企业 id（由检查结果登记时可省略）")
    inspection_result = serializers.IntegerField(required=False, help_text="不合格检查结果 id")
    level = serializers.ChoiceField(choices=Level.choices, required=False, help_text="建议等级")
    deadline = serializers.DateField(help_text="整改期限")
    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=HazardCategory.choices, required=False)
    accident_type = serializers.ChoiceField(choices=AccidentType.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    responsible_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    responsible_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)
    funds = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, help_text="现场照片")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if not attrs.get("enterprise") and not attrs.get("inspection_result"):
            raise serializers.ValidationError({"enterprise": ["请指定企业或不合格检查结果。"]})
        if not attrs.get("inspection_result") and not attrs.get("title"):
            raise serializers.ValidationError({"title": ["请填写隐患描述。"]})
        return attrs


class HazardUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The rectification arrangement (never the deadline: use an extension)."""

    title = serializers.CharField(max_length=200, required=False)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=HazardCategory.choices, required=False)
    accident_type = serializers.ChoiceField(choices=AccidentType.choices, required=False)
    location = serializers.CharField(max_length=200, required=False, allow_blank=True)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    responsible_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    responsible_phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    measures = serializers.CharField(required=False, allow_blank=True)
    funds = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class NoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500, allow_blank=True)


class LevelSerializer(serializers.Serializer):  # type: ignore[type-arg]
    level = serializers.ChoiceField(choices=Level.choices)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class EvidenceSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(allow_blank=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class VerifySerializer(serializers.Serializer):  # type: ignore[type-arg]
    passed = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)
    signature = serializers.ImageField(required=False, allow_null=True, default=None)


class ExtensionRequestSerializer(serializers.Serializer):  # type: ignore[type-arg]
    requested_deadline = serializers.DateField()
    reason = serializers.CharField(max_length=500, allow_blank=True)


class DecisionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    approve = serializers.BooleanField()
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class PlanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = GovernancePlan
        fields = ["id", "hazard", "version", *GovernancePlan.PARTS, "submitted_by", "submitted_at"]
        read_only_fields = ["id", "hazard", "version", "submitted_by", "submitted_at"]
        extra_kwargs = {p: {"allow_blank": True} for p in GovernancePlan.PARTS}


class SuperviseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    supervising_unit = serializers.CharField(max_length=100, allow_blank=True)
    requirements = serializers.CharField(required=False, allow_blank=True, default="")
    report_every_days = serializers.IntegerField(required=False, default=7, min_value=1, max_value=90)


class ProgressSerializer(serializers.Serializer):  # type: ignore[type-arg]
    progress = serializers.CharField(allow_blank=True)
    percent = serializers.IntegerField()
    photos = serializers.ListField(child=serializers.ImageField(), required=False, default=list)


class ExtensionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    hazard_code = serializers.CharField(source="hazard.code", read_only=True)

    class Meta:
        model = DeadlineExtension
        fields = [
            "id",
            "hazard",
            "hazard_code",
            "requested_by",
            "requested_at",
            "reason",
            "previous_deadline",
            "requested_deadline",
            "status",
            "decided_by",
            "decided_at",
            "decision_note",
        ]
        read_only_fields = fields


class SupervisionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ListedSupervision
        fields = [
            "id",
            "hazard",
            "listed_by",
            "listed_at",
            "supervising_unit",
            "requirements",
            "report_every_days",
            "lifted_at",
            "lifted_by",
            "lift_note",
        ]
        read_only_fields = fields


class ProgressReportSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ProgressReport
        fields = ["id", "hazard", "supervision", "reported_by", "reported_at", "progress", "percent"]
        read_only_fields = fields


class EventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    text = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = HazardEvent
        fields = ["id", "type", "at", "actor", "actor_name", "params", "text"]
        read_only_fields = fields

    def get_text(self, obj: HazardEvent) -> str:
        return describe(obj)

    def get_actor_name(self, obj: HazardEvent) -> str:
        return str(obj.actor) if obj.actor_id and obj.actor else ""


class StatisticsRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    level = serializers.CharField()
    category = serializers.CharField()
    found = serializers.IntegerField()
    rectified = serializers.IntegerField()
    on_time = serializers.IntegerField()
    unfinished = serializers.IntegerField()
    overdue = serializers.IntegerField()


class StatisticsSerializer(serializers.Serializer):  # type: ignore[type-arg]
    period = serializers.CharField()
    kind = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    due = serializers.DateField()
    rows = StatisticsRowSerializer(many=True)
    totals = serializers.DictField(child=serializers.DictField(child=serializers.IntegerField()))
