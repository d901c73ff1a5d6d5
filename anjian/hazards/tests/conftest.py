"""Helpers for hazard tests: photos made with Pillow and hazards registered through the services."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image


def photo(name: str = "photo.jpg", colour: str = "red") -> SimpleUploadedFile:
    buf = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(buf, format="JPEG")
    return SimpleUploadedFile(name, buf.getvalue(), content_type="image/jpeg")


def today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def make_hazard(world: Any) -> Any:
    from anjian.hazards import services

    def make(
        *,
        actor: Any = None,
        enterprise: Any = None,
        level: str = "general",
        deadline: dt.date | None = None,
        **data: Any,
    ) -> Any:
        values = {
            "title": "配电箱未上锁，线路裸露",
            "responsible_name": "王五",
            "responsible_phone": "13800138000",
            "measures": "更换配电箱门锁，整理线路并加装护套",
        }
        values.update(data)
        return services.create_hazard(
            actor=actor or world.inspector_a1,
            enterprise=enterprise or world.ent_a1,
            data=values,
            deadline=deadline or today() + dt.timedelta(days=10),
            level=level,
        )

    return make


SIX_PARTS = {
    "goals": "消除有限空间作业中毒窒息风险",
    "methods": "设置检测报警装置，完善审批制度",
    "funding": "安排资金 5 万元，购置检测仪和通风设备",
    "organisation": "由企业负责人牵头，安全科具体负责",
    "schedule": "30 日内完成，每周报送进展",
    "safety_measures": "治理期间停止进入作业，配备救援器材并演练",
}


@pytest.fixture
def failed_result(world: Any) -> Any:
    """A submitted inspection of 甲一电镀 with one failed item (major=True picks a 重大 ground item)."""
    from anjian.inspections.models import ChecklistItem, Inspection, InspectionResult

    def make(major: bool = False) -> Any:
        item = (
            ChecklistItem.objects.filter(major_hazard_ground=major, version__is_current=True)
            .select_related("version")
            .order_by("id")
            .first()
        )
        assert item is not None, "standard checklists are loaded by the inspections data migration"
        now = timezone.now()
        inspection = Inspection.objects.create(
            enterprise=world.ent_a1,
            checklist_version=item.version,
            inspector=world.inspector_a1,
            started_at=now,
            submitted_at=now,
            status="submitted",
            representative_name="张厂长",
            lat=22.6001,
            lng=113.8502,
        )
        return InspectionResult.objects.create(
            inspection=inspection, item=item, outcome="fail", note="现场发现该项不符合要求"
        )

    return make
