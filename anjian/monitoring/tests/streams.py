"""Helpers of the ingest reliability tests: the `anjian ingest` consumer as a real subprocess, a paced QoS 1
publisher that records every PUBACK, private Mosquitto and PostgreSQL servers the tests may stop and start
without disturbing anything else, and the consumer's resident memory."""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import paho.mqtt.client as mqtt
import pytest

ROOT = Path(__file__).resolve().parents[3]
PROJECT_BROKER_CONF = ROOT / "deploy" / "mosquitto" / "anjian.conf"


def required(what: str) -> None:
    """Skip when a tool or service is missing, except under CI=true where it must be there."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is required in CI")
    pytest.skip(f"{what} not available")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


# ------------------------------------------------------------------------------------------ Mosquitto
class PrivateBroker:
    """A Mosquitto of its own on a free port. With `project_config`, the limits shipped in
    deploy/mosquitto/anjian.conf are included unchanged (include_dir), as an operator would install them."""

    def __init__(self, tmp: Path, *, project_config: bool, sys_interval: int = 1) -> None:
        mosquitto = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        if not os.path.exists(mosquitto):
            required("the mosquitto binary")
        self.port = free_port()
        self.dir = tmp / f"broker-{self.port}"
        self.dir.mkdir(parents=True)
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence false",
            f"sys_interval {sys_interval}",
            # When run as root Mosquitto would switch to its own user and could not read the test's files.
            f"user {getpass.getuser()}",
            "log_dest stderr",
            "log_type error",
            "log_type warning",
        ]
        if project_config:
            included = self.dir / "conf.d"
            included.mkdir()
            shutil.copy(PROJECT_BROKER_CONF, included / PROJECT_BROKER_CONF.name)
            lines.append(f"include_dir {included}")
        conf = self.dir / "mosquitto.conf"
        conf.write_text("\n".join(lines) + "\n")
        self.log = self.dir / "mosquitto.log"
        self.proc = subprocess.Popen(  # noqa: S603 (the system's Mosquitto, our config)
            [mosquitto, "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=self.log.open("wb")
        )
        deadline = time.monotonic() + 15
        while not port_open("127.0.0.1", self.port):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError("private mosquitto did not start: " + self.log.read_text())
            time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def mosquitto_pub(
    topic: str,
    payload: str,
    *,
    host: str = "127.0.0.1",
    port: int = 1883,
    username: str = "",
    password: str = "",
    client_id: str = "",
) -> None:
    """Publish one message at QoS 1 with the Mosquitto command-line client, as a device or an operator
    would (returns once the broker acknowledged it)."""
    args = ["mosquitto_pub", "-h", host, "-p", str(port), "-q", "1", "-t", topic, "-m", payload]
    if username:
        args += ["-u", username, "-P", password]
    if client_id:
        args += ["-i", client_id]
    subprocess.run(args, check=True, timeout=10)  # noqa: S603


def forget_session(host: str, port: int, client_id: str) -> None:
    """Drop the persistent session a test consumer left at a shared broker (connect with a clean start,
    disconnect with the default session expiry of 0)."""
    c = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)
    try:
        c.connect(host, port, clean_start=True)
        c.loop_start()
        time.sleep(0.2)
        c.disconnect()
        c.loop_stop()
    except OSError:
        pass


class BrokerStore:
    """Follows `$SYS/broker/store/messages/count` of a private broker (messages it holds: queued for
    the consumer plus sent but not yet acknowledged)."""

    def __init__(self, port: int) -> None:
        self.samples: list[tuple[float, int]] = []
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=f"sys-{port}-{os.getpid()}")
        self.client.on_message = self._on_message
        self.client.on_connect = lambda c, *_: c.subscribe("$SYS/broker/store/messages/count")
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self.samples.append((time.monotonic(), int(message.payload)))

    @property
    def peak(self) -> int:
        return max((n for _t, n in self.samples), default=0)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


# ------------------------------------------------------------------------------------------ PostgreSQL
def _pg_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


class PrivatePostgres:
    """A PostgreSQL cluster of its own (initdb in a temporary directory, a free port), which a test may stop,
    crash and start again without cutting the connections of anything else on the machine — pytest's own
    test database, other xdist workers, other services stay on the system cluster."""

    def __init__(self) -> None:
        bindir = _pg_bindir()
        if bindir is None:
            required("PostgreSQL server binaries (initdb, pg_ctl)")
        assert bindir is not None
        self.bin = bindir
        self.port = free_port()
        # Its own directory directly under the temporary root: the postgres user must be able to reach it.
        self.dir = Path(tempfile.mkdtemp(prefix=f"anjian-pg-{self.port}-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        # initdb and the server refuse to run as root: run them as the postgres user then.
        self.as_user: list[str] = []
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres")
            self.as_user = ["runuser", "-u", "postgres", "--"]
        self._run(
            "initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres", "-N", "-E", "UTF8", "--no-locale"
        )
        self.start()

    def _run(self, tool: str, *args: str, timeout: float = 120) -> None:
        done = subprocess.run(  # noqa: S603 (PostgreSQL's own tools)
            [*self.as_user, str(self.bin / tool), *args],
            check=False,
            timeout=timeout,
            capture_output=True,
        )
        if done.returncode:
            raise AssertionError(
                f"{tool} failed: {done.stdout.decode(errors='replace')}{done.stderr.decode(errors='replace')}"
            )

    def start(self) -> None:
        opts = (
            f"-p {self.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={self.dir} "
            "-c fsync=off -c shared_buffers=32MB -c max_connections=30"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", opts, "-w", "-t", "60", "start")
        self.wait_ready()

    def stop(self, mode: str = "fast") -> None:
        """`fast`: what a restart does (sessions terminated, open transactions rolled back); `immediate`:
        a crash (no shutdown checkpoint, recovery from the WAL at the next start)."""
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "-t", "60", "stop")

    def running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            done = subprocess.run(  # noqa: S603
                [str(self.bin / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(self.port)], check=False
            )
            if done.returncode == 0:
                return
            time.sleep(0.1)
        raise AssertionError("private PostgreSQL not ready: " + self.log.read_text(errors="replace")[-2000:])

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"

    def copy_database(self, source_url: str, name: str) -> str:
        """Create database `name` here as a copy (schema and rows) of the database at `source_url`."""
        subprocess.run(  # noqa: S603
            [str(self.bin / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name],
            check=True,
            timeout=60,
        )
        dump = subprocess.Popen(  # noqa: S603
            [str(self.bin / "pg_dump"), "-Fc", "--no-owner", "-d", source_url], stdout=subprocess.PIPE
        )
        restore = subprocess.run(  # noqa: S603
            [str(self.bin / "pg_restore"), "--no-owner", "--exit-on-error", "-d", self.url(name)],
            stdin=dump.stdout,
            check=False,
            timeout=300,
            capture_output=True,
        )
        assert dump.stdout is not None
        dump.stdout.close()
        assert dump.wait(60) == 0, "pg_dump of the test database failed"
        assert restore.returncode == 0, restore.stderr.decode(errors="replace")
        return self.url(name)

    def close(self) -> None:
        if self.running():
            with contextlib.suppress(AssertionError, subprocess.SubprocessError, OSError):
                self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


def database_url(db: dict[str, Any]) -> str:
    """A postgres:// URL for a Django DATABASES entry."""
    return (
        f"postgres://{db['USER']}:{db.get('PASSWORD') or ''}@{db['HOST'] or '127.0.0.1'}:"
        f"{db['PORT'] or 5432}/{db['NAME']}"
    )


