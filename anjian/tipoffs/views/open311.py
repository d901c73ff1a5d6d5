"""Open311 GeoReport v2 (CONTRACTS.md §5) at /open311/v2/: services, service definitions, posting a
request and reading requests back, in JSON or XML.

GET answers never contain the reporter's identity, the report text or uploaded photos: only the
category, the place, the state and public notes. Without api_key a POST is an anonymous public report
(rate-limited per address, like the web form); with one it is attributed to a registered partner app."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from xml.etree import ElementTree as ET

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters

from anjian.core import throttle
from anjian.core.errors import ServiceError
from anjian.core.middleware import client_ip
from anjian.org.models import Street
from anjian.tipoffs import services
from anjian.tipoffs.choices import CLOSED_STATUSES, TipChannel
from anjian.tipoffs.identity import ReporterIdentity
from anjian.tipoffs.models import TipCategory, Tipoff
from anjian.tipoffs.views.public import body_too_large, submission_allowed

FORMATS = ("json", "xml")
MAX_RESULTS = 1000
DEFAULT_DAYS = 90
READS_PER_HOUR = 600
SERVICE_NOTICE = "请妥善保存举报编号（service_request_id）和查询密码（token），凭二者可在 /report/status/ 查询办理进展和答复。"


# --- output ----------------------------------------------------------------------------------------


def _xml(root: str, item: str, rows: list[dict[str, Any]]) -> bytes:
    top = ET.Element(root)
    for row in rows:
        el = ET.SubElement(top, item)
        for key, value in row.items():
            child = ET.SubElement(el, key)
            if isinstance(value, bool):
                child.text = "true" if value else "false"
            elif isinstance(value, list):
                child.text = ",".join(str(v) for v in value) if value else None
            elif value is not None:
                child.text = str(value)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode").encode()


ROOTS = {
    "services": ("services", "service"),
    "definition": ("service_definition", "attribute"),
    "requests": ("service_requests", "request"),
    "created": ("service_requests", "request"),
    "errors": ("errors", "error"),
}


def _answer(fmt: str, kind: str, rows: list[dict[str, Any]], status: int = 200) -> HttpResponse:
    if fmt == "xml":
        root, item = ROOTS[kind]
        if kind == "definition":  # <service_definition><service_code/><attributes/></service_definition>
            top = ET.Element("service_definition")
            ET.SubElement(top, "service_code").text = str(rows[0]["service_code"])
            ET.SubElement(top, "attributes")
            body = b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode").encode()
        else:
            body = _xml(root, item, rows)
        return HttpResponse(body, status=status, content_type="text/xml; charset=utf-8")
    payload: Any = rows[0] if kind == "definition" else rows
    return JsonResponse(payload, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _error(fmt: str, status: int, description: str) -> HttpResponse:
    return _answer(
        fmt if fmt in FORMATS else "json", "errors", [{"code": status, "description": description}], status
    )


def _iso(value: dt.datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _service(category: TipCategory) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description,
        "metadata": False,
        "type": "realtime",
        "keywords": category.keywords,
        "group": category.group,
    }


def _agency(tip: Tipoff, street: str) -> str:
    return tip.assignee_label or f"{street}安全生产委员会办公室"


def _request(tip: Tipoff, street: str) -> dict[str, Any]:
    """One service request as the public may read it: no identity, no report text, no photos."""
    return {
        "service_request_id": tip.code,
        "status": "closed" if tip.status in CLOSED_STATUSES else "open",
        "status_notes": tip.public_note,
        "service_name": tip.category.name,
        "service_code": tip.category.code,
        "agency_responsible": _agency(tip, street),
        "service_notice": "举报内容和举报人信息依法保密，不予公开。",
        "requested_datetime": _iso(tip.received_at),
        "updated_datetime": _iso(tip.updated_at),
        "expected_datetime": None,
        "address": tip.address,
        "address_id": None,
        "zipcode": None,
        "lat": tip.lat,
        "long": tip.lng,
        "media_url": tip.media_url or None,
    }


def _street_name() -> str:
    street = Street.objects.order_by("pk").first()
    return street.name if street else "街道"


def _read_allowed(request: HttpRequest) -> bool:
    return throttle.consume(f"open311:read:{client_ip(request)}", capacity=READS_PER_HOUR, per_seconds=3600)


# --- endpoints -------------------------------------------------------------------------------------


def services_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET services.{json|xml}: the report categories."""
    if request.method != "GET":
        return _error(fmt, 405, "只支持 GET。")
    return _answer(fmt, "services", [_service(c) for c in TipCategory.objects.filter(active=True)])


