"""API representations of tips. Never the reporter's identity: the sealed fields are not exposed and
there is no endpoint that reveals them (the tip officer does that on the page, audited)."""

from __future__ import annotations

from rest_framework import serializers

from anjian.org.models import Community, Department, Grid
from anjian.tipoffs.choices import PaymentMethod
from anjian.tipoffs.models import RewardRule, TipCategory, TipEvent, Tipoff


class TipCategorySerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    class Meta:
        model = TipCategory
        fields = [
            "id",
            "code",
            "name",
            "description",
            "group",
            "icon",
            "urgent_notice",
            "sort_order",
            "active",
        ]


class RewardRuleSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    categories: serializers.SlugRelatedField[TipCategory] = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    basis = serializers.CharField(read_only=True, help_text="fine_percent/concealed_death/fixed")
    basis_label = serializers.CharField(source="get_basis_display", read_only=True)
    accident_level = serializers.CharField(read_only=True)

    class Meta:
        model = RewardRule
        fields = [
            "id",
            "code",
            "name",
            "basis",
            "basis_label",
            "categories",
            "accident_level",
            "percent",
            "amount",
            "minimum",
            "maximum",
            "legal_basis",
            "is_local",
            "active",
        ]


class TipoffSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    """A tip as staff read it: report, place, state, deadlines, handling and reward amount."""

    category: serializers.SlugRelatedField[TipCategory] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    category_name = serializers.CharField(source="category.name", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    community_name = serializers.CharField(
        source="community.name", read_only=True, allow_null=True, default=None
    )
    enterprise_name = serializers.CharField(
        source="enterprise.name", read_only=True, allow_null=True, default=None
    )
    assignee = serializers.CharField(source="assignee_label", read_only=True)
    overdue = serializers.SerializerMethodField()
    duplicate_suspect: serializers.SlugRelatedField[Tipoff] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    merged_into: serializers.SlugRelatedField[Tipoff] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    reward_amount = serializers.SerializerMethodField()
    # Plain strings (the labels are beside them) keep the schema free of enum-name collisions.
    status = serializers.CharField(
        read_only=True,
        help_text="received/accepted/rejected/assigned/verified_true/verified_false/handled/reward_decided/reward_paid/closed/merged",
    )
    channel = serializers.CharField(read_only=True, help_text="web/open311/partner/staff")
    assigned_kind = serializers.CharField(read_only=True, help_text="community/grid/department 或空")
    accident_level = serializers.CharField(
        read_only=True, help_text="general/larger/major/especially_major 或空"
    )

    class Meta:
        model = Tipoff
        fields = [
            "id",
            "code",
            "category",
            "category_name",
            "description",
            "address",
            "lat",
            "lng",
            "community",
            "community_name",
            "enterprise",
            "enterprise_name",
            "anonymous",
            "joint",
            "channel",
            "received_at",
            "status",
            "status_label",
            "due_at",
            "overdue",
            "accepted_at",
            "assigned_kind",
            "assignee",
            "assigned_at",
            "verified_true",
            "verified_at",
            "enforcement_action",
            "fine_amount",
            "confiscated_amount",
            "concealed_deaths",
            "accident_level",
            "hazard_code",
            "feedback_due_at",
            "feedback_at",
            "closed_at",
            "duplicate_suspect",
            "merged_into",
            "reward_amount",
        ]
        read_only_fields = fields

    def get_overdue(self, obj: Tipoff) -> list[str]:
        return obj.overdue_reasons()

    def get_reward_amount(self, obj: Tipoff) -> str | None:
        reward = getattr(obj, "reward", None)
        return str(reward.amount) if reward is not None else None


class TipEventSerializer(serializers.ModelSerializer):  # type: ignore[type-arg]
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    actor = serializers.StringRelatedField()  # type: ignore[var-annotated]
    summary = serializers.CharField(read_only=True)

    class Meta:
        model = TipEvent
        fields = ["id", "at", "type", "type_label", "actor", "summary"]


class TipoffErrorDetailSerializer(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField()  # type: ignore[assignment]  # DRF moves declared fields aside


class TipoffErrorSerializer(serializers.Serializer):  # type: ignore[type-arg]
    """The error body of CONTRACTS.md §3 (a 409 names the state that refused the step)."""

    error = TipoffErrorDetailSerializer()


class TipAcceptSerializer(serializers.Serializer):  # type: ignore[type-arg]
    community = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), required=False, allow_null=True
    )
    enterprise = serializers.IntegerField(required=False, allow_null=True, help_text="被举报单位的企业 ID")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TipRejectSerializer(serializers.Serializer):  # type: ignore[type-arg]
    reason = serializers.CharField(max_length=500)


class TipAssignSerializer(serializers.Serializer):  # type: ignore[type-arg]
    kind = serializers.CharField(help_text="community（社区）、grid（网格）或 department（科办）")
    community = serializers.PrimaryKeyRelatedField(
        queryset=Community.objects.all(), required=False, allow_null=True
    )
    grid = serializers.PrimaryKeyRelatedField(queryset=Grid.objects.all(), required=False, allow_null=True)
    department = serializers.PrimaryKeyRelatedField(
        queryset=Department.objects.all(), required=False, allow_null=True
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TipVerifySerializer(serializers.Serializer):  # type: ignore[type-arg]
    truthful = serializers.BooleanField(help_text="true 查证属实，false 查证不实")
    note = serializers.CharField(max_length=2000)


class TipHandleSerializer(serializers.Serializer):  # type: ignore[type-arg]
    enforcement_action = serializers.CharField(max_length=2000)
    fine_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    confiscated_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, required=False, allow_null=True, min_value=0
    )
    concealed_deaths = serializers.IntegerField(required=False, allow_null=True, min_value=0)
    accident_level = serializers.CharField(
        required=False,
        allow_blank=True,
        help_text="general 一般 / larger 较大 / major 重大 / especially_major 特别重大",
    )
    hazard_code = serializers.CharField(required=False, allow_blank=True, max_length=40)


class TipFeedbackSerializer(serializers.Serializer):  # type: ignore[type-arg]
    text = serializers.CharField(max_length=1000)


class TipCloseSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TipNoteSerializer(serializers.Serializer):  # type: ignore[type-arg]
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class TipMergeSerializer(serializers.Serializer):  # type: ignore[type-arg]
    into = serializers.CharField(max_length=40, help_text="合并到的举报编号（同一事项最先受理的举报）")
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RewardDecideSerializer(serializers.Serializer):  # type: ignore[type-arg]
    rule = serializers.SlugRelatedField(
        slug_field="code",
        queryset=RewardRule.objects.all(),
        help_text="奖励规则编码（见 /api/v1/reward-rules/）；金额由规则计算，不能手填",
    )
    note = serializers.CharField(required=False, allow_blank=True, max_length=500)


class RewardPaySerializer(serializers.Serializer):  # type: ignore[type-arg]
    amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, help_text="须与决定金额一致"
    )
    paid_on = serializers.DateField(help_text="发放日期，不晚于今天")
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    receipt = serializers.FileField(
        help_text="发放凭证（签收单或回单，图片或 PDF），multipart/form-data 上传"
    )
