"""Outside notification channels against real local servers: an HTTP server in a thread (SMS gateway,
WeCom robot) and Django's in-memory mail outbox; every attempt lands in the delivery log."""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core import mail

from anjian.notifications.channels.email import transport as email_transport
from anjian.notifications.channels.sms import transport as sms_transport
from anjian.notifications.channels.wecom import transport as wecom_transport
from anjian.notifications.models import Delivery
from anjian.notifications.services import notify


class Gateway:
    """A local HTTP endpoint that records requests and answers with a chosen status and body."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.status = 200
        self.answer = b'{"errcode": 0, "errmsg": "ok"}'
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                gateway.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(self.rfile.read(length) or b"{}"),
                    }
                )
                self.send_response(gateway.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(gateway.answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def notice(world):
    world.officer_a.phone = "13812345678"
    world.officer_a.email = "officer@example.com"
    world.officer_a.save()
    [n] = notify(
        [world.officer_a], title="隐患整改已逾期：配电箱未上锁", body="请立即整改", link="/hazards/1/"
    )
    return n


def test_sms_posts_json_with_api_key(settings, gateway, notice):
    settings.SMS_GATEWAY_URL = f"{gateway.url}/sms/send"
    settings.SMS_API_KEY = "k-123"
    d = sms_transport.send(notice)
    assert d.status == "sent" and d.address == "13812345678" and d.attempts == 1
    [req] = gateway.requests
    assert req["path"] == "/sms/send" and req["headers"]["Authorization"] == "Bearer k-123"
    assert req["body"]["phone"] == "13812345678" and "配电箱未上锁" in req["body"]["message"]
    assert req["body"]["message"].startswith("【安监】")


def test_sms_gateway_error_is_logged_as_failed(settings, gateway, notice):
    settings.SMS_GATEWAY_URL = f"{gateway.url}/sms/send"
    gateway.status = 500
    gateway.answer = b'{"error": "quota exceeded"}'
    d = sms_transport.send(notice)
    assert d.status == "failed" and "HTTP 500" in d.last_error and "quota" in d.last_error


def test_sms_unreachable_gateway_is_logged_as_failed(settings, notice):
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{free_port()}/sms"
    d = sms_transport.send(notice)
    assert d.status == "failed" and "无法连接" in d.last_error


def test_unconfigured_channels_are_skipped(settings, notice):
    settings.SMS_GATEWAY_URL = ""
    settings.WECOM_WEBHOOK_URL = ""
    settings.SMTP_URL = ""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    for transport in (sms_transport, wecom_transport, email_transport):
        d = transport.send(notice)
        assert d.status == "skipped" and "未配置" in d.last_error


def test_sms_without_mobile_number_is_skipped(settings, gateway, world):
    settings.SMS_GATEWAY_URL = gateway.url
    [n] = notify([world.worker_b], title="x")
    d = sms_transport.send(n)
    assert d.status == "skipped" and gateway.requests == []


def test_wecom_robot_message_mentions_the_recipient(settings, gateway, notice):
    settings.WECOM_WEBHOOK_URL = f"{gateway.url}/cgi-bin/webhook/send?key=abc"
    d = wecom_transport.send(notice)
    assert d.status == "sent"
    body = gateway.requests[0]["body"]
    assert body["msgtype"] == "text" and body["text"]["mentioned_mobile_list"] == ["13812345678"]
    assert "甲一安全员" in body["text"]["content"]


def test_wecom_error_code_is_a_failure(settings, gateway, notice):
    settings.WECOM_WEBHOOK_URL = gateway.url
    gateway.answer = b'{"errcode": 93000, "errmsg": "invalid webhook url"}'
    d = wecom_transport.send(notice)
    assert d.status == "failed" and "93000" in d.last_error


def test_email_goes_to_the_outbox(settings, notice):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    d = email_transport.send(notice)
    assert d.status == "sent" and d.address == "officer@example.com"
    [msg] = mail.outbox
    assert msg.to == ["officer@example.com"] and "配电箱未上锁" in msg.subject and "/hazards/1/" in msg.body


def test_smtp_server_down_is_logged_as_failed(settings, notice):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.SMTP_URL = f"smtp://127.0.0.1:{free_port()}"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = int(settings.SMTP_URL.rsplit(":", 1)[1])
    settings.EMAIL_TIMEOUT = 2
    d = email_transport.send(notice)
    assert d.status == "failed" and d.last_error


def test_notify_queues_every_channel_after_commit(
    settings, gateway, world, django_capture_on_commit_callbacks
):
    settings.SMS_GATEWAY_URL = gateway.url
    settings.WECOM_WEBHOOK_URL = gateway.url
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    world.officer_a.phone = "13812345678"
    world.officer_a.email = "officer@example.com"
    world.officer_a.save()
    with django_capture_on_commit_callbacks(execute=True):
        notify([world.officer_a], title="逾期升级", channels=["sms", "wecom", "email"])
    statuses = dict(Delivery.objects.values_list("channel", "status"))
    assert statuses == {"sms": "sent", "wecom": "sent", "email": "sent"}
    assert len(gateway.requests) == 2 and len(mail.outbox) == 1
