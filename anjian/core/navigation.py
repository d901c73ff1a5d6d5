"""The navigation by capability. Each entry names the URL, the icon and who may see it."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    icon: str
    roles: frozenset[str] = field(default_factory=frozenset)  # empty = everyone signed in
    match: str = ""  # regular expression on the path that marks the item active


@dataclass(frozen=True)
class NavSection:
    label: str
    items: tuple[NavItem, ...]


OFFICE = frozenset({"street_admin", "office_staff"})
STREET = frozenset({"street_admin", "office_staff", "cadre", "liaison", "department_staff", "tip_officer"})
FIELD = STREET | {"community_worker", "grid_inspector"}
TIPS = frozenset({"tip_officer", "street_admin", "office_staff"})
INSPECT = FIELD - {"tip_officer"}

SECTIONS: tuple[NavSection, ...] = (
    NavSection(
        "总览",
        (
            NavItem("工作台", "home", "bi-speedometer2", match=r"^/$"),
            NavItem("消息中心", "notifications:inbox", "bi-bell", match=r"^/inbox/"),
        ),
    ),
    NavSection(
        "企业台账",
        (
            NavItem(
                "企业列表",
                "enterprises:list",
                "bi-buildings",
                FIELD | {"fire_station"},
                r"^/enterprises/(\d+/|new/|$)",
            ),
            NavItem(
                "企业地图", "enterprises:map", "bi-geo-alt", FIELD | {"fire_station"}, r"^/enterprises/map/"
            ),
            NavItem(
                "证照到期预警", "enterprises:expiring", "bi-calendar-x", FIELD, r"^/enterprises/licences/"
            ),
            NavItem(
                "批量导入",
                "enterprises:import",
                "bi-file-earmark-arrow-up",
                OFFICE | {"community_worker"},
                r"^/enterprises/import",
            ),
            NavItem(
                "我的企业",
                "enterprises:mine",
                "bi-building-check",
                frozenset({"enterprise_officer"}),
                r"^/enterprises/mine/",
            ),
        ),
    ),
    NavSection(
        "检查",
        (
            NavItem("检查计划", "inspections:plans", "bi-calendar-check", INSPECT, r"^/inspections/plans/"),
            NavItem(
                "检查记录",
                "inspections:list",
                "bi-clipboard2-check",
                INSPECT | {"enterprise_officer"},
                r"^/inspections/(\d+/|new/|$)",
            ),
            NavItem(
                "检查表", "inspections:checklists", "bi-list-check", INSPECT, r"^/inspections/checklists/"
            ),
        ),
    ),
    NavSection(
        "隐患治理",
        (
            NavItem(
                "我的隐患工作",
                "hazards:mine",
                "bi-list-task",
                FIELD | {"enterprise_officer"},
                r"^/hazards/mine/",
            ),
            NavItem(
                "隐患列表",
                "hazards:list",
                "bi-exclamation-triangle",
                FIELD | {"enterprise_officer"},
                r"^/hazards/(\d+/|new/|from-result/|$)",
            ),
            NavItem(
                "统计报表",
                "hazards:statistics",
                "bi-clipboard-data",
                (STREET - {"tip_officer"}) | {"community_worker"},
                r"^/hazards/statistics/",
            ),
        ),
    ),
    NavSection(
        "风险管控",
        (
            NavItem(
                "优先检查清单",
                "risks:priority",
                "bi-sort-down",
                STREET - {"tip_officer"} | {"community_worker", "grid_inspector"},
                r"^/risks/priority/",
            ),
            NavItem("四色风险地图", "risks:map", "bi-map", INSPECT | {"fire_station"}, r"^/risks/map/"),
            NavItem(
                "风险点清单",
                "risks:points",
                "bi-shield-exclamation",
                INSPECT | {"enterprise_officer", "fire_station"},
                r"^/risks/(points/|enterprises/|levels/|templates/|settings/|$)",
            ),
            NavItem("优先级回测", "risks:backtest", "bi-graph-up-arrow", OFFICE, r"^/risks/backtest/"),
        ),
    ),
    NavSection(
        "监测预警",
        (
            NavItem(
                "报警看板",
                "monitoring:board",
                "bi-broadcast",
                (FIELD - {"tip_officer"}) | {"enterprise_officer", "fire_station"},
                r"^/monitoring/(alarms/|$)",
            ),
            NavItem(
                "监测设备",
                "monitoring:devices",
                "bi-cpu",
                (FIELD - {"tip_officer"}) | {"enterprise_officer", "fire_station"},
                r"^/monitoring/devices/",
            ),
            NavItem(
                "报警规则",
                "monitoring:rules",
                "bi-sliders",
                (FIELD - {"tip_officer"}) | {"enterprise_officer"},
                r"^/monitoring/rules/",
            ),
            NavItem("接入状态", "monitoring:health", "bi-activity", OFFICE, r"^/monitoring/health/"),
        ),
    ),
    NavSection(
        "挂点工作",
        (
            NavItem(
                "挂点安排",
                "org:assignments",
                "bi-diagram-3",
                STREET | {"community_worker"},
                r"^/org/assignments/",
            ),
            NavItem(
                "走访记录",
                "org:visits",
                "bi-clipboard-check",
                STREET | {"community_worker", "grid_inspector"},
                r"^/org/visits/",
            ),
            NavItem(
                "例会记录", "org:meetings", "bi-people", STREET | {"community_worker"}, r"^/org/meetings/"
            ),
            NavItem(
                "履职覆盖",
                "org:coverage",
                "bi-bar-chart-steps",
                (STREET - {"tip_officer"}) | {"community_worker"},
                r"^/org/coverage/",
            ),
        ),
    ),
    NavSection(
        "举报受理",
        (
            NavItem("举报列表", "tipoffs:list", "bi-megaphone", TIPS, r"^/tipoffs/(\d+/|$)"),
            NavItem("举报地图", "tipoffs:map", "bi-pin-map", TIPS, r"^/tipoffs/map/"),
            NavItem("举报统计", "tipoffs:stats", "bi-graph-up", TIPS, r"^/tipoffs/stats/"),
            NavItem("奖励规则", "tipoffs:rules", "bi-cash-coin", TIPS, r"^/tipoffs/rules/"),
            NavItem(
                "合作应用", "tipoffs:partners", "bi-plug", frozenset({"street_admin"}), r"^/tipoffs/partners/"
            ),
        ),
    ),
    NavSection(
        "组织与系统",
        (
            NavItem("社区与网格", "org:communities", "bi-map", FIELD, r"^/org/(communities|grids)/"),
            NavItem("科办", "org:departments", "bi-bank", STREET, r"^/org/departments/"),
            NavItem(
                "人员与账号", "org:people", "bi-person-badge", OFFICE | {"community_worker"}, r"^/org/people/"
            ),
            NavItem("审计日志", "audit", "bi-shield-lock", frozenset({"street_admin"}), r"^/audit/"),
            NavItem("接口文档", "api-docs", "bi-code-square", STREET, r"^/api/docs/"),
        ),
    ),
)


def menu_for(user: object, path: str) -> list[dict[str, object]]:
    """The sections and items this user may see, with the active one marked."""
    import re

    role = getattr(user, "role", "")
    superuser = getattr(user, "is_superuser", False)
    out: list[dict[str, object]] = []
    for section in SECTIONS:
        items: list[dict[str, object]] = []
        for item in section.items:
            if item.roles and role not in item.roles and not (superuser and not role):
                continue
            try:
                url = reverse(item.url_name)
            except NoReverseMatch:
                continue  # a capability that has not landed yet
            active = bool(item.match and re.match(item.match, path))
            items.append({"label": item.label, "url": url, "icon": item.icon, "active": active})
        if items:
            out.append({"label": section.label, "items": items})
    return out
