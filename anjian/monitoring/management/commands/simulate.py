"""`anjian simulate`: realistic telemetry for registered devices, with injected incidents, over MQTT or HTTP."""

from __future__ import annotations

import signal
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from anjian.monitoring.demo import load_credentials
from anjian.monitoring.models import Device
from anjian.monitoring.simulator import HttpSender, MqttSender, SimDevice, Simulator


class Command(BaseCommand):
    help = "模拟设备上报：按各设备上报间隔发送读数，并注入燃气泄漏、缺氧、充电过热、设备离线等事件。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--devices", type=int, default=0, help="模拟的设备数（默认全部在用设备）")
        mode = parser.add_mutually_exclusive_group()
        mode.add_argument("--mqtt", action="store_true", help="经 MQTT 发布（默认：设置了 MQTT_URL 时）")
        mode.add_argument("--http", action="store_true", help="经 HTTP 推送接口发送（使用演示设备令牌）")
        parser.add_argument(
            "--url", default="", help="MQTT 代理地址或 Web 服务地址（默认 MQTT_URL / http://127.0.0.1:PORT）"
        )
        parser.add_argument("--topic-prefix", default="anjian/v1")
        parser.add_argument(
            "--incidents", dest="incidents", action="store_true", default=True, help="注入异常事件（默认）"
        )
        parser.add_argument("--no-incidents", dest="incidents", action="store_false", help="只发送正常读数")
        parser.add_argument("--speed", type=float, default=1.0, help="时间倍速（2 = 上报间隔减半、事件加快）")
        parser.add_argument("--incident-every", type=float, default=60.0, help="平均每隔多少秒注入一个事件")
        parser.add_argument("--duration", type=float, default=0.0, help="运行秒数（0 = 一直运行）")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **opts: Any) -> None:
        use_mqtt = opts["mqtt"] or (not opts["http"] and bool(settings.MQTT_URL))
        qs = Device.objects.filter(voided_at__isnull=True).select_related("type").order_by("code")
        if opts["devices"]:
            qs = qs[: opts["devices"]]
        rows = list(qs)
        if not rows:
            raise CommandError("没有在用的监测设备：请先登记设备或运行 anjian demo-data。")
        tokens = load_credentials()
        devices = [
            SimDevice(
                d.pk,
                d.code,
                d.type.code,
                d.reporting_interval_s,
                token=tokens.get(d.code, {}).get("http_token", ""),
                seq=d.last_seq or 0,
            )
            for d in rows
        ]
        if use_mqtt:
            try:
                sender: Any = MqttSender(
                    opts["url"] or settings.MQTT_URL or "mqtt://127.0.0.1:1883", opts["topic_prefix"]
                )
            except OSError as exc:
                raise CommandError(f"无法连接 MQTT 代理：{exc}") from exc
        else:
            sender = HttpSender(opts["url"] or f"http://127.0.0.1:{settings.PORT}")
            missing = [d for d in devices if not d.token]
            if missing:
                self.stdout.write(f"  {len(missing)} 台设备没有可用的 HTTP 令牌（仅演示设备有），跳过。")
            devices = [d for d in devices if d.token]
            if not devices:
                raise CommandError("没有可用 HTTP 令牌的设备：请用 --mqtt，或先生成演示数据。")
        sim = Simulator(
            devices,
            sender,
            incidents=opts["incidents"],
            speed=opts["speed"],
            seed=opts["seed"],
            incident_every_s=opts["incident_every"],
            iso_timestamps=not use_mqtt,
            say=self.stdout.write,
        )
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: sim.stop.set())
        self.stdout.write(
            f"模拟器启动：{len(devices)} 台设备，{'MQTT' if use_mqtt else 'HTTP'} → {sender.display}，"
            f"{'注入异常事件' if opts['incidents'] else '仅正常读数'}，倍速 {opts['speed']:g}"
        )
        sim.run(opts["duration"])
        self.stdout.write(f"模拟器停止：发送 {sim.sent} 条，失败 {sim.failed} 条。")
