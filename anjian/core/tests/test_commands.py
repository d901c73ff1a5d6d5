"""Operator commands: verify-audit's verdicts, serve's argument checks, the bench dispatcher, the demo
runner started and stopped like `make demo` does, and the list benchmark on a tiny register."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from anjian.core import audit
from anjian.core.context import origin
from anjian.core.models import AuditEntry

REPO = Path(settings.BASE_DIR)


# ------------------------------------------------------------------------------------ verify-audit
@pytest.fixture
def chain(world):
    with origin("web", ip="127.0.0.1"):
        for i in range(4):
            audit.record(
                actor=world.admin, action="update", obj=world.ent_a1, before={"n": i}, after={"n": i + 1}
            )
    return list(AuditEntry.objects.order_by("chain_index").values_list("chain_index", flat=True))


def verify() -> tuple[int, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue() + err.getvalue()
    return 0, out.getvalue() + err.getvalue()


def _sql(statement: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement.replace("{table}", AuditEntry._meta.db_table), params)


def test_verify_audit_accepts_an_intact_chain(chain):
    code, text = verify()
    assert code == 0
    assert f"审计链完整：{len(chain)} 条记录" in text


def test_verify_audit_reports_a_tampered_row(chain):
    _sql("UPDATE {table} SET note = %s WHERE chain_index = %s", ["事后篡改", chain[1]])
    code, text = verify()
    assert code == 1
    assert f"链序号 {chain[1]}" in text and "被修改" in text


def test_verify_audit_reports_a_deleted_middle_row(chain):
    _sql("DELETE FROM {table} WHERE chain_index = %s", [chain[2]])
    code, text = verify()
    assert code == 1
    assert f"链序号 {chain[2]}" in text and "删除" in text


def test_verify_audit_reports_a_deleted_last_row(chain):
    _sql("DELETE FROM {table} WHERE chain_index = %s", [chain[-1]])
    code, text = verify()
    assert code == 1
    assert f"链序号 {chain[-1]}" in text and "末尾" in text


def test_verify_audit_on_an_empty_log(db):
    code, text = verify()
    assert code == 0 and "审计链完整：0 条记录" in text


# ------------------------------------------------------------------------------------------- serve
@pytest.mark.parametrize(
    ("option", "value", "message"), [("--port", "70000", "端口"), ("--threads", "0", "线程数")]
)
def test_serve_refuses_bad_options(db, option, value, message):
    with pytest.raises(CommandError, match=message):
        call_command("serve", option, value)


# ------------------------------------------------------------------------------------------- bench
def test_bench_lists_benchmarks_and_refuses_unknown_names(db):
    out = StringIO()
    call_command("bench", stdout=out)
    assert "list" in out.getvalue() and "bench/list_api.py" in out.getvalue()
    with pytest.raises(CommandError, match="没有名为 nosuch 的基准测试"):
        call_command("bench", "nosuch")


def test_cli_help_lists_the_operator_commands():
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "anjian.cli", "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for name in ("serve", "worker", "demo-data", "verify-audit", "bench"):
        assert name in result.stdout


# ------------------------------------------------------------------------------ subprocess helpers
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("MQTT_URL", "REDIS_URL", "PYTEST_XDIST_WORKER")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'anjian.sqlite3'}",
        ANJIAN_VAR_DIR=str(tmp_path / "var"),
        DEBUG="false",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie has exited but waits to be reaped by its (gone) parent: count it as stopped.
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.fixture(scope="module")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, made once and copied by each test that starts real processes."""
    folder = tmp_path_factory.mktemp("migrated")
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "anjian.cli", "migrate", "--noinput", "-v", "0"],
        env=child_env(folder),
        cwd=REPO,
        check=True,
        timeout=600,
    )
    return folder / "anjian.sqlite3"


def test_demo_runner_serves_and_stops_every_child_on_sigint(tmp_path, migrated_sqlite):
    env = child_env(tmp_path, PORT=str(free_port()))
    shutil.copy(migrated_sqlite, tmp_path / "anjian.sqlite3")
    log = tmp_path / "demo.log"
    with log.open("wb") as out:
        runner = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "anjian.demo"], env=env, cwd=REPO, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        url = f"http://127.0.0.1:{env['PORT']}/accounts/login/"
        deadline = time.monotonic() + 120
        status = None
        while time.monotonic() < deadline and status != 200:
            assert runner.poll() is None, log.read_text()
            try:
                with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310
                    status = response.status
            except OSError:
                time.sleep(0.5)
        assert status == 200, log.read_text()
        while "按 Ctrl-C 停止全部进程" not in log.read_text() and time.monotonic() < deadline:
            time.sleep(0.2)
        text = log.read_text()
        assert f"http://127.0.0.1:{env['PORT']}/" in text
        children = {label: int(pid) for label, pid in re.findall(r"· (.+?)（进程 (\d+)）", text)}
        pids = list(children.values())
        # web server and worker stay up; helpers (simulator without devices) may end on their own
        assert alive(children["Web 服务"]) and alive(children["后台任务（Huey）"]), text

        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=60) == 0, log.read_text()
        assert "演示已停止" in log.read_text()
        assert not [pid for pid in pids if alive(pid)]
    finally:
        if runner.poll() is None:  # a failed assertion: still stop the children through the runner
            runner.send_signal(signal.SIGINT)
            try:
                runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                runner.kill()
                runner.wait()


def test_list_benchmark_runs_on_a_tiny_register(tmp_path, migrated_sqlite):
    output = tmp_path / "result.json"
    shutil.copy(migrated_sqlite, tmp_path / "bench.sqlite3")
    env = child_env(tmp_path)
    env.pop("DATABASE_URL")
    result = subprocess.run(  # noqa: S603
        [
            sys.executable,
            str(REPO / "bench" / "list_api.py"),
            "--scale",
            "0.04",
            "--requests",
            "2",
            "--warmup",
            "0",
            "--database-url",
            f"sqlite:///{tmp_path / 'bench.sqlite3'}",
            "--output",
            str(output),
        ],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    data = json.loads(output.read_text())
    assert data["database"] == "sqlite" and data["data"]["enterprises"] == 120
    by_name = {r["name"]: r for r in data["results"]}
    baseline = by_name["ORM：count + 第 1 页 50 条"]
    assert baseline["status"] == "ok" and baseline["rows"] == 50 and baseline["p50_ms"] > 0
    assert all(r["status"] in ("ok", "skipped") for r in data["results"])
    assert "p50 ms" in result.stdout


def test_openapi_schema_is_valid_without_warnings(db):
    """Every endpoint documents its body and its enums have stable names (no generated hashes)."""
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", "/dev/null")
