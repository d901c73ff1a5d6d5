"""Pages shared by every capability: uploaded files (scoped) and the audit log."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from anjian.core.models import Attachment, AuditEntry


@login_required
def attachment_file(request: HttpRequest, uuid: str) -> FileResponse:
    """Serve an upload only to users who may see the record it is attached to."""
    att = get_object_or_404(Attachment, uuid=uuid, voided_at__isnull=True)
    model = att.content_type.model_class()
    manager = getattr(model, "objects", None)
    if model is None or manager is None or not hasattr(manager, "for_user"):
        raise Http404
    if not manager.for_user(request.user).filter(pk=att.object_id).exists():
        raise Http404
    try:
        handle = att.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(handle, content_type=att.mime_type)
    disposition = "inline" if att.is_image or att.mime_type == "application/pdf" else "attachment"
    response["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{_quote(att.original_name)}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    """The audit log, street administrators only (others get 404)."""
    if getattr(request.user, "role", "") != "street_admin" and not request.user.is_superuser:
        raise Http404
    qs = AuditEntry.objects.select_related("actor")
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(object_repr__icontains=q) | qs.filter(actor_label__icontains=q)
    for key in ("action", "source", "object_type"):
        value = request.GET.get(key, "").strip()
        if value:
            qs = qs.filter(**{key: value})
    page = Paginator(qs.order_by("-chain_index"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "core/audit_log.html",
        {"page_title": "审计日志", "page_obj": page, "entries": page.object_list, "sources": SOURCES},
    )


SOURCES = {
    "web": "网页",
    "api": "接口",
    "import": "导入",
    "job": "后台任务",
    "cli": "命令行",
    "ingest": "数据接入",
}


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith(("/api/", "/open311/"))


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        from anjian.core.api.errors import json_not_found

        return json_not_found(request)
    return render(request, "core/error.html", {"code": 404, "title": "页面不存在或无权访问"}, status=404)


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if _wants_json(request):
        from django.http import JsonResponse

        from anjian.core.api.errors import MESSAGES, error_body

        return JsonResponse(error_body("permission_denied", MESSAGES["permission_denied"]), status=403)
    return render(request, "core/error.html", {"code": 403, "title": "没有执行此操作的权限"}, status=403)


def server_error(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        from anjian.core.api.errors import json_server_error

        return json_server_error(request)
    return render(request, "core/error.html", {"code": 500, "title": "服务器内部错误，已记录"}, status=500)
