"""API /api/v1/: scope per role (404 on foreign ids), writes through services, error format, no secrets."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from anjian.core.models import AuditEntry
from anjian.org import services
from anjian.org.models import Assignment, User
from anjian.org.tests.conftest import jpeg

GOOD = "Qiang-mima-2026!"


def api(user: Any) -> APIClient:
    c = APIClient()
    c.force_authenticate(user)
    return c


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
        actor=world.cadre, data={"date": timezone.localdate(), "enterprise": world.ent_a1.pk, "notes": "走访"}
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


def test_anonymous_refused(world: Any) -> None:
    r = APIClient().get("/api/v1/communities/")
    assert r.status_code in (401, 403) and r.json()["error"]["code"] == "not_authenticated"


def test_communities_scope_and_counts(world: Any) -> None:
    r = api(world.admin).get("/api/v1/communities/")
    assert r.status_code == 200
    rows = {row["code"]: row for row in r.json()["results"]}
    assert rows["C01"]["grid_count"] == 2 and rows["C01"]["enterprise_count"] == 2
    r = api(world.worker_b).get("/api/v1/communities/")
    assert [row["code"] for row in r.json()["results"]] == ["C02"]
    assert api(world.worker_b).get(f"/api/v1/communities/{world.community_a.pk}/").status_code == 404


def test_community_write_street_admin_only(world: Any) -> None:
    url = f"/api/v1/communities/{world.community_a.pk}/"
    r = api(world.office).patch(url, {"phone": "0755-12345678"}, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "permission_denied"
    r = api(world.admin).patch(
        url, {"boundary": {"type": "Polygon", "coordinates": [[[1, 2]]]}}, format="json"
    )
    assert r.status_code == 400 and "boundary" in r.json()["error"]["fields"]
    r = api(world.admin).patch(url, {"phone": "0755-12345678"}, format="json")
    assert r.status_code == 200 and r.json()["phone"] == "0755-12345678"
    assert AuditEntry.objects.filter(object_type="org.community", source="api").exists()
    r = api(world.admin).post("/api/v1/communities/", {"name": "丙社区", "code": "C03"}, format="json")
    assert r.status_code == 201 and r.json()["grid_count"] == 0
    r = api(world.admin).post("/api/v1/communities/", {"name": "丙社区", "code": "C04"}, format="json")
    assert r.status_code == 400 and "name" in r.json()["error"]["fields"]
    assert api(world.admin).delete(url).status_code == 405


def test_grids_and_departments(world: Any) -> None:
    r = api(world.admin).post(
        "/api/v1/grids/",
        {"community": world.community_b.pk, "name": "乙二网格", "code": "C02-G02"},
        format="json",
    )
    assert r.status_code == 201
    r = api(world.inspector_a1).get("/api/v1/grids/")
    assert [g["code"] for g in r.json()["results"]] == ["C01-G01"]
    assert api(world.worker_a).get(f"/api/v1/grids/{world.grid_b1.pk}/").status_code == 404
    assert api(world.worker_a).get("/api/v1/departments/").json()["count"] == 0
    r = api(world.admin).post("/api/v1/departments/", {"name": "城建办", "code": "D09"}, format="json")
    assert r.status_code == 201


def test_users_never_expose_password(world: Any) -> None:
    r = api(world.admin).get("/api/v1/users/", {"page_size": 100})
    assert r.status_code == 200
    text = r.content.decode()
    assert "password" not in text and "pbkdf2" not in text and "md5$" not in text and "argon2" not in text
    assert "is_superuser" not in text


def test_users_scope(world: Any) -> None:
    names = {u["username"] for u in api(world.worker_a).get("/api/v1/users/").json()["results"]}
    assert "worker_a" in names and "inspector_a1" in names and "worker_b" not in names
    assert api(world.worker_a).get(f"/api/v1/users/{world.worker_b.pk}/").status_code == 404
    assert api(world.officer_a).get(f"/api/v1/users/{world.worker_a.pk}/").status_code == 404


def test_user_create_update_and_actions(world: Any) -> None:
    c = api(world.office)
    r = c.post(
        "/api/v1/users/",
        {"username": "w3", "name": "新社工", "role": "community_worker", "password": GOOD},
        format="json",
    )
    assert r.status_code == 400 and "community" in r.json()["error"]["fields"]
    r = c.post(
        "/api/v1/users/",
        {
            "username": "w3",
            "name": "新社工",
            "role": "community_worker",
            "community": world.community_a.pk,
            "password": "123",
        },
        format="json",
    )
    assert r.status_code == 400 and "password" in r.json()["error"]["fields"]
    r = c.post(
        "/api/v1/users/",
        {
            "username": "w3",
            "name": "新社工",
            "role": "community_worker",
            "community": world.community_a.pk,
            "password": GOOD,
        },
        format="json",
    )
    assert r.status_code == 201 and "password" not in r.json()
    pk = r.json()["id"]
    r = c.patch(f"/api/v1/users/{pk}/", {"phone": "13700137000"}, format="json")
    assert r.status_code == 200 and r.json()["phone"] == "13700137000"
    r = c.post(f"/api/v1/users/{pk}/deactivate/", {"reason": "调离"}, format="json")
    assert r.status_code == 200 and r.json()["is_active"] is False
    r = c.post(f"/api/v1/users/{pk}/reactivate/", {}, format="json")
    assert r.json()["is_active"] is True
    assert c.post(f"/api/v1/users/{pk}/password/", {"password": GOOD}, format="json").status_code == 204
    assert User.objects.get(pk=pk).check_password(GOOD)
    r = c.post(
        "/api/v1/users/",
        {"username": "boss2", "name": "x", "role": "street_admin", "password": GOOD},
        format="json",
    )
    assert r.status_code == 403
    r = api(world.worker_a).post(
        "/api/v1/users/",
        {
            "username": "w4",
            "name": "x",
            "role": "community_worker",
            "community": world.community_a.pk,
            "password": GOOD,
        },
        format="json",
    )
    assert r.status_code == 403


def test_assignments_api(world: Any, plating: Any) -> None:
    ents = plating(2)
    body = {"person": world.cadre.pk, "kind": "enterprise", "enterprises": [e.pk for e in ents]}
    r = api(world.office).post("/api/v1/assignments/", body, format="json")
    assert r.status_code == 409 and r.json()["error"]["code"] == "out_of_range"
    r = api(world.office).post(
        "/api/v1/assignments/",
        {**body, "confirm_out_of_range": True, "out_of_range_note": "x"},
        format="json",
    )
    assert r.status_code == 403
    r = api(world.admin).post(
        "/api/v1/assignments/",
        {**body, "confirm_out_of_range": True, "out_of_range_note": "过渡"},
        format="json",
    )
    assert r.status_code == 201 and len(r.json()) == 2
    a = r.json()[0]["id"]
    r = api(world.office).post(
        "/api/v1/assignments/",
        {"person": world.liaison.pk, "kind": "enterprise", "enterprises": [ents[0].pk]},
        format="json",
    )
    assert r.status_code == 400 and "person" in r.json()["error"]["fields"]
    r = api(world.admin).post(
        f"/api/v1/assignments/{a}/end/",
        {
            "end_date": timezone.localdate().isoformat(),
            "reason": "调整",
            "confirm_out_of_range": True,
            "out_of_range_note": "ok",
        },
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "ended"
    r = api(world.admin).post(
        f"/api/v1/assignments/{a}/end/",
        {"end_date": timezone.localdate().isoformat(), "reason": "again"},
        format="json",
    )
    assert r.status_code == 409
    assert api(world.worker_b).get(f"/api/v1/assignments/{a}/").status_code == 404
    r = api(world.worker_b).post(f"/api/v1/assignments/{a}/void/", {"reason": "x"}, format="json")
    assert r.status_code == 404
    assert api(world.admin).get("/api/v1/assignments/", {"status": "ended"}).json()["count"] == 1


def test_visits_api_multipart_and_scope(world: Any, setup: Any) -> None:
    c = api(world.cadre)
    r = c.post(
        "/api/v1/visits/",
        {
            "date": timezone.localdate().isoformat(),
            "enterprise": world.ent_a1.pk,
            "notes": "复查",
            "photos": [jpeg("a.jpg"), jpeg("b.jpg")],
        },
        format="multipart",
    )
    assert r.status_code == 201, r.content
    assert len(r.json()["photos"]) == 2 and r.json()["photos"][0]["url"].startswith("/files/")
    future = (timezone.localdate() + dt.timedelta(days=2)).isoformat()
    r = c.post(
        "/api/v1/visits/", {"date": future, "enterprise": world.ent_a1.pk, "notes": "x"}, format="json"
    )
    assert r.status_code == 400 and "不能晚于今天" in r.json()["error"]["message"]
    r = c.post(
        "/api/v1/visits/",
        {"date": timezone.localdate().isoformat(), "enterprise": world.ent_b1.pk, "notes": "x"},
        format="json",
    )
    assert r.status_code == 400
    assert api(world.worker_b).get(f"/api/v1/visits/{setup['visit'].pk}/").status_code == 404
    assert api(world.worker_b).get("/api/v1/visits/").json()["count"] == 0
    r = api(world.worker_a).get("/api/v1/visits/", {"person": world.cadre.pk})
    assert r.json()["count"] == 2
    r = c.post(f"/api/v1/visits/{setup['visit'].pk}/void/", {"reason": "重复"}, format="json")
    assert r.status_code == 200 and r.json()["voided_at"]
    assert api(world.admin).get("/api/v1/visits/").json()["count"] == 1
    assert api(world.admin).get("/api/v1/visits/", {"include_voided": "true"}).json()["count"] == 2


def test_meetings_and_decisions_api(world: Any, setup: Any) -> None:
    c = api(world.liaison)
    today = timezone.localdate().isoformat()
    body = {
        "community": world.community_a.pk,
        "date": today,
        "title": "五月例会",
        "participants": "x",
        "minutes": "y",
        "decisions": [{"text": "a", "owner_name": "张三", "due_date": "2000-01-01"}],
    }
    r = c.post("/api/v1/meetings/", body, format="json")
    assert r.status_code == 400 and "不能早于会议日期" in r.json()["error"]["message"]
    body["decisions"][0]["due_date"] = today
    r = c.post("/api/v1/meetings/", body, format="json")
    assert r.status_code == 201 and r.json()["decisions"][0]["owner_display"] == "张三"
    d = r.json()["decisions"][0]["id"]
    assert api(world.worker_b).get(f"/api/v1/decisions/{d}/").status_code == 404
    assert api(world.worker_b).get(f"/api/v1/meetings/{setup['meeting'].pk}/").status_code == 404
    r = c.post(f"/api/v1/decisions/{d}/done/", {"note": "完成"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "done"
    assert api(world.admin).get("/api/v1/decisions/", {"status": "open"}).json()["count"] == 1


def test_coverage_api(world: Any, setup: Any) -> None:
    r = api(world.admin).get("/api/v1/coverage/", {"weeks": 8})
    assert r.status_code == 200
    data = r.json()
    assert len(data["weeks"]) == 8 and data["weeks"][-1]["current"] is True
    names = {row["name"] for row in data["rows"]}
    assert names == {world.cadre.name, world.liaison.name}
    cadre = next(row for row in data["rows"] if row["name"] == world.cadre.name)
    assert cadre["weeks"][-1] == {"due": 3, "done": 1, "status": "progress"}
    assert api(world.admin).get("/api/v1/coverage/", {"weeks": 0}).status_code == 400
    assert api(world.admin).get("/api/v1/coverage/", {"weeks": "x"}).status_code == 400
    assert api(world.inspector_a1).get("/api/v1/coverage/").status_code == 403
    assert api(world.worker_b).get("/api/v1/coverage/").json()["rows"] == []


def test_list_query_budget(world: Any, setup: Any, django_assert_max_num_queries: Any) -> None:
    for e in setup["ents"]:
        services.record_visit(
            actor=world.cadre,
            data={"date": timezone.localdate(), "enterprise": e.pk, "notes": "x"},
            photos=[jpeg()],
        )
    c = api(world.admin)
    for url in [
        "/api/v1/communities/",
        "/api/v1/users/",
        "/api/v1/assignments/",
        "/api/v1/visits/",
        "/api/v1/meetings/",
        "/api/v1/decisions/",
    ]:
        with django_assert_max_num_queries(8):
            assert c.get(url).status_code == 200, url
    assert Assignment.objects.count() == 4
