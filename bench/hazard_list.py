"""Hazard list page and API with filters on 1,000,000 hazards (PostgreSQL).

Run `anjian bench hazard_list [--hazards 1000000] [--requests 100] [--database-url URL]` or
`python bench/hazard_list.py …`. Uses its own PostgreSQL database (default
postgres://postgres@127.0.0.1:5432/anjian_bench_hazards, created if missing), never the configured one:
the demo street (scale 1: ~3,000 enterprises and the demo accounts) is loaded once, then the hazards are
generated in one INSERT … SELECT over generate_series (reused afterwards). Each scenario is timed
in-process with Django's test client (middleware, session, templates and serialisers included) and
printed with p50/p95/mean milliseconds and SQL statements per request, next to same-run baselines (the
raw ORM page query, and a trivial page with the full site frame). Results go to
bench/results/hazard_list-postgresql.json."""

from __future__ import annotations

import argparse
import json
import math
import os
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
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/anjian_bench_hazards"


@dataclass
class Result:
    name: str
    kind: str  # baseline | page | api
    user: str
    target: str
    status: str = "ok"
    message: str = ""
    requests: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    mean_ms: float = 0.0
    queries: float = 0.0
    samples: list[float] = field(default_factory=list, repr=False)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="anjian bench hazard_list", description="隐患列表页与 API 基准测试（100 万条隐患）"
    )
    parser.add_argument("--hazards", type=int, default=1_000_000, help="隐患条数")
    parser.add_argument("--requests", type=int, default=100, help="每个场景计时的请求数")
    parser.add_argument("--warmup", type=int, default=5, help="每个场景计时前的预热请求数")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--output", default="", help="结果 JSON 路径")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.warmup < 0 or args.hazards < 1:
        parser.error("--requests 与 --hazards 至少为 1，--warmup 不能为负数")
    if urlparse(args.database_url).scheme not in ("postgres", "postgresql"):
        parser.error("该基准测试使用 PostgreSQL（generate_series 生成数据）：请给出 postgres:// 地址")
    return args


def ensure_postgres_database(url: str) -> None:
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


# ------------------------------------------------------------------------------------------------ data
GENERATE_SQL = """
INSERT INTO hazards_hazard (
    created_at, updated_at, created_by_id, voided_at, voided_by_id, void_reason, code, enterprise_id,
    community_id, grid_id, source_kind, source_ref, inspection_result_id, checklist_item_text, legal_basis,
    level, proposed_level, level_confirmed_by_id, level_confirmed_at, accident_type, category, title,
    description, location, lat, lng, responsible_name, responsible_phone, measures, funds,
    original_deadline, current_deadline, state, is_listed, found_by_id, found_at,
    rectification_started_at, rectified_at, closed_at, closed_by_id
)
SELECT
    f.found_at, f.found_at, NULL, CASE WHEN f.st = 'voided' THEN f.found_at END, NULL,
    CASE WHEN f.st = 'voided' THEN '重复登记' ELSE '' END,
    'YH-B' || lpad(g::text, 9, '0'), e.id, e.community_id, e.grid_id,
    CASE WHEN g %% 10 = 0 THEN 'direct' ELSE 'inspection' END, '', NULL, '', '',
    f.lvl, f.lvl, NULL, NULL,
    (ARRAY['fire','electrocution','poisoning','burn','machinery','fall','other_explosion','other'])[1 + g %% 8],
    (ARRAY['fire','electrical','chemicals','ppe','equipment','site','management','emergency','occupational','environment'])[1 + (g / 7) %% 10],
    (ARRAY['消防通道堆放杂物','灭火器压力不足','配电箱未上锁，线路裸露','危险化学品未分区存放','员工未佩戴防护用品作业',
           '燃气软管老化','安全出口指示灯损坏','电动自行车在楼道内充电','有限空间未设置警示标志','酸雾吸收塔风机停运'])[1 + (g / 3) %% 10]
        || '（' || (g %% 997)::text || '号）',
    '', '生产车间', NULL, NULL, '王建国', '13800138000', '按要求整改', NULL,
    f.deadline, f.deadline, f.st, f.st IN ('registered','rectifying','awaiting_verification') AND f.lvl = 'major' AND g %% 3 = 0,
    NULL, f.found_at,
    CASE WHEN f.st IN ('rectifying','awaiting_verification','closed') THEN f.found_at + interval '1 day' END,
    CASE WHEN f.st IN ('awaiting_verification', 'closed') THEN f.found_at + interval '10 days' END,
    CASE WHEN f.st = 'closed' THEN f.found_at + interval '12 days' END, NULL
FROM generate_series(1, %(n)s) AS g
JOIN LATERAL (
    SELECT
        now() - (((%(n)s - g)::float / %(n)s) * interval '1095 days') AS found_at,
        CASE WHEN g %% 50 = 0 THEN 'major' ELSE 'general' END AS lvl,
        CASE
            WHEN g > %(n)s - %(n)s / 40 THEN (ARRAY['registered','rectifying','rectifying','awaiting_verification'])[1 + g %% 4]
            WHEN g %% 97 = 0 THEN 'rectifying'
            WHEN g %% 101 = 0 THEN 'voided'
            ELSE 'closed'
        END AS st,
        (now() - (((%(n)s - g)::float / %(n)s) * interval '1095 days'))::date + (7 + g %% 40) AS deadline
) AS f ON true
CROSS JOIN (
    SELECT array_agg(id ORDER BY id) AS ids, array_agg(community_id ORDER BY id) AS cs,
           array_agg(grid_id ORDER BY id) AS gs
    FROM enterprises_enterprise
) AS a
CROSS JOIN LATERAL (
    SELECT a.ids[k] AS id, a.cs[k] AS community_id, a.gs[k] AS grid_id
    FROM (SELECT 1 + ((g::bigint * 7919) %% cardinality(a.ids))::int AS k) AS pick
) AS e
"""


