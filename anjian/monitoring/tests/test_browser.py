"""Browser journey (Playwright + Debian Chromium): a device pushes a gas reading, the alarm appears on the
live board without reload, the grid inspector acknowledges it and closes it with a disposal note."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from anjian.conftest import browser_login
from anjian.monitoring import credentials
from anjian.monitoring.choices import AlarmState
from anjian.monitoring.models import Alarm
from anjian.monitoring.tests.conftest import make_device

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def push(base: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST to the live server; retried briefly (SQLite's shared in-memory test database may be locked by
    the board's stream for a moment)."""
    for _ in range(20):
        req = urllib.request.Request(  # noqa: S310
            f"{base}/api/v1/ingest/telemetry",
            data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json", "X-Device-Token": token},
            method="POST",
        )
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
                return dict(json.loads(resp.read()))
        except urllib.error.HTTPError as exc:
            if exc.code != 503:
                raise
            time.sleep(0.2)
    raise AssertionError("push kept failing")


def test_pushed_gas_alarm_appears_live_then_is_acknowledged_and_closed(
    seeded: None, live_server: Any, browser_page: Any, world: Any
) -> None:
    device = make_device("KGAS-BROWSER-01", "restaurant_gas", world.ent_a1, name="后厨燃气探测器")
    token = credentials.new_token()
    device.http_token_hash = credentials.token_hash(token)
    device.save(update_fields=["http_token_hash"])

    page = browser_page()
    browser_login(page, live_server, "inspector_a1")
    page.goto(f"{live_server.url}/monitoring/")
    page.wait_for_selector(
        '#live-indicator[data-state="live"], #live-indicator[data-state="polling"]', timeout=15000
    )
    assert page.locator(".alarm-card").count() == 0

    sent = time.monotonic()
    result = push(
        live_server.url,
        token,
        {
            "device": device.code,
            "ts": int(time.time() * 1000),
            "seq": 1,
            "metrics": {"lel": 56.5, "valve_closed": 1},
        },
    )
    assert result["accepted"] == 1
    card = page.locator(".alarm-card").filter(has_text="燃气泄漏")
    card.wait_for(timeout=10000)
    shown_after = time.monotonic() - sent
    assert "level-2" in (card.get_attribute("class") or "")
    assert "后厨燃气探测器" in card.inner_text() and "56.5" in card.inner_text()
    assert shown_after < 5, f"alarm shown after {shown_after:.1f}s"

    card.get_by_role("button", name="确认").click()
    page.wait_for_function(
        "() => document.querySelector('.alarm-card')?.dataset.state === 'acknowledged'", timeout=10000
    )
    alarm = Alarm.objects.get(device=device)
    assert alarm.state == AlarmState.ACKNOWLEDGED and alarm.acknowledged_by == world.inspector_a1

    page.locator(".alarm-card").get_by_role("button", name="关闭").click()
    page.locator("#close-modal").wait_for(state="visible")
    page.locator("#close-submit").click()  # empty note: refused in the browser
    assert "is-invalid" in (page.locator("#close-note").get_attribute("class") or "")
    page.fill("#close-note", "现场检查为燃气软管松动，已关阀更换，复测正常。")
    page.locator("#close-submit").click()
    page.locator(".alarm-card").wait_for(state="detached", timeout=10000)
    page.locator("#board-empty").wait_for(state="visible")
    alarm.refresh_from_db()
    assert alarm.state == AlarmState.CLOSED and alarm.disposal_note.startswith("现场检查")
    page.goto("about:blank")  # end the event stream while the test database is still there
    time.sleep(1.0)
