"""Request middleware: mark writes with their origin, and send a strict Content-Security-Policy."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from anjian.core.context import origin


def client_ip(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR", ""))[:64]


class RequestContextMiddleware:
    """Every audit entry written while serving a request says whether it came from a page or the API."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith(("/api/", "/open311/")) else "web"
        with origin(source, ip=client_ip(request), request_id=uuid.uuid4().hex[:12]):
            return self.get_response(request)


CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob: {tiles}; font-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Only the app's own scripts run; map tiles may come from the configured tile server."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        from urllib.parse import urlparse

        from django.conf import settings

        tiles = ""
        if settings.MAP_TILE_URL:
            parsed = urlparse(settings.MAP_TILE_URL.replace("{s}", "a"))
            host = parsed.netloc.replace("a.", "*.", 1) if "{s}" in settings.MAP_TILE_URL else parsed.netloc
            tiles = f"{parsed.scheme}://{host}"
        self.policy = CSP.format(tiles=tiles).replace("  ", " ")
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
