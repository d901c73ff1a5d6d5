"""Demo data: a year of inspections consistent with the register (who inspects what follows the
assignments and the grids), mostly passing with some failed items, and this week's open plans."""

from __future__ import annotations

import datetime as dt
import io
import random
import uuid
from collections import defaultdict
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageDraw

from anjian.core.models import Attachment
from anjian.enterprises.models import Enterprise
from anjian.inspections import services
from anjian.inspections.choices import (
    PURPOSE_SIGNATURE_ENTERPRISE,
    PURPOSE_SIGNATURE_INSPECTOR,
    InspectionEventType,
    InspectionStatus,
    Outcome,
    PlanSource,
    PlanStatus,
)
from anjian.inspections.models import (
    ChecklistItem,
    ChecklistVersion,
    Inspection,
    InspectionEvent,
    InspectionPlan,
    InspectionResult,
)
from anjian.org.choices import AssignmentKind, AssignmentStatus, Role
from anjian.org.models import Assignment, User

DAYS = 365
NOTES = [
    "现场检查发现该问题，已当场指出并要求整改",
    "企业负责人在场，承诺限期整改",
    "已拍照留存，需复查",
    "部分落实，仍需完善",
]
REPRESENTATIVES = ["张经理", "李主任", "王厂长", "陈主管", "刘店长", "黄安全员"]


def _say(stdout: Any, text: str) -> None:
    if stdout is not None:
        stdout.write(text + "\n")


def _signature_file() -> str:
    """One small signature image stored once and shared by the demo signatures."""
    img = Image.new("RGBA", (300, 110), (0, 0, 0, 0))
    ImageDraw.Draw(img).line(
        [(15, 80), (60, 25), (95, 85), (150, 30), (200, 75), (285, 40)], fill="black", width=4
    )
    out = io.BytesIO()
    img.save(out, format="PNG")
    return default_storage.save("demo/signature.png", ContentFile(out.getvalue()))


