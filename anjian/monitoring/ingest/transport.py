"""A lean MQTT subscriber for `anjian ingest` (MQTT 5, or 3.1.1): one socket, large reads, many PUBLISH
packets parsed per read, QoS 1 acknowledgements written only when the consumer says its batch is committed.

Why not paho-mqtt: paho builds several Python objects and runs a topic matcher for every incoming message,
which capped the consumer at about half of what the rest of the pipeline can do. This module does only what
a subscriber with manual acknowledgements needs:

- CONNECT with a fixed client id and a persistent session (clean start off, session expiry interval), the
  MQTT 5 Receive Maximum (how many unacknowledged QoS 1 messages the broker may have in flight to us),
  optional username/password and TLS. Mosquitto 2.0 honours Receive Maximum when it starts sending but
  releases up to that many queued messages for every PUBACK, so with acknowledgements written in batches
  more can arrive: memory is bounded on our side too, as the socket is not read while the consumer's
  inbox is full (`can_read`), and TCP flow control holds the broker back;
- SUBSCRIBE to the consumer's topic filters at QoS 1, again after every reconnect;
- PUBLISH packets handed to the consumer in chunks as (topic bytes, payload bytes, packet id) tuples with the
  connection's generation number; `ack(generation, ids)` writes the PUBACKs of a committed batch in one
  write, and only on the connection that delivered them (a packet id of an earlier connection may already
  name another message: the broker redelivers those messages instead, and the pipeline drops the copies);
- keep-alive (PINGREQ when idle, the connection is given up when the broker stays silent), reconnect with
  exponential back-off, DISCONNECT on stop.

All socket I/O happens in one network thread (TLS sockets must not be read and written from two threads);
the consumer's worker thread only queues acknowledgements and wakes the network thread through a pipe.
A malformed packet from the broker closes the connection (MQTT requires it) and the session resumes on the
next connection: nothing unacknowledged is lost."""

from __future__ import annotations

import contextlib
import logging
import os
import select
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("anjian.ingest")

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT, AUTH = 8, 9, 10, 11, 12, 13, 14, 15
PING_PACKET = b"\xc0\x00"
DISCONNECT_PACKET = b"\xe0\x00"
READ_SIZE = 256 * 1024
MAX_PACKET = 16 * 1024 * 1024
SESSION_EXPIRY_S = 7 * 86400

# Every possible PUBACK (packet ids 1–65535), so acknowledging a batch is one join of ready-made bytes.
PUBACKS = tuple(bytes((0x40, 2, pid >> 8, pid & 0xFF)) for pid in range(65536))

Message = tuple[bytes, bytes, int]  # topic, payload, packet id (0 for QoS 0)

CONNACK_REASONS = {
    # MQTT 3.1.1 return codes
    1: "协议版本不被接受",
    2: "客户端 ID 被拒绝",
    3: "服务不可用",
    4: "用户名或密码错误",
    5: "未授权（用户名、密码或访问权限不符）",
    # MQTT 5 reason codes
    0x80: "未指明的错误",
    0x81: "报文格式错误",
    0x82: "协议错误",
    0x84: "协议版本不被支持",
    0x85: "客户端 ID 无效",
    0x86: "用户名或密码错误",
    0x87: "未授权（用户名、密码或访问权限不符）",  # Mosquitto 2.0 answers a wrong password with this
    0x88: "服务不可用",
    0x89: "服务器忙",
    0x8A: "已被禁止",
    0x8C: "认证方式错误",
    0x95: "报文过大",
    0x97: "超出配额",
    0x9F: "连接速率超限",
}
DISCONNECT_REASONS = {
    0x8E: "会话被另一个使用相同客户端 ID 的连接接管",
    0x8B: "服务器正在关闭",
    0x8D: "保活超时",
    0x82: "协议错误",
    0x81: "报文格式错误",
    0x97: "超出配额",
}


class ProtocolError(Exception):
    """The broker sent something that is not valid MQTT for this client: the connection is closed."""


class Refused(Exception):
    """The broker refused the connection or the subscription (credentials, authorisation, client id)."""

    def __init__(self, code: int, what: str = "连接") -> None:
        self.code = code
        super().__init__(f"代理拒绝{what}：{CONNACK_REASONS.get(code, '原因码')}（0x{code:02x}）")


# ------------------------------------------------------------------------------------------ encoding
def varint(n: int) -> bytes:
    """MQTT variable byte integer."""
    out = bytearray()
    while True:
        byte, n = n % 128, n // 128
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def utf8(s: str | bytes) -> bytes:
    b = s.encode() if isinstance(s, str) else s
    if len(b) > 65535:
        raise ValueError("MQTT string longer than 65535 bytes")
    return struct.pack("!H", len(b)) + b


