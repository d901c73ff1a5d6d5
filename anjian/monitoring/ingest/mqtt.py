"""The MQTT consumer behind `anjian ingest`: paho-mqtt, MQTT 5 persistent session, QoS 1 with manual
acknowledgements sent only after the batch holding the message is committed.

Threads: paho's network loop puts messages into a bounded inbox (the broker never has more unacknowledged
messages in flight to us than the inbox holds: MQTT 5 Receive Maximum, and on_message blocks when full, so
memory stays bounded in a burst); the main thread takes batches, runs the pipeline, commits, then acks.
Database failures keep the batch unacknowledged and retry with back-off after reconnecting."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote, urlparse

import paho.mqtt.client as mqtt
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from django.urls import reverse
from django.utils import timezone
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from anjian.monitoring import conf
from anjian.monitoring.choices import IngestReason
from anjian.monitoring.ingest.decode import split_topic
from anjian.monitoring.ingest.pipeline import Inbound, Pipeline
from anjian.monitoring.models import IngestWorker

log = logging.getLogger("anjian.ingest")
PUBACK = 0x40
SESSION_EXPIRY_S = 7 * 86400


class _SharedTableProperties(Properties):
    """paho-mqtt builds two lookup tables (about 70 entries) for every incoming MQTT 5 PUBLISH and clears
    27 attributes before unpacking; with thousands of messages a second that is most of the receive cost.
    This subclass shares one set of tables and skips the clearing when a packet carries no properties;
    everything else is paho's own code."""

    _tables: dict[str, Any] | None = None

    def __init__(self, packetType: int) -> None:
        tables = _SharedTableProperties._tables
        if tables is None:
            proto = Properties(packetType)
            tables = _SharedTableProperties._tables = {
                k: proto.__dict__[k] for k in ("types", "names", "properties")
            }
        self.__dict__.update(tables)
        self.__dict__["packetType"] = packetType

    def unpack(self, buffer: bytes) -> tuple[Properties, int]:
        if buffer[:1] == b"\x00":
            return self, 1  # property length 0: nothing to read, nothing to clear
        return super().unpack(buffer)  # type: ignore[no-any-return]


def install_fast_properties() -> None:
    """Let paho's PUBLISH handling use the shared-table Properties (this process only)."""
    mqtt.Properties = _SharedTableProperties  # type: ignore[misc]


@dataclass
class BrokerConfig:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str = ""
    password: str = ""
    tls: bool = False

    @classmethod
    def from_url(cls, url: str) -> BrokerConfig:
        parsed = urlparse(url or "mqtt://127.0.0.1:1883")
        tls = parsed.scheme == "mqtts"
        return cls(
            host=parsed.hostname or "127.0.0.1",
            port=parsed.port or (8883 if tls else 1883),
            username=unquote(parsed.username or ""),
            password=unquote(parsed.password or ""),
            tls=tls,
        )

    @property
    def display(self) -> str:
        return f"{'mqtts' if self.tls else 'mqtt'}://{self.host}:{self.port}"


@dataclass
class Stats:
    received: int = 0
    committed: int = 0
    batches: int = 0
    db_retries: int = 0
    started: float = field(default_factory=time.monotonic)
    window: list[tuple[float, int]] = field(default_factory=list)

    def rate(self) -> float:
        now = time.monotonic()
        self.window.append((now, self.committed))
        self.window = [(t, c) for t, c in self.window if now - t <= 10.0]
        (t0, c0) = self.window[0]
        return (self.committed - c0) / (now - t0) if now > t0 else 0.0


