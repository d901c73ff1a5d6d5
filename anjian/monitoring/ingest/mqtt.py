"""The MQTT consumer behind `anjian ingest`: QoS 1, a persistent session, acknowledgements sent only after
the batch holding the message is committed.

Threads: the transport's network thread appends what it reads to a bounded inbox (chunks of messages with
the connection generation and receive time); the worker (the thread calling `run`) takes batches, runs
the pipeline, commits, then acknowledges. The broker never has more unacknowledged messages in flight to
us than the inbox holds (MQTT 5 Receive Maximum), and the socket is not read while the inbox is full, so
memory stays bounded in a burst. A batch is committed when it is full (`batch_max`) or when its oldest
message has waited `batch_wait_ms`, whichever comes first. Database failures keep the batch
unacknowledged and retry with back-off after reconnecting.

Transports: `fast` (default) is our own lean MQTT client (transport.py); `paho` is paho-mqtt, kept as a
reference and a fallback (`anjian ingest --transport paho`)."""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import os
import queue
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import unquote, urlparse

from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connections
from django.urls import reverse
from django.utils import timezone

from anjian.monitoring import conf
from anjian.monitoring.choices import IngestReason
from anjian.monitoring.ingest.decode import split_topic
from anjian.monitoring.ingest.pipeline import Inbound, Pipeline
from anjian.monitoring.ingest.transport import SESSION_EXPIRY_S, Subscriber
from anjian.monitoring.models import IngestWorker
from anjian.monitoring.services import alarms

log = logging.getLogger("anjian.ingest")
TRANSPORTS = ("fast", "paho")
TOPIC_CACHE_MAX = 200_000

# One read of the network thread: (connection generation, receive time in epoch ms, [(topic, payload, id)])
Chunk = tuple[int, int, list[tuple[Any, bytes, int]]]


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
    first_received_ms: int = 0  # wall clock (epoch ms) of the first message read
    last_commit_ms: int = 0  # wall clock of the last committed batch
    started: float = field(default_factory=time.monotonic)
    window: list[tuple[float, int]] = field(default_factory=list)

    def rate(self) -> float:
        now = time.monotonic()
        self.window.append((now, self.committed))
        self.window = [(t, c) for t, c in self.window if now - t <= 10.0]
        (t0, c0) = self.window[0]
        return (self.committed - c0) / (now - t0) if now > t0 else 0.0


class Transport(Protocol):
    generation: int
    connected: threading.Event

    def start(self) -> None: ...

    def ack(self, generation: int, pids: list[int]) -> bool: ...

    def stop(self, timeout: float = 5.0) -> None: ...

    def wake(self) -> None: ...


class PahoTransport:
    """paho-mqtt (MQTT 5, manual acknowledgements) behind the interface of `transport.Subscriber`."""

    def __init__(
        self,
        broker: BrokerConfig,
        *,
        client_id: str,
        filters: list[str],
        on_messages: Callable[[int, int, list[tuple[Any, bytes, int]]], None],
        on_connect: Callable[[bool], None],
        can_read: Callable[[], bool],
        clean_start: bool,
        receive_maximum: int,
    ) -> None:
        import paho.mqtt.client as mqtt
        from paho.mqtt.packettypes import PacketTypes
        from paho.mqtt.properties import Properties

        self.broker = broker
        self.filters = filters
        self.on_messages = on_messages
        self.on_connect_cb = on_connect
        self.can_read = can_read
        self.clean_start = clean_start
        self.generation = 0
        self.connected = threading.Event()
        self._stopping = threading.Event()
        _install_fast_properties(mqtt)
        client = mqtt.Client(
            mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5, manual_ack=True
        )
        if broker.username:
            client.username_pw_set(broker.username, broker.password or None)
        if broker.tls:
            client.tls_set()
        client.reconnect_delay_set(min_delay=1, max_delay=15)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client
        self.props = Properties(PacketTypes.CONNECT)
        self.props.SessionExpiryInterval = SESSION_EXPIRY_S
        self.props.ReceiveMaximum = receive_maximum

    def start(self) -> None:
        self.client.connect_async(
            self.broker.host,
            self.broker.port,
            keepalive=30,
            clean_start=self.clean_start,
            properties=self.props,
        )
        self.client.loop_start()

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            log.error("MQTT connection refused: %s", reason)
            return
        self.generation += 1
        client.subscribe([(f, 1) for f in self.filters])
        self.connected.set()
        self.on_connect_cb(bool(flags.session_present))

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        self.connected.clear()
        if not self._stopping.is_set():
            log.warning("MQTT disconnected (%s); paho reconnects", reason)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        while not self.can_read() and not self._stopping.is_set():
            self._stopping.wait(0.02)  # back-pressure: paho stops reading the socket meanwhile
        pid = message.mid if message.qos else 0
        self.on_messages(
            self.generation, time.time_ns() // 1_000_000, [(message.topic, message.payload, pid)]
        )

    def ack(self, generation: int, pids: list[int]) -> bool:
        if generation != self.generation or not pids:
            return generation == self.generation
        queue_packet = getattr(self.client, "_packet_queue", None)
        if queue_packet is not None:  # one write for the whole batch
            queue_packet(0x40, b"".join(struct.pack("!BBH", 0x40, 2, pid) for pid in pids), 0, 0)
        else:
            for pid in pids:
                self.client.ack(pid, 1)
        return True

    def wake(self) -> None:
        """Nothing to do: paho's callback polls for room."""

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        time.sleep(0.2)  # let paho write the last acknowledgements
        self.client.disconnect()
        self.client.loop_stop()