def prepare(args: argparse.Namespace) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection

    from anjian.demodata import generate, has_data
    from anjian.hazards.models import Hazard

    call_command("migrate", verbosity=0, interactive=False)
    if not has_data():
        print("载入演示街道（约 3,000 家企业）……", flush=True)
        generate(scale=1, seed=2026, progress=lambda m: print(m, flush=True))
    existing = Hazard.objects.count()
    info: dict[str, Any] = {"hazards": existing}
    if existing >= args.hazards:
        print(f"复用已生成的隐患：{existing:,} 条（VACUUM ANALYZE 刷新统计信息和可见性映射）", flush=True)
        connection.set_autocommit(True)
        with connection.cursor() as cur:  # indexes added by later migrations get statistics too
            cur.execute("VACUUM (ANALYZE) hazards_hazard")
        return info
    print(f"生成 {args.hazards - existing:,} 条隐患（INSERT … SELECT generate_series）……", flush=True)
    started = time.perf_counter()
    with connection.cursor() as cur:
        # Bulk load: the rows are consistent by construction, so foreign-key triggers are skipped
        # (superuser only) — checking 3 million references one by one would take minutes.
        cur.execute("SET session_replication_role = replica")
        cur.execute(GENERATE_SQL, {"n": args.hazards - existing})
        cur.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cur:
        connection.set_autocommit(True)
        cur.execute("VACUUM (ANALYZE) hazards_hazard")
    info.update(hazards=Hazard.objects.count(), generate_s=round(time.perf_counter() - started, 1))
    print(f"生成完成，用时 {info['generate_s']} 秒", flush=True)
    return info


# ------------------------------------------------------------------------------------------- timing
class QueryCounter:
    def __init__(self) -> None:
        self.count = 0

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        self.count += 1
        return execute(sql, params, many, context)


def timed(
    name: str, kind: str, user: str, target: str, fn: Callable[[], Any], args: argparse.Namespace
) -> Result:
    from django.db import connection

    result = Result(name=name, kind=kind, user=user, target=target)
    try:
        for _ in range(args.warmup):
            fn()
        counter = QueryCounter()
        samples = []
        with connection.execute_wrapper(counter):
            for _ in range(args.requests):
                t = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - t) * 1000)
        samples.sort()
        result.samples = samples
        result.requests = len(samples)
        result.p50_ms = round(statistics.median(samples), 1)
        result.p95_ms = round(samples[max(0, math.ceil(0.95 * len(samples)) - 1)], 1)
        result.mean_ms = round(statistics.fmean(samples), 1)
        result.queries = round(counter.count / len(samples), 1)
    except Exception as exc:
        result.status, result.message = "error", f"{type(exc).__name__}: {exc}"
    return result