def packet(first: int, body: bytes) -> bytes:
    return bytes((first,)) + varint(len(body)) + body


def connect_packet(
    client_id: str,
    *,
    protocol: int = 5,
    keepalive: int = 30,
    clean_start: bool = False,
    username: str = "",
    password: str = "",
    session_expiry: int = SESSION_EXPIRY_S,
    receive_maximum: int = 20000,
    max_packet: int = MAX_PACKET,
) -> bytes:
    flags = 0x02 if clean_start else 0
    if username:
        flags |= 0x80
    if password:
        flags |= 0x40
    body = utf8("MQTT") + bytes((protocol, flags)) + struct.pack("!H", keepalive)
    if protocol == 5:
        props = b"\x11" + struct.pack("!I", session_expiry)
        props += b"\x21" + struct.pack("!H", max(1, min(receive_maximum, 65535)))
        props += b"\x27" + struct.pack("!I", max_packet)
        body += varint(len(props)) + props
    body += utf8(client_id)
    if username:
        body += utf8(username)
    if password:
        body += utf8(password)
    return packet(0x10, body)


def subscribe_packet(pid: int, filters: list[str], *, protocol: int = 5, qos: int = 1) -> bytes:
    body = struct.pack("!H", pid)
    if protocol == 5:
        body += b"\x00"
    for f in filters:
        body += utf8(f) + bytes((qos,))
    return packet(0x82, body)


