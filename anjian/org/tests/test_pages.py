"""Pages: each role sees its scope (404 on foreign ids), forms show Chinese errors and save through the
services, list pages keep a fixed number of queries."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from anjian.core.models import AuditEntry
from anjian.org import services
from anjian.org.models import Assignment, Meeting, User, Visit
from anjian.org.tests.conftest import jpeg

GOOD = "Qiang-mima-2026!"


@pytest.fixture
def setup(world: Any, plating: Any) -> dict[str, Any]:
    ents = [world.ent_a1, *plating(2)]
    ea = services.create_assignments(
        actor=world.office, person=world.cadre, kind="enterprise", enterprises=ents
    )
    (ca,) = services.create_assignments(
        actor=world.office, person=world.liaison, kind="community", communities=[world.community_a]
    )
    v = services.record_visit(
        actor=world.cadre,
        data={"date": timezone.localdate(), "enterprise": world.ent_a1.pk, "notes": "走访"},
        photos=[jpeg()],
    )
    m = services.record_meeting(
        actor=world.liaison,
        data={
            "community": world.community_a.pk,
            "date": timezone.localdate(),
            "title": "例会",
            "participants": "x",
            "minutes": "y",
        },
        decisions=[{"text": "整改", "owner": world.worker_a.pk, "due_date": timezone.localdate()}],
    )
    return {"ents": ents, "ea": ea, "ca": ca, "visit": v, "meeting": m}


PAGES = [
    "org:communities",
    "org:departments",
    "org:people",
    "org:assignments",
    "org:visits",
    "org:meetings",
    "org:coverage",
]


@pytest.mark.parametrize("name", PAGES)
def test_pages_render_for_street_admin(world: Any, setup: Any, name: str) -> None:
    r = world.client(world.admin).get(reverse(name))
    assert r.status_code == 200
    assert "安监" in r.content.decode()


def test_detail_pages_render(world: Any, setup: Any) -> None:
    c = world.client(world.admin)
    urls = [
        reverse("org:community", args=[world.community_a.pk]),
        reverse("org:person", args=[world.cadre.pk]),
        reverse("org:assignment", args=[setup["ea"][0].pk]),
        reverse("org:visit", args=[setup["visit"].pk]),
        reverse("org:meeting", args=[setup["meeting"].pk]),
        reverse("org:assignment_create") + "?kind=enterprise",
        reverse("org:assignment_create") + "?kind=community",
        reverse("org:visit_create"),
        reverse("org:meeting_create"),
        reverse("org:person_create"),
        reverse("org:community_edit", args=[world.community_a.pk]),
        reverse("org:grid_create", args=[world.community_a.pk]),
        reverse("org:assignment_end", args=[setup["ea"][0].pk]),
        reverse("org:assignment_void", args=[setup["ea"][0].pk]),
    ]
    for url in urls:
        assert c.get(url).status_code == 200, url


def test_visit_photo_served_to_scope_only(world: Any, setup: Any) -> None:
    from anjian.core.uploads import attachments_of

    photo = attachments_of(setup["visit"]).get()
    url = reverse("attachment", args=[photo.uuid])
    assert (
        url in world.client(world.cadre).get(reverse("org:visit", args=[setup["visit"].pk])).content.decode()
    )
    assert world.client(world.worker_a).get(url).status_code == 200
    assert world.client(world.worker_b).get(url).status_code == 404


def test_community_worker_scope(world: Any, setup: Any) -> None:
    c = world.client(world.worker_b)
    assert c.get(reverse("org:community", args=[world.community_a.pk])).status_code == 404
    assert c.get(reverse("org:person", args=[world.worker_a.pk])).status_code == 404
    assert c.get(reverse("org:assignment", args=[setup["ca"].pk])).status_code == 404
    assert c.get(reverse("org:visit", args=[setup["visit"].pk])).status_code == 404
    assert c.get(reverse("org:meeting", args=[setup["meeting"].pk])).status_code == 404
    people = c.get(reverse("org:people")).content.decode()
    assert "乙社区小刘" in people and "甲社区小陈" not in people
    listing = world.client(world.worker_a).get(reverse("org:visits")).content.decode()
    assert "甲一电镀有限公司" in listing
    assert "甲一电镀有限公司" not in c.get(reverse("org:visits")).content.decode()
    assert "处级干部老李" not in c.get(reverse("org:coverage")).content.decode()
    coverage_page = world.client(world.worker_a).get(reverse("org:coverage")).content.decode()
    assert "处级干部老李" in coverage_page
    assert reverse("org:person", args=[world.cadre.pk]) not in coverage_page  # would be a 404 for the worker


def test_forbidden_actions(world: Any, setup: Any) -> None:
    c = world.client(world.worker_a)
    assert c.get(reverse("org:person_create")).status_code == 403
    assert c.get(reverse("org:assignment_create")).status_code == 403
    assert c.get(reverse("org:community_edit", args=[world.community_a.pk])).status_code == 403
    assert (
        world.client(world.office).get(reverse("org:community_edit", args=[world.community_a.pk])).status_code
        == 403
    )
    assert (
        world.client(world.office).get(reverse("org:person_edit", args=[world.admin.pk])).status_code == 403
    )
    assert world.client(world.inspector_a1).get(reverse("org:coverage")).status_code == 403
    assert world.client(world.worker_a).get(reverse("org:departments")).status_code == 404


def test_create_person_page(world: Any) -> None:
    c = world.client(world.office)
    data = {
        "username": "gridder",
        "name": "新安格员",
        "phone": "13812345678",
        "role": "grid_inspector",
        "grid": world.grid_b1.pk,
        "password1": GOOD,
        "password2": GOOD,
    }
    r = c.post(reverse("org:person_create"), {**data, "password2": "other"})
    assert r.status_code == 400 and "两次输入的密码不一致" in r.content.decode()
    r = c.post(reverse("org:person_create"), {**data, "grid": "", "community": world.community_a.pk})
    assert r.status_code == 400 and "安格员必须选择负责网格" in r.content.decode()
    r = c.post(reverse("org:person_create"), {**data, "password1": "short", "password2": "short"})
    assert "密码太短" in r.content.decode()
    r = c.post(reverse("org:person_create"), data)
    p = User.objects.get(username="gridder")
    assert r.status_code == 302 and r["Location"] == reverse("org:person", args=[p.pk])
    assert p.community == world.community_b
    r = c.post(reverse("org:person_create"), {**data, "username": "boss", "role": "street_admin", "grid": ""})
    assert r.status_code == 400  # the office role is not even offered to office staff


def test_deactivate_person_page(world: Any) -> None:
    c = world.client(world.office)
    r = c.post(reverse("org:person_deactivate", args=[world.worker_a.pk]), {"reason": ""}, follow=True)
    assert "请填写停用原因" in r.content.decode()
    c.post(reverse("org:person_deactivate", args=[world.worker_a.pk]), {"reason": "调离"})
    world.worker_a.refresh_from_db()
    assert not world.worker_a.is_active
    c.post(reverse("org:person_reactivate", args=[world.worker_a.pk]))
    world.worker_a.refresh_from_db()
    assert world.worker_a.is_active
    assert (
        world.client(world.worker_b)
        .post(reverse("org:person_deactivate", args=[world.worker_a.pk]), {"reason": "x"})
        .status_code
        == 404
    )


def test_password_reset_page(world: Any) -> None:
    c = world.client(world.office)
    r = c.post(reverse("org:person_password", args=[world.cadre.pk]), {"password1": GOOD, "password2": GOOD})
    assert r.status_code == 302
    world.cadre.refresh_from_db()
    assert world.cadre.check_password(GOOD)


def test_assignment_page_range_warning_and_confirmation(world: Any, plating: Any) -> None:
    ents = plating(2)
    url = reverse("org:assignment_create") + "?kind=enterprise"
    data = {
        "person": world.cadre.pk,
        "start_date": timezone.localdate().isoformat(),
        "enterprises": [e.pk for e in ents],
        "category": "electroplating",
    }
    r = world.client(world.office).post(url, data)
    body = r.content.decode()
    assert r.status_code == 400 and "超出规定范围" in body and "需由街道应急办管理员确认" in body
    assert 'name="confirm_out_of_range"' not in body  # office staff cannot confirm
    r = world.client(world.admin).post(url, data)
    assert 'name="confirm_out_of_range"' in r.content.decode()
    r = world.client(world.admin).post(url, {**data, "confirm_out_of_range": "on", "out_of_range_note": ""})
    assert "确认超范围时请填写说明" in r.content.decode()
    r = world.client(world.admin).post(
        url, {**data, "confirm_out_of_range": "on", "out_of_range_note": "过渡期"}
    )
    assert r.status_code == 302
    assert (
        Assignment.objects.filter(out_of_range_confirmed_by=world.admin, out_of_range_note="过渡期").count()
        == 2
    )


def test_assignment_candidates_keep_chosen_and_filter(world: Any, plating: Any) -> None:
    ents = plating(3)
    c = world.client(world.office)
    r = c.get(reverse("org:assignment_candidates"), {"q": ents[1].name, "enterprises": [ents[0].pk]})
    body = r.content.decode()
    assert ents[0].name in body and ents[1].name in body and ents[2].name not in body
    assert (
        "甲二餐饮店" not in c.get(reverse("org:assignment_candidates")).content.decode()
    )  # default: electroplating
    assert "甲二餐饮店" in c.get(reverse("org:assignment_candidates"), {"category": ""}).content.decode()


def test_end_assignment_page(world: Any, setup: Any) -> None:
    a = setup["ea"][0]
    url = reverse("org:assignment_end", args=[a.pk])
    r = world.client(world.office).post(
        url, {"end_date": timezone.localdate().isoformat(), "reason": "企业搬迁"}
    )
    assert r.status_code == 400 and "超出规定范围" in r.content.decode()  # 3 → 2
    r = world.client(world.admin).post(
        url,
        {
            "end_date": timezone.localdate().isoformat(),
            "reason": "企业搬迁",
            "confirm_out_of_range": "on",
            "out_of_range_note": "另行补挂",
        },
    )
    assert r.status_code == 302
    a.refresh_from_db()
    assert a.status == "ended"


def test_visit_page_with_photos(world: Any, setup: Any) -> None:
    c = world.client(world.cadre)
    page = c.get(reverse("org:visit_create")).content.decode()
    assert 'capture="environment"' in page and 'accept="image/*"' in page and "multiple" in page
    assert "乙一五金厂" not in page  # not the cadre's assignment
    tomorrow = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    r = c.post(reverse("org:visit_create"), {"date": tomorrow, "enterprise": world.ent_a1.pk, "notes": "x"})
    assert r.status_code == 400 and "不能晚于今天" in r.content.decode()
    r = c.post(
        reverse("org:visit_create"),
        {
            "date": timezone.localdate().isoformat(),
            "enterprise": world.ent_a1.pk,
            "notes": "检查",
            "photos": [jpeg("1.jpg"), jpeg("2.jpg")],
        },
    )
    assert r.status_code == 302
    v = Visit.objects.latest("id")
    from anjian.core.uploads import attachments_of

    assert attachments_of(v).count() == 2
    assert AuditEntry.objects.filter(object_type="org.visit", object_id=str(v.pk), source="web").exists()


def test_meeting_page_with_decisions(world: Any, setup: Any) -> None:
    c = world.client(world.liaison)
    today = timezone.localdate().isoformat()
    data = {
        "community": world.community_a.pk,
        "date": today,
        "title": "四月例会",
        "participants": "社区、安格员",
        "minutes": "部署有限空间专项检查",
        "decisions-TOTAL_FORMS": "2",
        "decisions-INITIAL_FORMS": "0",
        "decisions-MIN_NUM_FORMS": "0",
        "decisions-MAX_NUM_FORMS": "30",
        "decisions-0-text": "排查有限空间台账",
        "decisions-0-owner": "",
        "decisions-0-owner_name": "",
        "decisions-0-due_date": today,
    }
    r = c.post(reverse("org:meeting_create"), data)
    assert r.status_code == 400 and "请选择责任人或填写责任人姓名" in r.content.decode()
    r = c.post(reverse("org:meeting_create"), {**data, "decisions-0-owner": world.worker_a.pk})
    assert r.status_code == 302
    m = Meeting.objects.get(title="四月例会")
    d = m.decisions.get()
    r = world.client(world.worker_a).post(reverse("org:decision_done", args=[d.pk]), {"note": "台账已建立"})
    assert r.status_code == 302
    d.refresh_from_db()
    assert d.status == "done"


def test_community_edit_page(world: Any) -> None:
    c = world.client(world.admin)
    url = reverse("org:community_edit", args=[world.community_a.pk])
    base = {"name": "甲社区", "code": "C01", "phone": "", "sort_order": 1}
    r = c.post(url, {**base, "boundary": '{"type": "Point", "coordinates": [1, 2]}'})
    assert r.status_code == 400 and "边界类型应为 Polygon 或 MultiPolygon" in r.content.decode()
    square = {
        "type": "Polygon",
        "coordinates": [[[113.84, 22.59], [113.86, 22.59], [113.86, 22.61], [113.84, 22.59]]],
    }
    r = c.post(url, {**base, "boundary": json.dumps(square)})
    assert r.status_code == 302
    page = c.get(reverse("org:community", args=[world.community_a.pk])).content.decode()
    assert 'id="community-map"' in page and "community-map-data" in page and "<script>" not in page


def test_list_query_counts(world: Any, setup: Any, plating: Any, django_assert_max_num_queries: Any) -> None:
    c = world.client(world.admin)
    for url, budget in [
        ("org:communities", 8),
        ("org:people", 10),
        ("org:assignments", 10),
        ("org:visits", 10),
        ("org:meetings", 10),
        ("org:coverage", 10),
    ]:
        with django_assert_max_num_queries(budget):
            assert c.get(reverse(url)).status_code == 200
    # more data, same number of queries
    more = plating(3, world.community_b)
    services.create_assignments(
        actor=world.admin, person=world.cadre, kind="enterprise", enterprises=more[:2]
    )
    for e in more[:2]:
        services.record_visit(
            actor=world.cadre, data={"date": timezone.localdate(), "enterprise": e.pk, "notes": "x"}
        )
    for url, budget in [("org:assignments", 10), ("org:visits", 10), ("org:coverage", 10)]:
        with django_assert_max_num_queries(budget):
            c.get(reverse(url))