# ------------------------------------------------------------------------------------------ consumer
class Consumer:
    """`manage.py ingest` as a subprocess with its own client id and topic prefix."""

    def __init__(self, tmp: Path, db_url: str, broker_url: str, *, client_id: str, prefix: str, **opts: Any):
        self.log = tmp / f"{client_id}.log"
        env = {**os.environ, "DATABASE_URL": db_url, "PYTHONUNBUFFERED": "1"}
        env.pop("DJANGO_SETTINGS_MODULE", None)
        args = [
            sys.executable,
            str(ROOT / "manage.py"),
            "ingest",
            "--url",
            broker_url,
            "--client-id",
            client_id,
            "--topic-prefix",
            prefix,
            "--skip-checks",
        ]
        for name, value in opts.items():
            args += [f"--{name.replace('_', '-')}", str(value)]
        self.proc = subprocess.Popen(  # noqa: S603 (our own interpreter and manage.py)
            args, cwd=ROOT, env=env, stdout=self.log.open("ab"), stderr=subprocess.STDOUT
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def output(self, tail: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-tail:]

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_connected(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "已连接" in self.log.read_text(errors="replace"):
                time.sleep(0.5)  # the subscription is acknowledged
                return
            if not self.alive():
                raise AssertionError("consumer exited:\n" + self.output())
            time.sleep(0.1)
        raise AssertionError("consumer did not connect:\n" + self.output())

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)


def rss_kb(pid: int) -> int:
    """Resident memory of a process (VmRSS, kB)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError(f"no VmRSS for {pid}")


class Sampler:
    """Calls `probe()` every `every` seconds in a thread and keeps (monotonic time, value)."""

    def __init__(self, probe: Any, every: float) -> None:
        self.samples: list[tuple[float, Any]] = []
        self._probe = probe
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            # A missed sample (the database restarting) is not a failure; the gap shows in the data.
            with contextlib.suppress(Exception):
                self.samples.append((time.monotonic(), self._probe()))
            self._stop.wait(self._every)

    def between(self, t0: float, t1: float) -> list[Any]:
        return [v for t, v in self.samples if t0 <= t <= t1]

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)


# ------------------------------------------------------------------------------------------ publisher
TELEMETRY = b'{"ts": %d, "seq": %d, "metrics": {"o2": 20.9, "lel": %d, "h2s": 0, "co": 1, "battery": 87}}'


@dataclass
class Phase:
    seconds: float
    rate: int  # messages per second
    started: float = 0.0
    ended: float = 0.0


class Publisher:
    """Publishes QoS 1 telemetry round-robin over `codes` at the phases' rates (paced every 10 ms), with
    seq 1, 2, 3… per device; `acked()` gives (code index, seq) of every message the broker acknowledged."""

    def __init__(self, host: str, port: int, prefix: str, codes: list[str], client_id: str) -> None:
        self.codes = codes
        self.sent = 0
        self.error: BaseException | None = None
        self._infos: list[tuple[tuple[int, int], Any]] = []
        self._seqs = [0] * len(codes)
        self._topics = [f"{prefix}/{code}/telemetry" for code in codes]
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.connect(host, port)
        self.client.loop_start()
        self.thread: threading.Thread | None = None

    def publish_one(self) -> None:
        i = self.sent % len(self.codes)
        self._seqs[i] += 1
        seq = self._seqs[i]
        info = self.client.publish(
            self._topics[i], TELEMETRY % (time.time_ns() // 1_000_000, seq, seq % 7), qos=1
        )
        self._infos.append(((i, seq), info))
        self.sent += 1

    def acked(self) -> set[tuple[int, int]]:
        return {key for key, info in self._infos if info.is_published()}

    def run(self, phases: list[Phase], on_phase: Any = None) -> None:
        """Publish through the phases in a thread (returns at once; `join()` waits)."""
        self.thread = threading.Thread(target=self._run, args=(phases, on_phase), daemon=True)
        self.thread.start()

    def _run(self, phases: list[Phase], on_phase: Any) -> None:
        try:
            for n, phase in enumerate(phases):
                phase.started = time.monotonic()
                if on_phase is not None:
                    on_phase(n, phase)
                first = self.sent
                total = first + int(phase.seconds * phase.rate)
                while self.sent < total:
                    elapsed = time.monotonic() - phase.started
                    due = min(total, first + int(elapsed * phase.rate))
                    while self.sent < due:
                        self.publish_one()
                    time.sleep(0.01)
                phase.ended = time.monotonic()
        except BaseException as exc:
            self.error = exc
            raise

    def join(self, timeout: float) -> None:
        assert self.thread is not None
        self.thread.join(timeout)
        assert not self.thread.is_alive(), "the publisher did not finish its schedule"
        assert self.error is None, f"publisher failed: {self.error!r}"

    def wait_acked(self, timeout: float) -> set[tuple[int, int]]:
        deadline = time.monotonic() + timeout
        acked = self.acked()
        while len(acked) < self.sent and time.monotonic() < deadline:
            time.sleep(0.2)
            acked = self.acked()
        return acked

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


@contextmanager
def scratch(prefix: str) -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
