"""The default device types and rule packs of DOMAIN.md §5, loaded by a data migration.

Every value here is a default an administrator may change per site or device (RuleOverride)."""

from __future__ import annotations

from typing import Any

DEVICE_TYPES: list[dict[str, Any]] = [
    {
        "code": "gas4",
        "name": "四合一气体检测仪",
        "metrics": ["o2", "lel", "h2s", "co", "battery"],
        "default_interval_s": 10,
        "icon": "bi-wind",
        "description": "有限空间作业（污水井、化粪池、地下室等）连续监测 O₂/可燃气体/H₂S/CO",
    },
    {
        "code": "restaurant_gas",
        "name": "餐饮燃气探测器",
        "metrics": ["lel", "valve_closed"],
        "default_interval_s": 30,
        "icon": "bi-fire",
        "description": "餐饮场所燃气泄漏报警，联动紧急切断阀",
    },
    {
        "code": "smoke",
        "name": "独立式烟感探测器",
        "metrics": ["smoke", "temp", "battery"],
        "default_interval_s": 60,
        "icon": "bi-cloud-haze2",
        "description": "三小场所、出租屋等独立式感烟火灾探测报警器（NB-IoT）",
    },
    {
        "code": "ebike_charger",
        "name": "电动自行车充电桩/充电柜",
        "metrics": ["temp", "current", "voltage", "power", "smoke"],
        "default_interval_s": 30,
        "icon": "bi-ev-station",
        "description": "集中充电场所插座/电池温度、电流与烟雾监测",
    },
    {
        "code": "plating_tank",
        "name": "电镀槽液监测仪",
        "metrics": ["temp", "level", "power"],
        "default_interval_s": 60,
        "icon": "bi-droplet-half",
        "description": "电镀槽液温度、液位与加热器功率监测",
    },
    {
        "code": "electrical_fire",
        "name": "电气火灾监控探测器",
        "metrics": ["residual_current", "temp", "current", "voltage"],
        "default_interval_s": 60,
        "icon": "bi-lightning-charge",
        "description": "配电箱剩余电流与线缆温度监测",
    },
]

HEARTBEAT = {
    "code": "heartbeat",
    "name": "设备离线",
    "kind": "heartbeat",
    "factor": 3.0,
    "notes": "超过 3 倍上报间隔无数据即判定离线",
}
BATTERY = {
    "code": "battery",
    "name": "电量低",
    "kind": "low_battery",
    "metric": "battery",
    "warn_low": 20.0,
    "alarm_low": 10.0,
    "notes": "电量低于 20% 预警、低于 10% 报警",
}

