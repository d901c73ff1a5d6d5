"""Browser journey over the real broker (issue 4, "Done when"): with Mosquitto running and the `anjian ingest`
consumer subscribed, `mosquitto_pub -q 1` of the CONTRACTS.md §4 payload for a device makes the alarm appear
on the open live board — without reload — within a second of the publish; the grid inspector acknowledges it
on the board, a normal reading published the same way clears it (the card turns to 已恢复 live), and the
inspector closes it with a disposal note: active → acknowledged → cleared → closed (DOMAIN.md §5), checked
in the browser and in the database.

The consumer runs in a thread of the test process (as in test_mqtt.py) with the product's default batching,
on its own client id and topic prefix so parallel runs never see each other's messages; its persistent
session is removed from the shared broker at the end."""

from __future__ import annotations

import re
import shutil
import threading
import time
import uuid
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from anjian.conftest import browser_login
from anjian.monitoring.choices import AlarmEventType, AlarmState
from anjian.monitoring.models import Alarm
from anjian.monitoring.tests import streams
from anjian.monitoring.tests.conftest import make_device
from anjian.monitoring.tests.streams import forget_session, port_open, required

pytestmark = [pytest.mark.browser, pytest.mark.mqtt, pytest.mark.django_db(transaction=True)]
BROKER = ("127.0.0.1", 1883)


def mosquitto_pub(topic: str, payload: str) -> None:
    """Publish one message at QoS 1 with the Mosquitto command-line client, under its own client id."""
    streams.mosquitto_pub(
        topic, payload, host=BROKER[0], port=BROKER[1], client_id=f"anjian-test-pub-{uuid.uuid4().hex[:8]}"
    )


def seconds_until_visible(locator: Any, started: float, timeout: float = 10.0) -> float:
    """Seconds from `started` (time.monotonic) until `locator` is visible, checked every 10 ms.

    Playwright's expect() retries after 100, 250, 500 and then 1000 ms, so the moment it reports would
    overstate the latency by up to a second; a one-shot check in a tight loop measures it to ~10 ms."""
    while not locator.is_visible():
        if time.monotonic() - started > timeout:
            break
        time.sleep(0.01)
    elapsed = time.monotonic() - started
    expect(locator).to_be_visible(timeout=1)  # fails with Playwright's own report if it never showed
    return elapsed


