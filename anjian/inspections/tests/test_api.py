"""The inspections API: reads scoped per role (404 outside), whole-inspection submit (multipart and JSON
with data URLs, idempotent), plans with cancel and generation, checklist versions, schema."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.utils import timezone

from anjian.inspections import services
from anjian.inspections.models import Inspection
from anjian.inspections.tests.helpers import files, jpeg_bytes, payload, signature_png, version_of

pytestmark = pytest.mark.django_db


def _multipart(data: dict[str, Any], f: dict[str, list[Any]]) -> dict[str, Any]:
    body: dict[str, Any] = {"payload": json.dumps(data)}
    for key, uploads in f.items():
        body[key] = uploads if len(uploads) > 1 else uploads[0]
    return body


def test_submit_multipart_then_resend_is_idempotent(world: Any) -> None:
    v = version_of()
    data = payload(v, enterprise=world.ent_a1, fail=(2,))
    c = world.client(world.inspector_a1)
    resp = c.post("/api/v1/inspections/", _multipart(data, files(v, photo_orders=(2,))))
    assert resp.status_code == 201, resp.json()
    body = resp.json()
    assert body["failed_count"] == 1 and body["url"] == f"/inspections/{body['id']}/"
    again = c.post("/api/v1/inspections/", _multipart(data, files(v, photo_orders=(2,))))
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert Inspection.objects.count() == 1
    detail = c.get(f"/api/v1/inspections/{body['id']}/").json()
    failed = [r for r in detail["results"] if r["outcome"] == "fail"]
    assert len(failed) == 1 and len(failed[0]["photos"]) == 1 and failed[0]["legal_basis"]
    assert set(detail["signatures"]) == {"signature_inspector", "signature_enterprise"}


def test_submit_json_with_data_urls(world: Any) -> None:
    v = version_of("gas_catering")
    data = payload(v, enterprise=world.ent_a2, fail=(1,))
    png = "data:image/png;base64," + base64.b64encode(signature_png()).decode()
    data["signature_inspector"] = png
    data["signature_enterprise"] = png
    data["results"][0]["photos"] = ["data:image/jpeg;base64," + base64.b64encode(jpeg_bytes()).decode()]
    resp = world.client(world.worker_a).post("/api/v1/inspections/", data, content_type="application/json")
    assert resp.status_code == 201, resp.json()
    data["client_uuid"] = "00000000-0000-4000-8000-000000000001"
    data["signature_enterprise"] = "data:image/png;base64,!!!"
    resp = world.client(world.worker_a).post("/api/v1/inspections/", data, content_type="application/json")
    assert resp.status_code == 400 and "base64" in resp.json()["error"]["message"]


def test_submit_errors_are_json_in_chinese(world: Any) -> None:
    v = version_of()
    data = payload(v, enterprise=world.ent_a1)
    data["results"] = data["results"][:-1]
    f = files()
    f.pop("signature_enterprise")
    resp = world.client(world.inspector_a1).post("/api/v1/inspections/", _multipart(data, f))
    assert resp.status_code == 400
    err = resp.json()["error"]
    assert (
        "未作答" in " ".join(err["fields"]["results"])
        and "缺少企业代表签名。" in err["fields"]["signature_enterprise"]
    )
    resp = world.client(world.inspector_a1).post("/api/v1/inspections/", {"payload": "{not json"})
    assert resp.status_code == 400 and "JSON" in resp.json()["error"]["message"]
    resp = world.client(world.inspector_b1).post(
        "/api/v1/inspections/", _multipart(payload(v, enterprise=world.ent_a1), files())
    )
    assert resp.status_code == 400 and "管辖范围" in resp.json()["error"]["fields"]["enterprise"][0]
    resp = world.client(world.officer_a).post(
        "/api/v1/inspections/", _multipart(payload(v, enterprise=world.ent_a1), files())
    )
    assert resp.status_code == 403


@pytest.mark.parametrize(
    ("user", "visible"),
    [
        ("admin", True),
        ("cadre", True),
        ("worker_a", True),
        ("inspector_a1", True),
        ("officer_a", True),
        ("worker_b", False),
        ("inspector_b1", False),
        ("officer_b", False),
    ],
)
def test_reads_are_scoped(world: Any, user: str, visible: bool) -> None:
    v = version_of()
    inspection, _ = services.submit_inspection(
        actor=world.inspector_a1, payload=payload(v, enterprise=world.ent_a1, fail=(1,)), files=files()
    )
    plan = services.create_plan(
        actor=world.inspector_a1, data={"enterprise": world.ent_a1.pk, "planned_date": timezone.localdate()}
    )
    c = world.client(getattr(world, user))
    expected = 200 if visible else 404
    assert c.get(f"/api/v1/inspections/{inspection.pk}/").status_code == expected
    assert c.get(f"/api/v1/inspection-plans/{plan.pk}/").status_code == (
        expected if user != "officer_a" else 200
    )
    result = inspection.results.get(item__order=1)
    assert c.get(f"/api/v1/inspection-results/{result.pk}/").status_code == expected
    listed = c.get("/api/v1/inspections/").json()["results"]
    assert (inspection.pk in [r["id"] for r in listed]) is visible
    fails = c.get("/api/v1/inspection-results/", {"outcome": "fail"}).json()["results"]
    assert (result.pk in [r["id"] for r in fails]) is visible


def test_plans_api(world: Any) -> None:
    c = world.client(world.inspector_a1)
    today = timezone.localdate().isoformat()
    resp = c.post(
        "/api/v1/inspection-plans/",
        {"source": "grid_round", "enterprise": world.ent_a1.pk, "planned_date": today},
        content_type="application/json",
    )
    assert resp.status_code == 201, resp.json()
    pk = resp.json()["id"]
    resp = c.patch(
        f"/api/v1/inspection-plans/{pk}/", {"notes": "带上气体检测仪"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["notes"] == "带上气体检测仪"
    assert (
        c.post(f"/api/v1/inspection-plans/{pk}/cancel/", {}, content_type="application/json").status_code
        == 400
    )
    resp = c.post(
        f"/api/v1/inspection-plans/{pk}/cancel/", {"reason": "改期"}, content_type="application/json"
    )
    assert resp.status_code == 200 and resp.json()["status"] == "cancelled"
    assert (
        c.post(
            f"/api/v1/inspection-plans/{pk}/cancel/", {"reason": "again"}, content_type="application/json"
        ).status_code
        == 409
    )
    assert c.delete(f"/api/v1/inspection-plans/{pk}/").status_code == 405
    resp = c.post(
        "/api/v1/inspection-plans/",
        {"source": "joint", "enterprise": world.ent_a1.pk, "planned_date": today},
        content_type="application/json",
    )
    assert resp.status_code == 403
    resp = c.get("/api/v1/inspection-plans/", {"view": "mine", "status": "cancelled"})
    assert [p["id"] for p in resp.json()["results"]] == [pk]
    assert c.post("/api/v1/inspection-plans/generate/", {}, content_type="application/json").json() == []


def test_checklist_api_and_publishing(world: Any) -> None:
    c = world.client(world.inspector_a1)
    templates = c.get("/api/v1/checklists/").json()["results"]
    assert len(templates) >= 6 and all(t["current_version"] for t in templates)
    fire = next(t for t in templates if t["code"] == "fire_general")
    version = c.get(f"/api/v1/checklist-versions/{fire['current_version']}/").json()
    assert version["items"] and all(i["legal_basis"] for i in version["items"])
    body = {
        "change_note": "精简",
        "items": [{"text": "安全出口畅通", "legal_basis": "《消防法》第二十八条", "accident_type": "fire"}],
    }
    assert (
        c.post(
            f"/api/v1/checklists/{fire['id']}/versions/", body, content_type="application/json"
        ).status_code
        == 403
    )
    resp = world.client(world.office).post(
        f"/api/v1/checklists/{fire['id']}/versions/", body, content_type="application/json"
    )
    assert resp.status_code == 201 and resp.json()["version"] == 2 and len(resp.json()["items"]) == 1
    items = c.get("/api/v1/checklist-items/", {"version": resp.json()["id"]}).json()["results"]
    assert len(items) == 1


def test_schema_has_no_warnings_from_this_app(world: Any, capsys: Any) -> None:
    from django.core.management import call_command

    call_command("spectacular", "--validate", "--file", "/dev/null")
    err = capsys.readouterr().err
    assert "anjian/inspections" not in err, err
