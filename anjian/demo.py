"""`python -m anjian.demo` (the last step of `make demo`): run the web server, the background worker and,
when they exist, the MQTT consumer and the sensor simulator; print the address and the demo logins;
Ctrl-C stops every process it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from types import FrameType

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 15.0


@dataclass
class Child:
    """A process started by the runner."""

    label: str
    args: list[str]
    essential: bool = True  # the demo stops when an essential child dies; a helper may end alone
    process: subprocess.Popen[bytes] | None = None
    reported: bool = False


class Stop(Exception):
    """Raised by the signal handler to leave the supervision loop."""


def planned_children(port: int) -> list[Child]:
    """What the demo runs: web and worker always; ingest (with MQTT_URL) and simulate once they exist."""
    from django.conf import settings
    from django.core.management import get_commands

    commands = get_commands()
    base = [sys.executable, "-m", "anjian.cli"]
    children = [
        Child("Web 服务", [*base, "serve", "--port", str(port)]),
        Child("后台任务（Huey）", [*base, "worker"]),
    ]
    if "ingest" in commands and settings.MQTT_URL:
        children.append(Child("MQTT 接入", [*base, "ingest"], essential=False))
    if "simulate" in commands:
        children.append(Child("传感器模拟器", [*base, "simulate"], essential=False))
    return children


def banner(port: int, children: list[Child]) -> str:
    from anjian.demodata import DEMO_PASSWORD, demo_logins

    lines = ["", "=" * 64, f"  安监平台演示已启动：http://127.0.0.1:{port}/", ""]
    for child in children:
        pid = child.process.pid if child.process else "-"
        lines.append(f"  · {child.label}（进程 {pid}）")
    from django.db import DatabaseError

    try:
        logins = demo_logins()
    except DatabaseError:  # not migrated yet: the web pages say so too
        logins = []
    if logins:
        lines += ["", f"  演示账号（密码均为 {DEMO_PASSWORD}）："]
        lines += [f"    {_pad(u, 17)}{_pad(role, 26)}{scope}" for u, role, scope in logins]
    else:
        lines += ["", "  数据库中没有演示账号：先运行 anjian demo-data。"]
    lines += ["", "  按 Ctrl-C 停止全部进程。", "=" * 64, ""]
    return "\n".join(lines)


def _pad(text: str, width: int) -> str:
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def wait_until_ready(port: int, children: list[Child]) -> bool:
    """Poll the login page until it answers 200; False if a child died or the time ran out."""
    url = f"http://127.0.0.1:{port}/accounts/login/"
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if any(c.essential and c.process is not None and c.process.poll() is not None for c in children):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (local http URL)
                if response.status == 200:
                    return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    return False


def stop_all(children: list[Child]) -> None:
    """SIGINT first (graceful for waitress and Huey), then SIGTERM, then SIGKILL; reap every child."""
    running = [c for c in children if c.process is not None and c.process.poll() is None]
    for sig, grace in ((signal.SIGINT, STOP_TIMEOUT), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
        for c in running:
            assert c.process is not None
            if c.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    c.process.send_signal(sig)
        deadline = time.monotonic() + grace
        for c in running:
            assert c.process is not None
            with contextlib.suppress(subprocess.TimeoutExpired):
                c.process.wait(timeout=max(0.1, deadline - time.monotonic()))
        running = [c for c in running if c.process is not None and c.process.poll() is None]
        if not running:
            return


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.config.settings")
    import django

    django.setup()
    from django.conf import settings

    port = int(settings.PORT)
    children = planned_children(port)

    def on_signal(signum: int, frame: FrameType | None) -> None:
        raise Stop(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in STOP_SIGNALS}
    code = 0
    try:
        for child in children:
            # own session: the runner alone decides how and when its children stop
            child.process = subprocess.Popen(child.args, start_new_session=True)  # noqa: S603
        if not wait_until_ready(port, children):
            print(
                f"Web 服务未能在 127.0.0.1:{port} 启动（端口被占用？见上方日志）。",
                file=sys.stderr,
                flush=True,
            )
            return 1
        print(banner(port, children), flush=True)
        while True:
            for child in children:
                assert child.process is not None
                status = child.process.poll()
                if status is None or child.reported:
                    continue
                if child.essential:
                    print(
                        f"{child.label}意外退出（退出码 {status}），正在停止其他进程。",
                        file=sys.stderr,
                        flush=True,
                    )
                    return 1
                child.reported = True
                print(
                    f"{child.label}已退出（退出码 {status}）；Web 服务和后台任务继续运行。",
                    file=sys.stderr,
                    flush=True,
                )
            time.sleep(0.5)
    except Stop:
        print("\n正在停止演示……", flush=True)
    finally:
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        stop_all(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("演示已停止。", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