def seed(stdout: Any = None, *, seed_value: int = 2026) -> dict[str, int]:
    """Create a year of inspections and this week's plans (skipped when inspections already exist)."""
    if Inspection.objects.exists():
        _say(stdout, "检查记录已存在，跳过。")
        return {"inspections": 0, "plans": 0}
    rng = random.Random(seed_value)
    enterprises = list(Enterprise.objects.filter(status="operating").prefetch_related("categories"))
    if not enterprises:
        _say(stdout, "没有企业，跳过检查演示数据。")
        return {"inspections": 0, "plans": 0}
    versions = {v.template_id: v for v in ChecklistVersion.objects.filter(is_current=True)}
    items_of: dict[int, list[ChecklistItem]] = defaultdict(list)
    for item in ChecklistItem.objects.filter(version__in=versions.values()).order_by("order"):
        items_of[item.version_id].append(item)
    template_of = {e.pk: services.default_template_for(e) for e in enterprises}
    grid_inspectors: dict[int, list[User]] = defaultdict(list)
    for u in User.objects.filter(role=Role.GRID_INSPECTOR, is_active=True, grid__isnull=False):
        grid_inspectors[u.grid_id].append(u)  # type: ignore[index]
    assignments = list(
        Assignment.objects.filter(
            kind=AssignmentKind.ENTERPRISE, status=AssignmentStatus.ACTIVE, voided_at__isnull=True
        ).select_related("person")
    )
    # A few enterprises are the usual offenders: more failed items there.
    risky = {e.pk for e in rng.sample(enterprises, max(1, len(enterprises) // 12))}
    now = timezone.now()
    tz = timezone.get_current_timezone()

    # Who inspects what, when: cadres every other week on their assigned enterprises, grid inspectors
    # each enterprise of their grid about every two months.
    visits: list[tuple[User, Enterprise, dt.datetime, str, Assignment | None]] = []
    by_pk = {e.pk: e for e in enterprises}
    for a in assignments:
        ent = by_pk.get(a.enterprise_id or 0)
        if ent is None:
            continue
        day = max(a.start_date, (now - dt.timedelta(days=DAYS)).date())
        while day < timezone.localdate():
            when = dt.datetime.combine(day, dt.time(9 + rng.randint(0, 7), rng.randint(0, 59)), tzinfo=tz)
            visits.append((a.person, ent, when, PlanSource.ASSIGNMENT, a))
            day += dt.timedelta(days=14 + rng.randint(-2, 2))
    for ent in enterprises:
        people = grid_inspectors.get(ent.grid_id or 0)
        if not people:
            continue
        day = (now - dt.timedelta(days=DAYS - rng.randint(0, 40))).date()
        while day < timezone.localdate():
            if day.weekday() < 5:
                when = dt.datetime.combine(day, dt.time(8 + rng.randint(0, 8), rng.randint(0, 59)), tzinfo=tz)
                visits.append((rng.choice(people), ent, when, PlanSource.GRID_ROUND, None))
            day += dt.timedelta(days=rng.randint(45, 75))
    visits.sort(key=lambda v: v[2])

    with transaction.atomic():
        plans = []
        inspections = []
        answers: list[list[tuple[ChecklistItem, str, str]]] = []
        for person, ent, when, source, assignment in visits:
            template = template_of.get(ent.pk)
            version = versions.get(template.pk) if template else None
            if version is None:
                continue
            fail_rate = 0.18 if ent.pk in risky else 0.05
            rows: list[tuple[ChecklistItem, str, str]] = []
            for item in items_of[version.pk]:
                roll = rng.random()
                if roll < fail_rate * (0.4 if item.major_hazard_ground else 1):
                    rows.append((item, Outcome.FAIL, rng.choice(NOTES)))
                elif roll > 0.95:
                    rows.append((item, Outcome.NA, ""))
                else:
                    rows.append((item, Outcome.PASS, ""))
            submitted = when + dt.timedelta(minutes=rng.randint(20, 70))
            plans.append(
                InspectionPlan(
                    source=source,
                    enterprise=ent,
                    planned_date=when.date(),
                    inspector=person,
                    assignment=assignment,
                    template=template,
                    title="挂点走访检查" if source == PlanSource.ASSIGNMENT else "网格日常巡查",
                    status=PlanStatus.DONE,
                    created_at=when - dt.timedelta(days=rng.randint(1, 6)),
                    created_by=person,
                )
            )
            jitter = rng.uniform(-0.0004, 0.0004)
            inspections.append(
                Inspection(
                    enterprise=ent,
                    checklist_version=version,
                    inspector=person,
                    started_at=when,
                    submitted_at=submitted,
                    status=InspectionStatus.SUBMITTED,
                    lat=round(ent.lat + jitter, 6) if ent.lat is not None else None,
                    lng=round(ent.lng - jitter, 6) if ent.lng is not None else None,
                    accuracy=round(rng.uniform(5, 35), 1) if ent.lat is not None else None,
                    location_note="" if ent.lat is not None else "定位权限被拒绝",
                    representative_name=ent.safety_officer or rng.choice(REPRESENTATIVES),
                    summary="总体情况良好。"
                    if all(o != Outcome.FAIL for _, o, _ in rows)
                    else "发现问题已当场反馈，请按要求整改。",
                    client_uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
                    item_count=len(rows),
                    failed_count=sum(1 for _, o, _ in rows if o == Outcome.FAIL),
                    na_count=sum(1 for _, o, _ in rows if o == Outcome.NA),
                    created_at=submitted,
                    created_by=person,
                )
            )
            answers.append(rows)
        InspectionPlan.objects.bulk_create(plans, batch_size=500)
        for plan, inspection in zip(plans, inspections, strict=True):
            inspection.plan = plan
        Inspection.objects.bulk_create(inspections, batch_size=500)
        InspectionResult.objects.bulk_create(
            (
                InspectionResult(inspection=inspection, item=item, outcome=outcome, note=note)
                for inspection, rows in zip(inspections, answers, strict=True)
                for item, outcome, note in rows
            ),
            batch_size=2000,
        )
        InspectionEvent.objects.bulk_create(
            (
                InspectionEvent(
                    inspection=i,
                    plan=i.plan,
                    type=InspectionEventType.SUBMITTED,
                    actor=i.inspector,
                    at=i.submitted_at or i.started_at,
                    params={"summary": f"{i.item_count} 项，不合格 {i.failed_count} 项"},
                )
                for i in inspections
            ),
            batch_size=2000,
        )
        # Signatures for the latest inspections (one stored image, shared).
        path = _signature_file()
        ct = ContentType.objects.get_for_model(Inspection)
        recent = inspections[-200:]
        Attachment.objects.bulk_create(
            Attachment(
                content_type=ct,
                object_id=i.pk,
                purpose=purpose,
                file=path,
                original_name=f"{purpose}.png",
                mime_type="image/png",
                size=default_storage.size(path),
                sha256="",
                width=300,
                height=110,
                uploaded_by=i.inspector,
                uploaded_at=i.submitted_at or now,
            )
            for i in recent
            for purpose in (PURPOSE_SIGNATURE_INSPECTOR, PURPOSE_SIGNATURE_ENTERPRISE)
        )

    # This week's open plans: from the assignments, and each grid inspector's round.
    admin = User.objects.filter(role=Role.STREET_ADMIN, is_active=True).first()
    created = len(services.generate_assignment_plans(actor=admin)) if admin else 0
    today = timezone.localdate()
    for grid_id, people in grid_inspectors.items():
        in_grid = [e for e in enterprises if e.grid_id == grid_id]
        picks = rng.sample(in_grid, min(3, len(in_grid)))
        if picks:
            created += len(services.plan_grid_round(actor=people[0], enterprises=picks, planned_date=today))
    _say(
        stdout,
        f"检查记录 {len(inspections)} 条（不合格项 {sum(i.failed_count for i in inspections)} 个），本周检查计划 {created} 条。",
    )
    return {"inspections": len(inspections), "plans": created}
