"""The client's address behind reverse proxies: X-Forwarded-For only from TRUSTED_PROXIES."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import RequestFactory

from anjian.config.env import ConfigError, env_networks
from anjian.core.middleware import client_ip


def ip_of(remote: str, xff: str | None = None) -> str:
    meta: dict[str, Any] = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return client_ip(RequestFactory().get("/", **meta))


def test_without_trusted_proxies_the_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ()
    assert ip_of("203.0.113.9", "1.2.3.4") == "203.0.113.9"


def test_behind_a_trusted_proxy_the_nearest_untrusted_hop_is_the_client(settings: Any) -> None:
    settings.TRUSTED_PROXIES = ("10.0.0.0/8", "127.0.0.1/32")
    assert ip_of("10.0.0.2", "198.51.100.7") == "198.51.100.7"
    # a client that writes its own header cannot choose its address: the proxy appended the real one
    assert ip_of("10.0.0.2", "1.1.1.1, 198.51.100.7") == "198.51.100.7"
    # two trusted proxies in a row are skipped
    assert ip_of("127.0.0.1", "198.51.100.7, 10.1.2.3") == "198.51.100.7"
    # a request from outside the proxies keeps its own address whatever it claims
    assert ip_of("203.0.113.9", "198.51.100.7") == "203.0.113.9"
    # garbage stops the walk; no header means the proxy itself
    assert ip_of("10.0.0.2", "not-an-ip") == "10.0.0.2"
    assert ip_of("10.0.0.2") == "10.0.0.2"
    assert ip_of("10.0.0.2", "2001:db8::1") == "2001:db8::1"


def test_trusted_proxies_setting_is_validated(monkeypatch: Any) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8, 127.0.0.1")
    assert env_networks("TRUSTED_PROXIES") == ("10.0.0.0/8", "127.0.0.1/32")
    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.0/8,proxy.local")
    with pytest.raises(ConfigError, match=r"proxy\.local"):
        env_networks("TRUSTED_PROXIES")
