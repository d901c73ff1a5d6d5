"""`anjian verify-audit`: walk the audit hash chain and report the first broken link."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from anjian.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计日志哈希链：完整时退出码 0，发现被修改或删除的记录时报告第一处断裂并以退出码 1 结束"

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"审计链完整：{report.checked} 条记录"))
            return
        where = f"第 {report.broken_at} 条" if report.broken_at is not None else "链头"
        self.stderr.write(
            self.style.ERROR(f"审计链断裂：{where}（链序号 {report.broken_at}）——{report.reason}")
        )
        self.stderr.write(f"此前 {report.checked} 条记录校验通过。")
        sys.exit(1)
