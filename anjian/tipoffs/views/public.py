"""The public pages (no login): the report form, the receipt with code and secret, the status lookup.

Abuse control without outside services: a request-body limit checked before the body is parsed, token
buckets per client address (attempts and accepted submissions separately, so one flooding client is
throttled while others still submit), and a proof-of-work challenge solved by the page's script."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from anjian.core import throttle
from anjian.core.errors import ServiceError
from anjian.core.middleware import client_ip
from anjian.tipoffs import challenge, identity, selectors, services
from anjian.tipoffs.choices import TipChannel
from anjian.tipoffs.forms import ReportForm, StatusLookupForm, add_service_errors
from anjian.tipoffs.identity import ReporterIdentity
from anjian.tipoffs.models import TipCategory, Tipoff

HOUR = 3600
ATTEMPTS_PER_HOUR = 30  # form posts of any kind from one address
LOOKUPS_PER_TEN_MINUTES = 20  # status look-ups from one address
LOOKUPS_PER_CODE_PER_HOUR = 10  # wrong secrets tried against one code, from anywhere
RECEIPT_SECONDS = 30 * 60


def body_too_large(request: HttpRequest) -> bool:
    """True when the declared body exceeds TIPOFF_MAX_BODY_BYTES (checked before anything parses it)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > settings.TIPOFF_MAX_BODY_BYTES


def submission_allowed(ip: str) -> bool:
    """One accepted anonymous submission costs one token of the address's hourly bucket."""
    return throttle.consume(f"tipoff:submit:{ip}", capacity=settings.TIPOFF_RATE_PER_HOUR, per_seconds=HOUR)


def _refused(
    request: HttpRequest, status: int, title: str, text: str, retry: int | None = None
) -> HttpResponse:
    response = render(request, "tipoffs/public/refused.html", {"title": title, "text": text}, status=status)
    if retry:
        response["Retry-After"] = str(retry)
    return response


def _too_large(request: HttpRequest) -> HttpResponse:
    limit = settings.TIPOFF_MAX_BODY_BYTES // (1024 * 1024)
    return _refused(
        request, 413, "提交内容过大", f"照片等附件合计不能超过 {limit} MB，请减少或压缩照片后重新提交。"
    )


def _throttled(request: HttpRequest) -> HttpResponse:
    return _refused(
        request,
        429,
        "提交过于频繁",
        "同一网络在短时间内提交次数过多，请稍后再试。紧急情况请拨打 12350 或 119。",
        retry=600,
    )


def _guard_body(view: Callable[[HttpRequest], HttpResponse]) -> Callable[[HttpRequest], HttpResponse]:
    """Refuse an oversized body before CSRF checking (which would parse it), then check CSRF."""
    protected = csrf_protect(view)

    def wrapper(request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and body_too_large(request):
            return _too_large(request)
        return protected(request)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return csrf_exempt(wrapper)


def _form_context(form: ReportForm) -> dict[str, Any]:
    return {
        "form": form,
        "challenge": challenge.issue(),
        "boundaries": selectors.boundaries(),
        "map_config": {
            "tileUrl": settings.MAP_TILE_URL or "",
            "tileAttribution": settings.MAP_TILE_ATTRIBUTION or "",
        },
        "notices": {
            str(c.pk): c.urgent_notice for c in TipCategory.objects.filter(active=True) if c.urgent_notice
        },
        "max_mb": settings.TIPOFF_MAX_BODY_BYTES // (1024 * 1024),
    }


@never_cache
@sensitive_post_parameters("name", "phone", "email")
@_guard_body
def report(request: HttpRequest) -> HttpResponse:
    """举报: phone-first public form. On success the code and secret are shown once (receipt page)."""
    form = ReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        ip = client_ip(request)
        if not throttle.consume(f"tipoff:attempt:{ip}", capacity=ATTEMPTS_PER_HOUR, per_seconds=HOUR):
            return _throttled(request)
        if form.is_valid():
            reason = challenge.check_and_spend(
                request.POST.get("challenge", ""), request.POST.get("challenge_solution", "")
            )
            if reason:
                form.add_error(None, reason)
            elif not submission_allowed(ip):
                return _throttled(request)
            else:
                data = form.cleaned_data
                sub = services.Submission(
                    category=data["category"],
                    description=data["description"],
                    address=data["address"],
                    lat=data["lat"],
                    lng=data["lng"],
                    enterprise_hint=data["enterprise_hint"],
                    identity=ReporterIdentity(name=data["name"], phone=data["phone"], email=data["email"]),
                    contact_consent=data["contact_consent"],
                    disclose_consent=data["disclose_consent"],
                    joint=data["joint"],
                    require_mobile=True,
                )
                try:
                    tip, secret = services.submit_tip(sub, photos=data["photos"], channel=TipChannel.WEB)
                except (ValidationError, ServiceError) as exc:
                    add_service_errors(form, exc)
                else:
                    request.session["tipoff_receipt"] = {
                        "code": tip.code,
                        "secret": secret,
                        "at": time.time(),
                    }
                    return redirect("report:done")
    return render(
        request, "tipoffs/public/report.html", _form_context(form), status=400 if form.errors else 200
    )


@never_cache
def done(request: HttpRequest) -> HttpResponse:
    """The receipt: tracking code and secret with copy buttons (kept in this browser's session briefly)."""
    receipt = request.session.get("tipoff_receipt")
    if not receipt or time.time() - float(receipt.get("at", 0)) > RECEIPT_SECONDS:
        request.session.pop("tipoff_receipt", None)
        return redirect("report:form")
    return render(request, "tipoffs/public/done.html", {"code": receipt["code"], "secret": receipt["secret"]})


def canonical_code(value: str) -> str:
    """JB250314-7K4Q from any spelling (lower case, spaces, missing dash)."""
    token = identity.normalize_token(value)
    return f"{token[:8]}-{token[8:]}" if len(token) == 12 else token


@never_cache
@sensitive_post_parameters("secret")
@csrf_protect
def status(request: HttpRequest) -> HttpResponse:
    """查询: whoever holds both the code and the secret reads the status and the feedback."""
    form = StatusLookupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        code = canonical_code(form.cleaned_data["code"])
        if not throttle.consume(f"tipoff:lookup:{ip}", capacity=LOOKUPS_PER_TEN_MINUTES, per_seconds=600):
            return _throttled(request)
        if not throttle.consume(
            f"tipoff:lookup-code:{code}", capacity=LOOKUPS_PER_CODE_PER_HOUR, per_seconds=HOUR
        ):
            return _throttled(request)
        tip = Tipoff.objects.select_related("category", "merged_into").filter(code=code).first()
        digest = tip.secret_digest if tip else "0" * 64
        if identity.secret_matches(code, form.cleaned_data["secret"], digest) and tip is not None:
            response = render(request, "tipoffs/public/status_result.html", selectors.public_view(tip))
            response["Cache-Control"] = "no-store"
            return response
        form.add_error(None, "举报编号或查询密码不正确。")
    return render(request, "tipoffs/public/status.html", {"form": form}, status=400 if form.errors else 200)
