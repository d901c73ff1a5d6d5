"""Benchmark of the Excel import (CONTRACTS.md §6): a generated N-row workbook imported three times.

    .venv/bin/python bench/import_bench.py [--rows 3000]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/anjian .venv/bin/python bench/import_bench.py

It runs on a throw-away database (a temporary SQLite file, or test_<name> on PostgreSQL, dropped at the
end), never on the configured one. Passes: 1) every row new, 2) the same file again (all rows unchanged:
a no-op), 3) the file with every row changed (all updates). Each pass prints wall-clock seconds (job start to
finish), the process CPU seconds (less sensitive to other load on the machine) and rows/s, plus the time
to read and validate the workbook alone.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.config.settings")
os.environ.setdefault("HUEY_IMMEDIATE", "true")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=3000, help="data rows in the generated workbook")
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test.utils import setup_databases, teardown_databases

    tmp = tempfile.mkdtemp(prefix="anjian-import-bench-")
    settings.MEDIA_ROOT = Path(tmp) / "media"
    if connection.vendor == "sqlite":
        settings.DATABASES["default"]["TEST"]["NAME"] = str(Path(tmp) / "bench.sqlite3")  # type: ignore[index]
    old = setup_databases(verbosity=0, interactive=False)
    try:
        run(args.rows)
    finally:
        teardown_databases(old, verbosity=0)


def build_workbook(rows: int, communities: list[tuple[str, list[str]]], variant: int) -> bytes:
    from openpyxl import Workbook

    from anjian.core.validators import uscc_check_char
    from anjian.enterprises.importer import HEADERS

    categories = ["电镀", "有限空间作业", "燃气使用(餐饮)", "三小场所", ""]
    statuses = ["在营", "在营", "在营", "停业"]
    industries = ["制造业", "住宿和餐饮业", "批发和零售业", "建筑业"]
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业台账")
    ws.append(list(HEADERS))
    for i in range(rows):
        body = f"9144030{6 + i % 3}{i:09d}"
        community, grids = communities[i % len(communities)]
        ws.append(
            [
                f"基准测试企业{i:05d}有限公司",
                body + uscc_check_char(body),
                community,
                grids[i % len(grids)],
                industries[i % len(industries)],
                "、".join(c for c in {categories[i % 5], categories[(i + variant) % 5]} if c),
                f"宝安区测试路 {i} 号{'（改）' if variant else ''}",
                round(113.80 + (i % 1000) / 10000, 6),
                round(22.55 + (i % 700) / 10000, 6),
                f"法人{i % 97}",
                f"安全员{(i + variant) % 89}",
                f"13{(i + variant) % 10}{i:08d}",
                (i % 300) + variant,
                statuses[(i + variant) % len(statuses)],
            ]
        )
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def run(rows: int) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.db import connection

    from anjian.core.models import AuditEntry
    from anjian.enterprises import importer
    from anjian.enterprises.models import Enterprise, ImportJob
    from anjian.org.models import Community, Grid, Street, User

    street = Street.objects.create(name="基准街道", division_code="440306001")
    communities: list[tuple[str, list[str]]] = []
    for c in range(10):
        community = Community.objects.create(street=street, name=f"基准{c}社区", code=f"B{c:02d}")
        grids = [f"基准{c}-{g}网格" for g in range(5)]
        for g, name in enumerate(grids):
            Grid.objects.create(community=community, name=name, code=f"B{c:02d}-G{g:02d}")
        communities.append((community.name, grids))
    admin = User.objects.create(username="bench_admin", name="基准管理员", role="street_admin")

    print(f"数据库：{connection.vendor}  行数：{rows}")
    files = {0: build_workbook(rows, communities, 0), 1: build_workbook(rows, communities, 1)}
    started, cpu = time.perf_counter(), time.process_time()
    sheet = importer.read_sheet(io.BytesIO(files[0]))
    lookups = importer.Lookups(admin)
    for number, raw in sheet.rows:
        importer.parse_row(number, raw, sheet.positions, lookups)
    read_s, cpu = time.perf_counter() - started, time.process_time() - cpu
    print(f"读取并校验（不写库）：{read_s:.2f} s（CPU {cpu:.2f} s）  {rows / read_s:,.0f} 行/s")
    print(f"机器负载（1 分钟平均）：{os.getloadavg()[0]:.1f}，CPU 核数：{os.cpu_count()}")

    for label, variant in (
        ("首次导入（全部新增）", 0),
        ("同一文件再导入（无变化）", 0),
        ("全部行有修改（全部更新）", 1),
    ):
        upload = SimpleUploadedFile("bench.xlsx", files[variant])
        audit_before = AuditEntry.objects.count()
        cpu = time.process_time()
        job = importer.start_import(upload, actor=admin)  # outside a transaction: the job runs right away
        cpu = time.process_time() - cpu
        job = ImportJob.objects.get(pk=job.pk)
        if job.status != "done":
            raise SystemExit(f"job {job.pk} ended {job.status}: {job.message}")
        assert job.finished_at is not None and job.started_at is not None
        elapsed = (job.finished_at - job.started_at).total_seconds()
        print(
            f"{label}：{elapsed:.2f} s（CPU {cpu:.2f} s）  {rows / elapsed:,.0f} 行/s  "
            f"新增 {job.created_count} 更新 {job.updated_count} 拒绝 {job.rejected_count}  "
            f"审计 +{AuditEntry.objects.count() - audit_before}"
        )
    print(f"企业总数：{Enterprise.objects.count()}")


if __name__ == "__main__":
    main()
