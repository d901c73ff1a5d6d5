"""Ingest benchmark: broker + `anjian ingest` + database on this machine (run: `anjian bench ingest`).

Measures, in one run and next to same-run baselines:
  1. bare paho subscriber receive rate (QoS 1) for the same messages from the same publisher;
  2. bare COPY (PostgreSQL) / executemany (SQLite) of the same rows into the readings table;
  3. sustained `anjian ingest` rate: N messages of 4 metrics each, encoded before the clock starts, published
     at QoS 1 as fast as the broker takes them; the consumer commits, then acknowledges; rate = N / (last
     commit − first publish), the consumer's own record of its last commit (`rate_to_exit` also counts its
     shutdown);
  4. publish → alarm-committed latency (p50/p99) while publishing at a fixed rate (default 5,000 msg/s),
     with a few devices toggling a gas alarm every second;
  plus CPU seconds of each process (consumer, broker, publisher, database backends) and the machine load.

A private Mosquitto is started on a free port (persistence off, unlimited queues) so that the shared broker
is not disturbed. The database is created fresh (PostgreSQL `--database-url`, default
postgres://postgres@127.0.0.1:5432/anjian_bench, dropped and recreated; SQLite: a temporary file).

  anjian bench ingest                         # PostgreSQL, 200k messages, latency at 5,000/s
  anjian bench ingest --sqlite -n 40000       # SQLite
  anjian bench ingest --messages 50000 --latency-seconds 20 --devices 2000
  anjian bench ingest --transport paho        # the consumer on paho-mqtt instead of its own MQTT client
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PREFIX = "bench/anjian/v1"
CLK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------------------ helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK
    except (OSError, IndexError, ValueError):
        return 0.0


_pg_seen: dict[int, float] = {}


def postgres_cpu() -> float:
    """CPU seconds of every postgres process seen so far (all backends, writer, WAL writer); a backend
    that has exited keeps the last value sampled, so call this often during a run."""
    for p in Path("/proc").iterdir():
        if p.name.isdigit():
            try:
                if Path(p / "comm").read_text().strip().startswith("postgres"):
                    _pg_seen[int(p.name)] = cpu_seconds(int(p.name))
            except OSError:
                pass
    return sum(_pg_seen.values())


def machine_busy() -> tuple[float, float]:
    parts = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    values = [int(x) for x in parts]
    idle = values[3] + values[4]
    return sum(values) / CLK, idle / CLK


def loadavg() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def manage(args: list[str], env: dict[str, str], **kw: Any) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args],
        cwd=ROOT,
        env=env,
        text=True,
        capture_output=True,
        check=False,
        **kw,
    )
    if done.returncode:
        raise RuntimeError(f"manage.py {args[0]} failed:\n{done.stderr[-3000:]}")
    return done


# ------------------------------------------------------------------------------------------ raw MQTT publisher
def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n % 128
        n //= 128
        out.append(byte | 0x80 if n else byte)
        if not n:
            return bytes(out)


def _packet(kind: int, body: bytes) -> bytes:
    return bytes([kind]) + _varint(len(body)) + body


def _str(s: str) -> bytes:
    b = s.encode()
    return struct.pack("!H", len(b)) + b


class Publisher:
    """A minimal MQTT 3.1.1 QoS 1 publisher on a raw socket (pre-built packets, PUBACKs read by a thread),
    so that the publisher is not what limits the benchmark. `cpu_s()`: CPU seconds of its two threads."""

    def __init__(self, port: int, client_id: str, window: int = 20000) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        body = _str("MQTT") + bytes([4, 0x02]) + struct.pack("!H", 60) + _str(client_id)
        self.sock.sendall(_packet(0x10, body))
        ack = self.sock.recv(4)
        if len(ack) < 4 or ack[3] != 0:
            raise RuntimeError(f"CONNACK refused: {ack!r}")
        self.window = window
        self.sent = 0
        self.acked = 0
        self.reader_cpu = 0.0
        self.cond = threading.Condition()
        threading.Thread(target=self._reader, daemon=True).start()

    def _reader(self) -> None:
        """Count PUBACKs (the only packet the broker sends a publisher that never pings: 4 bytes each)."""
        left = 0
        while True:
            try:
                data = self.sock.recv(262144)
            except OSError:
                break
            if not data:
                break
            n, left = divmod(left + len(data), 4)
            if n:
                with self.cond:
                    self.acked += n
                    self.cond.notify_all()
            self.reader_cpu = time.thread_time()

    def publish_many(self, packets: list[bytes]) -> None:
        self.publish_raw(b"".join(packets), len(packets))

    def publish_raw(self, data: bytes, count: int) -> None:
        """Send `count` ready-made PUBLISH packets, staying within the window of unacknowledged ones."""
        with self.cond:
            while self.sent - self.acked + count > self.window:
                self.cond.wait(1)
        self.sock.sendall(data)
        self.sent += count

    def wait_acked(self, timeout: float = 120) -> bool:
        deadline = time.monotonic() + timeout
        with self.cond:
            while self.acked < self.sent and time.monotonic() < deadline:
                self.cond.wait(1)
        return self.acked >= self.sent

    def close(self) -> None:
        try:
            self.sock.sendall(b"\xe0\x00")
            self.sock.close()
        except OSError:
            pass


def publish_packet(topic: bytes, payload: bytes, pid: int) -> bytes:
    body = struct.pack("!H", len(topic)) + topic + struct.pack("!H", pid) + payload
    return b"\x32" + _varint(len(body)) + body


def message(code: str, seq: int, lel: float = 0.0) -> tuple[bytes, bytes]:
    ts = time.time_ns() // 1_000_000
    payload = b'{"ts":%d,"seq":%d,"metrics":{"o2":20.9,"lel":%s,"h2s":0.2,"co":1.5}}' % (
        ts,
        seq,
        str(lel).encode(),
    )
    return f"{PREFIX}/{code}/telemetry".encode(), payload


def encode_flood(
    codes: list[str], total: int, start_seq: int, per_write: int = 500
) -> list[tuple[bytes, int]]:
    """`total` QoS 1 PUBLISH packets round-robin over the devices, joined `per_write` at a time."""
    out: list[tuple[bytes, int]] = []
    chunk: list[bytes] = []
    pid = 0
    n = 0
    seq = start_seq
    while n < total:
        for code in codes:
            if n >= total:
                break
            pid = pid % 65535 + 1
            chunk.append(publish_packet(*message(code, seq), pid))
            n += 1
            if len(chunk) >= per_write:
                out.append((b"".join(chunk), len(chunk)))
                chunk = []
        seq += 1
    if chunk:
        out.append((b"".join(chunk), len(chunk)))
    return out


def flood(
    port: int, codes: list[str], total: int, start_seq: int, client_id: str
) -> tuple[float, float, float]:
    """Publish `total` messages (encoded first) as fast as the broker takes them: (start, end, CPU seconds
    of the publisher's threads while publishing)."""
    writes = encode_flood(codes, total, start_seq)
    pub = Publisher(port, client_id)
    started = time.time()
    cpu0 = time.thread_time()
    for data, count in writes:
        pub.publish_raw(data, count)
    pub.wait_acked()
    ended = time.time()
    cpu = time.thread_time() - cpu0 + pub.reader_cpu
    pub.close()
    return started, ended, cpu


def paced(
    port: int,
    codes: list[str],
    alarm_codes: list[str],
    rate: int,
    seconds: float,
    start_seq: int,
    client_id: str,
) -> int:
    """Publish at `rate` msg/s for `seconds`; each alarm device alternates lel 60 / 0 once a second."""
    pub = Publisher(port, client_id)
    pid = 0
    seqs = dict.fromkeys(codes + alarm_codes, start_seq)
    high = dict.fromkeys(alarm_codes, False)
    tick = 0.01
    per_tick = rate * tick
    started = time.monotonic()
    sent = 0
    i = 0
    next_alarm = started
    while True:
        now = time.monotonic()
        elapsed = now - started
        if elapsed >= seconds:
            break
        due = int(elapsed * rate) - sent
        chunk = []
        if now >= next_alarm:
            next_alarm += 1.0
            for code in alarm_codes:
                high[code] = not high[code]
                seqs[code] += 1
                pid = pid % 65535 + 1
                chunk.append(publish_packet(*message(code, seqs[code], 60.0 if high[code] else 0.0), pid))
        for _ in range(max(0, due - len(chunk))):
            code = codes[i % len(codes)]
            i += 1
            seqs[code] += 1
            pid = pid % 65535 + 1
            chunk.append(publish_packet(*message(code, seqs[code]), pid))
        if chunk:
            pub.publish_many(chunk)
            sent += len(chunk)
        time.sleep(max(0.0, tick - (time.monotonic() - now)) if per_tick else tick)
    pub.wait_acked()
    pub.close()
    return sent


# ------------------------------------------------------------------------------------------ roles run as subprocesses
def role_bare_subscriber(port: int, expect: int, out: str) -> None:
    """A bare paho subscriber (QoS 1, automatic acks): counts messages and reports its receive rate."""
    import paho.mqtt.client as mqtt

    state = {"n": 0, "first": 0.0, "last": 0.0}
    done = threading.Event()

    def on_message(client: Any, userdata: Any, msg: Any) -> None:
        now = time.time()
        if not state["n"]:
            state["first"] = now
        state["n"] += 1
        state["last"] = now
        if state["n"] >= expect:
            done.set()

    c = mqtt.Client(
        mqtt.CallbackAPIVersion.VERSION2, client_id="bench-bare-sub"
    )  # paho defaults (MQTT 3.1.1)
    c.on_message = on_message
    c.connect("127.0.0.1", port)
    c.subscribe(f"{PREFIX}/+/telemetry", qos=1)
    c.loop_start()
    Path(out + ".ready").write_text("1")
    done.wait(600)
    c.disconnect()
    c.loop_stop()
    Path(out).write_text(json.dumps(state))


# ------------------------------------------------------------------------------------------ the run
class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.tmp = Path(tempfile.mkdtemp(prefix="anjian-bench-"))
        self.results: dict[str, Any] = {
            "started": time.strftime("%Y-%m-%d %H:%M:%S"),
            "load_before": loadavg(),
        }
        if args.sqlite:
            self.db_url = f"sqlite:///{self.tmp / 'bench.sqlite3'}"
        else:
            self.db_url = args.database_url
        self.env = {
            **os.environ,
            "DATABASE_URL": self.db_url,
            "PYTHONUNBUFFERED": "1",
            "HUEY_IMMEDIATE": "false",
        }
        self.env.pop("DJANGO_SETTINGS_MODULE", None)
        self.port = free_port()
        self.broker: subprocess.Popen[bytes] | None = None

    def say(self, text: str) -> None:
        print(text, flush=True)

    def start_broker(self) -> None:
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        conf = self.tmp / "mosquitto.conf"
        conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous true\npersistence false\n"
            f"max_queued_messages 0\nmax_inflight_messages 0\nuser {getpass.getuser()}\nlog_type error\n"
        )
        self.broker = subprocess.Popen(
            [mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("private mosquitto did not start")

    def prepare_database(self) -> list[str]:
        a = self.args
        if not a.sqlite and not a.reuse_db:
            from urllib.parse import urlparse

            u = urlparse(self.db_url)
            admin = (
                f"postgres://{u.username or 'postgres'}@{u.hostname or '127.0.0.1'}:{u.port or 5432}/postgres"
            )
            import psycopg

            with psycopg.connect(admin, autocommit=True) as c:
                name = (u.path or "/anjian_bench").lstrip("/")
                c.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                c.execute(f'CREATE DATABASE "{name}"')
        self.say(f"· 数据库迁移（{'SQLite' if a.sqlite else 'PostgreSQL'}）…")
        manage(["migrate", "--noinput", "-v0"], self.env, timeout=900)
        self.say(f"· 登记 {a.devices} 台四合一气体检测仪 …")
        out = manage(["shell", "-c", SETUP.replace("__DEVICES__", str(a.devices))], self.env, timeout=600)
        codes = json.loads(out.stdout.strip().splitlines()[-1])
        return list(codes)

    def baseline_paho(self, codes: list[str], n: int) -> None:
        out = self.tmp / "bare.json"
        proc = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--role",
                "bare-sub",
                "--port",
                str(self.port),
                "--expect",
                str(n),
                "--out",
                str(out),
            ],
            cwd=ROOT,
        )
        while not Path(str(out) + ".ready").exists():
            time.sleep(0.05)
        time.sleep(0.5)
        cpu0 = cpu_seconds(proc.pid)
        start, end, _cpu = flood(self.port, codes, n, 1_000_000, "bench-pub-bare")
        proc.wait(600)
        state = json.loads(out.read_text())
        span = state["last"] - state["first"]
        self.results["bare_paho"] = {
            "messages": state["n"],
            "receive_rate": round(state["n"] / span) if span else None,
            "publish_rate": round(n / (end - start)),
            "cpu_s": round(cpu_seconds(proc.pid) - cpu0, 2) if proc.poll() is None else None,
        }
        self.say(
            f"  基线 1：裸 paho 订阅者接收 {self.results['bare_paho']['receive_rate']} 条/秒（发布端 {self.results['bare_paho']['publish_rate']} 条/秒）"
        )

    def baseline_copy(self, n: int) -> None:
        out = manage(["shell", "-c", COPY_BASELINE.replace("__N__", str(n))], self.env, timeout=900)
        data = json.loads(out.stdout.strip().splitlines()[-1])
        self.results["bare_write"] = data
        self.say(f"  基线 2：{data['method']} 同样的行 {data['rows_per_s']} 行/秒")

    def consumer(self, extra: list[str]) -> tuple[subprocess.Popen[bytes], Path]:
        log = self.tmp / f"ingest-{time.monotonic_ns()}.log"
        proc = subprocess.Popen(
            [
                sys.executable,
                str(ROOT / "manage.py"),
                "ingest",
                "--skip-checks",
                "--url",
                f"mqtt://127.0.0.1:{self.port}",
                "--client-id",
                f"bench-ingest-{time.monotonic_ns()}",
                "--topic-prefix",
                PREFIX,
                "--transport",
                self.args.transport,
                *extra,
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 120
        while "已连接" not in log.read_text(errors="replace"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("ingest did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.1)
        time.sleep(0.5)
        return proc, log

    def sustained(self, codes: list[str], n: int) -> None:
        stats_file = self.tmp / "ingest-stats.json"
        env_backup = self.env
        self.env = {**self.env, "ANJIAN_INGEST_STATS_FILE": str(stats_file)}
        proc, log = self.consumer(["--max-messages", str(n), "--batch-max", str(self.args.batch_max)])
        self.env = env_backup
        writes = encode_flood(codes, n, 2_000_000)  # before the clock starts
        c0, b0, pg0, m0 = cpu_seconds(proc.pid), cpu_seconds(self.broker.pid), postgres_cpu(), machine_busy()  # type: ignore[union-attr]
        t0 = time.time()
        pub_cpu: list[float] = []

        def publish() -> None:
            pub = Publisher(self.port, "bench-pub-ingest")
            cpu0 = time.thread_time()
            for data, count in writes:
                pub.publish_raw(data, count)
            pub.wait_acked()
            pub_cpu.append(time.thread_time() - cpu0 + pub.reader_cpu)
            pub.close()

        th = threading.Thread(target=publish)
        th.start()
        peak_rss = 0
        c1, b1, pg1, m1 = c0, b0, pg0, m0
        while proc.poll() is None:
            peak_rss = max(peak_rss, _rss_kb(proc.pid))
            c1, b1, pg1, m1 = (
                cpu_seconds(proc.pid),
                cpu_seconds(self.broker.pid),
                postgres_cpu(),
                machine_busy(),
            )  # type: ignore[union-attr]
            time.sleep(0.2)
        t1 = time.time()
        th.join()
        wall = t1 - t0
        done = json.loads(stats_file.read_text()) if stats_file.exists() else {}
        last_commit = done.get("last_commit_ms", 0) / 1000 or t1
        total, idle = m1[0] - m0[0], m1[1] - m0[1]
        self.results["ingest"] = {
            "messages": n,
            "transport": self.args.transport,
            "seconds": round(last_commit - t0, 2),
            "rate": round(n / (last_commit - t0)),
            "rate_to_exit": round(n / wall),
            "batches": done.get("batches"),
            "cpu_consumer_s": round(c1 - c0, 2),
            "consumer_us_per_message": round((c1 - c0) / n * 1e6, 1),
            "cpu_broker_s": round(b1 - b0, 2),
            "cpu_postgres_s": round(pg1 - pg0, 2) if not self.args.sqlite else None,
            "cpu_publisher_s": round(pub_cpu[0], 2) if pub_cpu else None,
            "machine_busy_pct": round(100 * (total - idle) / total, 1) if total else None,
            "consumer_peak_rss_mb": round(peak_rss / 1024, 1),
            "log_tail": log.read_text(errors="replace").strip().splitlines()[-1:],
        }
        r = self.results["ingest"]
        self.say(
            f"  anjian ingest（{r['transport']}）：{n} 条用时 {r['seconds']} 秒 = {r['rate']} 条/秒（含进程退出 "
            f"{r['rate_to_exit']} 条/秒）；CPU 秒：接入 {r['cpu_consumer_s']}（每条 {r['consumer_us_per_message']} 微秒）、"
            f"代理 {r['cpu_broker_s']}、数据库 {r['cpu_postgres_s']}、发布端 {r['cpu_publisher_s']}；整机忙 {r['machine_busy_pct']}%；"
            f"接入进程内存峰值 {r['consumer_peak_rss_mb']} MB"
        )

    def latency(self, codes: list[str]) -> None:
        a = self.args
        lat_file = self.tmp / "latency.json"
        alarm_codes, normal = codes[: a.alarm_devices], codes[a.alarm_devices :]
        env_backup = self.env
        self.env = {**self.env, "ANJIAN_INGEST_LATENCY_FILE": str(lat_file)}
        proc, _log = self.consumer(["--batch-max", str(a.batch_max)])
        self.env = env_backup
        c0 = cpu_seconds(proc.pid)
        sent = paced(
            self.port, normal, alarm_codes, a.rate, a.latency_seconds, 3_000_000, "bench-pub-latency"
        )
        time.sleep(3)
        c1 = cpu_seconds(proc.pid)
        proc.terminate()
        proc.wait(60)
        samples = json.loads(lat_file.read_text()) if lat_file.exists() else []
        samples.sort()

        def pct(p: float) -> float | None:
            return samples[min(len(samples) - 1, int(p * len(samples)))] if samples else None

        self.results["latency"] = {
            "rate": a.rate,
            "seconds": a.latency_seconds,
            "sent": sent,
            "alarm_samples": len(samples),
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "max_ms": samples[-1] if samples else None,
            "mean_ms": round(statistics.mean(samples), 1) if samples else None,
            "consumer_cpu_pct": round(100 * (c1 - c0) / (a.latency_seconds + 3), 1),
        }
        r = self.results["latency"]
        self.say(
            f"  时延（{a.rate} 条/秒，{a.latency_seconds} 秒，{r['alarm_samples']} 次报警）：发布→报警提交 p50 {r['p50_ms']} ms，"
            f"p99 {r['p99_ms']} ms，最大 {r['max_ms']} ms；接入进程 CPU {r['consumer_cpu_pct']}%"
        )

    def run(self) -> dict[str, Any]:
        a = self.args
        try:
            self.start_broker()
            codes = self.prepare_database()
            self.say(f"· 基准开始（机器负载 {loadavg()}，{os.cpu_count()} 核）")
            self.baseline_paho(codes, a.messages)
            self.baseline_copy(a.messages)
            self.sustained(codes, a.messages)
            if a.latency_seconds > 0:
                self.latency(codes)
            bare = self.results["bare_paho"]["receive_rate"] or 0
            self.results["ratio_to_bare_paho"] = (
                round(self.results["ingest"]["rate"] / bare, 2) if bare else None
            )
            self.results["load_after"] = loadavg()
            self.say(
                f"· 接入速率 / 裸 paho 接收速率 = {self.results['ratio_to_bare_paho']}；结束时机器负载 {loadavg()}"
            )
            return self.results
        finally:
            if self.broker is not None:
                self.broker.terminate()
                self.broker.wait(10)
            shutil.rmtree(self.tmp, ignore_errors=True)


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


SETUP = """
import json
from anjian.enterprises.models import Enterprise
from anjian.monitoring.models import Device, DeviceType
from anjian.org.models import Community, Grid, Street
from anjian.conftest import make_uscc
street = Street.objects.filter(name="基准街道").first() or Street.objects.create(name="基准街道")
community, _ = Community.objects.get_or_create(street=street, name="基准社区", code="B01")
grid, _ = Grid.objects.get_or_create(community=community, name="基准网格", code="B01-G01")
ent, _ = Enterprise.objects.get_or_create(uscc=make_uscc(999001), defaults={"name": "基准企业", "community": community, "grid": grid})
t = DeviceType.objects.get(code="gas4")
Device.objects.bulk_create([Device(code=f"BENCH-{i:06d}", name=f"基准设备{i}", type=t, enterprise=ent, community=community, grid=grid, reporting_interval_s=60) for i in range(__DEVICES__)], batch_size=2000, ignore_conflicts=True)
print(json.dumps([f"BENCH-{i:06d}" for i in range(__DEVICES__)]))
"""

COPY_BASELINE = """
import json, time
import orjson
from django.db import connection, transaction
from anjian.monitoring import store
from anjian.monitoring.ingest.pipeline import _days
backend = store.backend()
n = __N__
now = int(time.time() * 1000)
metrics = orjson.dumps({"o2": 20.9, "lel": 0, "h2s": 0.2, "co": 1.5}).decode()
rows = [(10**9 + i % 5000, now - n + i, i, metrics) for i in range(n)]
backend.ensure_partitions(connection, _days([now - n, now]))
t = time.perf_counter()
for i in range(0, n, 5000):
    with transaction.atomic():
        backend.write(connection, rows[i:i + 5000])
elapsed = time.perf_counter() - t
with connection.cursor() as cur:
    cur.execute("DELETE FROM monitoring_reading WHERE device_id >= %s", [10**9])
print(json.dumps({"method": "COPY" if connection.vendor == "postgresql" else "executemany", "rows": n, "seconds": round(elapsed, 2), "rows_per_s": round(n / elapsed)}))
"""


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        description="anjian bench ingest：MQTT 接入基准（代理 + 接入进程 + 数据库，同机）"
    )
    p.add_argument("--sqlite", action="store_true", help="SQLite 模式（默认 PostgreSQL）")
    p.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/anjian_bench"),
    )
    p.add_argument("--reuse-db", action="store_true", help="不重建 PostgreSQL 数据库（需已迁移）")
    p.add_argument("-n", "--messages", type=int, default=200_000, help="持续接入与基线的消息数")
    p.add_argument("--devices", type=int, default=5000)
    p.add_argument("--batch-max", type=int, default=5000)
    p.add_argument(
        "--transport", choices=["fast", "paho"], default="fast", help="接入进程的 MQTT 客户端（默认 fast）"
    )
    p.add_argument("--rate", type=int, default=5000, help="时延测试的发布速率（条/秒）")
    p.add_argument("--latency-seconds", type=float, default=30.0, help="时延测试时长（0 = 不测）")
    p.add_argument("--alarm-devices", type=int, default=20, help="时延测试中每秒切换报警的设备数")
    p.add_argument("--json", default="", help="把结果另存为 JSON")
    p.add_argument("--role", default="", help=argparse.SUPPRESS)
    p.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--expect", type=int, default=0, help=argparse.SUPPRESS)
    p.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.role == "bare-sub":
        role_bare_subscriber(args.port, args.expect, args.out)
        return 0
    print(
        f"anjian bench ingest：{'SQLite' if args.sqlite else 'PostgreSQL'}，{args.messages} 条 × 4 指标，{args.devices} 台设备"
    )
    results = Bench(args).run()
    if args.json:
        Path(args.json).write_text(json.dumps(results, ensure_ascii=False, indent=2))
    print(json.dumps(results, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