RULE_PACKS: dict[str, dict[str, Any]] = {
    "gas4": {
        "name": "有限空间四合一气体规则包",
        "basis": "GB/T 50493-2019；GBZ 2.1-2019；工贸企业有限空间作业安全规定（应急管理部令第 13 号）",
        "rules": [
            {
                "code": "o2",
                "name": "氧气浓度异常",
                "kind": "range",
                "metric": "o2",
                "warn_low": 19.5,
                "warn_high": 23.5,
                "alarm_low": 18.0,
                "alarm_high": 23.5,
                "high_inclusive": False,
                "alarm_duration_s": 10,
                "notes": "< 19.5% 或 > 23.5% 预警；< 18% 或 > 23.5% 持续 10 秒报警",
            },
            {
                "code": "lel",
                "name": "可燃气体超限",
                "kind": "threshold",
                "metric": "lel",
                "warn_high": 10.0,
                "alarm_high": 50.0,
                "notes": "有限空间 ≥ 10% LEL 禁止进入（预警）；≥ 50% LEL 报警",
            },
            {
                "code": "h2s",
                "name": "硫化氢超限",
                "kind": "threshold",
                "metric": "h2s",
                "warn_high": 10.0,
                "alarm_high": 20.0,
                "notes": "≥ 10 mg/m³（MAC）预警；≥ 20 mg/m³ 报警；ppm 按 M=34.08、Vm=24.04 换算",
            },
            {
                "code": "co",
                "name": "一氧化碳超限",
                "kind": "threshold",
                "metric": "co",
                "warn_high": 30.0,
                "alarm_high": 60.0,
                "notes": "≥ 30 mg/m³（PC-STEL）预警；≥ 60 mg/m³ 报警；ppm 按 M=28.01、Vm=24.04 换算",
            },
            BATTERY,
            HEARTBEAT,
        ],
    },
    "restaurant_gas": {
        "name": "餐饮燃气规则包",
        "basis": "GB/T 50493-2019；GB 50028 城镇燃气设计规范",
        "rules": [
            {
                "code": "lel",
                "name": "燃气泄漏",
                "kind": "threshold",
                "metric": "lel",
                "warn_high": 25.0,
                "alarm_high": 50.0,
                "notes": "固定式探测器 ≥ 25% LEL 预警并联动切断阀；≥ 50% LEL 报警",
            },
            {
                "code": "valve",
                "name": "切断阀未关闭",
                "kind": "valve",
                "metric": "lel",
                "aux_metric": "valve_closed",
                "warn_high": 25.0,
                "timeout_s": 30,
                "notes": "燃气浓度 ≥ 25% LEL 后 30 秒内切断阀未关闭即报警",
            },
            HEARTBEAT,
        ],
    },
    "smoke": {
        "name": "独立式烟感规则包",
        "basis": "GB 20517-2006 独立式感烟火灾探测报警器",
        "rules": [
            {
                "code": "smoke",
                "name": "烟雾报警",
                "kind": "threshold",
                "metric": "smoke",
                "alarm_high": 1.0,
                "notes": "探测到烟雾即报警",
            },
            {
                "code": "temp",
                "name": "环境温度过高",
                "kind": "threshold",
                "metric": "temp",
                "warn_high": 57.0,
                "alarm_high": 70.0,
                "notes": "≥ 57 °C 预警；≥ 70 °C 报警",
            },
            BATTERY,
            HEARTBEAT,
        ],
    },
    "ebike_charger": {
        "name": "电动自行车充电规则包",
        "basis": "DOMAIN.md §5；GB 42295-2022 电动自行车电气安全要求",
        "rules": [
            {
                "code": "temp",
                "name": "充电温度过高",
                "kind": "threshold",
                "metric": "temp",
                "warn_high": 60.0,
                "alarm_high": 80.0,
                "notes": "电池/插座温度 ≥ 60 °C 预警；≥ 80 °C 报警",
            },
            {
                "code": "temp_rate",
                "name": "温度骤升",
                "kind": "rate",
                "metric": "temp",
                "alarm_high": 10.0,
                "notes": "温升 ≥ 10 °C/分钟 报警",
            },
            {
                "code": "current",
                "name": "充电电流超过额定值",
                "kind": "threshold",
                "metric": "current",
                "warn_high": 16.0,
                "warn_duration_s": 30,
                "notes": "电流超过额定值（设备登记的额定电流，默认 16 A）持续 30 秒预警",
            },
            {
                "code": "smoke",
                "name": "充电区烟雾",
                "kind": "threshold",
                "metric": "smoke",
                "alarm_high": 1.0,
                "notes": "探测到烟雾即报警",
            },
            HEARTBEAT,
        ],
    },
    "plating_tank": {
        "name": "电镀槽液规则包",
        "basis": "AQ 5202-2008 电镀生产安全操作规程；各企业工艺参数",
        "rules": [
            {
                "code": "temp",
                "name": "槽液温度超出工艺范围",
                "kind": "range",
                "metric": "temp",
                "warn_low": 20.0,
                "warn_high": 60.0,
                "alarm_low": 10.0,
                "alarm_high": 70.0,
                "notes": "超出 20–60 °C 预警；超出 10–70 °C 报警（按槽位工艺调整）",
            },
            {
                "code": "level",
                "name": "槽液液位异常",
                "kind": "range",
                "metric": "level",
                "warn_low": 30.0,
                "warn_high": 95.0,
                "alarm_low": 15.0,
                "alarm_high": 98.0,
                "notes": "超出 30%–95% 预警；低于 15% 或高于 98% 报警",
            },
            {
                "code": "heater_low_level",
                "name": "低液位加热",
                "kind": "interlock",
                "metric": "level",
                "aux_metric": "power",
                "alarm_low": 20.0,
                "aux_threshold": 500.0,
                "notes": "液位低于 20% 而加热功率 ≥ 500 W 即报警（干烧风险）",
            },
            HEARTBEAT,
        ],
    },
    "electrical_fire": {
        "name": "电气火灾监控规则包",
        "basis": "GB 14287.2-2014 剩余电流式、GB 14287.3-2014 测温式电气火灾监控探测器",
        "rules": [
            {
                "code": "residual_current",
                "name": "剩余电流超限",
                "kind": "threshold",
                "metric": "residual_current",
                "warn_high": 300.0,
                "alarm_high": 500.0,
                "notes": "≥ 300 mA 预警；≥ 500 mA 报警",
            },
            {
                "code": "temp",
                "name": "线缆温度过高",
                "kind": "threshold",
                "metric": "temp",
                "warn_high": 55.0,
                "alarm_high": 70.0,
                "notes": "≥ 55 °C 预警；≥ 70 °C 报警",
            },
            HEARTBEAT,
        ],
    },
}


def load_defaults(device_type_model: Any, rule_pack_model: Any, rule_model: Any) -> None:
    """Create (or complete) the default device types, packs and rules; existing rows are left as they are."""
    for order, spec in enumerate(DEVICE_TYPES):
        dtype, _ = device_type_model.objects.get_or_create(
            code=spec["code"], defaults={**spec, "sort_order": order}
        )
        pack_spec = RULE_PACKS[spec["code"]]
        pack, _ = rule_pack_model.objects.get_or_create(
            device_type=dtype, defaults={"name": pack_spec["name"], "basis": pack_spec["basis"]}
        )
        for i, rule in enumerate(pack_spec["rules"]):
            rule_model.objects.get_or_create(pack=pack, code=rule["code"], defaults={**rule, "sort_order": i})
