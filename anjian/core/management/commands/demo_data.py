"""`anjian demo-data`: load the demo street (CONTRACTS.md §2 accounts) into an empty database."""

from __future__ import annotations

import unicodedata
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from anjian.demodata import DEMO_PASSWORD, generate, has_data
from anjian.demodata.generator import SUMMARY_LABELS
from anjian.enterprises.models import Enterprise


class Command(BaseCommand):
    help = "生成演示街道数据（社区、网格、科办、园区、企业、人员、挂点、走访与例会）和演示账号"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=1.0, help="企业数量倍数（1 ≈ 3,000 家，34 ≈ 100,000 家）"
        )
        parser.add_argument(
            "--enterprises", type=int, default=None, help="直接指定企业数量（优先于 --scale）"
        )
        parser.add_argument("--seed", type=int, default=2026, help="随机种子：同一种子生成相同的数据")
        parser.add_argument("--if-empty", action="store_true", help="数据库已有数据时什么也不做")
        parser.add_argument(
            "--register-only",
            action="store_true",
            help="只生成组织、企业台账与挂点（不生成检查、隐患、风险、监测设备、举报）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        scale, count = options["scale"], options["enterprises"]
        if count is not None and count < 1:
            raise CommandError("--enterprises 至少为 1。")
        if count is None and not 0 < scale <= 1000:
            raise CommandError("--scale 应大于 0 且不超过 1000。")
        if has_data():
            existing = Enterprise.objects.count()
            if options["if_empty"]:
                self.stdout.write(f"数据库已有数据（{existing} 家企业），跳过演示数据。")
                return
            raise CommandError(
                f"数据库已有数据（{existing} 家企业）：演示数据只能载入空数据库。"
                "请换一个数据库（DATABASE_URL），或加 --if-empty 跳过。"
            )

        def progress(message: str) -> None:
            if options["verbosity"] >= 1:
                self.stdout.write(message)

        summary = generate(scale=scale, enterprises=count, seed=options["seed"], progress=progress)
        if not options["register_only"]:
            self.seed_capabilities(options["seed"], progress)
        if options["verbosity"] < 1:
            return
        self.stdout.write(self.style.SUCCESS(f"演示数据已载入，用时 {summary.seconds:.1f} 秒："))
        for key, label in SUMMARY_LABELS:
            if key in summary.counts:
                self.stdout.write(f"  {pad(label, 20)}{summary.counts[key]:>9,}")
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {DEMO_PASSWORD}）：")
        for username, role, scope in summary.accounts:
            self.stdout.write(f"  {pad(username, 17)}{pad(role, 26)}{scope}")

    def seed_capabilities(self, seed: int, progress: Any) -> None:
        """Each capability seeds its own history on top of the register (see each app's demo.py)."""
        import importlib
        import time

        from anjian.core.context import origin

        for label, module in CAPABILITY_SEEDERS:
            started = time.monotonic()
            progress(f"正在生成{label}…")
            with origin("cli"):
                importlib.import_module(module).seed(self.stdout if progress else None, seed_value=seed)
            progress(f"  {label}完成，用时 {time.monotonic() - started:.1f} 秒")


CAPABILITY_SEEDERS = (
    ("检查记录", "anjian.inspections.demo"),
    ("隐患台账", "anjian.hazards.demo"),
    ("风险点与历史", "anjian.risks.demo"),
    ("监测设备", "anjian.monitoring.demo"),
    ("举报线索", "anjian.tipoffs.demo"),
)


def pad(text: str, width: int) -> str:
    """Left-align `text` in `width` terminal columns (a Chinese character takes two)."""
    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(1, width - used)
