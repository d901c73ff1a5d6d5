"""Alarm life cycle (active → acknowledged → cleared → closed), guards, audit, notifications, escalation,
scope per role on pages and API (404 outside the jurisdiction)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import Http404
from django.test import Client

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import AuditEntry
from anjian.monitoring.choices import AlarmState, EscalationTier
from anjian.monitoring.models import Alarm, AlarmEvent
from anjian.monitoring.services import alarms
from anjian.monitoring.tests.conftest import msg
from anjian.notifications.models import Notification


@pytest.fixture
def alarm_a1(devices: Any, pipeline: Any, clock: Any, django_capture_on_commit_callbacks: Any) -> Alarm:
    """A level-2 CO alarm on the 4-gas detector of enterprise A1 (community A, grid A1)."""
    with django_capture_on_commit_callbacks(execute=True):
        pipeline.process([msg(devices.gas4, clock(), 1, o2=20.9, co=75)])
    return Alarm.objects.get(device=devices.gas4, rule__code="co")


@pytest.fixture
def alarm_b1(devices: Any, pipeline: Any, clock: Any) -> Alarm:
    pipeline.process([msg(devices.charger, clock(), 1, temp=85, current=5)])
    return Alarm.objects.get(device=devices.charger, rule__code="temp")


def test_raised_alarm_notifies_the_grid_inspector_and_site_officer(alarm_a1: Alarm, world: Any) -> None:
    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"inspector_a1", "officer_a"}
    n = Notification.objects.get(recipient=world.inspector_a1)
    assert n.level == "danger" and n.link == f"/monitoring/alarms/{alarm_a1.pk}/"


def test_life_cycle_with_audit_and_timeline(
    alarm_a1: Alarm, world: Any, pipeline: Any, devices: Any, clock: Any
) -> None:
    with pytest.raises(ConflictError):
        alarms.close_alarm(alarm_a1, actor=world.inspector_a1, note="太早")
    alarms.acknowledge_alarm(alarm_a1, actor=world.inspector_a1, note="已通知企业")
    alarm_a1.refresh_from_db()
    assert alarm_a1.state == AlarmState.ACKNOWLEDGED and alarm_a1.acknowledged_by == world.inspector_a1
    with pytest.raises(ConflictError):
        alarms.acknowledge_alarm(alarm_a1, actor=world.inspector_a1)
    pipeline.process([msg(devices.gas4, clock() + 1000, 2, o2=20.9, co=5)])
    alarm_a1.refresh_from_db()
    assert alarm_a1.state == AlarmState.CLEARED
    with pytest.raises(ValidationError):
        alarms.close_alarm(alarm_a1, actor=world.inspector_a1, note="  ")
    alarms.close_alarm(alarm_a1, actor=world.inspector_a1, note="通风后复测正常")
    alarm_a1.refresh_from_db()
    assert alarm_a1.state == AlarmState.CLOSED and alarm_a1.disposal_note == "通风后复测正常"
    assert list(AlarmEvent.objects.filter(alarm=alarm_a1).order_by("id").values_list("type", flat=True)) == [
        "raised",
        "acknowledged",
        "cleared",
        "closed",
    ]
    actions = list(
        AuditEntry.objects.filter(object_id=str(alarm_a1.pk))
        .order_by("chain_index")
        .values_list("action", "source")
    )
    assert actions == [
        ("alarm.raise", "ingest"),
        ("alarm.acknowledge", "cli"),
        ("alarm.clear", "ingest"),
        ("alarm.close", "cli"),
    ]


def test_people_outside_scope_or_without_capability_cannot_act(alarm_a1: Alarm, world: Any) -> None:
    with pytest.raises(Http404):
        alarms.acknowledge_alarm(alarm_a1, actor=world.inspector_b1)
    with pytest.raises(Http404):
        alarms.acknowledge_alarm(alarm_a1, actor=world.officer_b)
    with pytest.raises(PermissionDeniedError):
        alarms.acknowledge_alarm(alarm_a1, actor=world.cadre)
    alarms.acknowledge_alarm(alarm_a1, actor=world.officer_a)


def test_escalation_goes_up_one_tier_per_period(
    alarm_a1: Alarm, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    start = alarm_a1.created_at
    assert alarms.escalate_overdue(start + dt.timedelta(minutes=9)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert alarms.escalate_overdue(start + dt.timedelta(minutes=10)) == 1
    alarm_a1.refresh_from_db()
    assert alarm_a1.escalation_level == EscalationTier.COMMUNITY
    assert Notification.objects.filter(recipient=world.worker_a, title__startswith="【逐级上报】").exists()
    assert not Notification.objects.filter(recipient=world.worker_b).exists()
    assert alarms.escalate_overdue(start + dt.timedelta(minutes=15)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert alarms.escalate_overdue(start + dt.timedelta(minutes=21)) == 1
    alarm_a1.refresh_from_db()
    assert alarm_a1.escalation_level == EscalationTier.STREET
    assert Notification.objects.filter(recipient=world.admin).exists()
    assert alarms.escalate_overdue(start + dt.timedelta(hours=2)) == 0


def test_acknowledged_alarm_does_not_escalate(alarm_a1: Alarm, world: Any) -> None:
    alarms.acknowledge_alarm(alarm_a1, actor=world.inspector_a1)
    assert alarms.escalate_overdue(alarm_a1.created_at + dt.timedelta(hours=1)) == 0


@pytest.mark.parametrize(
    ("user", "sees_a1", "sees_b1"),
    [
        ("admin", True, True),
        ("cadre", True, True),
        ("worker_a", True, False),
        ("inspector_a1", True, False),
        ("officer_a", True, False),
        ("worker_b", False, True),
        ("inspector_b1", False, True),
        ("officer_b", False, True),
    ],
)
def test_scope_on_pages_and_api(
    world: Any, alarm_a1: Alarm, alarm_b1: Alarm, user: str, sees_a1: bool, sees_b1: bool
) -> None:
    client = world.client(getattr(world, user))
    for alarm, sees in ((alarm_a1, sees_a1), (alarm_b1, sees_b1)):
        expected = 200 if sees else 404
        assert client.get(f"/monitoring/alarms/{alarm.pk}/").status_code == expected
        assert client.get(f"/monitoring/devices/{alarm.device_id}/").status_code == expected
        assert client.get(f"/monitoring/devices/{alarm.device_id}/readings/?range=1h").status_code == expected
        assert client.get(f"/api/v1/alarms/{alarm.pk}/").status_code == expected
        assert client.get(f"/api/v1/devices/{alarm.device_id}/").status_code == expected
    listed = {a["id"] for a in client.get("/api/v1/alarms/").json()["results"]}
    assert listed == {a.pk for a, s in ((alarm_a1, sees_a1), (alarm_b1, sees_b1)) if s}
    feed = client.get("/monitoring/board/feed/?since=1").json()
    assert {a["id"] for a in feed["alarms"]} == listed


def test_tip_officer_has_no_monitoring(world: Any, alarm_a1: Alarm) -> None:
    assert world.client(world.tip_officer).get("/monitoring/").status_code == 403


def test_acknowledge_and_close_from_the_board_json(world: Any, alarm_a1: Alarm) -> None:
    client = world.client(world.inspector_a1)
    r = client.post(f"/monitoring/alarms/{alarm_a1.pk}/acknowledge/", HTTP_ACCEPT="application/json")
    assert r.status_code == 200 and r.json()["alarm"]["state"] == "acknowledged"
    r = client.post(f"/monitoring/alarms/{alarm_a1.pk}/close/", {"note": ""}, HTTP_ACCEPT="application/json")
    assert r.status_code == 400 and r.json()["error"]["message"] == "请填写处置情况。"
    r = client.post(
        f"/monitoring/alarms/{alarm_a1.pk}/close/", {"note": "已处置"}, HTTP_ACCEPT="application/json"
    )
    assert r.status_code == 200 and r.json()["alarm"]["open"] is False
    outsider = world.client(world.inspector_b1)
    assert (
        outsider.post(
            f"/monitoring/alarms/{alarm_a1.pk}/acknowledge/", HTTP_ACCEPT="application/json"
        ).status_code
        == 404
    )


def test_api_acknowledge_and_close(world: Any, alarm_a1: Alarm) -> None:
    client = world.client(world.worker_a)
    r = client.post(f"/api/v1/alarms/{alarm_a1.pk}/close/", {"note": "x"}, content_type="application/json")
    assert r.status_code == 409
    assert (
        client.post(
            f"/api/v1/alarms/{alarm_a1.pk}/acknowledge/", {}, content_type="application/json"
        ).status_code
        == 200
    )
    r = client.post(f"/api/v1/alarms/{alarm_a1.pk}/close/", {}, content_type="application/json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["note"]
    r = client.post(
        f"/api/v1/alarms/{alarm_a1.pk}/close/", {"note": "处置完毕"}, content_type="application/json"
    )
    assert r.status_code == 200 and r.json()["state"] == "closed"
    assert (
        world.client(world.cadre)
        .post(f"/api/v1/alarms/{alarm_a1.pk}/acknowledge/", {}, content_type="application/json")
        .status_code
        == 403
    )


def test_board_and_lists_render_with_fixed_queries(
    world: Any, alarm_a1: Alarm, alarm_b1: Alarm, django_assert_max_num_queries: Any
) -> None:
    client = world.client(world.admin)
    with django_assert_max_num_queries(25):
        r = client.get("/monitoring/")
    assert r.status_code == 200 and "报警看板" in r.content.decode()
    with django_assert_max_num_queries(25):
        assert client.get("/monitoring/alarms/").status_code == 200
    with django_assert_max_num_queries(25):
        assert client.get("/monitoring/devices/").status_code == 200
    for path in (
        "/monitoring/rules/",
        "/monitoring/health/",
        f"/monitoring/alarms/{alarm_a1.pk}/",
        f"/monitoring/devices/{alarm_a1.device_id}/",
    ):
        assert client.get(path).status_code == 200, path


def test_sse_stream_sends_changed_alarms(world: Any, alarm_a1: Alarm, monkeypatch: Any) -> None:
    from anjian.monitoring.views import board

    monkeypatch.setattr(board, "STREAM_SECONDS", 0.3)
    r = world.client(world.inspector_a1).get("/monitoring/board/stream/?since=1")
    assert r["Content-Type"].startswith("text/event-stream")
    body = b"".join(r.streaming_content).decode()
    assert "event: alarms" in body and f'"id":{alarm_a1.pk}' in body


def test_board_changes_of_a_stream_leave_out_versions_already_sent(world: Any, alarm_a1: Alarm) -> None:
    """The stream polls with a 2 s overlap; what it has sent is not sent again, a new version is."""
    from anjian.monitoring import selectors

    since = alarm_a1.updated_at
    sent: dict[int, int] = {}
    first, cursor = selectors.board_changes(world.inspector_a1, since, sent)
    assert [a["id"] for a in first] == [alarm_a1.pk] and sent == {alarm_a1.pk: alarm_a1.version}
    again, cursor = selectors.board_changes(world.inspector_a1, cursor, sent)
    assert again == []
    assert [a["id"] for a in selectors.board_changes(world.inspector_a1, cursor)[0]] == [alarm_a1.pk]
    alarms.acknowledge_alarm(alarm_a1.pk, actor=world.inspector_a1)
    changed, cursor = selectors.board_changes(world.inspector_a1, cursor, sent)
    assert [(a["id"], a["state"]) for a in changed] == [(alarm_a1.pk, AlarmState.ACKNOWLEDGED)]
    assert sent == {alarm_a1.pk: alarm_a1.version + 1}


def _open_stream(live_server: Any, user: Any) -> tuple[Any, Any]:
    """GET the board's event stream from the live server as `user`; returns (connection, response) once
    the stream has polled the database (its first `cursor` event: nothing changed since)."""
    import http.client
    import urllib.parse

    from django.conf import settings

    client = Client()
    client.force_login(user)
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    server = urllib.parse.urlsplit(live_server.url)
    conn = http.client.HTTPConnection(server.hostname or "127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/monitoring/board/stream/", headers={"Cookie": cookie})
    resp = conn.getresponse()
    assert resp.status == 200 and resp.headers["Content-Type"].startswith("text/event-stream")
    _read_until(resp, b"event: cursor")
    return conn, resp


def _read_until(resp: Any, marker: bytes) -> bytes:
    received = b""
    while marker not in received:
        chunk = resp.read1(4096)
        assert chunk, f"the stream ended before {marker!r}: {received!r}"
        received += chunk
    return received


def test_sse_stream_ends_soon_after_the_browser_leaves(live_server: Any, world: Any) -> None:
    """A board left in the browser (closed, or a click to an alarm's page) must not hold a server thread
    and a database connection until the stream's end: idle polls write a comment line, and the failed
    write ends the stream within a poll or two. Without it, nothing was written for 10 s at a time."""
    import threading
    import time

    before = set(threading.enumerate())
    conn, resp = _open_stream(live_server, world.inspector_a1)
    streams = [t for t in threading.enumerate() if t not in before and "process_request_thread" in t.name]
    assert len(streams) == 1
    resp.close()
    conn.close()
    left = time.monotonic()
    streams[0].join(5)
    assert not streams[0].is_alive(), "the stream still runs 5 s after its client left"
    assert time.monotonic() - left < 3


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a server-side disconnect needs PostgreSQL")
def test_sse_stream_survives_its_database_connection_being_cut(
    live_server: Any, world: Any, alarm_a1: Alarm
) -> None:
    """PostgreSQL ends the stream's session (a restart, an administrator): the next poll fails, the one
    after reconnects, and a later change still reaches the open board on the same stream."""
    conn, resp = _open_stream(live_server, world.inspector_a1)
    try:
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND query LIKE %s",
                ['SELECT "monitoring_alarm"."id", %'],  # the stream's poll (the text shown is cut at 1 kB)
            )
            assert [row[0] for row in cur.fetchall()] == [True], "the stream's session was not found"
        alarms.acknowledge_alarm(alarm_a1.pk, actor=world.inspector_a1)
        received = _read_until(resp, b'"state":"acknowledged"')
        assert b"event: alarms" in received and f'"id":{alarm_a1.pk}'.encode() in received
    finally:
        resp.close()
        conn.close()
