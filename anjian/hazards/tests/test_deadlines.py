"""Reminders, overdue flags and the escalation chain, run with a controlled clock (idempotent jobs)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from anjian.hazards import deadlines, services
from anjian.hazards.choices import HazardEventType
from anjian.hazards.models import HazardEvent
from anjian.hazards.tests.conftest import SIX_PARTS, photo
from anjian.notifications.models import Delivery, Notification


@pytest.fixture(autouse=True)
def _ladder(settings):
    settings.HAZARD_REMINDER_DAYS = 3
    settings.HAZARD_ESCALATE_GRID_DAYS = 1
    settings.HAZARD_ESCALATE_COMMUNITY_DAYS = 3
    settings.HAZARD_ESCALATE_OFFICE_DAYS = 7


def run(day):
    now = timezone.make_aware(dt.datetime.combine(day, dt.time(8, 30)))
    return deadlines.run_daily(today=day, now=now)


def titles(user):
    return list(
        Notification.objects.filter(recipient=user, category="hazard").values_list("title", flat=True)
    )


def test_reminders_three_days_before_and_on_the_day(world, make_hazard):
    h = make_hazard()
    d = h.current_deadline
    assert run(d - dt.timedelta(days=4))["reminders"] == 0
    assert run(d - dt.timedelta(days=3))["reminders"] == 1
    assert run(d - dt.timedelta(days=3))["reminders"] == 0  # idempotent
    assert any("还有 3 天" in t for t in titles(world.officer_a))
    assert run(d)["reminders"] == 1
    assert any("今天到期" in t for t in titles(world.officer_a))
    assert h.events.filter(type=HazardEventType.REMINDER).count() == 2


def test_overdue_is_flagged_once_and_escalated_step_by_step(world, make_hazard):
    h = make_hazard()
    d = h.current_deadline
    result = run(d)
    assert result["overdue"] == 0 and result["escalations"] == 0
    result = run(d + dt.timedelta(days=1))
    assert result["overdue"] == 1 and result["escalations"] == 1  # grid inspector
    assert any("已逾期" in t for t in titles(world.officer_a))
    assert any("逾期 1 天" in t for t in titles(world.inspector_a1))
    assert titles(world.worker_a) == [] or not any("逾期" in t for t in titles(world.worker_a))
    assert run(d + dt.timedelta(days=2)) == {
        "reminders": 0,
        "overdue": 0,
        "escalations": 0,
        "progress_reminders": 0,
    }
    assert run(d + dt.timedelta(days=3))["escalations"] == 1  # community
    assert any("逾期 3 天" in t for t in titles(world.worker_a))
    assert not any("逾期" in t for t in titles(world.office))
    assert run(d + dt.timedelta(days=7))["escalations"] == 1  # street office
    assert any("逾期 7 天" in t for t in titles(world.office)) and any(
        "逾期 7 天" in t for t in titles(world.admin)
    )
    assert run(d + dt.timedelta(days=8))["escalations"] == 0
    assert not any("逾期" in t for t in titles(world.worker_b))  # other community never hears
    steps = [e.params["step"] for e in h.events.filter(type=HazardEventType.ESCALATED).order_by("at")]
    assert steps == ["grid", "community", "office"]


def test_a_job_that_missed_days_catches_up_all_due_steps(world, make_hazard):
    h = make_hazard()
    assert run(h.current_deadline + dt.timedelta(days=10))["escalations"] == 3


def test_outside_channels_are_logged_for_escalations(world, make_hazard, django_capture_on_commit_callbacks):
    h = make_hazard()
    with django_capture_on_commit_callbacks(execute=True):
        run(h.current_deadline + dt.timedelta(days=1))
    # no channel configured in tests: every attempt is logged as skipped, none lost
    assert Delivery.objects.filter(channel="sms", status="skipped").exists()
    assert Delivery.objects.filter(channel="wecom", status="skipped").exists()


def test_approved_extension_starts_a_new_cycle(world, make_hazard):
    h = make_hazard()
    d = h.current_deadline
    run(d + dt.timedelta(days=1))
    ext = services.request_extension(
        h, actor=world.officer_a, requested_deadline=d + dt.timedelta(days=20), reason="等待配件"
    )
    services.decide_extension(ext, actor=world.worker_a, approve=True)
    assert run(d + dt.timedelta(days=2))["overdue"] == 0
    assert run(d + dt.timedelta(days=21))["overdue"] == 1


def test_finished_hazards_are_left_alone(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[photo()])
    assert run(h.current_deadline + dt.timedelta(days=10)) == {
        "reminders": 0,
        "overdue": 0,
        "escalations": 0,
        "progress_reminders": 0,
    }
    other = make_hazard(title="另一处")
    services.void_hazard(other, actor=world.office, reason="重复登记")
    assert run(other.current_deadline + dt.timedelta(days=10))["overdue"] == 0


def test_listed_hazard_progress_reports_are_reminded(world, make_hazard):
    h = make_hazard(actor=world.office, level="major", funds="10000")
    services.submit_governance_plan(h, actor=world.officer_a, data=SIX_PARTS)
    services.list_supervision(h, actor=world.office, supervising_unit="街道安委办", report_every_days=7)
    today = timezone.localdate()
    assert run(today + dt.timedelta(days=6))["progress_reminders"] == 0
    assert run(today + dt.timedelta(days=7))["progress_reminders"] == 1
    assert run(today + dt.timedelta(days=7))["progress_reminders"] == 0
    assert any("报送挂牌督办进展" in t for t in titles(world.officer_a))


def test_job_is_audited(world, make_hazard):
    from anjian.core.models import AuditEntry

    h = make_hazard()
    run(h.current_deadline + dt.timedelta(days=1))
    entry = AuditEntry.objects.get(action="hazard.deadline_job")
    assert entry.source == "job" and "overdue=1" in entry.note
    assert HazardEvent.objects.filter(hazard=h, type=HazardEventType.OVERDUE).count() == 1