def measure(args: argparse.Namespace) -> list[Result]:
    from django.test import Client

    from anjian.enterprises.models import Enterprise
    from anjian.hazards.models import Hazard
    from anjian.org.models import Community, User

    clients: dict[str, Client] = {}

    def client(username: str) -> Client:
        if username not in clients:
            c = Client()
            c.force_login(User.objects.get(username=username))
            clients[username] = c
        return clients[username]

    def get(username: str, url: str) -> Callable[[], Any]:
        def fn() -> Any:
            response = client(username).get(url)
            if response.status_code != 200:
                raise RuntimeError(f"{url} → HTTP {response.status_code}")
            return response

        return fn

    community = Community.objects.order_by("sort_order", "code").first()
    officer = User.objects.get(username="enterprise_demo")
    busy = (
        Hazard.objects.values("enterprise_id").order_by("enterprise_id").first()
        or {"enterprise_id": officer.enterprise_id}
    )["enterprise_id"]
    some_code = Hazard.objects.order_by("-id").values_list("code", flat=True).first() or "YH-"
    assert Enterprise.objects.filter(pk=busy).exists()

    results = [
        timed(
            "基线：原始 ORM 一页（30 条）",
            "baseline",
            "—",
            "ORM",
            lambda: list(
                Hazard.objects.select_related("enterprise", "community", "grid").order_by("-found_at", "-id")[
                    :30
                ]
            ),
            args,
        ),
        timed(
            "基线：空白页面（带站点框架）",
            "baseline",
            "street_admin",
            "/accounts/password/",
            get("street_admin", "/accounts/password/"),
            args,
        ),
    ]
    pages = [
        ("列表：全部", "street_admin", "/hazards/"),
        ("列表：整改中", "street_admin", "/hazards/?state=rectifying"),
        ("列表：已逾期", "street_admin", "/hazards/?overdue=true"),
        ("列表：重大隐患", "street_admin", "/hazards/?level=major"),
        ("列表：挂牌督办", "street_admin", "/hazards/?listed=true"),
        (
            "列表：社区 + 类别",
            "street_admin",
            f"/hazards/?community={community.pk}&category=fire" if community else "/hazards/",
        ),
        ("列表：一家企业", "street_admin", f"/hazards/?enterprise={busy}"),
        ("列表：编号搜索", "street_admin", f"/hazards/?q={some_code}"),
        ("列表：文字搜索（常见词）", "street_admin", "/hazards/?q=灭火器"),
        ("列表：文字搜索（罕见词）", "street_admin", "/hazards/?q=酸雾吸收塔风机停运（5号）"),
        ("列表：按期限排序", "street_admin", "/hazards/?sort=deadline&state=rectifying"),
        ("列表：第 200 页", "street_admin", "/hazards/?page=200"),
        ("列表：已销号（估算）", "street_admin", "/hazards/?state=closed"),
        ("列表：已销号 · 第 300 页", "street_admin", "/hazards/?state=closed&page=300"),
        (
            "列表：社区 + 类别 + 逾期",
            "street_admin",
            f"/hazards/?community={community.pk}&category=fire&overdue=true" if community else "/hazards/",
        ),
        ("列表：社区工作者", "community_demo", "/hazards/"),
        ("列表：社区工作者 · 逾期", "community_demo", "/hazards/?overdue=true"),
        ("列表：安格员", "grid_demo", "/hazards/"),
        ("列表：企业安全负责人", "enterprise_demo", "/hazards/"),
    ]
    for name, user, url in pages:
        results.append(timed(name, "page", user, url, get(user, url), args))
    apis = [
        ("API：全部（50 条）", "street_admin", "/api/v1/hazards/"),
        ("API：整改中 + 重大", "street_admin", "/api/v1/hazards/?state=rectifying&level=major"),
        ("API：已逾期", "street_admin", "/api/v1/hazards/?overdue=true"),
        ("API：第 100 页", "street_admin", "/api/v1/hazards/?page=100"),
        ("API：文字搜索", "street_admin", "/api/v1/hazards/?q=灭火器"),
        ("API：社区工作者", "community_demo", "/api/v1/hazards/"),
    ]
    for name, user, url in apis:
        results.append(timed(name, "api", user, url, get(user, url), args))
    return results


def report(results: list[Result], info: dict[str, Any], args: argparse.Namespace) -> None:
    import django
    from django.db import connection

    print()
    print(
        f"隐患 {info.get('hazards', 0):,} 条 · PostgreSQL {connection.pg_version // 10000} · Django {django.get_version()}"
    )
    print(f"{'场景':<28}{'用户':<18}{'p50 ms':>9}{'p95 ms':>9}{'mean ms':>9}{'SQL':>6}")
    for r in results:
        label = r.name + ("  ✗ " + r.message if r.status != "ok" else "")
        print(f"{label:<28}{r.user:<18}{r.p50_ms:>9}{r.p95_ms:>9}{r.mean_ms:>9}{r.queries:>6}")
    out = Path(args.output) if args.output else REPO / "bench" / "results" / "hazard_list-postgresql.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "info": info,
                "requests": args.requests,
                "results": [{k: v for k, v in asdict(r).items() if k != "samples"} for r in results],
            },
            ensure_ascii=False,
            indent=2,
        )
    )
    print(f"\n结果已写入 {out}")


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if os.environ.get(CHILD_FLAG) != "1":
        ensure_postgres_database(args.database_url)
        env = {**os.environ, "DATABASE_URL": args.database_url, CHILD_FLAG: "1", "DEBUG": "false"}
        env.pop("ANJIAN_TESTING", None)
        return subprocess.call([sys.executable, str(Path(__file__).resolve()), *argv], env=env, cwd=str(REPO))
    sys.path.insert(0, str(REPO))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.config.settings")
    os.environ.setdefault("HUEY_IMMEDIATE", "true")
    import django

    django.setup()
    info = prepare(args)
    results = measure(args)
    report(results, info, args)
    return 1 if any(r.status != "ok" for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
