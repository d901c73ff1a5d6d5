"""Pages of the Excel import and export: upload, job progress and results, rejected rows, template, export."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from anjian.core import audit
from anjian.core.errors import ServiceError
from anjian.enterprises import exporter, importer
from anjian.enterprises.importer import COLUMNS, REQUIRED_HEADERS, jobs_visible_to
from anjian.enterprises.models import ImportJob
from anjian.org.permissions import can

ERRORS_PER_PAGE = 100


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Excel 文件",
        error_messages={"required": "请选择要导入的 Excel 文件（.xlsx）。"},
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )


def _size_label(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    """Upload a workbook (file input or drag and drop) and see the recent import jobs."""
    if not can(request.user, "enterprise.import"):
        raise PermissionDenied
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    if request.method == "POST" and form.is_valid():
        try:
            job = importer.start_import(form.cleaned_data["file"], actor=request.user)
        except ServiceError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("enterprises:import_status", pk=job.pk)
    jobs = jobs_visible_to(request.user)[:20]
    return render(
        request,
        "enterprises/import.html",
        {
            "page_title": "批量导入企业",
            "form": form,
            "jobs": jobs,
            "columns": COLUMNS,
            "required_headers": REQUIRED_HEADERS,
            "max_bytes": settings.IMPORT_MAX_BYTES,
            "max_label": _size_label(settings.IMPORT_MAX_BYTES),
            "show_owner": getattr(request.user, "role", "") == "street_admin" or request.user.is_superuser,
            "can_export": can(request.user, "enterprise.export"),
        },
        status=400 if form.errors else 200,
    )


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    return get_object_or_404(jobs_visible_to(request.user), pk=pk)


@login_required
@require_GET
def import_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The job page: a progress bar polled every second until done, then counts, warnings and rejected rows."""
    job = _job_for(request, pk)
    page = Paginator(job.errors or [], ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    context: dict[str, Any] = {
        "job": job,
        "page_obj": page,
        "error_rows": page.object_list,
        "page_title": "导入结果",
    }
    if request.headers.get("HX-Request"):
        return render(request, "enterprises/import_progress.html", context)
    return render(request, "enterprises/import_status.html", context)


@login_required
@require_GET
def import_errors(request: HttpRequest, pk: int) -> HttpResponse | FileResponse:
    """The rejected rows as they were uploaded plus a 错误原因 column (.xlsx, or CSV with ?format=csv)."""
    job = _job_for(request, pk)
    if not job.errors:
        raise Http404
    stem = job.original_name.rsplit(".", 1)[0] or "导入"
    try:
        if request.GET.get("format") == "csv":
            response = HttpResponse(exporter.rejected_rows_csv(job), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = _disposition(f"{stem}_被拒绝的行.csv")
            return response
        handle = exporter.rejected_rows_xlsx(job)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"{stem}_被拒绝的行.xlsx",
        content_type=exporter.XLSX_CONTENT_TYPE,
    )


def _disposition(filename: str) -> str:
    from urllib.parse import quote

    return f"attachment; filename*=UTF-8''{quote(filename)}"


@login_required
@require_GET
def template_download(request: HttpRequest) -> FileResponse:
    """The import template: contract headers, one example row, and the 填写说明 sheet of valid values."""
    if not (can(request.user, "enterprise.import") or can(request.user, "enterprise.export")):
        raise PermissionDenied
    return FileResponse(
        exporter.template_workbook(request.user),
        as_attachment=True,
        filename="企业台账导入模板.xlsx",
        content_type=exporter.XLSX_CONTENT_TYPE,
    )


@login_required
@require_GET
def export(request: HttpRequest) -> FileResponse:
    """The register list as filtered on the list page (q, community, grid, category, industry, status, sort)."""
    if not can(request.user, "enterprise.export"):
        raise PermissionDenied
    handle, count = exporter.export_workbook(request)
    used = {k: v for k, v in request.GET.items() if v}
    audit.record(
        actor=request.user,
        action="export",
        object_type="enterprises.enterprise",
        object_repr=f"导出 {count} 家企业",
        after={"filters": used, "count": count},
    )
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"企业台账_{timezone.localdate():%Y%m%d}.xlsx",
        content_type=exporter.XLSX_CONTENT_TYPE,
    )
