"""API of the Excel import: upload a workbook (202 + job), then poll the job for progress and row errors."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from anjian.enterprises import importer
from anjian.enterprises.models import ImportJob


class ImportRowErrorSerializer(serializers.Serializer[dict[str, Any]]):
    row = serializers.IntegerField(help_text="Excel 行号（表头为第 1 行）")
    uscc = serializers.CharField(help_text="统一社会信用代码")
    name = serializers.CharField(help_text="企业名称")
    reasons = serializers.ListField(child=serializers.CharField(), help_text="拒绝原因（中文）")


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    finished = serializers.BooleanField(read_only=True)
    created_by = serializers.CharField(source="created_by.username", read_only=True)
    errors = ImportRowErrorSerializer(many=True, read_only=True)  # type: ignore[assignment]
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True)
    url = serializers.SerializerMethodField()
    errors_file = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "url",
            "original_name",
            "status",
            "status_label",
            "finished",
            "percent",
            "total_rows",
            "processed_rows",
            "created_count",
            "updated_count",
            "rejected_count",
            "message",
            "warnings",
            "errors",
            "errors_file",
            "created_by",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_url(self, job: ImportJob) -> str:
        """The job page in the web app."""
        return reverse("enterprises:import_status", args=[job.pk])

    def get_errors_file(self, job: ImportJob) -> str | None:
        """Download of the rejected rows (.xlsx with a 错误原因 column); null when no row was rejected."""
        return reverse("enterprises:import_errors", args=[job.pk]) if job.errors else None


class ImportUploadSerializer(serializers.Serializer[dict[str, Any]]):
    file = serializers.FileField(
        help_text="Excel 工作簿（.xlsx），第一个工作表，第 1 行为表头（CONTRACTS.md §6）"
    )


@extend_schema_view(
    list=extend_schema(summary="我的导入任务（街道管理员：全部）"),
    retrieve=extend_schema(summary="导入任务的进度、结果和被拒绝的行"),
)
class ImportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet[ImportJob]):
    """Excel imports of the enterprise register: POST a file, then GET the job until `finished`."""

    serializer_class = ImportJobSerializer
    queryset = ImportJob.objects.all()
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[ImportJob]:
        return importer.jobs_visible_to(self.request.user)

    @extend_schema(
        summary="上传 Excel 导入企业台账",
        request={"multipart/form-data": ImportUploadSerializer},
        responses={
            202: ImportJobSerializer,
            400: OpenApiResponse(description="文件类型、大小或内容不符合要求"),
        },
    )
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        upload = ImportUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        job = importer.start_import(upload.validated_data["file"], actor=request.user)
        job.refresh_from_db()  # in immediate mode the job has already run by now
        return Response(self.get_serializer(job).data, status=status.HTTP_202_ACCEPTED)
