"""Serializers of the organisation API. Reads show ids plus display names; writes are plain inputs handed
to the services (which scope every id and validate with Chinese messages). Password hashes never leave."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from anjian.core.uploads import attachments_of
from anjian.org.choices import AssignmentKind, Role
from anjian.org.models import Assignment, Community, Department, Grid, Meeting, MeetingDecision, User, Visit

REQUIRED: dict[str, Any] = {
    "required": "该字段为必填项。",
    "blank": "该字段不能为空。",
    "null": "该字段不能为空。",
}


class CommunitySerializer(serializers.ModelSerializer[Community]):
    grid_count = serializers.IntegerField(read_only=True)
    enterprise_count = serializers.IntegerField(read_only=True)
    people_count = serializers.IntegerField(read_only=True)
    boundary = serializers.JSONField(
        required=False, allow_null=True, help_text="GeoJSON Polygon 或 MultiPolygon"
    )

    class Meta:
        model = Community
        fields = [
            "id",
            "name",
            "code",
            "phone",
            "sort_order",
            "boundary",
            "center_lat",
            "center_lng",
            "grid_count",
            "enterprise_count",
            "people_count",
        ]
        read_only_fields = ["id", "center_lat", "center_lng"]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}, "code": {"validators": []}}


class GridSerializer(serializers.ModelSerializer[Grid]):
    community_name = serializers.CharField(source="community.name", read_only=True)
    boundary = serializers.JSONField(
        required=False, allow_null=True, help_text="GeoJSON Polygon 或 MultiPolygon"
    )

    class Meta:
        model = Grid
        fields = ["id", "community", "community_name", "name", "code", "boundary"]
        read_only_fields = ["id"]
        extra_kwargs: dict[str, Any] = {
            "code": {"validators": []},
            "community": {"queryset": Community.objects.all()},
        }
        validators: list[Any] = []


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    class Meta:
        model = Department
        fields = ["id", "name", "code", "phone", "duties"]
        read_only_fields = ["id"]
        extra_kwargs: dict[str, Any] = {"name": {"validators": []}, "code": {"validators": []}}


class UserSerializer(serializers.ModelSerializer[User]):
    """A person as others see them: no password, no permission flags."""

    role_label = serializers.CharField(read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True, default=None)
    grid_name = serializers.CharField(source="grid.name", read_only=True, default=None)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "name",
            "phone",
            "email",
            "role",
            "role_label",
            "title",
            "department",
            "department_name",
            "community",
            "community_name",
            "grid",
            "grid_name",
            "enterprise",
            "enterprise_name",
            "is_active",
            "deactivated_reason",
            "last_login",
        ]
        read_only_fields = fields


class UserWriteSerializer(serializers.Serializer[Any]):
    """Input for creating or changing a person; ids are looked up in the caller's scope by the service."""

    username = serializers.CharField(max_length=150, required=False)
    name = serializers.CharField(max_length=50, required=False)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    email = serializers.EmailField(required=False, allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices, required=False)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    department = serializers.IntegerField(required=False, allow_null=True)
    community = serializers.IntegerField(required=False, allow_null=True)
    grid = serializers.IntegerField(required=False, allow_null=True)
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})


class PersonPasswordSerializer(serializers.Serializer[Any]):
    password = serializers.CharField(
        write_only=True, error_messages=REQUIRED, style={"input_type": "password"}
    )


class RecordReasonSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, error_messages=REQUIRED)


class AssignmentSerializer(serializers.ModelSerializer[Assignment]):
    person_name = serializers.CharField(source="person.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    community_name = serializers.CharField(source="community.name", read_only=True)
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "kind",
            "person",
            "person_name",
            "enterprise",
            "enterprise_name",
            "community",
            "community_name",
            "department",
            "department_name",
            "status",
            "start_date",
            "end_date",
            "end_reason",
            "visits_per_week",
            "meetings_per_month",
            "out_of_range_confirmed_by",
            "out_of_range_note",
            "voided_at",
            "void_reason",
            "created_at",
        ]
        read_only_fields = fields


class AssignmentCreateSerializer(serializers.Serializer[Any]):
    """Assign several enterprises (cadre) or communities (liaison officer) to one person at once."""

    person = serializers.IntegerField(error_messages=REQUIRED)
    kind = serializers.ChoiceField(choices=AssignmentKind.choices, error_messages=REQUIRED)
    enterprises = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    communities = serializers.ListField(child=serializers.IntegerField(), required=False, default=list)
    department = serializers.IntegerField(required=False, allow_null=True)
    start_date = serializers.DateField(required=False, allow_null=True)
    confirm_out_of_range = serializers.BooleanField(required=False, default=False)
    out_of_range_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignmentEndSerializer(serializers.Serializer[Any]):
    end_date = serializers.DateField(error_messages=REQUIRED)
    reason = serializers.CharField(max_length=300, error_messages=REQUIRED)
    confirm_out_of_range = serializers.BooleanField(required=False, default=False)
    out_of_range_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class AssignmentVoidSerializer(serializers.Serializer[Any]):
    reason = serializers.CharField(max_length=300, error_messages=REQUIRED)
    confirm_out_of_range = serializers.BooleanField(required=False, default=False)
    out_of_range_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class VisitPhotoSerializer(serializers.Serializer[Any]):
    uuid = serializers.UUIDField()
    url = serializers.CharField()
    name = serializers.CharField()
    mime = serializers.CharField()
    size = serializers.IntegerField()