def _install_fast_properties(mqtt: Any) -> None:
    """paho builds two lookup tables (about 70 entries) for every incoming MQTT 5 PUBLISH and clears 27
    attributes before unpacking; share one set of tables and skip the clearing when a packet carries no
    properties (this process only)."""
    base = mqtt.Properties
    if getattr(base, "_anjian_shared", False):
        return

    class SharedTableProperties(base):  # type: ignore[misc,valid-type]
        _anjian_shared = True
        _tables: dict[str, Any] | None = None

        def __init__(self, packetType: int) -> None:
            tables = SharedTableProperties._tables
            if tables is None:
                proto = base(packetType)
                tables = SharedTableProperties._tables = {
                    k: proto.__dict__[k] for k in ("types", "names", "properties")
                }
            self.__dict__.update(tables)
            self.__dict__["packetType"] = packetType

        def unpack(self, buffer: bytes) -> tuple[Any, int]:
            if buffer[:1] == b"\x00":
                return self, 1
            return super().unpack(buffer)  # type: ignore[no-any-return]

    mqtt.Properties = SharedTableProperties


class Notifier:
    """Sends alarm notifications (inbox messages) from a background thread with its own database
    connection, so that a batch's commit does not wait for them (PostgreSQL only; SQLite has one writer)."""

    def __init__(self) -> None:
        self.queue: queue.SimpleQueue[tuple[int, int] | None] = queue.SimpleQueue()
        self.thread = threading.Thread(target=self._run, name="alarm-notify", daemon=True)
        self.sent = 0
        self.thread.start()

    def submit(self, alarm_id: int, tier: int) -> None:
        self.queue.put((alarm_id, tier))

    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is None:
                break
            for attempt in range(5):
                try:
                    close_old_connections()
                    alarms.notify_tier(*item)
                    self.sent += 1
                    break
                except (OperationalError, InterfaceError):
                    log.warning("notification of alarm %s waits for the database", item[0])
                    with contextlib.suppress(Exception):
                        connections["default"].close()
                    time.sleep(min(10.0, 0.5 * 2**attempt))
                except Exception:
                    log.exception("notification of alarm %s failed", item[0])
                    break
        with contextlib.suppress(Exception):
            connections.close_all()

    def close(self, timeout: float = 10.0) -> None:
        self.queue.put(None)
        self.thread.join(timeout)


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
        transport: str = "fast",
        protocol: int = 5,
    ) -> None:
        if transport not in TRANSPORTS:
            raise ValueError(f"transport must be one of {TRANSPORTS}")
        self.broker = broker
        self.client_id = client_id
        self.prefix = prefix.rstrip("/")
        self.batch_max = batch_max or conf.get("BATCH_MAX")
        self.batch_wait = (batch_wait_ms or conf.get("BATCH_WAIT_MS")) / 1000
        self.queue_max = min(queue_max or conf.get("QUEUE_MAX"), 65535)
        self.clean_start = clean_start
        self.using = using
        self.stdout = stdout
        self.transport_name = transport
        self.pipeline = Pipeline("mqtt", using=using)
        self.stats = Stats()
        self.stop = threading.Event()
        self._inbox: deque[Chunk] = deque()
        self._pending = 0  # messages in the inbox
        self._cond = threading.Condition()
        self._topics: dict[Any, tuple[str, str] | None] = {}
        filters = [f"{self.prefix}/+/telemetry", f"{self.prefix}/+/status"]
        self.net: Transport
        if transport == "paho":
            self.net = PahoTransport(
                broker,
                client_id=client_id,
                filters=filters,
                on_messages=self._on_messages,
                on_connect=self._on_connect,
                can_read=self._has_room,
                clean_start=clean_start,
                receive_maximum=self.queue_max,
            )
        else:
            self.net = Subscriber(
                broker.host,
                broker.port,
                client_id=client_id,
                filters=filters,
                on_messages=self._on_messages,
                on_connect=self._on_connect,
                can_read=self._has_room,
                username=broker.username,
                password=broker.password,
                tls=broker.tls,
                protocol=protocol,
                clean_start=clean_start,
                receive_maximum=self.queue_max,
            )
        self.connected = self.net.connected
        self.notifier: Notifier | None = None
        # Benchmarks: publish → alarm-committed latency of every raised alarm, and the counters, written to
        # these files at exit.
        self.latency_file = os.environ.get("ANJIAN_INGEST_LATENCY_FILE", "")
        self.stats_file = os.environ.get("ANJIAN_INGEST_STATS_FILE", "")
        self.latencies: list[int] = []

    # ------------------------------------------------------------------------------------- network side
    def _on_connect(self, session_present: bool) -> None:
        self._say(
            f"已连接 {self.broker.display}（会话{'恢复' if session_present else '新建'}，{self.transport_name}），"
            f"订阅 {self.prefix}/+/telemetry|status"
        )

    def _has_room(self) -> bool:
        return self._pending < self.queue_max

    def _on_messages(self, generation: int, received_ms: int, messages: list[tuple[Any, bytes, int]]) -> None:
        with self._cond:
            before = self._pending
            self._inbox.append((generation, received_ms, messages))
            self._pending = before + len(messages)
            self.stats.received += len(messages)
            if not self.stats.first_received_ms:
                self.stats.first_received_ms = received_ms
            if not before or before < self.batch_max <= self._pending:
                self._cond.notify()

    # ------------------------------------------------------------------------------------- worker side
    def _take(self) -> list[Chunk]:
        """The next batch: up to `batch_max` messages, once full or once its oldest has waited batch_wait."""
        with self._cond:
            if not self._pending:
                self._cond.wait(1.0)
                if not self._pending:
                    return []
            if self._pending < self.batch_max:
                deadline = self._inbox[0][1] / 1000 + self.batch_wait
                while self._pending < self.batch_max and not self.stop.is_set():
                    left = deadline - time.time()
                    if left <= 0:
                        break
                    self._cond.wait(left)
            batch: list[Chunk] = []
            n = 0
            inbox = self._inbox
            while inbox and n < self.batch_max:
                gen, received, messages = inbox[0]
                room = self.batch_max - n
                if len(messages) <= room:
                    inbox.popleft()
                    batch.append((gen, received, messages))
                    n += len(messages)
                else:
                    batch.append((gen, received, messages[:room]))
                    inbox[0] = (gen, received, messages[room:])
                    n += room
            was_full = self._pending >= self.queue_max
            self._pending -= n
        if was_full:
            self.net.wake()  # the network thread may read again
        return batch

    def _topic(self, topic: Any) -> tuple[str, str] | None:
        """(device code, kind) of a topic, cached (topics repeat: one or two per device)."""
        try:
            text = topic.decode() if isinstance(topic, bytes | bytearray) else str(topic)
        except UnicodeDecodeError:
            parts = None
        else:
            parts = split_topic(text, self.prefix + "/")
        if len(self._topics) >= TOPIC_CACHE_MAX:
            self._topics.clear()
        self._topics[topic] = parts
        return parts

    def _inbound(self, batch: list[Chunk]) -> list[Inbound]:
        out: list[Inbound] = []
        append = out.append
        topics = self._topics
        new = tuple.__new__
        missing = object()
        bad = IngestReason.BAD_TOPIC
        for _gen, received, messages in batch:
            for topic, payload, _pid in messages:
                parts = topics.get(topic, missing)
                if parts is missing:
                    parts = self._topic(topic)
                if parts is None:
                    append(new(Inbound, (None, "telemetry", payload, received, bad)))
                else:
                    append(new(Inbound, (parts[0], parts[1], payload, received, "")))  # type: ignore[index]
        return out

    def _ack(self, batch: list[Chunk]) -> None:
        """PUBACK every QoS 1 message of a committed batch, per connection (earlier ones are redelivered)."""
        by_gen: dict[int, list[int]] = {}
        for gen, _received, messages in batch:
            pids = by_gen.setdefault(gen, [])
            pids.extend([m[2] for m in messages if m[2]])
        for gen, pids in by_gen.items():
            if pids:
                self.net.ack(gen, pids)

    def process(self, batch: list[Chunk]) -> None:
        """Commit a batch (retrying through database outages), then acknowledge it."""
        delay = 0.5
        inbound = self._inbound(batch)
        while True:
            try:
                # No close_old_connections() here: its health check would cost a round trip per batch. A
                # failed batch closes the connection below, and the next attempt opens a new one.
                self.pipeline.process(inbound)
                break
            except (OperationalError, InterfaceError) as exc:
                self.stats.db_retries += 1
                log.warning(
                    "database unavailable (%s); batch of %d kept, retry in %.1fs", exc, len(inbound), delay
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
        self._ack(batch)
        self.stats.committed += len(inbound)
        self.stats.batches += 1
        self.stats.last_commit_ms = time.time_ns() // 1_000_000

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
                    "queue_depth": self._pending,
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

    def run(
        self, *, max_messages: int | None = None, install_signals: bool = True, tune_gc: bool = False
    ) -> None:
        """Connect and consume until stopped (SIGINT/SIGTERM, `stop` set, or `max_messages` committed).

        `tune_gc` (the `anjian ingest` process): after start-up, move every object to the garbage
        collector's permanent generation and collect the young generation less often. The pipeline
        allocates a few short-lived tuples per message; with the defaults the collector ran every 700
        allocations, with full passes over the device registry and Django's objects: about a quarter of
        the consumer's CPU time."""
        if install_signals:
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: self.stop.set())
        connections[self.using].settings_dict["CONN_MAX_AGE"] = None  # one connection, checked per batch
        # Devices and rules in memory before the first message.
        self.pipeline.registry.refresh_if_changed(every_s=0)
        # Import the URLconf now, not when the first alarm's notification links to it.
        reverse("monitoring:board")
        if tune_gc:
            gc.collect()
            gc.freeze()
            gc.set_threshold(50_000, 20, 100)
        if connections[self.using].vendor == "postgresql":
            self.notifier = Notifier()
            alarms.set_notification_dispatcher(self.notifier.submit)
        self.net.start()
        started = timezone.now()
        last_beat = last_tick = 0.0
        try:
            while not self.stop.is_set():
                batch = self._take()
                if batch:
                    self.process(batch)
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
            if not self.stop.is_set():
                with self._cond:
                    rest = list(self._inbox)
                    self._inbox.clear()
                    self._pending = 0
                if rest:
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
            self.net.stop()
            alarms.set_notification_dispatcher(None)
            if self.notifier is not None:
                self.notifier.close()
            with contextlib.suppress(DatabaseError):
                IngestWorker.objects.filter(client_id=self.client_id).update(
                    connected=False, beat_at=timezone.now()
                )
            self._close_db()
            if self.latency_file:
                with open(self.latency_file, "w") as fh:
                    json.dump(self.latencies, fh)
            if self.stats_file:
                with open(self.stats_file, "w") as fh:
                    st = self.stats
                    json.dump(
                        {
                            "received": st.received,
                            "committed": st.committed,
                            "batches": st.batches,
                            "db_retries": st.db_retries,
                            "first_received_ms": st.first_received_ms,
                            "last_commit_ms": st.last_commit_ms,
                            "transport": self.transport_name,
                        },
                        fh,
                    )
