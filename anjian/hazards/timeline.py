"""Human-readable lines of a hazard's timeline, shared by the detail page and the case-file PDF."""

from __future__ import annotations

from anjian.hazards.choices import LEVEL_SHORT, HazardEventType
from anjian.hazards.models import HazardEvent

T = HazardEventType


def describe(event: HazardEvent) -> str:
    """One sentence (Chinese) saying what happened, from the event's type and parameters."""
    p = event.params or {}
    label = str(T(event.type).label) if event.type in T.values else event.type
    level = LEVEL_SHORT.get(p.get("level", ""), "")  # type: ignore[call-overload]
    note = f"；{p['note']}" if p.get("note") else ""
    if event.type == T.REGISTERED:
        return f"登记隐患，建议等级：{level or '一般'}，整改期限 {p.get('deadline', '')}"
    if event.type == T.LEVEL_CONFIRMED:
        return f"确认为{level}事故隐患{note}"
    if event.type == T.PLAN_SUBMITTED:
        return f"提交重大隐患治理方案（第 {p.get('version', 1)} 版）"
    if event.type == T.EVIDENCE_SUBMITTED:
        return f"提交整改材料（照片 {p.get('photos', 0)} 张），申请复查"
    if event.type in (T.VERIFIED_PASSED, T.VERIFIED_FAILED):
        return f"{label}{note}"
    if event.type == T.EXTENSION_REQUESTED:
        return f"申请将整改期限由 {p.get('previous')} 延至 {p.get('requested')}；理由：{p.get('reason', '')}"
    if event.type == T.EXTENSION_APPROVED:
        return f"批准延期：整改期限由 {p.get('previous')} 改为 {p.get('requested')}{note}"
    if event.type == T.EXTENSION_REJECTED:
        return f"驳回延期申请（申请延至 {p.get('requested')}）{note}"
    if event.type == T.LISTED:
        return f"挂牌督办，督办单位：{p.get('unit', '')}"
    if event.type == T.PROGRESS_REPORTED:
        return f"报送督办进展，完成 {p.get('percent', 0)}%"
    if event.type == T.UPDATED:
        return f"修改整改信息：{'、'.join(p.get('fields', []))}"
    if event.type == T.VOIDED:
        return f"作废；原因：{p.get('reason', '')}"
    if event.type == T.REMINDER and p.get("progress_due"):
        return f"督办进展应于 {p['progress_due']} 前报送，已提醒企业"
    if event.type == T.REMINDER:
        days = p.get("days_left", 0)
        return "整改期限今天到期，已提醒企业" if days == 0 else f"距整改期限还有 {days} 天，已提醒企业"
    if event.type == T.OVERDUE:
        return f"已超过整改期限 {p.get('deadline', '')}，标记为逾期"
    if event.type == T.ESCALATED:
        return f"逾期 {p.get('days', 0)} 天，升级通报：{p.get('to', '')}"
    return f"{label}{note}"
