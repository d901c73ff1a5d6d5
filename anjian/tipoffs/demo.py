"""Demo tip-offs: some months of reports on the demo street's enterprises, taken through the real
services (so timelines, audit rows and rewards are genuine), then moved back in time.

`seed(stdout=None)` needs the demo street (communities, enterprises, a tip officer and a street admin);
it is deterministic and does nothing when tips already exist."""

from __future__ import annotations

import datetime as dt
import io
import random
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from anjian.core.context import origin
from anjian.enterprises.models import Enterprise
from anjian.org.choices import Role
from anjian.org.models import User
from anjian.tipoffs import services
from anjian.tipoffs.choices import TipEventType, TipStatus
from anjian.tipoffs.identity import ReporterIdentity, secret_digest
from anjian.tipoffs.models import Reward, TipCategory, TipEvent, Tipoff
from anjian.tipoffs.services.common import step_deadline

TEXTS = {
    "major_hazard": [
        "厂房二楼承重墙出现明显裂缝，仍有工人在下面作业。",
        "仓库货架严重变形，上面堆满重物，随时可能倒塌。",
    ],
    "illegal_production": [
        "已经被查封的小作坊晚上又偷偷开工，机器一直响到凌晨。",
        "出租屋里在加工塑料件，没有任何营业执照。",
    ],
    "concealed_accident": ["上周工地有工人从脚手架摔下来，听说人没了，但一直没有上报。"],
    "fire_exit": ["三楼安全出口被铁链锁住，楼道里堆满纸箱。", "商场负一层消防通道被货车堵死，疏散门打不开。"],
    "gas": ["饭店后厨燃气味很重，液化气瓶就放在灶台旁边。", "小吃店使用多个液化气瓶串联，没有装燃气报警器。"],
    "ebike": [
        "楼道里有好几辆电动车在充电，电线从窗户拉进来。",
        "小区一楼门厅晚上停满电动车充电，堵住了出口。",
    ],
    "confined_space": [
        "有工人没戴防护就下污水井作业，旁边也没人看着。",
        "化粪池清掏作业没有通风检测，工人直接下去。",
    ],
    "plating_hazchem": [
        "电镀厂晚上往雨水沟里排绿色的废水，味道很刺鼻。",
        "厂区角落堆放了很多化学品桶，没有任何标识和防护。",
    ],
    "other": ["车间里的机器防护罩都拆掉了，工人徒手操作。", "脚手架搭得很随意，高处作业的工人都没系安全带。"],
}
NAMES = ["王先生", "李女士", "陈师傅", "刘阿姨", "赵同学", "周先生"]
FRESH_DAYS = (6.5, 4.2, 1.1, 0.4, 0.1)
FEEDBACK_TRUE = "您好，经核查您举报的情况属实，我们已依法责令整改并作出处罚。感谢您对安全生产工作的支持！"
FEEDBACK_FALSE = "您好，经工作人员现场核查，未发现您反映的问题。如仍发现异常，欢迎再次举报。"


