"""List page and API benchmark of the enterprise register on ~100k enterprises.

Run `anjian bench list [--scale 34] [--requests 200] [--database-url URL]` or `python bench/list_api.py …`.
The benchmark uses its own database (default: sqlite var/bench.sqlite3), loads the demo street at the
given scale once (reused afterwards), then times requests in-process with Django's test client, logged in
as the street office and as a community worker. Each scenario is printed with p50/p95/mean milliseconds
and SQL queries per request, next to same-run baselines (the raw ORM page and trivial authenticated
views), and written to bench/results/list_api-<db>.json."""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

REPO = Path(__file__).resolve().parent.parent
CHILD_FLAG = "ANJIAN_BENCH_CHILD"


@dataclass
class Result:
    """Timings of one scenario."""

    name: str
    kind: str  # baseline | page | api
    user: str
    target: str
    status: str = "ok"  # ok | skipped | error
    message: str = ""
    requests: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    mean_ms: float = 0.0
    queries: float = 0.0
    rows: int | None = None
    samples: list[float] = field(default_factory=list, repr=False)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="anjian bench list", description="企业名录列表页与 API 基准测试")
    parser.add_argument("--scale", type=float, default=34.0, help="演示数据倍数（34 ≈ 100,000 家企业）")
    parser.add_argument("--requests", type=int, default=200, help="每个场景计时的请求数")
    parser.add_argument("--warmup", type=int, default=5, help="每个场景计时前的预热请求数")
    parser.add_argument(
        "--budget",
        type=float,
        default=120.0,
        help="每个场景最多计时的秒数：超时且已有 20 个样本时提前结束（0 = 不限）",
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="基准测试专用数据库（默认 sqlite:///var/bench.sqlite3；也可用 BENCH_DATABASE_URL）",
    )
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--output", default="", help="结果 JSON 路径（默认 bench/results/list_api-<db>.json）"
    )
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.budget < 0:
        parser.error("--requests 至少为 1，--warmup 和 --budget 不能为负数")
    return args


# ------------------------------------------------------------------------------------------ parent
def ensure_postgres_database(url: str) -> None:
    """Create the PostgreSQL database named in `url` when it does not exist yet."""
    from urllib.parse import unquote

    import psycopg

    p = urlparse(url)
    name = unquote(p.path.lstrip("/"))
    params = {
        "host": p.hostname or "127.0.0.1",
        "port": p.port or 5432,
        "user": unquote(p.username or "postgres"),
        "password": unquote(p.password or ""),
        "dbname": "postgres",
    }
    with psycopg.connect(**params, autocommit=True) as conn:  # type: ignore[arg-type]
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"已创建 PostgreSQL 数据库 {name}")


def run_in_child(args: argparse.Namespace, argv: list[str]) -> int:
    """Run the measurement in a fresh interpreter whose DATABASE_URL is the bench database."""
    url = args.database_url or f"sqlite:///{REPO / 'var' / 'bench.sqlite3'}"
    if urlparse(url).scheme in ("postgres", "postgresql"):
        ensure_postgres_database(url)
    env = {**os.environ, "DATABASE_URL": url, CHILD_FLAG: "1", "DEBUG": "false"}
    env.pop("ANJIAN_TESTING", None)
    return subprocess.call([sys.executable, str(Path(__file__).resolve()), *argv], env=env, cwd=str(REPO))


