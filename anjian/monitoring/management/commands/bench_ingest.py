"""`anjian bench ingest`: runs bench/ingest_bench.py (broker + ingest + database on this machine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

SCRIPT = Path(__file__).resolve().parents[4] / "bench" / "ingest_bench.py"


class Command(BaseCommand):
    help = (
        "MQTT 接入基准：持续速率、CPU、发布→报警提交时延，与裸 paho 订阅和裸 COPY 基线对比。参数见 --help。"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "bench_args", nargs="*", help="传给 bench/ingest_bench.py 的参数（如 --sqlite -n 40000）"
        )

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after the command name goes to the benchmark script unchanged (it has its own --help).
        if not SCRIPT.exists():
            raise CommandError(f"找不到基准脚本 {SCRIPT}（bench/ 目录只在源码仓库中提供）")
        sys.exit(subprocess.call([sys.executable, str(SCRIPT), *argv[2:]]))  # noqa: S603

    def handle(self, *args: Any, **options: Any) -> None:
        self.run_from_argv(["anjian", "bench_ingest", *options["bench_args"]])