class Consumer:
    """Consume `{prefix}/+/telemetry` and `{prefix}/+/status`, feed the pipeline, ack after commit."""

    def __init__(
        self,
        broker: BrokerConfig,
        *,
        client_id: str,
        prefix: str = "anjian/v1",
        batch_max: int | None = None,
        batch_wait_ms: int | None = None,
        queue_max: int | None = None,
        clean_start: bool = False,
        using: str = "default",
        stdout: Any = None,
    ) -> None:
        self.broker = broker
        self.client_id = client_id
        self.prefix = prefix.rstrip("/")
        self.batch_max = batch_max or conf.get("BATCH_MAX")
        self.batch_wait = (batch_wait_ms or conf.get("BATCH_WAIT_MS")) / 1000
        self.queue_max = min(queue_max or conf.get("QUEUE_MAX"), 65535)
        self.clean_start = clean_start
        self.using = using
        self.stdout = stdout
        self.pipeline = Pipeline("mqtt", using=using)
        self.stats = Stats()
        self.stop = threading.Event()
        self._inbox: list[tuple[str, bytes, int, int, int, int]] = []
        self._cond = threading.Condition()
        self._generation = 0
        self.connected = threading.Event()
        self.client = self._make_client()
        # Benchmarks: publish → alarm-committed latency of every raised alarm, written to this file at exit.
        self.latency_file = os.environ.get("ANJIAN_INGEST_LATENCY_FILE", "")
        self.latencies: list[int] = []

    # ------------------------------------------------------------------------------------- MQTT side
    def _make_client(self) -> mqtt.Client:
        install_fast_properties()
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2,
            client_id=self.client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        if self.broker.username:
            client.username_pw_set(self.broker.username, self.broker.password or None)
        if self.broker.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=15)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        return client

    def _connect_properties(self) -> Properties:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY_S
        props.ReceiveMaximum = self.queue_max
        return props

    def _on_connect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        self._generation += 1
        qos = 1
        client.subscribe([(f"{self.prefix}/+/telemetry", qos), (f"{self.prefix}/+/status", qos)])
        self.connected.set()
        self._say(
            f"已连接 {self.broker.display}（会话{'恢复' if flags.session_present else '新建'}），订阅 {self.prefix}/+/telemetry|status"
        )

    def _on_disconnect(
        self, client: mqtt.Client, userdata: Any, flags: Any, reason: Any, properties: Any
    ) -> None:
        self.connected.clear()
        if not self.stop.is_set():
            log.warning("MQTT disconnected (%s); paho reconnects", reason)

    def _on_message(self, client: mqtt.Client, userdata: Any, message: mqtt.MQTTMessage) -> None:
        item = (
            message.topic,
            message.payload,
            message.mid,
            message.qos,
            time.time_ns() // 1_000_000,
            self._generation,
        )
        with self._cond:
            while len(self._inbox) >= self.queue_max and not self.stop.is_set():
                # Back-pressure: stop reading the socket until the worker has drained the inbox.
                self._cond.wait(0.5)
            self._inbox.append(item)
            if len(self._inbox) == 1 or len(self._inbox) >= self.batch_max:
                self._cond.notify_all()

    def _ack(self, items: list[tuple[str, bytes, int, int, int, int]]) -> None:
        """PUBACK every QoS 1 message of a committed batch (in one write when paho allows)."""
        gen = self._generation
        mids = [it[2] for it in items if it[3] > 0 and it[5] == gen]
        if not mids:
            return
        queue = getattr(self.client, "_packet_queue", None)
        if queue is not None:
            blob = b"".join(struct.pack("!BBH", PUBACK, 2, mid) for mid in mids)
            queue(PUBACK, blob, 0, 0)
        else:
            for mid in mids:
                self.client.ack(mid, 1)

    # ------------------------------------------------------------------------------------- worker side
    def _take(self) -> list[tuple[str, bytes, int, int, int, int]]:
        with self._cond:
            if not self._inbox:
                self._cond.wait(1.0)
            if not self._inbox:
                return []
            if len(self._inbox) < self.batch_max:
                deadline = time.monotonic() + self.batch_wait
                while len(self._inbox) < self.batch_max and not self.stop.is_set():
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            batch = self._inbox[: self.batch_max]
            del self._inbox[: self.batch_max]
            self._cond.notify_all()
            return batch

    def _inbound(self, items: list[tuple[str, bytes, int, int, int, int]]) -> list[Inbound]:
        out = []
        prefix = self.prefix + "/"
        for topic, payload, _mid, _qos, received, _gen in items:
            parts = split_topic(topic, prefix)
            if parts is None:
                out.append(Inbound(None, "telemetry", payload, received, reject=IngestReason.BAD_TOPIC))
            else:
                out.append(Inbound(parts[0], parts[1], payload, received))
        return out

    def process(self, items: list[tuple[str, bytes, int, int, int, int]]) -> None:
        """Commit a batch (retrying through database outages), then acknowledge it."""
        delay = 0.5
        inbound = self._inbound(items)
        while True:
            try:
                close_old_connections()
                self.pipeline.process(inbound)
                break
            except (OperationalError, InterfaceError) as exc:
                self.stats.db_retries += 1
                log.warning(
                    "database unavailable (%s); batch of %d kept, retry in %.1fs", exc, len(items), delay
                )
                self._close_db()
                if self.stop.wait(delay):
                    return  # stopping: the broker redelivers the unacknowledged batch
                delay = min(delay * 2, 10.0)
            except DatabaseError:
                log.exception("database error in a batch; processing its messages one by one")
                self._close_db()
                self._one_by_one(inbound)
                break
        if self.latency_file and self.pipeline.raised:
            now = time.time_ns() // 1_000_000
            self.latencies.extend(now - ts for ts in self.pipeline.raised)
        self._ack(items)
        self.stats.committed += len(items)
        self.stats.batches += 1

    def _one_by_one(self, inbound: list[Inbound]) -> None:
        for m in inbound:
            try:
                self.pipeline.process([m])
            except (OperationalError, InterfaceError):
                raise
            except Exception:
                log.exception("message from %s could not be processed and is dropped", m.code)
                self._close_db()
                try:
                    self.pipeline.process([m._replace(reject=IngestReason.INTERNAL_ERROR)])
                except Exception:
                    log.exception("could not count the dropped message")

    def _close_db(self) -> None:
        try:
            connections[self.using].close()
        except Exception:
            log.debug("closing the database connection failed", exc_info=True)

    def _beat(self, started: Any) -> None:
        try:
            IngestWorker.objects.update_or_create(
                client_id=self.client_id,
                defaults={
                    "hostname": socket.gethostname()[:100],
                    "pid": os.getpid(),
                    "broker": self.broker.display,
                    "connected": self.connected.is_set(),
                    "started_at": started,
                    "beat_at": timezone.now(),
                    "queue_depth": len(self._inbox),
                    "received": self.stats.received,
                    "committed": self.stats.committed,
                    "rate": round(self.stats.rate(), 1),
                },
            )
        except DatabaseError:
            self._close_db()

    def _say(self, text: str) -> None:
        if self.stdout is not None:
            self.stdout.write(text)
            if hasattr(self.stdout, "flush"):
                self.stdout.flush()

    def run(self, *, max_messages: int | None = None, install_signals: bool = True) -> None:
        """Connect and consume until stopped (SIGINT/SIGTERM, `stop` set, or `max_messages` committed)."""
        if install_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: self.stop.set())
        connections[self.using].settings_dict["CONN_MAX_AGE"] = None  # one connection, checked per batch
        self.pipeline.registry.refresh_if_changed(
            every_s=0
        )  # devices and rules in memory before the first message
        reverse(
            "monitoring:board"
        )  # import the URLconf now, not when the first alarm's notification links to it
        self.client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=30,
            clean_start=self.clean_start,
            properties=self._connect_properties(),
        )
        self.client.loop_start()
        started = timezone.now()
        last_beat = last_tick = 0.0
        try:
            while not self.stop.is_set():
                items = self._take()
                if items:
                    self.stats.received += len(items)
                    self.process(items)
                now = time.monotonic()
                if now - last_tick >= 1.0:
                    last_tick = now
                    try:
                        close_old_connections()
                        self.pipeline.tick()
                    except DatabaseError:
                        log.warning("tick skipped: database unavailable")
                        self._close_db()
                if now - last_beat >= 5.0:
                    last_beat = now
                    self._beat(started)
                if max_messages is not None and self.stats.committed >= max_messages:
                    break
            with self._cond:
                rest = list(self._inbox)
                self._inbox.clear()
            if rest and not self.stop.is_set():
                self.process(rest)
            try:
                self.pipeline.flush_devices()
                self.pipeline.save_states(force=True)
            except DatabaseError:
                log.warning("could not save device state on shutdown")
        finally:
            self.stop.set()
            with self._cond:
                self._cond.notify_all()
            time.sleep(0.2)  # let paho write the last acknowledgements
            self.client.disconnect()
            self.client.loop_stop()
            with contextlib.suppress(DatabaseError):
                IngestWorker.objects.filter(client_id=self.client_id).update(
                    connected=False, beat_at=timezone.now()
                )
            self._close_db()
            if self.latency_file:
                with open(self.latency_file, "w") as fh:
                    json.dump(self.latencies, fh)