def read_varint(buf: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it) of a variable byte integer; IndexError when the bytes run out."""
    value, shift = 0, 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        if b < 0x80:
            return value, pos
        shift += 7
        if shift > 21:
            raise ProtocolError("变长整数超过 4 字节")


def properties(buf: bytes, pos: int, end: int) -> tuple[dict[int, Any], int]:
    """MQTT 5 properties starting at `pos` (length first): {identifier: value}, position after them.
    Only the types a broker sends to a subscriber are decoded; user properties are skipped."""
    try:
        return _properties(buf, pos, end)
    except (IndexError, struct.error) as exc:
        raise ProtocolError("属性内的长度字段越界") from exc


def _properties(buf: bytes, pos: int, end: int) -> tuple[dict[int, Any], int]:
    length, pos = read_varint(buf, pos)
    stop = pos + length
    if stop > end:
        raise ProtocolError("属性长度超出报文")
    out: dict[int, Any] = {}
    while pos < stop:
        ident, pos = read_varint(buf, pos)
        if ident in (0x01, 0x17, 0x19, 0x24, 0x25, 0x28, 0x29, 0x2A):  # byte
            out[ident] = buf[pos]
            pos += 1
        elif ident in (0x13, 0x21, 0x22, 0x23):  # two-byte integer
            out[ident] = (buf[pos] << 8) | buf[pos + 1]
            pos += 2
        elif ident in (0x02, 0x11, 0x18, 0x27):  # four-byte integer
            out[ident] = struct.unpack_from("!I", buf, pos)[0]
            pos += 4
        elif ident == 0x0B:  # subscription identifier (variable byte integer)
            out[ident], pos = read_varint(buf, pos)
        elif ident in (0x03, 0x08, 0x09, 0x12, 0x15, 0x16, 0x1A, 0x1C, 0x1F):  # string / binary data
            n = (buf[pos] << 8) | buf[pos + 1]
            out[ident] = bytes(buf[pos + 2 : pos + 2 + n])
            pos += 2 + n
        elif ident == 0x26:  # user property: a pair of strings
            for _ in range(2):
                n = (buf[pos] << 8) | buf[pos + 1]
                pos += 2 + n
        else:
            raise ProtocolError(f"未知属性 0x{ident:02x}")
    if pos != stop:
        raise ProtocolError("属性长度与内容不符")
    return out, stop


# ------------------------------------------------------------------------------------------ decoding
class PacketReader:
    """Incremental parser of the broker → client byte stream.

    `feed(data, messages, controls)` appends every complete PUBLISH as (topic, payload, packet id) to
    `messages` and every other packet as (first byte, body) to `controls`; an incomplete packet at the end
    is kept for the next call, so packets may be split anywhere across reads."""

    __slots__ = ("_have", "_need", "_parts", "max_packet", "v5")

    def __init__(self, v5: bool = True, max_packet: int = MAX_PACKET) -> None:
        self.v5 = v5
        self.max_packet = max_packet
        self._parts: list[bytes] = []  # bytes received but not parsed yet (an incomplete packet)
        self._have = 0  # their total length
        self._need = 0  # bytes the incomplete packet needs in all (0: its header is not complete yet)

    @property
    def pending(self) -> int:
        """Bytes held for an incomplete packet."""
        return self._have

    def feed(self, data: bytes, messages: list[Message], controls: list[tuple[int, bytes]]) -> None:
        if self._parts:
            self._parts.append(data)
            self._have += len(data)
            if self._have < self._need:
                return  # a large packet still arriving: keep the pieces, join them once at the end
            buf = b"".join(self._parts)
            self._parts = []
        else:
            buf = data
        n = len(buf)
        pos = 0
        end = 0
        v5 = self.v5
        append = messages.append
        try:
            while n - pos >= 2:
                b0 = buf[pos]
                b = buf[pos + 1]
                if b < 0x80:
                    rl = b
                    start = pos + 2
                else:
                    rl, shift, i = 0, 0, pos + 1
                    while i < n:
                        b = buf[i]
                        i += 1
                        rl |= (b & 0x7F) << shift
                        if b < 0x80:
                            break
                        shift += 7
                        if shift > 21:
                            raise ProtocolError("剩余长度超过 4 字节")
                    else:
                        break  # the remaining length itself is not complete yet
                    start = i
                end = start + rl
                if rl > self.max_packet:
                    raise ProtocolError(f"报文长度 {rl} 超过上限 {self.max_packet}")
                if end > n:
                    break
                if b0 >> 4 == PUBLISH:
                    qos = (b0 >> 1) & 3
                    if rl < 2:
                        raise ProtocolError("PUBLISH 报文过短")
                    t = start + 2 + ((buf[start] << 8) | buf[start + 1])
                    topic = buf[start + 2 : t]
                    if qos:
                        if qos > 1:
                            raise ProtocolError(f"收到 QoS {qos} 的 PUBLISH（订阅为 QoS 1）")
                        if t + 2 > end:
                            raise ProtocolError("PUBLISH 缺少报文标识符")
                        pid = (buf[t] << 8) | buf[t + 1]
                        if not pid:
                            raise ProtocolError("PUBLISH 报文标识符为 0")
                        t += 2
                    else:
                        pid = 0
                    if v5:
                        if t >= end:
                            raise ProtocolError("PUBLISH 缺少属性长度")
                        if buf[t] == 0:
                            t += 1
                        else:
                            plen, t = read_varint(buf, t)
                            t += plen
                    if t > end:
                        raise ProtocolError("PUBLISH 头部长于报文")
                    append((topic, buf[t:end], pid))
                else:
                    controls.append((b0, buf[start:end]))
                pos = end
        except IndexError as exc:  # a length field pointed past the packet
            raise ProtocolError("报文内的长度字段越界") from exc
        if pos < n:
            self._parts = [buf[pos:]]
            self._have = n - pos
            self._need = end - pos if end > n else 0
        else:
            self._have = self._need = 0


# ------------------------------------------------------------------------------------------ the client
class Subscriber:
    """A persistent-session QoS 1 subscriber with acknowledgements under the caller's control.

    `on_messages(generation, received_ms, messages)` is called from the network thread for every read
    that completed PUBLISH packets; it must not block (the consumer appends to its inbox). `can_read()`
    (optional) is asked before each read: while it answers False the socket is not read, so TCP flow
    control holds the broker back (a second bound on memory besides Receive Maximum)."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        client_id: str,
        filters: list[str],
        on_messages: Callable[[int, int, list[Message]], None],
        on_connect: Callable[[bool], None] | None = None,
        can_read: Callable[[], bool] | None = None,
        username: str = "",
        password: str = "",
        tls: bool = False,
        protocol: int = 5,
        keepalive: int = 30,
        clean_start: bool = False,
        session_expiry: int = SESSION_EXPIRY_S,
        receive_maximum: int = 20000,
        connect_timeout: float = 10.0,
        reconnect_min: float = 0.5,
        reconnect_max: float = 15.0,
    ) -> None:
        if protocol not in (4, 5):
            raise ValueError("protocol must be 4 (MQTT 3.1.1) or 5")
        if not client_id and not clean_start:
            raise ValueError("a persistent session needs a client id")
        self.host, self.port = host, port
        self.client_id = client_id
        self.filters = list(filters)
        self.on_messages = on_messages
        self.on_connect = on_connect
        self.can_read = can_read
        self.username, self.password, self.tls = username, password, tls
        self.protocol = protocol
        self.keepalive = keepalive
        self.clean_start = clean_start
        self.session_expiry = session_expiry
        self.receive_maximum = receive_maximum
        self.connect_timeout = connect_timeout
        self.reconnect_min, self.reconnect_max = reconnect_min, reconnect_max
        self.generation = 0  # incremented by every accepted connection
        self.connected = threading.Event()  # set once the subscription is acknowledged
        self.session_present = False
        self.stats = {"connects": 0, "protocol_errors": 0, "disconnects": 0, "acks": 0}
        self.last_error = ""
        self._sock: socket.socket | None = None
        self._out: list[bytes] = []
        self._out_lock = threading.Lock()
        self._wake_r = self._wake_w = -1  # the network thread's wake-up pipe, made by start()
        self._pipe_open = False
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._sub_pid = 0
        self._last_send = 0.0
        self._ping_since = 0.0
        self._keepalive = keepalive

    # ------------------------------------------------------------------ called from other threads
    def start(self) -> None:
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self._pipe_open = True
        self._thread = threading.Thread(target=self._run, name="mqtt-net", daemon=True)
        self._thread.start()

    def ack(self, generation: int, pids: list[int]) -> bool:
        """Queue the PUBACKs of committed messages; False (nothing sent) when they came on an earlier
        connection (the broker redelivers those) or there is no connection now."""
        if not pids:
            return True
        data = b"".join([PUBACKS[p] for p in pids])
        with self._out_lock:
            if generation != self.generation or self._sock is None:
                return False
            self._out.append(data)
        self.wake()
        return True

    def stop(self, timeout: float = 5.0) -> None:
        """Send the queued acknowledgements, disconnect (the session stays on the broker), end the thread."""
        self._stopping.set()
        self.wake()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                return  # still finishing a write: it stops by itself; its wake-up pipe stays open
        if self._pipe_open:
            self._pipe_open = False
            for fd in (self._wake_r, self._wake_w):
                with contextlib.suppress(OSError):
                    os.close(fd)

    def wake(self) -> None:
        """Make the network thread look again (acknowledgements queued, or the inbox has room again)."""
        if not self._pipe_open:
            return
        with contextlib.suppress(OSError):  # BlockingIOError: the pipe is already full of wake-ups
            os.write(self._wake_w, b"x")

    # ------------------------------------------------------------------ the network thread
    def _run(self) -> None:
        delay = self.reconnect_min
        while not self._stopping.is_set():
            sock: socket.socket | None = None
            try:
                sock = self._open()
                reader = PacketReader(self.protocol == 5)
                self._handshake(sock, reader)
                delay = self.reconnect_min
                self._serve(sock, reader)
            except Refused as exc:
                self.last_error = str(exc)
                log.error("MQTT: %s", exc)
            except ProtocolError as exc:
                self.stats["protocol_errors"] += 1
                self.last_error = f"协议错误：{exc}"
                log.warning("MQTT protocol error, reconnecting: %s", exc)
            except (OSError, ssl.SSLError, ConnectionError) as exc:
                self.last_error = f"连接中断：{exc}"
                if not self._stopping.is_set():
                    log.warning("MQTT connection to %s:%s lost: %s", self.host, self.port, exc)
            except Exception as exc:  # never let the network thread die: reconnect instead
                self.last_error = f"内部错误：{exc}"
                log.exception("MQTT network thread error")
            finally:
                self._close(sock)
            if self._stopping.wait(delay):
                break
            delay = min(delay * 2, self.reconnect_max)

    def _open(self) -> socket.socket:
        sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.tls:
            ctx = ssl.create_default_context()
            sock = ctx.wrap_socket(sock, server_hostname=self.host)
        return sock

    def _handshake(self, sock: socket.socket, reader: PacketReader) -> None:
        sock.sendall(
            connect_packet(
                self.client_id,
                protocol=self.protocol,
                keepalive=self.keepalive,
                clean_start=self.clean_start,
                username=self.username,
                password=self.password,
                session_expiry=self.session_expiry,
                receive_maximum=self.receive_maximum,
            )
        )
        messages: list[Message] = []
        controls: list[tuple[int, bytes]] = []
        deadline = time.monotonic() + self.connect_timeout
        while not controls:
            if time.monotonic() > deadline:
                raise ConnectionError("等待 CONNACK 超时")
            data = sock.recv(READ_SIZE)
            if not data:
                raise ConnectionError("代理在 CONNACK 前关闭了连接")
            reader.feed(data, messages, controls)
        first, body = controls.pop(0)
        if first != 0x20 or len(body) < 2:
            raise ProtocolError(f"期待 CONNACK，收到报文类型 {first >> 4}")
        if body[1]:
            raise Refused(body[1])
        self._keepalive = self.keepalive
        if self.protocol == 5:
            props, _ = properties(body, 2, len(body))
            if 0x13 in props:  # Server Keep Alive overrides ours
                self._keepalive = props[0x13]
        self.session_present = bool(body[0] & 1)
        sock.settimeout(30.0)  # for writes; reads only happen after select() said readable
        self._sub_pid = self._sub_pid % 65535 + 1
        with self._out_lock:
            self._sock = sock
            self.generation += 1
            self._out.clear()
        self.stats["connects"] += 1
        self._send(sock, subscribe_packet(self._sub_pid, self.filters, protocol=self.protocol))
        # The broker may resend the session's unacknowledged messages right behind CONNACK.
        self._dispatch(messages, controls)

    def _send(self, sock: socket.socket, data: bytes) -> None:
        sock.sendall(data)
        self._last_send = time.monotonic()

    def _serve(self, sock: socket.socket, reader: PacketReader) -> None:
        wake = self._wake_r
        tls = isinstance(sock, ssl.SSLSocket)
        self._ping_since = 0.0
        while True:
            if self._out:
                with self._out_lock:
                    data = b"".join(self._out)
                    self._out.clear()
                self._send(sock, data)
                self.stats["acks"] += len(data) // 4  # the queue holds PUBACKs only, 4 bytes each
            if self._stopping.is_set():
                with contextlib.suppress(OSError):
                    self._send(sock, DISCONNECT_PACKET)
                return
            now = time.monotonic()
            keepalive = self._keepalive
            if keepalive:
                if now - self._last_send >= keepalive / 2:
                    self._send(sock, PING_PACKET)
                    if not self._ping_since:
                        self._ping_since = now
                if self._ping_since and now - self._ping_since > max(keepalive, 5):
                    raise ConnectionError(f"代理 {keepalive} 秒无响应（保活超时）")
                timeout = max(0.05, min(1.0, self._last_send + keepalive / 2 - now))
            else:
                timeout = 1.0
            reading = self.can_read is None or self.can_read()
            if not reading:
                self._ping_since = 0.0  # unread data may hold the PINGRESP; not a sign of a dead broker
            if tls and reading and sock.pending():  # type: ignore[attr-defined]
                ready = [sock]
            else:
                ready, _, _ = select.select([sock, wake] if reading else [wake], [], [], timeout)
            if wake in ready:
                with contextlib.suppress(BlockingIOError):
                    os.read(wake, 65536)
            if sock not in ready:
                continue
            try:
                data = sock.recv(READ_SIZE)
            except (BlockingIOError, ssl.SSLWantReadError):
                continue
            if not data:
                raise ConnectionError("代理关闭了连接")
            self._ping_since = 0.0  # anything received proves the broker alive
            messages: list[Message] = []
            controls: list[tuple[int, bytes]] = []
            reader.feed(data, messages, controls)
            self._dispatch(messages, controls)

    def _dispatch(self, messages: list[Message], controls: list[tuple[int, bytes]]) -> None:
        if messages:
            self.on_messages(self.generation, time.time_ns() // 1_000_000, messages)
        for first, body in controls:
            self._control(first, body)

    def _control(self, first: int, body: bytes) -> None:
        kind = first >> 4
        if kind == PINGRESP:
            return
        if kind == SUBACK:
            if len(body) < 3 or ((body[0] << 8) | body[1]) != self._sub_pid:
                raise ProtocolError("SUBACK 与订阅请求不符")
            pos = properties(body, 2, len(body))[1] if self.protocol == 5 else 2
            codes = list(body[pos:])
            if len(codes) != len(self.filters):
                raise ProtocolError("SUBACK 的结果数与订阅主题数不符")
            refused = [c for c in codes if c >= 0x80]
            if refused:
                raise Refused(refused[0], "订阅")
            if any(c == 0 for c in codes):
                log.warning(
                    "MQTT: the broker granted QoS 0 only; messages cannot be acknowledged after commit"
                )
            self.connected.set()
            if self.on_connect is not None:
                self.on_connect(self.session_present)
            return
        if kind == DISCONNECT:
            code = body[0] if body else 0
            self.stats["disconnects"] += 1
            raise ConnectionError(f"代理断开连接：{DISCONNECT_REASONS.get(code, '原因码')}（0x{code:02x}）")
        if kind in (PUBACK, PUBREC, PUBCOMP, UNSUBACK):
            return  # answers to packets a subscriber does not send; harmless
        raise ProtocolError(f"意外的报文类型 {kind}")

    def _close(self, sock: socket.socket | None) -> None:
        self.connected.clear()
        with self._out_lock:
            self._sock = None
            self._out.clear()
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()
