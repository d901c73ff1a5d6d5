"""The `anjian` operator command. Each sub-command is a Django management command; anything else is
passed to manage.py unchanged."""

from __future__ import annotations

import os
import sys

COMMANDS = {
    "serve": "启动 Web 服务（waitress，多线程）：anjian serve [--port 8000]",
    "worker": "启动后台任务与定时任务进程（Huey）",
    "demo-data": "生成演示街道数据：anjian demo-data [--scale N]",
    "verify-audit": "校验审计日志哈希链，报告第一处断裂",
    "ingest": "MQTT 数据接入（订阅 Mosquitto，QoS 1，批量写入后确认）",
    "simulate": "传感器模拟器：anjian simulate --devices N [--mqtt|--http] [--incidents]",
    "mqtt-passwd": "根据设备台账生成 Mosquitto 密码与 ACL 文件",
    "bench": "运行基准测试：anjian bench list|ingest|hazards|import|priority [--help]",
    "migrate": "创建或升级数据库结构",
    "createsuperuser": "创建街道管理员账号",
}
ALIASES = {
    "serve": "serve",
    "worker": "run_huey",
    "demo-data": "demo_data",
    "verify-audit": "verify_audit",
    "bench": "bench",
    "ingest": "ingest",
    "simulate": "simulate",
    "mqtt-passwd": "mqtt_passwd",
}


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anjian.config.settings")
    if not args or args[0] in ("-h", "--help", "help"):
        print("用法: anjian <命令> [选项]\n\n命令:")
        for name, text in COMMANDS.items():
            print(f"  {name:<16}{text}")
        print("\n其他参数原样传给 Django manage.py（如 anjian shell、anjian check）。")
        return
    args[0] = ALIASES.get(args[0], args[0])
    from django.core.management import execute_from_command_line

    execute_from_command_line(["anjian", *args])


if __name__ == "__main__":
    main()
