"""Demo data: a year of hazards consistent with the register and the inspections — one per failed
checklist item (plus some registered directly on grid rounds), mostly closed after verification, some
overdue, a few failed verifications and extensions, and 重大 hazards with their six-part plan under
挂牌督办 with progress reports. Bulk inserts, deterministic from a seed."""

from __future__ import annotations

import datetime as dt
import io
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from anjian.core import audit
from anjian.core.context import origin
from anjian.core.models import Attachment
from anjian.enterprises.models import Enterprise
from anjian.hazards.choices import (
    PURPOSE_EVIDENCE_PHOTO,
    PURPOSE_SIGNATURE,
    ExtensionStatus,
    HazardEventType,
    Level,
    SourceKind,
    State,
)
from anjian.hazards.models import (
    DeadlineExtension,
    GovernancePlan,
    Hazard,
    HazardEvent,
    HazardSequence,
    ListedSupervision,
    ProgressReport,
    Rectification,
    Verification,
)
from anjian.inspections.choices import AccidentType, HazardCategory
from anjian.org.choices import Role
from anjian.org.models import User

T = HazardEventType
DAYS = 365
BATCH = 2000
DIRECT = [
    ("消防通道堆放杂物", HazardCategory.FIRE, AccidentType.FIRE, "清理通道杂物，划设禁停标线"),
    ("灭火器压力不足", HazardCategory.FIRE, AccidentType.FIRE, "更换灭火器并建立月检记录"),
    ("电动自行车在楼道内充电", HazardCategory.FIRE, AccidentType.FIRE, "清理楼道车辆，引导至集中充电点"),
    (
        "配电箱未上锁，线路裸露",
        HazardCategory.ELECTRICAL,
        AccidentType.ELECTROCUTION,
        "加锁并整理、套管保护线路",
    ),
    ("安全出口指示灯损坏", HazardCategory.FIRE, AccidentType.FIRE, "更换应急照明和疏散指示标志"),
    (
        "危险化学品未分区存放",
        HazardCategory.CHEMICALS,
        AccidentType.POISONING,
        "按性质分区分类存放并张贴标识",
    ),
    ("员工未佩戴防护用品作业", HazardCategory.PPE, AccidentType.BURN, "配发防护用品并开展班前教育"),
    (
        "燃气软管老化",
        HazardCategory.EQUIPMENT,
        AccidentType.OTHER_EXPLOSION,
        "更换金属波纹管并加装报警切断装置",
    ),
]
DEMO_PLAN = {
    "goals": "消除该重大事故隐患，恢复安全生产条件，杜绝同类问题再次发生",
    "methods": "停用相关作业区域；委托专业单位制定整改方案并施工；完善管理制度和操作规程",
    "funding": "企业自筹整改资金，设备和材料由采购部门两周内落实到位",
    "organisation": "企业主要负责人任组长，安全管理部门牵头，生产、设备部门配合，专人负责",
    "schedule": "按整改期限分阶段完成，每周向街道报送进展，完成后申请复查验收",
    "safety_measures": "治理期间设置警戒区和警示标志，停止相关作业；配备应急器材，制定专项应急预案并演练",
}
RESPONSIBLE = ["王建国", "李志强", "张伟", "陈海燕", "刘洋", "黄丽", "周杰", "吴敏", "赵磊", "孙红"]
EVIDENCE = [
    "已按要求完成整改，附整改后照片",
    "已更换相关设施并建立检查记录",
    "已整改到位，请复查",
    "已落实整改措施",
]
FAILED = ["整改不彻底，仍有部分问题", "照片与现场不符，需重新整改", "未建立长效管理记录"]
PASSED = ["现场复查，整改到位，同意销号", "复查合格", "已整改，符合要求"]
EXT_REASONS = ["设备采购周期较长", "需停产检修，安排在月底", "施工单位排期延后", "等待专业机构检测"]


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _image(kind: str) -> tuple[str, int, int]:
    """A small stored picture shared by many demo rows (evidence photo or signature)."""
    if kind == "signature":
        img = Image.new("RGBA", (300, 110), (0, 0, 0, 0))
        ImageDraw.Draw(img).line(
            [(20, 70), (70, 30), (110, 80), (170, 35), (230, 70), (280, 45)], fill="black", width=4
        )
        fmt, name = "PNG", "demo/hazard-signature.png"
    else:
        img = Image.new("RGB", (480, 360), (214, 226, 236))
        draw = ImageDraw.Draw(img)
        draw.rectangle([40, 60, 440, 320], outline=(60, 90, 120), width=6)
        draw.line([(40, 250), (440, 250)], fill=(25, 135, 84), width=10)
        draw.ellipse([330, 90, 410, 170], outline=(25, 135, 84), width=8)
        fmt, name = "JPEG", "demo/hazard-evidence.jpg"
    out = io.BytesIO()
    img.save(out, format=fmt)
    path = default_storage.save(name, ContentFile(out.getvalue()))
    return path, img.width, img.height


