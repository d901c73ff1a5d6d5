"""`anjian bench <name> [options]`: run a benchmark of the source tree's bench/ folder.

Each benchmark is a script `bench/<file>.py` with a `main()` (taking argv or reading sys.argv);
`anjian bench list` runs bench/list_api.py (the enterprise list page and API), `ingest`, `import` and
`hazards` the other scripts; any other script is run by its file name. Benchmarks print comparable figures, not pass/fail."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

ALIASES = {"list": "list_api", "ingest": "ingest_bench", "import": "import_bench", "hazards": "hazard_list"}
# Benchmarks that live in an app as a management command `bench_<name>` (they need the app's models).
COMMAND_BENCHES = {"priority": "bench_priority"}


def bench_dir() -> Path:
    return Path(settings.BASE_DIR) / "bench"


def available() -> dict[str, Path]:
    """Benchmark name → script; a script's aliases ("list") are listed under the short name."""
    folder = bench_dir()
    scripts = (
        {p.stem: p for p in sorted(folder.glob("*.py")) if not p.name.startswith("_")}
        if folder.is_dir()
        else {}
    )
    reverse = {file: alias for alias, file in ALIASES.items()}
    return {reverse.get(stem, stem): path for stem, path in scripts.items()}


class Command(BaseCommand):
    help = "运行基准测试：anjian bench list [--scale 34] [--requests 200] [--database-url URL]（--help 看各项选项）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", nargs="?", help="基准测试名称，如 list")
        parser.add_argument("options", nargs="...", help="传给该基准测试的选项")

    def run_from_argv(self, argv: list[str]) -> None:
        # Everything after the benchmark name belongs to the benchmark (its own --help included).
        rest = argv[2:]
        if rest and not rest[0].startswith("-"):
            self.execute_bench(rest[0], rest[1:])
            return
        super().run_from_argv(argv)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["name"]:
            benches = available()
            if not benches:
                raise CommandError(f"找不到基准测试目录 {bench_dir()}：请在源码目录中运行。")
            self.stdout.write("可用的基准测试：")
            for name, path in benches.items():
                self.stdout.write(f"  {name:<12}{path.relative_to(bench_dir().parent)}")
            for name, command in COMMAND_BENCHES.items():
                self.stdout.write(f"  {name:<12}manage.py {command}")
            return
        self.execute_bench(options["name"], options["options"])

    def execute_bench(self, name: str, argv: list[str]) -> None:
        if name in COMMAND_BENCHES:
            from django.core.management import call_command

            call_command(COMMAND_BENCHES[name], *argv)
            return
        path = available().get(name)
        if path is None:
            names = "、".join(available()) or "无"
            raise CommandError(f"没有名为 {name} 的基准测试（可用：{names}）。")
        spec = importlib.util.spec_from_file_location(f"anjian_bench_{path.stem}", path)
        if spec is None or spec.loader is None:
            raise CommandError(f"无法载入 {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses resolve their module by name
        spec.loader.exec_module(module)
        if inspect.signature(module.main).parameters:
            code = int(module.main(argv) or 0)
        else:  # a script that reads sys.argv itself
            sys.argv = [str(path), *argv]
            code = int(module.main() or 0)
        if code:
            sys.exit(code)