# ------------------------------------------------------------------------------------------- child
def refresh_statistics() -> None:
    """What autovacuum does on a live server soon after a bulk load: planner statistics and the
    visibility map (which index-only scans rely on). Without it the first hours of a fresh load
    would be measured, not the steady state."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    """Migrate the bench database and load the demo street at `scale` unless it is already there."""
    from django.core.management import call_command

    from anjian.demodata import generate, has_data
    from anjian.enterprises.models import Enterprise

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrate_s = time.perf_counter() - started
    target = round(3000 * args.scale)
    existing = Enterprise.objects.count()
    info: dict[str, Any] = {"target_enterprises": target, "migrate_s": round(migrate_s, 1)}
    if existing >= target * 0.95:
        print(f"复用已载入的数据：{existing:,} 家企业")
        refresh_statistics()
        info.update(enterprises=existing, load_s=None, reused=True)
        return info
    if has_data():
        raise SystemExit(
            f"基准数据库已有 {existing:,} 家企业（目标 {target:,}）：请换一个 --database-url，或删除该数据库后重试。"
        )
    print(f"载入演示数据：约 {target:,} 家企业……", flush=True)
    summary = generate(scale=args.scale, seed=args.seed, progress=lambda m: print(m, flush=True))
    print(f"载入完成：{summary.counts['enterprises']:,} 家企业，用时 {summary.seconds:.1f} 秒", flush=True)
    refresh_statistics()
    info.update(enterprises=summary.counts["enterprises"], load_s=round(summary.seconds, 1), reused=False)
    return info


class QueryCounter:
    """Counts SQL statements executed on the default connection."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def measure(
    name: str, kind: str, user: str, target: str, call: Callable[[], Any], args: argparse.Namespace
) -> Result:
    """Time `call` args.requests times after a warm-up; a first 404 marks the scenario as skipped."""
    from django.db import connection

    result = Result(name=name, kind=kind, user=user, target=target)
    try:
        first = call()
    except Exception as exc:  # a broken view is reported, the other scenarios still run
        result.status, result.message = "error", f"{type(exc).__name__}: {exc}"[:200]
        return result
    status = getattr(first, "status_code", 200)
    if status == 404:
        result.status, result.message = "skipped", "页面或接口尚不存在（404）"
        return result
    if status != 200:
        result.status, result.message = "error", f"HTTP {status}"
        return result
    result.rows = _rows(first)
    for _ in range(args.warmup):
        call()
    counter = QueryCounter()
    samples = []
    with connection.execute_wrapper(counter):
        for _ in range(args.requests):
            t0 = time.perf_counter()
            response = call()
            samples.append((time.perf_counter() - t0) * 1000)
            if args.budget and len(samples) >= 20 and sum(samples) > args.budget * 1000:
                break
            code = getattr(response, "status_code", 200)
            if code != 200:
                result.status, result.message = "error", f"HTTP {code}"
                return result
    samples.sort()
    result.requests = len(samples)
    result.samples = samples
    result.p50_ms = round(statistics.median(samples), 2)
    result.p95_ms = round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 2)
    result.mean_ms = round(statistics.fmean(samples), 2)
    result.queries = round(counter.count / len(samples), 1)
    return result


def _rows(response: Any) -> int | None:
    """How many rows a response carried (API: results; page: table rows; ORM: list length)."""
    if isinstance(response, list):
        return len(response)
    content_type = response.get("Content-Type", "") if hasattr(response, "get") else ""
    if "json" in content_type:
        data = json.loads(response.content)
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            return len(data["results"])
        return len(data) if isinstance(data, list) else None
    body = response.content.decode("utf-8", "replace")
    return max(0, body.count("<tr") - 1) if "<table" in body else None


