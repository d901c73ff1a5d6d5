"""Request middleware: mark writes with their origin, and send a strict Content-Security-Policy."""

from __future__ import annotations

import ipaddress
import uuid
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from anjian.core.context import origin


def _trusted(address: str, networks: tuple[str, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in ipaddress.ip_network(net) for net in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address: the connection's, or, when that is a trusted reverse proxy
    (TRUSTED_PROXIES), the nearest address in X-Forwarded-For that is not itself a trusted proxy.
    Addresses a client wrote into the header before the trusted proxies are never believed."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    networks = tuple(getattr(settings, "TRUSTED_PROXIES", ()))
    if networks and _trusted(remote, networks):
        hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if h.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop)
            except ValueError:
                break  # garbage from the client side: stop at the last good hop
            remote = hop
            if not _trusted(hop, networks):
                break
    return remote[:64]


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
