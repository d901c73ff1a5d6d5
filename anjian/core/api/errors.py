"""The JSON error format of CONTRACTS.md §3: {"error": {"code", "message", "fields"}}, Chinese messages."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, JsonResponse
from rest_framework import exceptions, status
from rest_framework.response import Response

from anjian.core.errors import ServiceError

MESSAGES = {
    "not_found": "对象不存在或无权访问。",
    "not_authenticated": "未登录或令牌无效。",
    "authentication_failed": "用户名或密码错误。",
    "permission_denied": "没有执行此操作的权限。",
    "method_not_allowed": "不支持该请求方法。",
    "parse_error": "请求体不是有效的 JSON 或表单数据。",
    "unsupported_media_type": "不支持的请求内容类型。",
    "throttled": "请求过于频繁，请稍后再试。",
    "invalid": "提交的数据有误，请检查后重试。",
    "not_acceptable": "无法提供请求的格式。",
}


def error_body(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def _flatten(detail: Any) -> Any:
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def django_validation_fields(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {k: [str(m) for e in v for m in e.messages] for k, v in exc.error_dict.items()}
    return {"non_field_errors": [str(m) for m in exc.messages]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return Response(error_body(exc.code, exc.message, exc.fields), status=exc.status)
    if isinstance(exc, DjangoValidationError):
        django_fields = django_validation_fields(exc)
        first_list = next(iter(django_fields.values()), [MESSAGES["invalid"]])
        first_text = first_list[0] if first_list else MESSAGES["invalid"]
        return Response(error_body("invalid", first_text, django_fields), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(getattr(exc, "wait", 0)))
    if isinstance(exc, exceptions.ValidationError):
        fields: Any = _flatten(exc.detail)
        if not isinstance(fields, dict):
            fields = {"non_field_errors": fields if isinstance(fields, list) else [fields]}
        first = _first_message(fields)
        return Response(
            error_body("invalid", first or MESSAGES["invalid"], fields),
            status=exc.status_code,
            headers=headers,
        )
    code: str = exc.default_code if isinstance(exc.default_code, str) else "error"
    if isinstance(exc, exceptions.NotAuthenticated | exceptions.AuthenticationFailed):
        code = "not_authenticated"
    message: str = MESSAGES.get(code) or (
        str(exc.detail) if isinstance(exc.detail, str) else MESSAGES["invalid"]
    )
    wait = getattr(exc, "wait", None)
    if isinstance(exc, exceptions.Throttled) and wait:
        message = f"请求过于频繁，请 {int(wait) + 1} 秒后再试。"
    if (
        isinstance(exc, exceptions.NotFound)
        and isinstance(exc.detail, str)
        and exc.detail not in ("Not found.", "未找到。")
    ):
        message = (
            exc.detail if any("\u4e00" <= ch <= "\u9fff" for ch in exc.detail) else MESSAGES["not_found"]
        )
    return Response(error_body(code, message), status=exc.status_code, headers=headers)


def _first_message(fields: Any) -> str:
    if isinstance(fields, dict):
        for value in fields.values():
            msg = _first_message(value)
            if msg:
                return msg
    elif isinstance(fields, list):
        for value in fields:
            msg = _first_message(value)
            if msg:
                return msg
    elif isinstance(fields, str):
        return fields
    return ""


def json_not_found(request: HttpRequest, exception: Exception | None = None) -> JsonResponse:
    return JsonResponse(error_body("not_found", MESSAGES["not_found"]), status=404)


def json_server_error(request: HttpRequest) -> JsonResponse:
    return JsonResponse(error_body("server_error", "服务器内部错误，已记录，请稍后再试。"), status=500)