def scenarios(args: argparse.Namespace) -> list[Result]:
    from django.test import Client

    from anjian.enterprises.models import Enterprise
    from anjian.org.models import Community, User

    admin = User.objects.get(username="street_admin")
    worker = User.objects.get(username="community_demo")
    community = Community.objects.order_by("sort_order").first()
    assert community is not None
    cid = community.pk
    clients = {}
    for user in (admin, worker):
        c = Client()
        c.force_login(user)
        clients[user.username] = c
    deep = max(1, Enterprise.objects.count() // 50 // 2)  # a page in the middle of the register

    def get(username: str, url: str) -> Callable[[], Any]:
        return lambda: clients[username].get(url)

    def orm_page(user: Any) -> Callable[[], Any]:
        def run() -> list[Any]:
            qs = Enterprise.objects.for_user(user).select_related("community", "grid").order_by("name", "id")
            qs.count()
            return list(qs[:50])

        return run

    plan: list[tuple[str, str, str, str, Callable[[], Any]]] = [
        (
            "ORM：count + 第 1 页 50 条",
            "baseline",
            "street_admin",
            "Enterprise.objects.for_user()",
            orm_page(admin),
        ),
        (
            "ORM：社区工作者 count + 第 1 页",
            "baseline",
            "community_demo",
            "Enterprise.objects.for_user()",
            orm_page(worker),
        ),
        (
            "页面框架：修改密码页",
            "baseline",
            "street_admin",
            "/accounts/password/",
            get("street_admin", "/accounts/password/"),
        ),
        (
            "API：重点监管类型（小表）",
            "baseline",
            "street_admin",
            "/api/v1/key-categories/",
            get("street_admin", "/api/v1/key-categories/"),
        ),
    ]
    pages = [
        ("列表页：第 1 页", "/enterprises/"),
        ("列表页：搜索“电镀”", "/enterprises/?q=电镀"),
        ("列表页：按类型筛选（电镀）", "/enterprises/?category=electroplating"),
        ("列表页：社区 + 在营", f"/enterprises/?community={cid}&status=operating"),
        ("列表页：按从业人数倒序", "/enterprises/?sort=-employees"),
        (f"列表页：中间页（第 {deep} 页）", f"/enterprises/?page={deep}"),
    ]
    plan += [(n, "page", "street_admin", u, get("street_admin", u)) for n, u in pages]
    plan += [
        (
            "列表页：社区工作者第 1 页",
            "page",
            "community_demo",
            "/enterprises/",
            get("community_demo", "/enterprises/"),
        ),
        (
            "列表页：社区工作者搜索",
            "page",
            "community_demo",
            "/enterprises/?q=有限公司",
            get("community_demo", "/enterprises/?q=有限公司"),
        ),
    ]
    api = "/api/v1/enterprises/?page_size=50"
    apis = [
        ("API：第 1 页（50 条）", api),
        ("API：搜索“电镀”", f"{api}&search=电镀"),
        ("API：按类型筛选（电镀）", f"{api}&category=electroplating"),
        ("API：社区 + 在营", f"{api}&community={cid}&status=operating"),
        ("API：按从业人数倒序", f"{api}&ordering=-employees"),
        (f"API：中间页（第 {deep} 页）", f"{api}&page={deep}"),
    ]
    plan += [(n, "api", "street_admin", u, get("street_admin", u)) for n, u in apis]
    plan += [("API：社区工作者第 1 页", "api", "community_demo", api, get("community_demo", api))]

    results = []
    for name, kind, user, target, call in plan:
        print(f"  {name} …", end="", flush=True)
        r = measure(name, kind, user, target, call, args)
        print(f" p50 {r.p50_ms:.1f} ms" if r.status == "ok" else f" {r.message}", flush=True)
        results.append(r)
    return results


def _pad(text: str, width: int) -> str:
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)


def table(results: list[Result]) -> str:
    head = f"{_pad('场景', 40)}{_pad('用户', 16)}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'SQL/次':>8}{'行数':>7}{'次数':>7}"
    lines = [head, "-" * 105]
    for r in results:
        if r.status != "ok":
            lines.append(f"{_pad(r.name, 40)}{_pad(r.user, 16)}  —— {r.message}")
            continue
        rows = "" if r.rows is None else str(r.rows)
        lines.append(
            f"{_pad(r.name, 40)}{_pad(r.user, 16)}{r.p50_ms:>9.1f}{r.p95_ms:>9.1f}{r.mean_ms:>9.1f}{r.queries:>8.1f}{rows:>7}"
            f"{r.requests:>7}"
        )
    return "\n".join(lines)


def child_main(args: argparse.Namespace) -> int:
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    vendor = connection.vendor
    info = prepare(args)
    print(
        f"\n计时：每个场景预热 {args.warmup} 次，计时 {args.requests} 次（{vendor}，进程内 Django test Client）",
        flush=True,
    )
    results = scenarios(args)
    print()
    print(table(results))
    out = Path(args.output) if args.output else REPO / "bench" / "results" / f"list_api-{vendor}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "benchmark": "list_api",
        "database": vendor,
        "database_name": str(settings.DATABASES["default"]["NAME"]),
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform()},
        "requests": args.requests,
        "warmup": args.warmup,
        "budget_s": args.budget,
        "data": info,
        "results": [{k: v for k, v in asdict(r).items() if k != "samples"} for r in results],
    }
    out.write_text(json.dumps(payload, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n结果已写入 {out}")
    return 1 if any(r.status == "error" for r in results) else 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if os.environ.get(CHILD_FLAG) == "1":
        return child_main(args)
    return run_in_child(args, argv)


if __name__ == "__main__":
    sys.exit(main())