def requests_finished(since: set[threading.Thread], timeout: float) -> bool:
    """Whether every live-server request thread (socketserver's process_request_thread) started after
    `since` was taken has ended."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not [t for t in threading.enumerate() if t not in since and "process_request_thread" in t.name]:
            return True
        time.sleep(0.05)
    return False


def test_mosquitto_pub_alarm_appears_on_the_open_board_within_a_second_then_acknowledged_cleared_closed(
    seeded: None, live_server: Any, browser_page: Any, world: Any
) -> None:
    from anjian.monitoring.ingest.mqtt import BrokerConfig, Consumer

    if not port_open(*BROKER):
        required("Mosquitto at 127.0.0.1:1883")
    if shutil.which("mosquitto_pub") is None:
        required("mosquitto_pub (mosquitto-clients)")

    device = make_device(
        "GAS4-BOARD-01", "gas4", world.ent_a1, name="污水井四合一气体检测仪", location="1号污水井口"
    )
    run = uuid.uuid4().hex[:10]
    prefix = f"test-{run}/anjian/v1"
    client_id = f"anjian-test-{run}"
    topic = f"{prefix}/{device.code}/telemetry"
    before = set(threading.enumerate())
    # The product's default batching (BATCH_WAIT_MS): what a deployment gets.
    consumer = Consumer(BrokerConfig(*BROKER), client_id=client_id, prefix=prefix)
    thread = threading.Thread(target=consumer.run, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    page = browser_page()
    try:
        browser_login(page, live_server, "inspector_a1")
        page.goto(f"{live_server.url}/monitoring/")
        expect(page.locator("#live-indicator")).to_have_attribute("data-state", "live", timeout=15000)
        expect(page.locator("#board-empty")).to_be_visible()
        expect(page.locator(".alarm-card")).to_have_count(0)
        sound = page.locator("#sound-toggle")
        sound.click()  # the alarm beeps (WebAudio) once sound is on
        expect(sound).to_have_attribute("aria-pressed", "true")
        navigations: list[str] = []  # from here on the board is never reloaded or left until the end
        page.on("framenavigated", lambda frame: navigations.append(frame.url))
        # Set once the broker acknowledged the subscription: a message published now reaches the consumer.
        assert consumer.connected.wait(15), "consumer did not connect to Mosquitto"

        # --- active: the contract payload, ISO 8601 time with offset, lel 62 % LEL ≥ 50 → level 2 (报警).
        card = page.locator(".alarm-card").filter(has_text=device.name)
        started = time.monotonic()
        published_ms = time.time() * 1000
        mosquitto_pub(
            topic,
            f'{{"ts": "{timezone.localtime().isoformat(timespec="seconds")}", "seq": 1, '
            '"metrics": {"o2": 20.9, "lel": 62, "h2s": 0, "co": 0, "battery": 87}}',
        )
        shown_after = seconds_until_visible(card, started)
        committed_after = (consumer.stats.last_commit_ms - published_ms) / 1000
        timing = (
            f"alarm on the board {shown_after:.3f}s after mosquitto_pub, committed by the consumer after "
            f"{committed_after:.3f}s (database retries {consumer.stats.db_retries})"
        )
        print(timing)
        assert shown_after <= 1.0, timing
        expect(card).to_have_attribute("data-state", "active")
        expect(card).to_have_attribute("data-level", "2")
        expect(card).to_have_class(re.compile(r"\blevel-2\b"))  # colour by level: red edge, glow while active
        expect(card).to_have_css("border-left-color", "rgb(214, 51, 67)")
        expect(card.locator(".alarm-level")).to_have_text("报警")
        expect(card.locator(".alarm-msg")).to_have_text("可燃气体超限报警：可燃气体 62%LEL")
        expect(card).to_contain_text("1号污水井口（GAS4-BOARD-01）")
        expect(card).to_contain_text("甲一电镀有限公司 · 甲社区 / 甲一网格")
        expect(page.locator("#c-active")).to_have_text("1")
        expect(page.locator("#c-level2")).to_have_text("1")
        expect(page.locator("#board-empty")).to_be_hidden()
        alarm = Alarm.objects.get(device=device)
        assert (alarm.state, alarm.level, alarm.value, alarm.rule.code) == (AlarmState.ACTIVE, 2, 62, "lel")

        # --- acknowledged, on the board.
        card.get_by_role("button", name="确认").click()
        expect(card).to_have_attribute("data-state", "acknowledged")
        expect(card).to_contain_text("确认：安格员甲")
        expect(card.get_by_role("button", name="确认")).to_have_count(0)
        expect(page.locator("#c-active")).to_have_text("0", timeout=5000)
        alarm.refresh_from_db()
        assert alarm.state == AlarmState.ACKNOWLEDGED and alarm.acknowledged_by == world.inspector_a1

        # --- cleared: a normal reading published the same way (epoch-ms time this once) ends the condition;
        # the open board shows it without reload.
        started = time.monotonic()
        mosquitto_pub(
            topic,
            f'{{"ts": {int(time.time() * 1000)}, "seq": 2, '
            '"metrics": {"o2": 20.9, "lel": 0, "h2s": 0, "co": 0, "battery": 87}}',
        )
        cleared = page.locator(".alarm-card.state-cleared").filter(has_text=device.name)
        cleared_after = seconds_until_visible(cleared, started)
        print(f"normal reading → card cleared on the board: {cleared_after:.3f}s")
        expect(card).to_have_attribute("data-state", "cleared")
        expect(card.locator(".badge-soft")).to_have_text("已恢复")
        alarm.refresh_from_db()
        assert alarm.state == AlarmState.CLEARED and alarm.cleared_at is not None

        # --- closed with a disposal note (required: refused empty in the browser).
        card.get_by_role("button", name="关闭").click()
        expect(page.locator("#close-modal")).to_be_visible()
        expect(page.locator("#close-summary")).to_contain_text(device.name)
        page.locator("#close-submit").click()
        expect(page.locator("#close-note")).to_have_class(re.compile(r"\bis-invalid\b"))
        note = "现场检测为井内淤泥扰动释放可燃气体，已强制通风并复测合格（LEL 0%），设备工作正常。"
        page.fill("#close-note", note)
        page.locator("#close-submit").click()
        expect(page.locator(".alarm-card")).to_have_count(0, timeout=5000)
        expect(page.locator("#board-empty")).to_be_visible()
        expect(page.locator("#c-level2")).to_have_text("0", timeout=5000)
        alarm.refresh_from_db()
        assert alarm.state == AlarmState.CLOSED
        assert alarm.closed_by == world.inspector_a1 and alarm.disposal_note == note
        assert list(alarm.events.order_by("at", "id").values_list("type", flat=True)) == [
            AlarmEventType.RAISED,
            AlarmEventType.ACKNOWLEDGED,
            AlarmEventType.CLEARED,
            AlarmEventType.CLOSED,
        ]
        assert consumer.stats.committed == 2 and alarm.repeat_count == 0
        assert navigations == [], f"the board was reloaded or left: {navigations}"

        # The alarm's page tells the same story.
        page.goto(f"{live_server.url}/monitoring/alarms/{alarm.pk}/")
        expect(page.locator(".badge").filter(has_text="已关闭")).to_be_visible()
        expect(page.locator("dl.dl-grid")).to_contain_text("安格员甲")
        expect(page.locator("dl.dl-grid")).to_contain_text(note)
    finally:
        page.context.close()  # the browser leaves: every connection to the live server is closed
        consumer.stop.set()
        thread.join(15)
        forget_session(*BROKER, client_id)
    assert not thread.is_alive(), "consumer did not stop"
    # The board's event stream notices that its browser left and ends (releasing its server thread and
    # database connection) instead of polling on until the stream's end; nothing touches the test
    # database after the test.
    assert requests_finished(before, timeout=5.0), "a live-server request (the event stream?) still runs"
