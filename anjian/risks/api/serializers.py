"""Serializers of the risk API. Writes are parsed here and decided by `risks.services`."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from anjian.inspections.choices import AccidentType
from anjian.risks.choices import LEVEL_SHORT, ControlLevel, MeasureType, Method, PointKind, RiskLevel
from anjian.risks.models import EnterpriseRiskLevel, RiskAssessment, RiskBand, RiskPoint, RiskTemplate

VALUE_HELP = (
    "LEC：L ∈ {10,6,3,1,0.5,0.2,0.1}，E ∈ {10,6,3,2,1,0.5}，C ∈ {100,40,15,7,3,1}；"
    "LS：L、S 为 1–5 的整数。其他值被拒绝。"
)


class RiskMeasureSerializer(serializers.Serializer):  # type: ignore[type-arg]
    type = serializers.ChoiceField(choices=MeasureType.choices)
    text = serializers.CharField(max_length=500)


class RiskAssessmentSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    formula = serializers.CharField(read_only=True)
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    assessor_name = serializers.SerializerMethodField()

    class Meta:
        model = RiskAssessment
        fields = [
            "id",
            "point",
            "method",
            "likelihood",
            "exposure",
            "consequence",
            "severity",
            "score",
            "level",
            "level_label",
            "grade",
            "formula",
            "assessed_on",
            "assessor",
            "assessor_name",
            "note",
        ]
        read_only_fields = fields

    def get_assessor_name(self, obj: RiskAssessment) -> str:
        return str(obj.assessor) if obj.assessor_id else ""


class RiskAssessmentInputSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """An assessment to make: the values are checked by the service against DOMAIN.md §3."""

    method = serializers.ChoiceField(choices=Method.choices)
    likelihood = serializers.CharField(help_text=VALUE_HELP)
    exposure = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="LEC 必填")
    consequence = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, help_text="LEC 必填"
    )
    severity = serializers.CharField(required=False, allow_null=True, allow_blank=True, help_text="LS 必填")
    assessed_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RiskPointSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    enterprise_name = serializers.SerializerMethodField()
    community_name = serializers.CharField(source="community.name", read_only=True)
    level_label = serializers.SerializerMethodField()
    accident_types = serializers.ListField(child=serializers.ChoiceField(choices=AccidentType.choices))
    measures = RiskMeasureSerializer(many=True)
    current_assessment = RiskAssessmentSerializer(read_only=True)

    class Meta:
        model = RiskPoint
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "park",
            "site_name",
            "community",
            "community_name",
            "grid",
            "name",
            "kind",
            "location",
            "hazard_factors",
            "accident_types",
            "measures",
            "control_level",
            "responsible_name",
            "responsible_phone",
            "review_date",
            "level",
            "level_label",
            "score",
            "current_assessment",
            "template",
            "voided_at",
            "void_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_enterprise_name(self, obj: RiskPoint) -> str:
        return obj.owner_label

    def get_level_label(self, obj: RiskPoint) -> str:
        return LEVEL_SHORT.get(obj.level, "未评估")  # type: ignore[call-overload]


class RiskPointCreateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    park = serializers.IntegerField(required=False, allow_null=True)
    site_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    community = serializers.IntegerField(required=False, allow_null=True)
    grid = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=PointKind.choices)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hazard_factors = serializers.CharField()
    accident_types = serializers.ListField(child=serializers.CharField(), allow_empty=True)
    measures = serializers.ListField(child=serializers.DictField(), allow_empty=True)
    control_level = serializers.ChoiceField(choices=ControlLevel.choices)
    responsible_name = serializers.CharField(max_length=50)
    responsible_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    review_date = serializers.DateField()
    assessment = RiskAssessmentInputSerializer()


class RiskPointUpdateSerializer(serializers.Serializer):  # type: ignore[type-arg]
    name = serializers.CharField(required=False, max_length=100)
    kind = serializers.ChoiceField(required=False, choices=PointKind.choices)
    location = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hazard_factors = serializers.CharField(required=False)
    accident_types = serializers.ListField(child=serializers.CharField(), required=False)
    measures = serializers.ListField(child=serializers.DictField(), required=False)
    control_level = serializers.ChoiceField(required=False, choices=ControlLevel.choices)
    responsible_name = serializers.CharField(required=False, max_length=50)
    responsible_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    review_date = serializers.DateField(required=False)


class RiskReassessSerializer(RiskAssessmentInputSerializer):
    control_level = serializers.ChoiceField(required=False, choices=ControlLevel.choices)
    review_date = serializers.DateField(required=False, allow_null=True)


class RiskReasonSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500)


class RiskLevelOverrideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    level = serializers.ChoiceField(choices=RiskLevel.choices)
    reason = serializers.CharField(max_length=500)


class RiskFromTemplatesSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.IntegerField()
    templates = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    responsible_name = serializers.CharField(max_length=50)
    responsible_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    assessed_on = serializers.DateField(required=False, allow_null=True)
    review_date = serializers.DateField(required=False, allow_null=True)


class EnterpriseRiskLevelSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    community = serializers.IntegerField(source="enterprise.community_id", read_only=True)
    level_label = serializers.SerializerMethodField()
    overridden_by_name = serializers.SerializerMethodField()

    class Meta:
        model = EnterpriseRiskLevel
        fields = [
            "enterprise",
            "enterprise_name",
            "community",
            "level",
            "level_label",
            "computed_level",
            "override_level",
            "override_reason",
            "overridden_by",
            "overridden_by_name",
            "overridden_at",
            "point_count",
            "red_count",
            "orange_count",
            "yellow_count",
            "blue_count",
        ]
        read_only_fields = fields

    def get_level_label(self, obj: EnterpriseRiskLevel) -> str:
        return LEVEL_SHORT.get(obj.level, "未评估")  # type: ignore[call-overload]

    def get_overridden_by_name(self, obj: EnterpriseRiskLevel) -> str:
        return str(obj.overridden_by) if obj.overridden_by_id else ""


class RiskTemplateSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    category_code = serializers.CharField(source="category.code", read_only=True)

    class Meta:
        model = RiskTemplate
        fields = [
            "id",
            "code",
            "category",
            "category_code",
            "name",
            "kind",
            "location",
            "hazard_factors",
            "accident_types",
            "method",
            "likelihood",
            "exposure",
            "consequence",
            "severity",
            "measures",
            "basis",
        ]
        read_only_fields = fields


class RiskBandSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = RiskBand
        fields = ["id", "method", "level", "lower_bound", "grade", "action"]
        read_only_fields = fields


class PriorityPartSerializer(serializers.Serializer):  # type: ignore[type-arg]
    key = serializers.CharField()
    points = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False)
    detail = serializers.CharField()
    text = serializers.CharField()
    available = serializers.BooleanField()


class PriorityRowSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enterprise = serializers.IntegerField()
    enterprise_name = serializers.CharField()
    community = serializers.IntegerField()
    grid = serializers.IntegerField(allow_null=True)
    level = serializers.CharField()
    score = serializers.DecimalField(max_digits=8, decimal_places=1, coerce_to_string=False)
    reasons = serializers.CharField()
    parts = PriorityPartSerializer(many=True)

    @staticmethod
    def row(r: Any) -> dict[str, Any]:
        return {
            "enterprise": r.enterprise.pk,
            "enterprise_name": r.enterprise.name,
            "community": r.enterprise.community_id,
            "grid": r.enterprise.grid_id,
            "level": r.level,
            "score": r.score.total,
            "reasons": r.score.reason_text,
            "parts": [
                {
                    "key": str(p.key),
                    "points": p.points,
                    "detail": p.detail,
                    "text": p.text,
                    "available": p.available,
                }
                for p in r.score.parts
            ],
        }


class RiskMapCommunitySerializer(serializers.Serializer):  # type: ignore[type-arg]
    id = serializers.IntegerField()
    name = serializers.CharField()
    boundary = serializers.JSONField(allow_null=True)
    center = serializers.ListField(child=serializers.FloatField(allow_null=True))
    highest = serializers.CharField()
    weighted = serializers.CharField()
    counts = serializers.DictField(child=serializers.IntegerField())


class RiskMapSerializer(serializers.Serializer):  # type: ignore[type-arg]
    communities = RiskMapCommunitySerializer(many=True)
    enterprises = serializers.ListField(
        child=serializers.ListField(),
        help_text="[id, 名称, 纬度, 经度, 社区 id, 等级, 重点监管类型 id 列表, 是否人工调整]",
    )
    categories = serializers.ListField(child=serializers.DictField())
    levels = serializers.ListField(child=serializers.DictField())
    unassessed_hex = serializers.CharField()
