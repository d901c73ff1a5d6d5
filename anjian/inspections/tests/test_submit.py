"""Submitting a whole inspection: validation of each missing piece, one transaction, idempotent resend,
scope, and the visit recorded for assignment coverage."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from anjian.core.errors import ConflictError, PermissionDeniedError
from anjian.core.models import Attachment, AuditEntry
from anjian.inspections import services
from anjian.inspections.choices import InspectionEventType, PlanStatus
from anjian.inspections.models import Inspection, InspectionEvent, InspectionResult
from anjian.inspections.tests.helpers import files, jpeg_bytes, payload, signature_png, upload, version_of
from anjian.org.models import Assignment, Visit

pytestmark = pytest.mark.django_db


def _errors(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def test_submit_saves_everything(world: Any) -> None:
    v = version_of("electroplating")
    data = payload(v, enterprise=world.ent_a1, fail=(1, 5))
    inspection, created = services.submit_inspection(
        actor=world.inspector_a1, payload=data, files=files(v, photo_orders=(1,))
    )
    assert created
    assert (inspection.item_count, inspection.failed_count, inspection.passed_count) == (
        v.items.count(),
        2,
        v.items.count() - 2,
    )
    assert inspection.status == "submitted" and inspection.submitted_at is not None
    assert (inspection.lat, inspection.lng, inspection.accuracy) == (22.6001, 113.8502, 12.5)
    assert inspection.results.filter(outcome="fail").count() == 2
    failed = inspection.results.get(item__order=1)
    photos = Attachment.objects.filter(object_id=failed.pk, purpose="result_photo")
    assert photos.count() == 1 and photos.get().mime_type == "image/jpeg"
    sigs = set(
        Attachment.objects.filter(object_id=inspection.pk, purpose__startswith="signature_").values_list(
            "purpose", flat=True
        )
    )
    assert sigs == {"signature_inspector", "signature_enterprise"}
    assert AuditEntry.objects.filter(action="submit", object_id=str(inspection.pk)).exists()
    assert InspectionEvent.objects.filter(inspection=inspection, type=InspectionEventType.SUBMITTED).exists()
    # No assignment: no visit.
    assert inspection.visit is None


def test_resend_returns_the_same_inspection(world: Any) -> None:
    v = version_of()
    data = payload(v, enterprise=world.ent_a1)
    first, created1 = services.submit_inspection(actor=world.inspector_a1, payload=data, files=files())
    again, created2 = services.submit_inspection(actor=world.inspector_a1, payload=data, files=files())
    assert created1 and not created2 and first.pk == again.pk
    assert Inspection.objects.count() == 1 and InspectionResult.objects.count() == v.items.count()
    with pytest.raises(ConflictError):
        services.submit_inspection(actor=world.worker_a, payload=data, files=files())


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (lambda d, f: d["results"].pop(), "results", "未作答"),
        (lambda d, f: d["results"][0].update(note=""), "results", "不合格，请填写问题说明"),
        (lambda d, f: d["results"][1].update(outcome="maybe"), "results", "结果无效"),
        (lambda d, f: f.pop("signature_inspector"), "signature_inspector", "缺少检查人员签名"),
        (lambda d, f: f.pop("signature_enterprise"), "signature_enterprise", "缺少企业代表签名"),
        (
            lambda d, f: f.update(
                signature_enterprise=[upload("b.png", signature_png(blank=True), "image/png")]
            ),
            "signature_enterprise",
            "空白",
        ),
        (lambda d, f: d.update(representative_name=" "), "representative_name", "企业代表姓名"),
        (lambda d, f: d.update(lat=95.0), "lat", "纬度"),
        (lambda d, f: d.update(lng=None), "lat", "同时提供"),
        (lambda d, f: d.update(started_at="明天"), "started_at", "格式"),
        (
            lambda d, f: d.update(started_at=(timezone.now() + dt.timedelta(days=1)).isoformat()),
            "started_at",
            "晚于",
        ),
    ],
)
def test_each_missing_piece_is_refused_in_chinese(world: Any, change: Any, field: str, message: str) -> None:
    v = version_of()
    data = payload(v, enterprise=world.ent_a1, fail=(1,))
    f = files()
    change(data, f)
    with pytest.raises(ValidationError) as exc:
        services.submit_inspection(actor=world.inspector_a1, payload=data, files=f)
    errors = _errors(exc)
    assert field in errors and any(message in m for m in errors[field]), errors
    assert not Inspection.objects.exists()


def test_bad_photo_leaves_nothing_half_saved(world: Any) -> None:
    v = version_of()
    data = payload(v, enterprise=world.ent_a1, fail=(1, 10))
    f = files(v, photo_orders=(1,))
    last = v.items.get(order=10)
    f[f"photo_{last.pk}"] = [upload("fake.jpg", b"not an image at all", "image/jpeg")]
    with pytest.raises(ValidationError) as exc:
        services.submit_inspection(actor=world.inspector_a1, payload=data, files=f)
    assert "第 10 项第 1 张照片" in exc.value.message_dict["photos"][0]
    assert not Inspection.objects.exists() and not InspectionResult.objects.exists()
    assert not Attachment.objects.exists()


def test_photo_of_an_item_outside_the_version_and_unknown_items_are_refused(world: Any) -> None:
    v = version_of()
    other = version_of("gas_catering").items.order_by("order")[0]
    data = payload(v, enterprise=world.ent_a1)
    data["results"].append({"item": other.pk, "outcome": "pass"})
    f = files()
    f[f"photo_{other.pk}"] = [upload("p.jpg", jpeg_bytes())]
    with pytest.raises(ValidationError) as exc:
        services.submit_inspection(actor=world.inspector_a1, payload=data, files=f)
    assert "photos" in exc.value.message_dict and "results" in exc.value.message_dict


def test_enterprise_outside_scope_and_roles_without_the_capability(world: Any) -> None:
    v = version_of()
    with pytest.raises(ValidationError) as exc:
        services.submit_inspection(
            actor=world.inspector_b1, payload=payload(v, enterprise=world.ent_a1), files=files()
        )
    assert "不在您的管辖范围内" in exc.value.message_dict["enterprise"][0]
    with pytest.raises(PermissionDeniedError):
        services.submit_inspection(
            actor=world.officer_a, payload=payload(v, enterprise=world.ent_a1), files=files()
        )
    with pytest.raises(ValidationError):
        services.submit_inspection(actor=world.inspector_a1, payload={"client_uuid": "x"}, files=files())


def test_plan_inspection_completes_the_plan_and_a_cadre_visit_counts_for_coverage(world: Any) -> None:
    today = timezone.localdate()
    assignment = Assignment.objects.create(
        kind="enterprise",
        person=world.cadre,
        enterprise=world.ent_a1,
        community=world.community_a,
        department=world.department,
        start_date=today - dt.timedelta(days=30),
    )
    plans = services.generate_assignment_plans(actor=world.cadre)
    assert len(plans) == 1 and plans[0].assignment == assignment
    plan = plans[0]
    from anjian.org.coverage import coverage_summary

    assert coverage_summary(world.office)["visits_done_this_week"] == 0
    assert plan.template is not None
    v = plan.template.versions.get(is_current=True)
    assert plan.template.code == "electroplating"
    inspection, _ = services.submit_inspection(
        actor=world.cadre, payload=payload(v, plan=plan, fail=(2,)), files=files()
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.DONE
    visit = Visit.objects.get()
    assert (visit.assignment, visit.visitor, visit.enterprise, visit.date) == (
        assignment,
        world.cadre,
        world.ent_a1,
        today,
    )
    assert "不合格 1 项" in visit.notes and visit.issues_found.startswith("2.")
    assert inspection.visit == visit
    assert InspectionEvent.objects.filter(
        inspection=inspection, type=InspectionEventType.VISIT_RECORDED
    ).exists()
    from anjian.org.coverage import coverage_summary

    assert coverage_summary(world.office)["visits_done_this_week"] == 1
    # A plan cannot be done twice; someone who is not on the plan cannot do it.
    with pytest.raises(ConflictError):
        services.submit_inspection(actor=world.cadre, payload=payload(v, plan=plan), files=files())
    # Voiding the inspection voids the visit and reopens the plan.
    services.void_inspection(inspection, actor=world.office, reason="录入错误")
    visit.refresh_from_db()
    plan.refresh_from_db()
    assert visit.voided_at is not None and plan.status == PlanStatus.PLANNED


def test_someone_not_on_the_plan_cannot_submit_it(world: Any) -> None:
    plan = services.create_plan(
        actor=world.inspector_a1, data={"enterprise": world.ent_a1.pk, "planned_date": timezone.localdate()}
    )
    assert plan.template is not None
    v = plan.template.versions.get(is_current=True)
    with pytest.raises(PermissionDeniedError):
        services.submit_inspection(actor=world.worker_a, payload=payload(v, plan=plan), files=files())
    with pytest.raises(ValidationError):
        services.submit_inspection(actor=world.inspector_b1, payload=payload(v, plan=plan), files=files())
    with pytest.raises(ValidationError) as exc:
        services.submit_inspection(
            actor=world.inspector_a1, payload=payload(v, plan=plan, enterprise=world.ent_a2), files=files()
        )
    assert "不一致" in exc.value.message_dict["enterprise"][0]


def test_void_requires_office_and_a_reason(world: Any) -> None:
    v = version_of()
    inspection, _ = services.submit_inspection(
        actor=world.inspector_a1, payload=payload(v, enterprise=world.ent_a1), files=files()
    )
    with pytest.raises(PermissionDeniedError):
        services.void_inspection(inspection, actor=world.inspector_a1, reason="x")
    with pytest.raises(ValidationError):
        services.void_inspection(inspection, actor=world.office, reason=" ")
    with pytest.raises(Http404):
        services.void_inspection(inspection, actor=world.worker_b, reason="x")
    services.void_inspection(inspection, actor=world.office, reason="重复录入")
    inspection.refresh_from_db()
    assert inspection.status == "voided" and inspection.void_reason == "重复录入"
    with pytest.raises(ConflictError):
        services.void_inspection(inspection, actor=world.office, reason="again")


def test_client_uuid_is_unique_across_users(world: Any) -> None:
    v = version_of()
    shared = str(uuid.uuid4())
    services.submit_inspection(
        actor=world.inspector_a1,
        payload=payload(v, enterprise=world.ent_a1, client_uuid=shared),
        files=files(),
    )
    with pytest.raises(ConflictError):
        services.submit_inspection(
            actor=world.admin, payload=payload(v, enterprise=world.ent_a1, client_uuid=shared), files=files()
        )