def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET services/{service_code}.{json|xml}: no extra attributes (metadata is false for every service)."""
    if request.method != "GET":
        return _error(fmt, 405, "只支持 GET。")
    if not TipCategory.objects.filter(code=code, active=True).exists():
        return _error(fmt, 404, f"service_code 不存在：{code}")
    return _answer(fmt, "definition", [{"service_code": code, "attributes": []}])


@csrf_exempt
@sensitive_post_parameters("first_name", "last_name", "phone", "email", "device_id", "account_id")
def requests_endpoint(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET requests.{fmt} (filtered list) or POST requests.{fmt} (a new report)."""
    if request.method == "POST":
        return _create(request, fmt)
    if request.method != "GET":
        return _error(fmt, 405, "只支持 GET 和 POST。")
    if not _read_allowed(request):
        return _error(fmt, 429, "请求过于频繁，请稍后再试。")
    qs = Tipoff.objects.select_related(
        "category", "assigned_community", "assigned_grid", "assigned_department"
    )
    params = request.GET
    ids = [i.strip() for i in params.get("service_request_id", "").split(",") if i.strip()]
    if ids:
        qs = qs.filter(code__in=ids)
    else:
        codes = [c.strip() for c in params.get("service_code", "").split(",") if c.strip()]
        if codes:
            qs = qs.filter(category__code__in=codes)
        start, end = params.get("start_date", ""), params.get("end_date", "")
        start_dt, end_dt = _when(start), _when(end, end_of_day=True)
        if (start and start_dt is None) or (end and end_dt is None):
            return _error(
                fmt, 400, "start_date / end_date 应为 ISO 8601 日期时间，如 2026-03-01T00:00:00+08:00。"
            )
        if start_dt is None and end_dt is None:
            start_dt = timezone.now() - dt.timedelta(days=DEFAULT_DAYS)
        if start_dt is not None:
            qs = qs.filter(received_at__gte=start_dt)
        if end_dt is not None:
            qs = qs.filter(received_at__lte=end_dt)
        states = {s.strip() for s in params.get("status", "").split(",") if s.strip()}
        if states - {"open", "closed"}:
            return _error(fmt, 400, "status 只能是 open 或 closed（可用逗号同时指定）。")
        if states == {"open"}:
            qs = qs.exclude(status__in=list(CLOSED_STATUSES))
        elif states == {"closed"}:
            qs = qs.filter(status__in=list(CLOSED_STATUSES))
    street = _street_name()
    return _answer(
        fmt, "requests", [_request(t, street) for t in qs.order_by("-received_at", "-id")[:MAX_RESULTS]]
    )


def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """GET requests/{service_request_id}.{fmt}: one request (as a one-element list, per GeoReport v2)."""
    if request.method != "GET":
        return _error(fmt, 405, "只支持 GET。")
    if not _read_allowed(request):
        return _error(fmt, 429, "请求过于频繁，请稍后再试。")
    tip = Tipoff.objects.select_related("category").filter(code=request_id.upper()).first()
    if tip is None:
        return _error(fmt, 404, f"service_request_id 不存在：{request_id}")
    return _answer(fmt, "requests", [_request(tip, _street_name())])


def _when(value: str, *, end_of_day: bool = False) -> dt.datetime | None:
    value = (value or "").strip().replace(" ", "+")  # a '+' in a query string arrives as a space
    if not value:
        return None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        return None
    if parsed is None:
        try:
            day = parse_date(value)
        except ValueError:
            return None
        if day is None:
            return None
        parsed = dt.datetime.combine(day, dt.time.max if end_of_day else dt.time.min)
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _fields(request: HttpRequest) -> dict[str, str] | None:
    """The POSTed fields, from a form body or a JSON object (None when the JSON is malformed)."""
    if (request.content_type or "").startswith("application/json"):
        try:
            data = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(data, dict):
            return None
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    return {k: request.POST.get(k, "") for k in request.POST}


def _float(value: str, name: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise ValidationError({name: f"{name} 应为数字。"}) from None


def _create(request: HttpRequest, fmt: str) -> HttpResponse:
    if body_too_large(request):
        return _error(fmt, 413, "请求体过大。")
    fields = _fields(request)
    if fields is None:
        return _error(fmt, 400, "请求体不是有效的 JSON 对象。")
    partner = None
    key = fields.get("api_key", "").strip()
    if key:
        partner = services.partner_for_key(key)
        if partner is None:
            return _error(fmt, 403, "api_key 无效或已停用。")
        allowed = throttle.consume(
            f"tipoff:partner:{partner.pk}", capacity=partner.rate_per_hour, per_seconds=3600
        )
    else:
        allowed = submission_allowed(client_ip(request))
    if not allowed:
        return _error(fmt, 429, "提交过于频繁，请稍后再试。")
    code = fields.get("service_code", "").strip()
    category = TipCategory.objects.filter(code=code, active=True).first() if code else None
    if category is None:
        return _error(fmt, 400, "service_code 缺失或不存在，请先调用 services.json 获取可用类别。")
    try:
        lat, lng = _float(fields.get("lat", ""), "lat"), _float(fields.get("long", ""), "long")
        name = f"{fields.get('last_name', '').strip()}{fields.get('first_name', '').strip()}"
        sub = services.Submission(
            category=category,
            description=fields.get("description", ""),
            address=fields.get("address_string", ""),
            lat=lat,
            lng=lng,
            media_url=fields.get("media_url", "")[:500]
            if fields.get("media_url", "").startswith(("http://", "https://"))
            else "",
            identity=ReporterIdentity(
                name=name,
                phone=fields.get("phone", ""),
                email=fields.get("email", ""),
                device_id=fields.get("device_id", ""),
                account_id=fields.get("account_id", ""),
            ),
            contact_consent=bool(fields.get("phone") or fields.get("email")),
        )
        photos = request.FILES.getlist("media")
        tip, secret = services.submit_tip(
            sub, photos=photos, channel=TipChannel.PARTNER if partner else TipChannel.OPEN311, partner=partner
        )
    except ValidationError as exc:
        messages = [m for ms in getattr(exc, "message_dict", {"": exc.messages}).values() for m in ms]
        return _error(fmt, 400, "；".join(messages) or "提交的数据有误。")
    except ServiceError as exc:
        return _error(fmt, exc.status, exc.message)
    return _answer(
        fmt,
        "created",
        [
            {
                "service_request_id": tip.code,
                "token": secret,
                "service_notice": SERVICE_NOTICE,
                "account_id": None,
            }
        ],
        status=201,
    )


def guard_format(view: Any) -> Any:
    """Answer 404 in GeoReport's error format for an unknown format suffix."""

    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return _error("json", 404, "只支持 .json 和 .xml 格式。")
        return view(request, *args, fmt=fmt, **kwargs)  # type: ignore[no-any-return]

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    if getattr(view, "csrf_exempt", False):
        wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper
