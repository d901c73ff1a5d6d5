"""`anjian serve`: the production web server (waitress, threads); static files come from WhiteNoise."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "启动 Web 服务（waitress 多线程，静态文件由 WhiteNoise 提供，无需 collectstatic）"
    requires_system_checks = "__all__"  # type: ignore[assignment]

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1；对外服务用 0.0.0.0）"
        )
        parser.add_argument(
            "--port", type=int, default=settings.PORT, help="端口（默认取环境变量 PORT，否则 8000）"
        )
        parser.add_argument("--threads", type=int, default=settings.WORKERS_THREADS, help="处理请求的线程数")

    def handle(self, *args: Any, **options: Any) -> None:
        from waitress import serve  # type: ignore[import-untyped]

        from anjian.config.wsgi import application

        host, port, threads = options["host"], options["port"], options["threads"]
        if not 1 <= port <= 65535:
            raise CommandError(f"端口 {port} 无效：应在 1–65535 之间。")
        if not 1 <= threads <= 256:
            raise CommandError(f"线程数 {threads} 无效：应在 1–256 之间。")
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host  # noqa: S104
        self.stdout.write(
            self.style.SUCCESS(f"安监平台已启动：http://{shown}:{port}/  （{threads} 个线程，Ctrl-C 停止）")
        )
        self.stdout.flush()
        try:
            serve(
                application,
                host=host,
                port=port,
                threads=threads,
                ident="anjian",
                clear_untrusted_proxy_headers=True,
            )
        except OSError as exc:
            raise CommandError(f"无法在 {host}:{port} 启动服务：{exc}") from exc
        except KeyboardInterrupt:
            self.stdout.write("服务已停止。")
