"""`anjian ingest`: the MQTT consumer (QoS 1, persistent session, acknowledgements after commit)."""

from __future__ import annotations

import logging
import socket
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from anjian.monitoring.ingest.mqtt import TRANSPORTS, BrokerConfig, Consumer


class Command(BaseCommand):
    help = "从 MQTT 代理（Mosquitto）接收设备数据：QoS 1、持久会话、提交后确认。"

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--url", default="", help="代理地址，如 mqtt://user:pass@127.0.0.1:1883（默认取 MQTT_URL）"
        )
        parser.add_argument(
            "--client-id", default="", help="MQTT 客户端 ID（持久会话以此区分；默认 anjian-ingest-主机名）"
        )
        parser.add_argument("--topic-prefix", default="anjian/v1", help="主题前缀（默认 anjian/v1）")
        parser.add_argument("--batch-max", type=int, default=0, help="每批最多消息数（默认 5000）")
        parser.add_argument(
            "--batch-wait-ms",
            type=int,
            default=0,
            help="凑批最长等待（毫秒，从批中最早一条收到时算起；默认 50）",
        )
        parser.add_argument(
            "--queue-max", type=int, default=0, help="内存队列上限（也是 MQTT 5 Receive Maximum）"
        )
        parser.add_argument("--clean", action="store_true", help="丢弃代理上保存的会话重新开始")
        parser.add_argument("--max-messages", type=int, default=0, help="处理这么多条后退出（测试、基准用）")
        parser.add_argument(
            "--transport",
            choices=TRANSPORTS,
            default="fast",
            help="MQTT 客户端：fast = 内置精简客户端（默认），paho = paho-mqtt",
        )
        parser.add_argument(
            "--protocol",
            choices=["5", "3.1.1"],
            default="5",
            help="MQTT 协议版本（默认 5；3.1.1 时代理的 max_inflight_messages 限制每批条数，仅 fast 支持）",
        )

    def handle(self, *args: Any, **opts: Any) -> None:
        logging.getLogger("anjian.ingest").setLevel(logging.INFO)
        if opts["transport"] == "paho" and opts["protocol"] != "5":
            raise CommandError("--protocol 3.1.1 只适用于内置客户端（--transport fast）。")
        broker = BrokerConfig.from_url(opts["url"] or settings.MQTT_URL or "mqtt://127.0.0.1:1883")
        client_id = opts["client_id"] or f"anjian-ingest-{socket.gethostname()}"[:64]
        consumer = Consumer(
            broker,
            client_id=client_id,
            prefix=opts["topic_prefix"],
            batch_max=opts["batch_max"] or None,
            batch_wait_ms=opts["batch_wait_ms"] or None,
            queue_max=opts["queue_max"] or None,
            clean_start=opts["clean"],
            stdout=self.stdout,
            transport=opts["transport"],
            protocol=5 if opts["protocol"] == "5" else 4,
        )
        self.stdout.write(
            f"MQTT 接入启动：{broker.display}，客户端 {client_id}，{opts['transport']} 客户端，批量 ≤ {consumer.batch_max} 条或 "
            f"{round(consumer.batch_wait * 1000)} 毫秒，队列 ≤ {consumer.queue_max}"
        )
        consumer.run(max_messages=opts["max_messages"] or None, tune_gc=True)
        s = consumer.stats
        self.stdout.write(
            f"MQTT 接入停止：共处理 {s.committed} 条，{s.batches} 批，数据库重试 {s.db_retries} 次。"
        )
