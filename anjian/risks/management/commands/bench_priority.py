"""`anjian bench priority`: back-test the inspection priority on the recorded history and on the
documented synthetic demo history, and print the figures (days earlier, share found in the first half
of each period) beside the actual order's. The figures are kept for the office page unless --no-save."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from anjian.core.context import origin
from anjian.risks import backtest
from anjian.risks.choices import BacktestSource
from anjian.risks.priority import load_weights


class Command(BaseCommand):
    help = "优先级回测：anjian bench priority [--source records|synthetic|both] [--period-days 7 14 28] [--no-save]"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--source", choices=["records", "synthetic", "both"], default="both")
        parser.add_argument(
            "--period-days", type=int, nargs="+", default=[7, 28], help="周期天数，可给多个（默认 7 和 28）"
        )
        parser.add_argument("--no-save", action="store_true", help="不保存结果到回测页面")

    def handle(self, *args: Any, **options: Any) -> None:
        sources = (
            [BacktestSource.RECORDS, BacktestSource.SYNTHETIC]
            if options["source"] == "both"
            else [BacktestSource(options["source"])]
        )
        weights = load_weights()
        labels = dict(BacktestSource.choices)
        self.stdout.write("优先级回测（只用每个周期开始之前的数据；同分保持实际顺序）")
        self.stdout.write(
            f"{'来源':<10}{'周期':>5}{'周期数':>7}{'检查':>8}{'发现':>7}{'提前天数':>10}"
            f"{'按隐患加权':>11}{'前半占比':>10}{'实际前半':>10}{'用时':>8}"
        )
        for days in options["period_days"]:
            if days < 1:
                self.stderr.write("周期天数至少为 1。")
                continue
            for source in sources:
                started = time.perf_counter()
                if options["no_save"]:
                    loader = (
                        backtest.history_from_synthetic
                        if source == BacktestSource.SYNTHETIC
                        else backtest.history_from_records
                    )
                    result = backtest.replay(loader(), weights, period_days=days)
                else:
                    with origin("cli"):
                        result, _ = backtest.run(source, weights, period_days=days)
                seconds = time.perf_counter() - started
                self.stdout.write(
                    f"{labels[source]:<8}{days:>5}{len(result.periods):>7}{result.visits:>8}"
                    f"{result.finding_visits:>7}{result.days_earlier:>10.2f}{result.days_earlier_per_hazard:>11.2f}"
                    f"{result.first_half_priority:>10.1%}{result.first_half_actual:>10.1%}{seconds:>7.1f}s"
                )