@dataclass
class Plan:
    """What will happen to one demo hazard (decided before anything is written)."""

    hazard: Hazard
    officer: User | None
    helper: User | None
    verifier: User | None
    office: User
    steps: list[tuple[str, dt.datetime, dict[str, Any]]] = field(default_factory=list)


def seed(stdout: Any = None, *, seed_value: int = 2026) -> dict[str, int]:
    """Create a year of hazards (skipped when hazards already exist)."""
    if Hazard.objects.exists():
        _say(stdout, "隐患已存在，跳过。")
        return {"hazards": 0}
    office = User.objects.filter(role__in=[Role.STREET_ADMIN, Role.OFFICE_STAFF], is_active=True).order_by(
        "role", "id"
    )
    office_people = list(office)
    enterprises = {e.pk: e for e in Enterprise.objects.filter(status="operating")}
    if not enterprises or not office_people:
        _say(stdout, "没有企业或街道人员，跳过隐患演示数据。")
        return {"hazards": 0}
    rng = random.Random(seed_value)
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    officers: dict[int, User] = {}
    for u in User.objects.filter(role=Role.ENTERPRISE_OFFICER, is_active=True, enterprise__isnull=False):
        officers.setdefault(u.enterprise_id, u)  # type: ignore[arg-type]
    inspectors: dict[int, list[User]] = defaultdict(list)
    for u in User.objects.filter(role=Role.GRID_INSPECTOR, is_active=True, grid__isnull=False):
        inspectors[u.grid_id].append(u)  # type: ignore[index]
    workers: dict[int, list[User]] = defaultdict(list)
    for u in User.objects.filter(role=Role.COMMUNITY_WORKER, is_active=True, community__isnull=False):
        workers[u.community_id].append(u)  # type: ignore[index]

    # Findings: every failed item of the inspection year, then direct registrations on grid rounds.
    findings: list[dict[str, Any]] = []
    from anjian.inspections.models import InspectionResult

    failed = (
        InspectionResult.objects.filter(outcome="fail", inspection__voided_at__isnull=True)
        .select_related("item", "inspection")
        .order_by("inspection__submitted_at", "id")
    )
    for r in failed.iterator(chunk_size=BATCH):
        ent = enterprises.get(r.inspection.enterprise_id)
        found = r.inspection.submitted_at or r.inspection.started_at
        if ent is None or found is None:
            continue
        findings.append(
            {
                "enterprise": ent,
                "found_at": found,
                "found_by": r.inspection.inspector,
                "result": r,
                "title": r.item.text[:200],
                "category": r.item.hazard_category,
                "accident_type": r.item.accident_type,
                "major": r.item.major_hazard_ground,
                "description": r.note,
                "item_text": r.item.text,
                "legal_basis": r.item.legal_basis,
                "measures": "按检查表要求整改：" + r.item.text[:120],
            }
        )
    ents = list(enterprises.values())
    for _ in range(max(60, len(ents) // 10)):
        ent = rng.choice(ents)
        people = inspectors.get(ent.grid_id or 0) or workers.get(ent.community_id) or office_people
        title, category, accident, measures = rng.choice(DIRECT)
        day = today - dt.timedelta(days=rng.randint(0, DAYS))
        findings.append(
            {
                "enterprise": ent,
                "found_at": dt.datetime.combine(
                    day, dt.time(9 + rng.randint(0, 8), rng.randint(0, 59)), tzinfo=tz
                ),
                "found_by": rng.choice(people),
                "result": None,
                "title": title,
                "category": category,
                "accident_type": accident,
                "major": False,
                "description": "",
                "item_text": "",
                "legal_basis": "",
                "measures": measures,
            }
        )
    findings.sort(key=lambda f: f["found_at"])

    sequences: dict[int, int] = defaultdict(int)
    plans: list[Plan] = []
    for f in findings:
        ent = f["enterprise"]
        found_at = f["found_at"]
        found_day = timezone.localtime(found_at).date()
        major = f["major"] and rng.random() < 0.8
        deadline = found_day + dt.timedelta(days=rng.randint(30, 75) if major else rng.randint(5, 30))
        year = timezone.localtime(found_at).year
        sequences[year] += 1
        h = Hazard(
            code=f"YH-{year}-{sequences[year]:06d}",
            enterprise=ent,
            community_id=ent.community_id,
            grid_id=ent.grid_id,
            source_kind=SourceKind.INSPECTION if f["result"] else SourceKind.DIRECT,
            inspection_result=f["result"],
            checklist_item_text=f["item_text"][:500],
            legal_basis=f["legal_basis"][:300],
            level=Level.MAJOR if major else Level.GENERAL,
            proposed_level=Level.MAJOR if f["major"] else Level.GENERAL,
            accident_type=f["accident_type"],
            category=f["category"],
            title=f["title"],
            description=f["description"],
            location=rng.choice(
                ["生产车间", "仓库", "配电房", "厨房", "楼道", "办公区", "危化品库", "电镀线"]
            ),
            lat=ent.lat,
            lng=ent.lng,
            responsible_name=ent.safety_officer or rng.choice(RESPONSIBLE),
            responsible_phone=ent.phone,
            measures=f["measures"],
            funds=rng.choice([20000, 50000, 80000, 120000])
            if major
            else (rng.choice([None, 500, 1200, 3000])),
            original_deadline=deadline,
            current_deadline=deadline,
            state=State.REGISTERED,
            found_by=f["found_by"],
            found_at=found_at,
            created_at=found_at,
            created_by=f["found_by"],
        )
        people = inspectors.get(ent.grid_id or 0) or []
        community = workers.get(ent.community_id) or []
        officer = officers.get(ent.pk)
        helper = (
            None
            if officer
            else (rng.choice(people) if people else (rng.choice(community) if community else None))
        )
        candidates = [u for u in people + community if u != helper] or office_people
        plan = Plan(h, officer, helper, rng.choice(candidates), rng.choice(office_people))
        _story(plan, rng, f["major"], today, tz)
        plans.append(plan)

    with transaction.atomic(), origin("cli"):
        hazards = [p.hazard for p in plans]
        Hazard.objects.bulk_create(hazards, batch_size=BATCH)
        for year, last in sequences.items():
            HazardSequence.objects.update_or_create(year=year, defaults={"last": last})
        counts = _write_steps(plans, rng)
        audit.record(
            actor=None,
            action="hazard.demo_data",
            object_type="hazards.hazard",
            note=f"演示隐患 {len(hazards)} 条",
        )
    counts["hazards"] = len(plans)
    by_state: dict[str, int] = defaultdict(int)
    for p in plans:
        by_state[p.hazard.state] += 1
    _say(
        stdout,
        f"隐患 {len(plans)} 条（已销号 {by_state[State.CLOSED]}，整改中 {by_state[State.RECTIFYING]}，"
        f"待复查 {by_state[State.AWAITING_VERIFICATION]}，已登记 {by_state[State.REGISTERED]}，"
        f"挂牌督办 {counts['supervisions']}）",
    )
    return counts


def _at(day: dt.date, tz: Any, rng: random.Random) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(8 + rng.randint(0, 9), rng.randint(0, 59)), tzinfo=tz)


def _story(p: Plan, rng: random.Random, proposed_major: bool, today: dt.date, tz: Any) -> None:
    """Decide the steps of one hazard from its age: old ones are mostly closed, recent ones open."""
    h = p.hazard
    found_day = timezone.localtime(h.found_at).date()
    last = [h.found_at]

    def at(day: dt.date) -> dt.datetime:
        """A time on `day`, never before the previous step (the timeline reads in order)."""
        when = max(_at(day, tz, rng), last[0] + dt.timedelta(minutes=rng.randint(5, 90)))
        last[0] = when
        return when

    age = (today - found_day).days
    steps = p.steps
    steps.append(
        (T.REGISTERED, h.found_at, {"level": h.proposed_level, "deadline": str(h.original_deadline)})
    )
    if proposed_major:
        confirmed = at(min(today, found_day + dt.timedelta(days=rng.randint(0, 2))))
        h.level_confirmed_at = confirmed
        h.level_confirmed_by = p.office
        steps.append((T.LEVEL_CONFIRMED, confirmed, {"level": h.level, "proposed": h.proposed_level}))
    day = found_day
    if h.is_major:
        day = min(today, day + dt.timedelta(days=rng.randint(1, 4)))
        steps.append(("plan", at(day), {}))
        steps.append(("list", at(day), {}))
        h.is_listed = True
    # Recent findings may still be waiting to start.
    if age <= 3 and rng.random() < 0.6:
        return
    day = min(today, day + dt.timedelta(days=rng.randint(0, 2)))
    h.state = State.RECTIFYING
    h.rectification_started_at = at(day)
    steps.append((T.RECTIFICATION_STARTED, h.rectification_started_at, {}))
    if rng.random() < 0.08:
        asked = min(today, h.current_deadline - dt.timedelta(days=rng.randint(0, 3)))
        asked = max(asked, day)
        approved = rng.random() < 0.75
        steps.append(("extension", at(asked), {"approved": approved, "days": rng.randint(7, 30)}))
        if approved and asked < today:
            h.current_deadline = h.current_deadline + dt.timedelta(days=steps[-1][2]["days"])
    # Old enough: evidence, verification and (mostly) closure; a few stay overdue.
    stays_overdue = rng.random() < (0.04 if age > 60 else 0.15)
    if h.current_deadline < today and stays_overdue:
        _overdue_events(p, today, tz, rng)
        return
    finish = min(today, h.current_deadline - dt.timedelta(days=rng.randint(0, 4)))
    finish = max(finish, day)
    if finish >= today and rng.random() < 0.6:
        return  # still rectifying, within the deadline
    steps.append(("evidence", at(finish), {}))
    h.state = State.AWAITING_VERIFICATION
    h.rectified_at = steps[-1][1]
    check = finish + dt.timedelta(days=rng.randint(1, 4))
    if check >= today:
        return
    if rng.random() < 0.06:
        steps.append(("verify_fail", at(check), {}))
        again = check + dt.timedelta(days=rng.randint(2, 7))
        if again >= today:
            h.state = State.RECTIFYING
            return
        steps.append(("evidence", at(again), {}))
        h.rectified_at = steps[-1][1]
        check = again + dt.timedelta(days=rng.randint(1, 3))
        if check >= today:
            return
    steps.append(("verify_pass", at(check), {}))
    h.state = State.CLOSED
    h.closed_at = steps[-1][1]
    h.closed_by = p.verifier
    if h.is_major and rng.random() < 0.7:
        h.is_listed = False
        steps.append(("lift", at(min(today, check + dt.timedelta(days=rng.randint(1, 5)))), {}))


def _overdue_events(p: Plan, today: dt.date, tz: Any, rng: random.Random) -> None:
    h = p.hazard
    d = h.current_deadline
    p.steps.append((T.OVERDUE, _at(d + dt.timedelta(days=1), tz, rng), {"deadline": str(d)}))
    for code, label, after in (("grid", "安格员", 1), ("community", "社区", 3), ("office", "街道安委办", 7)):
        if (today - d).days >= after:
            p.steps.append(
                (
                    T.ESCALATED,
                    _at(d + dt.timedelta(days=after), tz, rng),
                    {"step": code, "to": label, "days": after},
                )
            )


def _write_steps(plans: list[Plan], rng: random.Random) -> dict[str, int]:
    """Insert the timeline, evidence, verifications, extensions, plans and supervision of every hazard."""
    events: list[HazardEvent] = []
    rects: list[tuple[Rectification, list[Verification]]] = []
    extensions: list[DeadlineExtension] = []
    gov: list[GovernancePlan] = []
    sups: list[tuple[ListedSupervision, Plan]] = []
    reports: list[ProgressReport] = []
    pending_rect: dict[int, int] = {}
    for p in plans:
        h = p.hazard
        submitter = p.officer or p.helper or p.verifier
        for kind, at, params in p.steps:
            if kind == "plan":
                gov.append(
                    GovernancePlan(
                        hazard=h,
                        version=1,
                        submitted_by=submitter or p.office,
                        submitted_at=at,
                        created_at=at,
                        **DEMO_PLAN,
                    )
                )
                events.append(
                    HazardEvent(
                        hazard=h, type=T.PLAN_SUBMITTED, actor=submitter, at=at, params={"version": 1}
                    )
                )
            elif kind == "list":
                sup = ListedSupervision(
                    hazard=h,
                    listed_by=p.office,
                    listed_at=at,
                    supervising_unit="街道安全生产委员会办公室",
                    requirements="每周报送治理进展，销号后解除督办。",
                    report_every_days=7,
                    created_at=at,
                )
                sups.append((sup, p))
                events.append(
                    HazardEvent(
                        hazard=h, type=T.LISTED, actor=p.office, at=at, params={"unit": sup.supervising_unit}
                    )
                )
            elif kind == "extension":
                approved = params["approved"]
                new = h.original_deadline + dt.timedelta(days=params["days"])
                decided = at + dt.timedelta(days=1)
                ext = DeadlineExtension(
                    hazard=h,
                    requested_by=submitter or p.office,
                    requested_at=at,
                    reason=rng.choice(EXT_REASONS),
                    previous_deadline=h.original_deadline,
                    requested_deadline=new,
                    status=ExtensionStatus.APPROVED if approved else ExtensionStatus.REJECTED,
                    decided_by=p.office,
                    decided_at=decided,
                    decision_note="同意" if approved else "理由不充分，请按期整改",
                    created_at=at,
                )
                extensions.append(ext)
                common = {"previous": str(ext.previous_deadline), "requested": str(new)}
                events.append(
                    HazardEvent(
                        hazard=h,
                        type=T.EXTENSION_REQUESTED,
                        actor=ext.requested_by,
                        at=at,
                        params={**common, "reason": ext.reason},
                    )
                )
                events.append(
                    HazardEvent(
                        hazard=h,
                        type=T.EXTENSION_APPROVED if approved else T.EXTENSION_REJECTED,
                        actor=p.office,
                        at=decided,
                        params={**common, "note": ext.decision_note},
                    )
                )
            elif kind == "evidence":
                rect = Rectification(
                    hazard=h,
                    submitted_by=submitter or p.office,
                    submitted_at=at,
                    note=rng.choice(EVIDENCE),
                    created_at=at,
                )
                rects.append((rect, []))
                pending_rect[id(h)] = len(rects) - 1
                events.append(
                    HazardEvent(
                        hazard=h,
                        type=T.EVIDENCE_SUBMITTED,
                        actor=rect.submitted_by,
                        at=at,
                        params={"photos": 1},
                    )
                )
            elif kind in ("verify_fail", "verify_pass"):
                passed = kind == "verify_pass"
                note = rng.choice(PASSED if passed else FAILED)
                v = Verification(
                    hazard=h,
                    verifier=p.verifier or p.office,
                    verified_at=at,
                    passed=passed,
                    note=note,
                    created_at=at,
                )
                rects[pending_rect[id(h)]][1].append(v)
                events.append(
                    HazardEvent(
                        hazard=h,
                        type=T.VERIFIED_PASSED if passed else T.VERIFIED_FAILED,
                        actor=v.verifier,
                        at=at,
                        params={"note": note},
                    )
                )
            elif kind == "lift":
                events.append(
                    HazardEvent(
                        hazard=h, type=T.SUPERVISION_LIFTED, actor=p.office, at=at, params={"note": "已销号"}
                    )
                )
            else:
                # The daily job recognises what was already sent by these keys (see deadlines.py).
                if kind == T.OVERDUE:
                    params = {**params, "key": f"hazard:{h.pk}:overdue:{h.current_deadline}"}
                elif kind == T.ESCALATED:
                    params = {
                        **params,
                        "key": f"hazard:{h.pk}:escalate:{h.current_deadline}:{params['step']}",
                    }
                actor = (
                    p.office
                    if kind == T.LEVEL_CONFIRMED
                    else (
                        h.found_by
                        if kind == T.REGISTERED
                        else (submitter if kind == T.RECTIFICATION_STARTED else None)
                    )
                )
                events.append(HazardEvent(hazard=h, type=kind, actor=actor, at=at, params=params))
    GovernancePlan.objects.bulk_create(gov, batch_size=BATCH)
    DeadlineExtension.objects.bulk_create(extensions, batch_size=BATCH)
    Rectification.objects.bulk_create([r for r, _ in rects], batch_size=BATCH)
    verifications = []
    for r, vs in rects:
        for v in vs:
            v.rectification = r
            verifications.append(v)
    Verification.objects.bulk_create(verifications, batch_size=BATCH)
    ListedSupervision.objects.bulk_create([s for s, _ in sups], batch_size=BATCH)
    today = timezone.localdate()
    for sup, p in sups:
        end = p.hazard.closed_at or timezone.now()
        at = sup.listed_at + dt.timedelta(days=7)
        percent = 10
        while at < end and at.date() <= today:
            reports.append(
                ProgressReport(
                    supervision=sup,
                    hazard=p.hazard,
                    reported_by=p.officer or p.helper or p.office,
                    reported_at=at,
                    progress=rng.choice(
                        ["采购设备中", "已完成方案中第一阶段工作", "施工队已进场", "正在组织验收准备"]
                    ),
                    percent=min(95, percent),
                    created_at=at,
                )
            )
            events.append(
                HazardEvent(
                    hazard=p.hazard,
                    type=T.PROGRESS_REPORTED,
                    actor=reports[-1].reported_by,
                    at=at,
                    params={"percent": min(95, percent)},
                )
            )
            percent += rng.randint(10, 25)
            at += dt.timedelta(days=7)
        if p.hazard.closed_at:
            lifted = next((a for k, a, _ in p.steps if k == "lift"), None)
            if lifted:
                sup.lifted_at = lifted
                sup.lifted_by = p.office
                sup.lift_note = "已销号"
    ListedSupervision.objects.bulk_update(
        [s for s, _ in sups if s.lifted_at], ["lifted_at", "lifted_by", "lift_note"], batch_size=BATCH
    )
    ProgressReport.objects.bulk_create(reports, batch_size=BATCH)
    HazardEvent.objects.bulk_create(events, batch_size=BATCH)
    # Shared pictures: evidence photos on the latest submissions, signatures on the latest verifications.
    photo, pw, ph = _image("evidence")
    sig, sw, sh = _image("signature")
    rect_ct = ContentType.objects.get_for_model(Rectification)
    ver_ct = ContentType.objects.get_for_model(Verification)
    atts = [
        Attachment(
            content_type=rect_ct,
            object_id=r.pk,
            purpose=PURPOSE_EVIDENCE_PHOTO,
            file=photo,
            original_name="整改照片.jpg",
            mime_type="image/jpeg",
            size=default_storage.size(photo),
            sha256="",
            width=pw,
            height=ph,
            uploaded_by=r.submitted_by,
            uploaded_at=r.submitted_at,
        )
        for r, _ in rects[-3000:]
    ] + [
        Attachment(
            content_type=ver_ct,
            object_id=v.pk,
            purpose=PURPOSE_SIGNATURE,
            file=sig,
            original_name="signature.png",
            mime_type="image/png",
            size=default_storage.size(sig),
            sha256="",
            width=sw,
            height=sh,
            uploaded_by=v.verifier,
            uploaded_at=v.verified_at,
        )
        for v in verifications[-3000:]
    ]
    Attachment.objects.bulk_create(atts, batch_size=BATCH)
    return {
        "events": len(events),
        "rectifications": len(rects),
        "verifications": len(verifications),
        "extensions": len(extensions),
        "plans": len(gov),
        "supervisions": len(sups),
        "progress_reports": len(reports),
    }