def _photo(rng: random.Random, label: str) -> SimpleUploadedFile:
    img = Image.new("RGB", (640, 480), (rng.randint(90, 200), rng.randint(90, 200), rng.randint(90, 200)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x, y = rng.randint(0, 560), rng.randint(0, 400)
        draw.rectangle(
            [x, y, x + rng.randint(30, 120), y + rng.randint(30, 120)], outline=(40, 40, 40), width=4
        )
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=80)
    return SimpleUploadedFile(f"{label}.jpg", out.getvalue(), content_type="image/jpeg")


# Event types that happen together with the one before them (same moment).
SAME_MOMENT = {TipEventType.ENTERPRISE_LINKED, TipEventType.DUPLICATE_PROPOSED, TipEventType.MERGED}
STATUS_EVENTS = {
    TipEventType.RECEIVED: TipStatus.RECEIVED,
    TipEventType.ACCEPTED: TipStatus.ACCEPTED,
    TipEventType.REJECTED: TipStatus.REJECTED,
    TipEventType.ASSIGNED: TipStatus.ASSIGNED,
    TipEventType.VERIFIED_TRUE: TipStatus.VERIFIED_TRUE,
    TipEventType.VERIFIED_FALSE: TipStatus.VERIFIED_FALSE,
    TipEventType.HANDLED: TipStatus.HANDLED,
    TipEventType.REWARD_DECIDED: TipStatus.REWARD_DECIDED,
    TipEventType.REWARD_PAID: TipStatus.REWARD_PAID,
    TipEventType.CLOSED: TipStatus.CLOSED,
    TipEventType.MERGED_IN: TipStatus.MERGED,
}


def _spread(tip: Tipoff, age: dt.timedelta, secret: str, rng: random.Random) -> None:
    """Move a tip back in time: received `age` ago, its steps spread over the days after, every date
    field (and the tracking code's date) consistent with its timeline."""
    now = timezone.now()
    start = now - age
    events = list(TipEvent.objects.filter(tip=tip).order_by("at", "id"))
    gaps = [0.0 if (k == 0 or e.type in SAME_MOMENT) else rng.uniform(0.3, 3.5) for k, e in enumerate(events)]
    room = max(age.total_seconds() / 86400 - 0.02, 0.0)
    scale = min(1.0, room / sum(gaps)) if sum(gaps) else 1.0
    moment = start
    first: dict[str, dt.datetime] = {}
    last: dict[str, dt.datetime] = {}
    for event, gap in zip(events, gaps, strict=True):
        moment = moment + dt.timedelta(days=gap * scale, minutes=rng.randint(0, 50) if gap else 0)
        moment = min(moment, now)
        TipEvent.objects.filter(pk=event.pk).update(at=moment)
        first.setdefault(event.type, moment)
        last[event.type] = moment
    tip.refresh_from_db()
    status_at = max(
        (last[t] for t, st in STATUS_EVENTS.items() if st == tip.status and t in last), default=start
    )
    verified = last.get(TipEventType.VERIFIED_TRUE) or last.get(TipEventType.VERIFIED_FALSE)
    feedback = last.get(TipEventType.FEEDBACK)
    closed = (
        last.get(TipEventType.CLOSED) or last.get(TipEventType.REJECTED) or last.get(TipEventType.MERGED_IN)
    )
    code = f"JB{timezone.localtime(start):%y%m%d}-{tip.code.rsplit('-', 1)[1]}"
    Tipoff.objects.filter(pk=tip.pk).update(
        code=code,
        secret_digest=secret_digest(code, secret),
        received_at=start,
        created_at=start,
        status_changed_at=status_at,
        due_at=None if tip.is_closed else step_deadline(tip.status, status_at),
        accepted_at=first.get(TipEventType.ACCEPTED),
        assigned_at=last.get(TipEventType.ASSIGNED),
        verified_at=verified,
        handled_at=last.get(TipEventType.HANDLED),
        feedback_at=feedback if tip.feedback_at else None,
        feedback_due_at=verified + dt.timedelta(days=settings.TIPOFF_FEEDBACK_DAYS) if verified else None,
        closed_at=closed if tip.closed_at else None,
    )
    reward = Reward.objects.filter(tip=tip).first()
    if reward is not None:
        paid = last.get(TipEventType.REWARD_PAID)
        Reward.objects.filter(pk=reward.pk).update(
            decided_at=last.get(TipEventType.REWARD_DECIDED, reward.decided_at),
            approved_at=last.get(TipEventType.REWARD_APPROVED) if reward.approved_at else None,
            paid_on=timezone.localtime(paid).date() if paid and reward.paid_on else reward.paid_on,
        )


def _write(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def seed(stdout: Any = None, *, count: int = 80, months: int = 6, seed_value: int = 2026) -> int:
    """Create `count` demo tips over the last `months` months; returns how many were created."""
    if Tipoff.objects.exists():
        _write(stdout, "已有举报数据，跳过举报演示数据。")
        return 0
    officer = User.objects.filter(role=Role.TIP_OFFICER, is_active=True).order_by("pk").first()
    admin = User.objects.filter(role=Role.STREET_ADMIN, is_active=True).order_by("pk").first()
    enterprises = list(
        Enterprise.objects.filter(lat__isnull=False, lng__isnull=False)
        .select_related("community", "grid")
        .order_by("pk")[:600]
    )
    if officer is None or admin is None or not enterprises:
        _write(stdout, "缺少举报受理员、街道管理员或带坐标的企业，跳过举报演示数据。")
        return 0
    rng = random.Random(seed_value)
    categories = {c.code: c for c in TipCategory.objects.filter(active=True)}
    weights = {
        "fire_exit": 18,
        "ebike": 20,
        "gas": 14,
        "plating_hazchem": 10,
        "confined_space": 6,
        "major_hazard": 8,
        "illegal_production": 10,
        "concealed_accident": 2,
        "other": 6,
    }
    codes = [c for c in weights if c in categories]
    created = 0
    now = timezone.now()
    with origin("cli"), transaction.atomic():
        for i in range(count):
            code = rng.choices(codes, weights=[weights[c] for c in codes])[0]
            ent = rng.choice(enterprises)
            age = dt.timedelta(days=rng.uniform(0, months * 30), hours=rng.uniform(0, 12))
            fresh = i >= count - len(
                FRESH_DAYS
            )  # the last few stay new (two of them past the accept deadline)
            if fresh:
                age = dt.timedelta(days=FRESH_DAYS[i - (count - len(FRESH_DAYS))])
                open_tip = Tipoff.objects.filter(status="assigned", enterprise__isnull=False).first()
                if i == count - 1 and open_tip is not None and open_tip.enterprise is not None:
                    ent, code = (
                        open_tip.enterprise,
                        open_tip.category.code,
                    )  # a second report of an open matter
            named = rng.random() < 0.45
            sub = services.Submission(
                category=categories[code],
                description=rng.choice(TEXTS.get(code, TEXTS["other"])),
                address=ent.address or f"{ent.community.name}{ent.name}附近",
                lat=(ent.lat or 0) + rng.uniform(-0.0002, 0.0002),
                lng=(ent.lng or 0) + rng.uniform(-0.0002, 0.0002),
                enterprise_hint=ent.name if fresh or rng.random() < 0.6 else "",
                identity=ReporterIdentity(
                    name=rng.choice(NAMES), phone=f"13{rng.randint(500000000, 999999999)}"
                )
                if named
                else ReporterIdentity(),
                contact_consent=named,
                joint=rng.random() < 0.05,
            )
            photos = [_photo(rng, f"现场{i}")] if rng.random() < 0.35 else []
            tip, secret = services.submit_tip(sub, photos=photos)
            created += 1
            days_old = age.days
            # Older tips are further along; a few recent ones stay new or overdue.
            if fresh or (days_old < 2 and rng.random() < 0.7):
                _spread(tip, age, secret, rng)
                continue
            if rng.random() < 0.08:
                services.reject_tip(
                    tip.pk, actor=officer, reason="不属于安全生产监管范围，已转交城管部门处理。"
                )
                _spread(tip, age, secret, rng)
                continue
            services.accept_tip(tip.pk, actor=officer, community=ent.community, enterprise=ent)
            if tip.duplicate_suspect_id and rng.random() < 0.7:
                services.merge_tip(tip.pk, actor=officer, into_id=tip.duplicate_suspect_id)
                _spread(tip, age, secret, rng)
                continue
            if ent.grid_id:
                services.assign_tip(
                    tip.pk, actor=officer, kind="grid", grid=ent.grid, note="请尽快到现场核查"
                )
                verifier = User.objects.filter(
                    role=Role.GRID_INSPECTOR, grid_id=ent.grid_id, is_active=True
                ).first()
            else:
                services.assign_tip(tip.pk, actor=officer, kind="community", community=ent.community)
                verifier = User.objects.filter(
                    role=Role.COMMUNITY_WORKER, community_id=ent.community_id
                ).first()
            if days_old < 12 and rng.random() < 0.6:
                _spread(tip, age, secret, rng)
                continue
            truthful = rng.random() < 0.72
            services.verify_tip(
                tip.pk,
                actor=verifier or officer,
                truthful=truthful,
                note="现场核查，情况属实，已拍照取证。" if truthful else "现场核查未发现举报所述问题。",
            )
            if days_old > 14 or rng.random() < 0.5:
                services.give_feedback(
                    tip.pk, actor=officer, text=FEEDBACK_TRUE if truthful else FEEDBACK_FALSE
                )
            if not truthful:
                if Tipoff.objects.get(pk=tip.pk).feedback_at:
                    services.close_tip(tip.pk, actor=officer)
                _spread(tip, age, secret, rng)
                continue
            if days_old < 25 and rng.random() < 0.5:
                _spread(tip, age, secret, rng)
                continue
            fine = Decimal(rng.choice([5000, 10000, 20000, 30000, 50000, 80000, 100000, 200000]))
            concealed = code == "concealed_accident"
            services.handle_tip(
                tip.pk,
                actor=officer,
                enforcement_action="责令立即整改，依法立案处罚。",
                fine_amount=fine,
                confiscated_amount=Decimal(rng.choice([0, 0, 0, 10000])),
                concealed_deaths=rng.randint(1, 3) if concealed else None,
                accident_level=rng.choice(["general", "larger"]) if concealed else "",
            )
            rule = services.suggested_rule(Tipoff.objects.get(pk=tip.pk))
            if rule is None or (days_old < 40 and rng.random() < 0.4):
                _spread(tip, age, secret, rng)
                continue
            services.decide_reward(tip.pk, actor=officer, rule=rule)
            if days_old > 50 or rng.random() < 0.5:
                services.approve_reward(tip.pk, actor=admin, note="同意")
                reward = Reward.objects.get(tip=tip)
                if days_old > 35:
                    services.pay_reward(
                        tip.pk,
                        actor=officer,
                        amount=reward.amount,
                        paid_on=timezone.localdate(),
                        method=rng.choice(["bank_transfer", "mobile", "cash"]),
                        reference=f"ZF{now:%Y}{i:04d}",
                        receipt=_photo(rng, "发放回单"),
                    )
                    if Tipoff.objects.get(pk=tip.pk).feedback_at:
                        services.close_tip(tip.pk, actor=officer)
            _spread(tip, age, secret, rng)
    _write(stdout, f"举报演示数据：{created} 件。")
    return created
