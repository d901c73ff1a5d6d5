"""API representations of the register. Validation happens in the services (model rules, scope,
permissions): a ServiceError or ValidationError becomes the JSON error of CONTRACTS.md §3."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from anjian.enterprises import services
from anjian.enterprises.models import Enterprise, KeyCategory, Licence, Park
from anjian.org.models import Community, Grid


class KeyCategorySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = KeyCategory
        fields = ["id", "code", "name", "colour", "icon", "sort_order"]


class ParkSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    community_name = serializers.CharField(source="community.name", read_only=True)
    name = serializers.CharField(max_length=100)

    class Meta:
        model = Park
        fields = ["id", "name", "community", "community_name", "address", "lat", "lng", "manager", "phone"]

    def create(self, validated_data: dict[str, Any]) -> Park:
        return services.create_park(actor=self.context["request"].user, data=validated_data)

    def update(self, instance: Park, validated_data: dict[str, Any]) -> Park:
        return services.update_park(instance.pk, actor=self.context["request"].user, data=validated_data)


class EnterpriseSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """An enterprise; `categories` are key-category codes, e.g. ["electroplating", "gas_catering"]."""

    uscc = serializers.CharField(max_length=30, help_text="统一社会信用代码（18 位，自动转大写并校验校验位）")
    community = serializers.PrimaryKeyRelatedField(queryset=Community.objects.all())
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), allow_null=True, required=False)
    park = serializers.PrimaryKeyRelatedField(queryset=Park.objects.all(), allow_null=True, required=False)
    categories = serializers.SlugRelatedField(
        slug_field="code", many=True, queryset=KeyCategory.objects.all(), required=False
    )
    employees = serializers.IntegerField(allow_null=True, required=False)
    community_name = serializers.CharField(source="community.name", read_only=True)
    grid_name = serializers.CharField(source="grid.name", read_only=True, allow_null=True, default=None)
    park_name = serializers.CharField(source="park.name", read_only=True, allow_null=True, default=None)
    industry_label = serializers.CharField(source="get_industry_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Enterprise
        fields = [
            "id",
            "name",
            "uscc",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "park",
            "park_name",
            "address",
            "lat",
            "lng",
            "industry",
            "industry_label",
            "categories",
            "legal_representative",
            "safety_officer",
            "phone",
            "employees",
            "status",
            "status_label",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            # Only the user's own organisation nodes may be referenced (others read as "does not exist").
            self.fields["community"].queryset = Community.objects.for_user(user)  # type: ignore[attr-defined]
            self.fields["grid"].queryset = Grid.objects.for_user(user)  # type: ignore[attr-defined]
            self.fields["park"].queryset = Park.objects.for_user(user)  # type: ignore[attr-defined]

    def _split(self, validated_data: dict[str, Any]) -> tuple[dict[str, Any], list[KeyCategory] | None]:
        categories = validated_data.pop("categories", None)
        return validated_data, categories

    def create(self, validated_data: dict[str, Any]) -> Enterprise:
        data, categories = self._split(validated_data)
        return services.create_enterprise(
            actor=self.context["request"].user, data=data, categories=categories or []
        )

    def update(self, instance: Enterprise, validated_data: dict[str, Any]) -> Enterprise:
        data, categories = self._split(validated_data)
        ent = services.update_enterprise(
            instance.pk, actor=self.context["request"].user, data=data, categories=categories
        )
        return Enterprise.objects.select_related("community", "grid", "park").get(pk=ent.pk)


class LicenceSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    enterprise = serializers.PrimaryKeyRelatedField(queryset=Enterprise.objects.all())
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    days_left = serializers.SerializerMethodField(help_text="距到期天数（负数为已过期；无有效期为 null）")
    expiry_state = serializers.CharField(read_only=True, help_text="expired / expiring / valid / ''")
    voided = serializers.BooleanField(source="is_voided", read_only=True)

    class Meta:
        model = Licence
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "kind",
            "kind_label",
            "number",
            "issuer",
            "issued_on",
            "expires_on",
            "notes",
            "days_left",
            "expiry_state",
            "voided",
            "voided_at",
            "void_reason",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["voided_at", "void_reason", "created_at", "updated_at"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        user = getattr(request, "user", None)
        field = self.fields["enterprise"]
        if user is not None and user.is_authenticated and not field.read_only:
            field.queryset = Enterprise.objects.for_user(user)  # type: ignore[attr-defined]
        if (
            self.instance is not None
            and not isinstance(self.instance, list | tuple)
            and hasattr(self.instance, "pk")
        ):
            self.fields["enterprise"].read_only = True

    def get_days_left(self, obj: Licence) -> int | None:
        return obj.days_left()

    def create(self, validated_data: dict[str, Any]) -> Licence:
        enterprise = validated_data.pop("enterprise")
        return services.add_licence(enterprise.pk, actor=self.context["request"].user, data=validated_data)

    def update(self, instance: Licence, validated_data: dict[str, Any]) -> Licence:
        validated_data.pop("enterprise", None)
        return services.update_licence(instance.pk, actor=self.context["request"].user, data=validated_data)


class EnterpriseLicenceSerializer(LicenceSerializer):
    """A licence posted to /enterprises/{id}/licences (the enterprise comes from the URL)."""

    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)  # type: ignore[assignment]


class VoidSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(
        max_length=500, error_messages={"required": "请填写作废原因。", "blank": "请填写作废原因。"}
    )
