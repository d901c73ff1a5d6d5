"""The API docs page renders from the app's own files, with no request leaving the server."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from anjian.conftest import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_is_served_locally(world, live_server, browser_page):
    page = browser_page(1366, 900)
    hosts: set[str] = set()
    errors: list[str] = []
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    browser_login(page, live_server, "admin")
    page.goto(f"{live_server.url}/api/docs/")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("安监 Anjian API", timeout=20000)
    assert hosts <= {urlparse(live_server.url).hostname, ""}, hosts
    assert not [e for e in errors if "Content Security Policy" in e], errors