class VisitSerializer(serializers.ModelSerializer[Visit]):
    visitor_name = serializers.CharField(source="visitor.name", read_only=True)
    community_name = serializers.CharField(source="community.name", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True, default=None)
    photos = serializers.SerializerMethodField()

    class Meta:
        model = Visit
        fields = [
            "id",
            "visitor",
            "visitor_name",
            "date",
            "community",
            "community_name",
            "enterprise",
            "enterprise_name",
            "assignment",
            "participants",
            "notes",
            "issues_found",
            "photos",
            "voided_at",
            "void_reason",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(VisitPhotoSerializer(many=True))
    def get_photos(self, obj: Visit) -> list[dict[str, Any]]:
        prefetched = getattr(obj, "_photos", None)
        items = prefetched if prefetched is not None else attachments_of(obj)
        return [{**a.as_dict(), "url": reverse("attachment", args=[a.uuid])} for a in items]


class VisitCreateSerializer(serializers.Serializer[Any]):
    """A visit; send multipart/form-data to attach photos (field `photos`, repeatable)."""

    visitor = serializers.IntegerField(
        required=False, allow_null=True, help_text="代为登记时填写（安委办）；默认本人"
    )
    date = serializers.DateField(error_messages=REQUIRED)
    enterprise = serializers.IntegerField(required=False, allow_null=True)
    community = serializers.IntegerField(required=False, allow_null=True)
    participants = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    notes = serializers.CharField(error_messages=REQUIRED)
    issues_found = serializers.CharField(required=False, allow_blank=True, default="")
    photos = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class MeetingDecisionSerializer(serializers.ModelSerializer[MeetingDecision]):
    owner_display = serializers.SerializerMethodField()

    class Meta:
        model = MeetingDecision
        fields = [
            "id",
            "meeting",
            "text",
            "owner",
            "owner_name",
            "owner_display",
            "due_date",
            "status",
            "done_at",
            "done_note",
        ]
        read_only_fields = fields

    def get_owner_display(self, obj: MeetingDecision) -> str:
        return obj.owner.name if obj.owner_id and obj.owner else obj.owner_name


class MeetingDecisionInputSerializer(serializers.Serializer[Any]):
    text = serializers.CharField(max_length=500, error_messages=REQUIRED)
    owner = serializers.IntegerField(required=False, allow_null=True)
    owner_name = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    due_date = serializers.DateField(error_messages=REQUIRED)


class MeetingDecisionDoneSerializer(serializers.Serializer[Any]):
    note = serializers.CharField(max_length=500, error_messages=REQUIRED)


class MeetingSerializer(serializers.ModelSerializer[Meeting]):
    community_name = serializers.CharField(source="community.name", read_only=True)
    host_name = serializers.CharField(source="host.name", read_only=True)
    decisions = MeetingDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "community",
            "community_name",
            "host",
            "host_name",
            "assignment",
            "date",
            "title",
            "participants",
            "minutes",
            "decisions",
            "voided_at",
            "void_reason",
            "created_at",
        ]
        read_only_fields = fields


class MeetingCreateSerializer(serializers.Serializer[Any]):
    host = serializers.IntegerField(
        required=False, allow_null=True, help_text="代为登记时填写（安委办）；默认本人"
    )
    community = serializers.IntegerField(error_messages=REQUIRED)
    date = serializers.DateField(error_messages=REQUIRED)
    title = serializers.CharField(max_length=200, error_messages=REQUIRED)
    participants = serializers.CharField(max_length=500, error_messages=REQUIRED)
    minutes = serializers.CharField(error_messages=REQUIRED)
    decisions = MeetingDecisionInputSerializer(many=True, required=False, default=list)


class CoverageCellSerializer(serializers.Serializer[Any]):
    due = serializers.IntegerField()
    done = serializers.IntegerField()
    status = serializers.CharField()


class CoveragePeriodSerializer(serializers.Serializer[Any]):
    key = serializers.CharField()
    start = serializers.DateField()
    end = serializers.DateField()
    current = serializers.BooleanField()


class CoverageRowSerializer(serializers.Serializer[Any]):
    person = serializers.IntegerField()
    name = serializers.CharField()
    role = serializers.CharField()
    targets = serializers.ListField(child=serializers.CharField())
    weeks = CoverageCellSerializer(many=True)
    months = CoverageCellSerializer(many=True)
    behind = serializers.BooleanField()


class CoverageSerializer(serializers.Serializer[Any]):
    today = serializers.DateField()
    weeks = CoveragePeriodSerializer(many=True)
    months = CoveragePeriodSerializer(many=True)
    rows = CoverageRowSerializer(many=True)
    summary = serializers.DictField(child=serializers.IntegerField())
