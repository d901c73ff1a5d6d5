"""API representations of checklists, plans and inspections. Writes go through the services."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anjian.core.models import Attachment
from anjian.inspections import selectors
from anjian.inspections.choices import (
    AccidentType,
    HazardCategory,
    Outcome,
    PlanSource,
    Severity,
)
from anjian.inspections.models import (
    ChecklistItem,
    ChecklistTemplate,
    ChecklistVersion,
    Inspection,
    InspectionPlan,
    InspectionResult,
)


class ChecklistItemSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = ChecklistItem
        fields = [
            "id",
            "version",
            "order",
            "section",
            "text",
            "legal_basis",
            "severity",
            "major_hazard_ground",
            "hazard_category",
            "accident_type",
        ]


class ChecklistVersionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    items = ChecklistItemSerializer(many=True, read_only=True)
    template_name = serializers.CharField(source="template.name", read_only=True)

    class Meta:
        model = ChecklistVersion
        fields = [
            "id",
            "template",
            "template_name",
            "version",
            "published_at",
            "published_by",
            "is_current",
            "change_note",
            "items",
        ]


class ChecklistTemplateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    current_version = serializers.SerializerMethodField()

    class Meta:
        model = ChecklistTemplate
        fields = ["id", "code", "name", "category", "description", "is_active", "current_version"]

    def get_current_version(self, obj: ChecklistTemplate) -> int | None:
        versions = getattr(obj, "current_versions", None)
        if versions is not None:
            return versions[0].pk if versions else None
        current = obj.current_version
        return current.pk if current else None


class ChecklistItemInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    section = serializers.CharField(max_length=50, required=False, allow_blank=True)
    text = serializers.CharField(max_length=500)
    legal_basis = serializers.CharField(max_length=300)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.GENERAL)
    major_hazard_ground = serializers.BooleanField(default=False)
    hazard_category = serializers.ChoiceField(choices=HazardCategory.choices, default=HazardCategory.SITE)
    accident_type = serializers.ChoiceField(choices=AccidentType.choices, default=AccidentType.OTHER)


class PublishVersionSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """A new version of a checklist: the full list of items (earlier versions stay unchanged)."""

    change_note = serializers.CharField(max_length=300)
    items = ChecklistItemInputSerializer(many=True)


class InspectionPlanSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A planned visit of one enterprise."""

    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    inspector_name = serializers.CharField(source="inspector.name", read_only=True)
    co_inspectors: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    departments: Any = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = InspectionPlan
        fields = [
            "id",
            "source",
            "enterprise",
            "enterprise_name",
            "planned_date",
            "inspector",
            "inspector_name",
            "co_inspectors",
            "departments",
            "assignment",
            "template",
            "title",
            "notes",
            "status",
            "cancel_reason",
            "cancelled_at",
        ]
        read_only_fields = fields


class InspectionPlanInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Create: source grid_round (own round) or office_adhoc / joint (office). Update: any field but
    source and enterprise."""

    source: Any = serializers.ChoiceField(
        choices=[
            (PlanSource.GRID_ROUND, "网格巡查"),
            (PlanSource.OFFICE_ADHOC, "街道专项检查"),
            (PlanSource.JOINT, "联合检查"),
        ],
        required=False,
    )
    enterprise = serializers.IntegerField(required=False)
    planned_date = serializers.DateField(required=False)
    inspector = serializers.IntegerField(required=False, help_text="检查负责人，默认本人（安委办可指定）")
    co_inspectors = serializers.ListField(child=serializers.IntegerField(), required=False)
    departments = serializers.ListField(child=serializers.IntegerField(), required=False)
    template = serializers.IntegerField(required=False, allow_null=True)
    title = serializers.CharField(max_length=200, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=500, required=False, allow_blank=True)


class InspectionReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500)


class PlanGenerateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    week_start = serializers.DateField(required=False, help_text="该周任意一天，默认本周")
    person = serializers.IntegerField(required=False, help_text="只生成该人员的挂点计划（安委办可指定他人）")


class InspectionFileSerializer(serializers.Serializer):  # type: ignore[type-arg]
    uuid = serializers.UUIDField()
    url = serializers.CharField()
    mime_type = serializers.CharField()
    width = serializers.IntegerField(allow_null=True)
    height = serializers.IntegerField(allow_null=True)


class InspectionSignaturesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    signature_inspector = InspectionFileSerializer(required=False)
    signature_enterprise = InspectionFileSerializer(required=False)


def _link(att: Attachment) -> dict[str, Any]:
    return {
        "uuid": str(att.uuid),
        "url": reverse("attachment", args=[att.uuid]),
        "mime_type": att.mime_type,
        "width": att.width,
        "height": att.height,
    }


class InspectionResultSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    item_order = serializers.IntegerField(source="item.order", read_only=True)
    item_text = serializers.CharField(source="item.text", read_only=True)
    legal_basis = serializers.CharField(source="item.legal_basis", read_only=True)
    major_hazard_ground = serializers.BooleanField(source="item.major_hazard_ground", read_only=True)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = InspectionResult
        fields = [
            "id",
            "inspection",
            "item",
            "item_order",
            "item_text",
            "legal_basis",
            "major_hazard_ground",
            "outcome",
            "note",
            "photos",
        ]

    @extend_schema_field(InspectionFileSerializer(many=True))
    def get_photos(self, obj: InspectionResult) -> list[dict[str, Any]]:
        photos = self.context.get("photos")
        if photos is None:
            photos = selectors.result_photos(obj.inspection)
            self.context["photos"] = photos
        return [_link(a) for a in photos.get(obj.pk, [])]


class InspectionSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    inspector_name = serializers.CharField(source="inspector.name", read_only=True)
    checklist = serializers.CharField(source="checklist_version.template.name", read_only=True)
    checklist_version_number = serializers.IntegerField(source="checklist_version.version", read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Inspection
        fields = [
            "id",
            "client_uuid",
            "url",
            "plan",
            "enterprise",
            "enterprise_name",
            "checklist_version",
            "checklist",
            "checklist_version_number",
            "inspector",
            "inspector_name",
            "co_inspector_names",
            "started_at",
            "submitted_at",
            "status",
            "lat",
            "lng",
            "accuracy",
            "location_note",
            "representative_name",
            "summary",
            "item_count",
            "failed_count",
            "na_count",
            "visit",
            "void_reason",
        ]

    def get_url(self, obj: Inspection) -> str:
        return reverse("inspections:detail", args=[obj.pk])


class InspectionDetailSerializer(InspectionSerializer):
    results = serializers.SerializerMethodField()
    signatures = serializers.SerializerMethodField()

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "results", "signatures"]

    @extend_schema_field(InspectionResultSerializer(many=True))
    def get_results(self, obj: Inspection) -> Any:
        rows = obj.results.select_related("item", "inspection").order_by("item__order")
        context = {**self.context, "photos": selectors.result_photos(obj)}
        return InspectionResultSerializer(rows, many=True, context=context).data  # type: ignore[return-value]

    @extend_schema_field(InspectionSignaturesSerializer)
    def get_signatures(self, obj: Inspection) -> dict[str, Any]:
        return {k: _link(v) for k, v in selectors.signatures(obj).items()}


class InspectionResultInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    item = serializers.IntegerField()
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    note = serializers.CharField(required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.CharField(), required=False, help_text="照片 data URL（JSON 提交时使用）"
    )


class InspectionSubmitSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The whole inspection. Resending the same client_uuid returns the inspection already saved."""

    client_uuid = serializers.UUIDField()
    plan = serializers.IntegerField(required=False, allow_null=True)
    enterprise = serializers.IntegerField(required=False, help_text="无计划时必填")
    checklist_version = serializers.IntegerField()
    started_at = serializers.DateTimeField(required=False)
    lat = serializers.FloatField(required=False, allow_null=True)
    lng = serializers.FloatField(required=False, allow_null=True)
    accuracy = serializers.FloatField(required=False, allow_null=True)
    location_note = serializers.CharField(required=False, allow_blank=True)
    representative_name = serializers.CharField()
    co_inspector_names = serializers.CharField(required=False, allow_blank=True)
    summary = serializers.CharField(required=False, allow_blank=True)
    results = InspectionResultInputSerializer(many=True)
    signature_inspector = serializers.CharField(
        required=False, help_text="检查人员签名 PNG data URL（JSON 提交时使用）"
    )
    signature_enterprise = serializers.CharField(
        required=False, help_text="企业代表签名 PNG data URL（JSON 提交时使用）"
    )


class InspectionSubmitMultipartSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """Multipart form: `payload` (the JSON above as text), `photo_<item id>` files (several allowed),
    `signature_inspector` and `signature_enterprise` PNG files."""

    payload = serializers.CharField(help_text="检查内容 JSON（字段同 application/json 提交）")
    signature_inspector = serializers.FileField()
    signature_enterprise = serializers.FileField()
