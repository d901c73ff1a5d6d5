"""Against a real Mosquitto (127.0.0.1:1883): the CONTRACTS.md §4 payload published with mosquitto_pub becomes
an alarm within a second; `kill -9` of the consumer mid-stream at QoS 1 loses no acknowledged reading and
stores none twice; the generated password file authenticates devices at the broker. Each test uses its own
client id and topic prefix, so parallel runs do not interfere."""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from anjian.monitoring.tests.conftest import make_device
from anjian.monitoring.tests.streams import forget_session, mosquitto_pub

pytestmark = pytest.mark.mqtt
BROKER = ("127.0.0.1", 1883)
ROOT = Path(__file__).resolve().parents[3]


def _broker_up() -> bool:
    try:
        with socket.create_connection(BROKER, timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _need_broker() -> None:
    if not _broker_up():
        if os.environ.get("CI") == "true":
            pytest.fail("Mosquitto is required in CI at 127.0.0.1:1883")
        pytest.skip("Mosquitto not running at 127.0.0.1:1883")


@pytest.mark.django_db(transaction=True)
def test_mosquitto_pub_of_the_contract_payload_raises_an_alarm_within_a_second(
    seeded: None, world: Any
) -> None:
    from anjian.monitoring.ingest.mqtt import BrokerConfig, Consumer
    from anjian.monitoring.models import Alarm

    device = make_device("GAS4-MQTT-01", "gas4", world.ent_a1)
    run = uuid.uuid4().hex[:10]
    prefix = f"test-{run}/anjian/v1"
    client_id = f"anjian-test-{run}"
    consumer = Consumer(BrokerConfig(*BROKER), client_id=client_id, prefix=prefix, batch_wait_ms=20)
    thread = threading.Thread(target=consumer.run, kwargs={"install_signals": False}, daemon=True)
    thread.start()
    try:
        assert consumer.connected.wait(15), "consumer did not connect"
        time.sleep(0.5)  # subscription acknowledged
        payload = (
            f'{{"ts": "{timezone.localtime().isoformat(timespec="seconds")}", "seq": 42, '
            '"metrics": {"o2": 20.9, "lel": 62, "h2s": 0, "co": 0}}'
        )
        started = time.monotonic()
        mosquitto_pub(f"{prefix}/{device.code}/telemetry", payload, host=BROKER[0], port=BROKER[1])
        # Watch the consumer's own counter (committed, then acknowledged) rather than polling the table:
        # on SQLite's shared in-memory test database a concurrent reader would lock the writer out.
        while consumer.stats.committed < 1 and time.monotonic() - started < 5:
            time.sleep(0.005)
        elapsed = time.monotonic() - started
        alarm = Alarm.objects.filter(device=device, rule__code="lel").first()
        assert alarm is not None, "no alarm"
        assert alarm.level == 2 and alarm.value == 62
        assert elapsed <= 1.0, f"alarm after {elapsed:.2f}s (database retries {consumer.stats.db_retries})"
    finally:
        consumer.stop.set()
        thread.join(10)
        forget_session(*BROKER, client_id)


def _subprocess_database(tmp: Path) -> tuple[str, Any]:
    """A DATABASE_URL the consumer subprocess can use (the test database itself, or on SQLite an on-disk
    copy of the in-memory one), and a function counting (rows, distinct seqs) of one device."""
    db = settings.DATABASES["default"]
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"

        def count(device_id: int) -> tuple[int, int]:
            with connection.cursor() as cur:
                cur.execute(
                    "SELECT count(*), count(DISTINCT seq) FROM monitoring_reading WHERE device_id = %s",
                    [device_id],
                )
                n, distinct = cur.fetchone()
            return int(n), int(distinct)

        return url, count
    path = tmp / "consumer.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    connection.connection.backup(target)
    target.close()

    def count_sqlite(device_id: int) -> tuple[int, int]:
        with sqlite3.connect(path, timeout=10) as c:
            row = c.execute(
                "SELECT count(*), count(DISTINCT seq) FROM monitoring_reading WHERE device_id = ?",
                [device_id],
            ).fetchone()
        return int(row[0]), int(row[1])

    return f"sqlite:///{path}", count_sqlite


def _start_consumer(db_url: str, client_id: str, prefix: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
        [
            sys.executable,
            str(ROOT / "manage.py"),
            "ingest",
            "--client-id",
            client_id,
            "--topic-prefix",
            prefix,
            "--batch-max",
            "200",
            "--skip-checks",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
    )


def _wait_connected(log: Path, proc: subprocess.Popen[bytes], times: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if log.read_text(errors="replace").count("已连接") >= times:
            return
        if proc.poll() is not None:
            raise AssertionError("consumer exited:\n" + log.read_text(errors="replace"))
        time.sleep(0.1)
    raise AssertionError("consumer did not connect:\n" + log.read_text(errors="replace"))


@pytest.mark.django_db(transaction=True)
def test_kill_9_mid_stream_loses_nothing_acknowledged_and_stores_nothing_twice(
    seeded: None, world: Any
) -> None:
    device = make_device("GAS4-KILL-01", "gas4", world.ent_a1, reporting_interval_s=1)
    run = uuid.uuid4().hex[:10]
    prefix = f"test-{run}/anjian/v1"
    client_id = f"anjian-test-{run}"
    # Enough messages that the consumer is still working through them when it is killed: it processes
    # several thousand a second, so a short stream would be done before the test could kill it.
    total = 15000
    tmp = Path(tempfile.mkdtemp(prefix="anjian-kill-"))
    log = tmp / "consumer.log"
    db_url, count = _subprocess_database(tmp)
    proc = _start_consumer(db_url, client_id, prefix, log)
    publisher = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"anjian-test-pub-{run}")
    try:
        _wait_connected(log, proc, 1)
        time.sleep(0.5)
        # Freeze the consumer while the stream is published: every message is then in flight to it
        # (unacknowledged, within its Receive Maximum) when it resumes, and the kill lands mid-stream.
        os.kill(proc.pid, signal.SIGSTOP)
        publisher.max_inflight_messages_set(500)
        publisher.max_queued_messages_set(0)
        publisher.connect(*BROKER)
        publisher.loop_start()
        base = int(time.time() * 1000) - total
        infos = [
            publisher.publish(
                f"{prefix}/{device.code}/telemetry",
                b'{"ts": %d, "seq": %d, "metrics": {"o2": 20.9, "lel": 0, "h2s": 0, "co": 1}}'
                % (base + i, i),
                qos=1,
            )
            for i in range(1, total + 1)
        ]
        for info in infos:
            info.wait_for_publish(30)
        assert all(info.is_published() for info in infos), "the broker did not acknowledge every message"
        os.kill(proc.pid, signal.SIGCONT)
        # Kill the consumer while it is working through the stream.
        deadline = time.monotonic() + 60
        while count(device.pk)[0] < total // 5 and time.monotonic() < deadline:
            time.sleep(0.01)
        stored_at_kill = count(device.pk)[0]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        assert stored_at_kill < total, "the stream was already fully processed before the kill"
        proc = _start_consumer(db_url, client_id, prefix, log)
        _wait_connected(log, proc, 2)
        deadline = time.monotonic() + 90
        while count(device.pk)[0] < total and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(1.0)  # anything redelivered late would show up as an extra row
        rows, distinct = count(device.pk)
        assert (rows, distinct) == (total, total), log.read_text(errors="replace")[-2000:]
    finally:
        publisher.disconnect()
        publisher.loop_stop()
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        forget_session(*BROKER, client_id)
        shutil.rmtree(tmp, ignore_errors=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_generated_password_file_authenticates_devices_at_mosquitto(
    db: Any, world: Any, tmp_path: Path
) -> None:
    from django.core.management import call_command

    from anjian.monitoring.services.devices import issue_credentials

    mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
    if not os.path.exists(mosquitto):
        pytest.skip("mosquitto binary not installed") if os.environ.get("CI") != "true" else pytest.fail(
            "mosquitto binary required"
        )
    device = make_device("GAS4-AUTH-01", "gas4", world.ent_a1)
    creds = issue_credentials(device, actor=world.admin)
    passwd, acl = tmp_path / "passwd", tmp_path / "acl"
    call_command("mqtt_passwd", passwd=str(passwd), acl=str(acl))
    assert passwd.read_text().startswith("GAS4-AUTH-01:$7$101$")
    port = _free_port()
    conf = tmp_path / "mosquitto.conf"
    # `user`: when run as root, Mosquitto would switch to its own user and could not read the test's files.
    conf.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous false\npassword_file {passwd}\nacl_file {acl}\n"
        f"persistence false\nuser {getpass.getuser()}\n"
    )
    broker = subprocess.Popen(  # noqa: S603
        [mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert broker.poll() is None, "mosquitto exited"
                time.sleep(0.1)

        def connect(username: str, password: str) -> bool:
            result: dict[str, Any] = {}
            done = threading.Event()
            c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"auth-{uuid.uuid4().hex[:8]}")
            c.username_pw_set(username, password)

            def on_connect(client: Any, userdata: Any, flags: Any, reason: Any, props: Any) -> None:
                result["ok"] = not reason.is_failure
                done.set()

            c.on_connect = on_connect
            c.connect("127.0.0.1", port)
            c.loop_start()
            done.wait(5)
            c.disconnect()
            c.loop_stop()
            return bool(result.get("ok"))

        assert connect(creds["mqtt_username"], creds["mqtt_password"]) is True
        assert connect(creds["mqtt_username"], "wrong-password") is False
    finally:
        broker.terminate()
        broker.wait(5)
