"""`anjian mqtt-passwd`: a Mosquitto password file and ACL file generated from the device register."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from anjian.monitoring import credentials
from anjian.monitoring.ingest.mqtt import BrokerConfig
from anjian.monitoring.models import Device


class Command(BaseCommand):
    help = "由设备台账生成 Mosquitto 密码文件（password_file）和访问控制文件（acl_file）。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--passwd", default="", help="密码文件路径（默认 var/mosquitto/passwd）")
        parser.add_argument("--acl", default="", help="ACL 文件路径（默认 var/mosquitto/acl）")
        parser.add_argument("--prefix", default="anjian/v1", help="主题前缀")

    def handle(self, *args: Any, **opts: Any) -> None:
        base = Path(settings.VAR_DIR) / "mosquitto"
        passwd = Path(opts["passwd"] or base / "passwd")
        acl = Path(opts["acl"] or base / "acl")
        entries = list(
            Device.objects.filter(voided_at__isnull=True)
            .exclude(mqtt_password_hash="")
            .order_by("code")
            .values_list("code", "mqtt_password_hash")
        )
        broker = BrokerConfig.from_url(settings.MQTT_URL or "")
        consumer = ""
        if broker.username:
            if not broker.password:
                raise CommandError("MQTT_URL 中的接入账号没有密码。")
            consumer = broker.username
            if any(code == consumer for code, _ in entries):
                raise CommandError(f"接入账号 {consumer} 与设备编码重名。")
            entries.append((consumer, credentials.mosquitto_hash(broker.password)))
        for path, text in (
            (passwd, credentials.password_file(entries)),
            (acl, credentials.acl_file(consumer, opts["prefix"])),
        ):
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(path.suffix + ".tmp")
            tmp.write_text(text, encoding="utf-8")
            os.chmod(tmp, 0o600)
            tmp.replace(path)
        self.stdout.write(f"已写入 {passwd}（{len(entries)} 个账号）和 {acl}。")
        self.stdout.write(
            "在 mosquitto.conf 中设置 allow_anonymous false、password_file 与 acl_file 指向这两个文件，"
            "然后向 Mosquitto 发送 SIGHUP 重新加载。"
        )
