"""Pages and API of the risk register: each role's scope (404 on foreign ids), forms with bad input,
the printable board, the map data, the override action, and query budgets."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from anjian.core.models import AuditEntry
from anjian.risks.models import RiskAssessment, RiskPoint

from .conftest import LEC_FOR, MEASURES, today

pytestmark = pytest.mark.django_db


def post_point(world: Any, user: Any, ent: Any, **over: Any) -> Any:
    data = {
        "name": "喷漆房",
        "kind": "place",
        "hazard_factors": "有机溶剂蒸气",
        "accident_types": ["fire", "other_explosion"],
        "measures_engineering": "防爆电气\n局部排风",
        "measures_emergency": "配备灭火器",
        "control_level": "street",
        "responsible_name": "李四",
        "review_date": (today() + dt.timedelta(days=300)).isoformat(),
        "method": "lec",
        "lec_l": "3",
        "lec_e": "6",
        "lec_c": "15",
        "assessed_on": today().isoformat(),
    }
    data.update(over)
    return world.client(user).post(f"/risks/enterprises/{ent.pk}/points/new/", data)


def test_register_point_from_the_page(world: Any) -> None:
    r = post_point(world, world.worker_a, world.ent_a1)
    assert r.status_code == 302
    p = RiskPoint.objects.get()
    assert (p.level, p.control_level, p.enterprise) == ("orange", "street", world.ent_a1)
    assert p.measures == [
        {"type": "engineering", "text": "防爆电气"},
        {"type": "engineering", "text": "局部排风"},
        {"type": "emergency", "text": "配备灭火器"},
    ]


def test_page_rejects_bad_values_with_clear_messages(world: Any) -> None:
    r = post_point(world, world.worker_a, world.ent_a1, lec_l="2", control_level="community")
    assert r.status_code == 400
    html = r.content.decode()
    assert "L只能取以下值之一：10、6、3、1、0.5、0.2、0.1。" in html
    r = post_point(world, world.worker_a, world.ent_a1, control_level="community")
    assert r.status_code == 400 and "必须由街道管控" in r.content.decode()
    r = post_point(world, world.worker_a, world.ent_a1, method="ls", ls_l="", ls_s="3")
    assert r.status_code == 400 and "1、2、3、4、5" in r.content.decode()
    assert not RiskPoint.objects.exists()


def test_reassess_page_keeps_history(world: Any, make_point: Any) -> None:
    p = make_point(level="yellow")
    c = world.client(world.worker_a)
    r = c.post(
        f"/risks/points/{p.pk}/reassess/",
        {
            "method": "ls",
            "ls_l": "2",
            "ls_s": "1",
            "control_level": "enterprise",
            "review_date": (today() + dt.timedelta(days=90)).isoformat(),
        },
    )
    assert r.status_code == 302
    p.refresh_from_db()
    assert p.level == "blue" and p.assessments.count() == 2
    page = c.get(f"/risks/points/{p.pk}/").content.decode()
    assert "R = 2 × 1 = 2" in page and "D = 3 × 6 × 7 = 126" in page


@pytest.mark.parametrize(
    "path",
    [
        "/risks/points/{p}/",
        "/risks/points/{p}/edit/",
        "/risks/points/{p}/reassess/",
        "/risks/points/{p}/void/",
        "/risks/enterprises/{e}/",
        "/risks/enterprises/{e}/board/",
        "/risks/enterprises/{e}/templates/",
        "/risks/enterprises/{e}/points/new/",
    ],
)
@pytest.mark.parametrize("who", ["worker_b", "inspector_b1", "officer_b"])
def test_foreign_ids_answer_404(world: Any, make_point: Any, path: str, who: str) -> None:
    p = make_point()
    r = world.client(getattr(world, who)).get(path.format(p=p.pk, e=world.ent_a1.pk))
    assert r.status_code == 404


def test_api_foreign_ids_answer_404(world: Any, make_point: Any) -> None:
    p = make_point()
    c = world.client(world.worker_b)
    assert c.get(f"/api/v1/risk-points/{p.pk}/").status_code == 404
    assert (
        c.post(
            f"/api/v1/risk-points/{p.pk}/void/", {"reason": "越权"}, content_type="application/json"
        ).status_code
        == 404
    )
    assert c.get(f"/api/v1/risk-levels/{world.ent_a1.pk}/").status_code == 404
    assert c.get("/api/v1/risk-points/").json()["count"] == 0
    assert world.client(world.officer_a).get("/api/v1/risk-points/").json()["count"] == 1


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("admin", 200),
        ("cadre", 200),
        ("worker_a", 200),
        ("inspector_a1", 200),
        ("officer_a", 200),
        ("tip_officer", 403),
    ],
)
def test_register_pages_by_role(world: Any, make_point: Any, who: str, status: int) -> None:
    make_point(level="red")
    c = world.client(getattr(world, who))
    for path in (
        "/risks/",
        "/risks/levels/",
        f"/risks/enterprises/{world.ent_a1.pk}/",
        f"/risks/enterprises/{world.ent_a1.pk}/board/",
        "/risks/settings/",
    ):
        assert c.get(path).status_code == status, path


def test_board_is_printable_and_complete(world: Any, make_point: Any) -> None:
    make_point(level="red", name="污水池清理作业", accident_types=["poisoning", "drowning"])
    html = world.client(world.officer_a).get(f"/risks/enterprises/{world.ent_a1.pk}/board/").content.decode()
    for text in (
        "安全风险告知卡",
        "污水池清理作业",
        "重大风险",
        "中毒和窒息",
        "淹溺",
        "工程技术",
        "119",
        "120",
        "12350",
        "board.js",
    ):
        assert text in html
    assert "@media print" in Path("anjian/risks/static/risks/risks.css").read_text(encoding="utf-8")


def test_templates_page_adds_points(world: Any) -> None:
    from anjian.risks.models import RiskTemplate

    ids = list(RiskTemplate.objects.filter(category__code="electroplating").values_list("pk", flat=True))
    c = world.client(world.inspector_a1)
    assert (
        "氰化物储存与氰化镀槽" in c.get(f"/risks/enterprises/{world.ent_a1.pk}/templates/").content.decode()
    )
    r = c.post(
        f"/risks/enterprises/{world.ent_a1.pk}/templates/", {"templates": ids, "responsible_name": "王五"}
    )
    assert r.status_code == 302
    assert RiskPoint.objects.filter(enterprise=world.ent_a1).count() == len(ids)
    r = c.post(
        f"/risks/enterprises/{world.ent_a1.pk}/templates/", {"templates": [], "responsible_name": "王五"}
    )
    assert r.status_code == 400 and "请至少选择一个风险点模板" in r.content.decode()


def test_override_page_and_api(world: Any, make_point: Any) -> None:
    make_point(level="blue")
    assert (
        world.client(world.worker_a).get(f"/risks/enterprises/{world.ent_a1.pk}/override/").status_code == 403
    )
    c = world.client(world.office)
    r = c.post(f"/risks/enterprises/{world.ent_a1.pk}/override/", {"level": "red", "reason": ""})
    assert r.status_code == 400
    r = c.post(
        f"/risks/enterprises/{world.ent_a1.pk}/override/",
        {"level": "red", "reason": "群众多次举报夜间违规作业"},
    )
    assert r.status_code == 302
    api = c.get(f"/api/v1/risk-levels/{world.ent_a1.pk}/").json()
    assert (api["level"], api["computed_level"], api["override_reason"]) == (
        "red",
        "blue",
        "群众多次举报夜间违规作业",
    )
    r = c.post(
        f"/api/v1/risk-levels/{world.ent_a1.pk}/clear-override/",
        {"reason": "复核后恢复"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["level"] == "blue"
    r = c.post(
        f"/api/v1/risk-levels/{world.ent_a2.pk}/override/",
        {"level": "yellow", "reason": "新建企业先行定级"},
        content_type="application/json",
    )
    assert r.status_code == 200 and r.json()["level"] == "yellow"  # an enterprise without points yet
    assert AuditEntry.objects.filter(action="risk_level_override").count() == 2


def test_api_create_reassess_void(world: Any) -> None:
    c = world.client(world.worker_a)
    payload = {
        "enterprise": world.ent_a2.pk,
        "name": "燃气灶具",
        "kind": "equipment",
        "hazard_factors": "燃气泄漏",
        "accident_types": ["other_explosion", "fire"],
        "measures": MEASURES,
        "control_level": "street",
        "responsible_name": "刘店长",
        "review_date": (today() + dt.timedelta(days=200)).isoformat(),
        "assessment": {"method": "lec", **LEC_FOR["orange"]},
    }
    r = c.post("/api/v1/risk-points/", payload, content_type="application/json")
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["level"] == "orange" and body["current_assessment"]["formula"] == "D = 3 × 6 × 15 = 270"
    pk = body["id"]
    bad = {**payload, "assessment": {"method": "lec", "likelihood": 0.3, "exposure": 6, "consequence": 15}}
    r = c.post("/api/v1/risk-points/", bad, content_type="application/json")
    assert r.status_code == 400
    err = r.json()["error"]
    assert "10、6、3、1、0.5、0.2、0.1" in err["fields"]["likelihood"][0]
    r = c.post(
        f"/api/v1/risk-points/{pk}/reassess/",
        {"method": "ls", "likelihood": 1, "severity": 3, "control_level": "enterprise"},
        content_type="application/json",
    )
    assert r.status_code == 201 and r.json()["level"] == "blue"
    assert len(c.get(f"/api/v1/risk-points/{pk}/assessments/").json()) == 2
    assert c.get(f"/api/v1/risk-assessments/?point={pk}").json()["count"] == 2
    r = c.patch(f"/api/v1/risk-points/{pk}/", {"responsible_name": "新店长"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["responsible_name"] == "新店长"
    assert c.delete(f"/api/v1/risk-points/{pk}/").status_code == 405
    r = c.post(f"/api/v1/risk-points/{pk}/void/", {"reason": "设备已拆除"}, content_type="application/json")
    assert r.status_code == 200 and r.json()["void_reason"] == "设备已拆除"
    assert RiskAssessment.objects.filter(point_id=pk).count() == 2


def test_api_templates_and_from_templates(world: Any) -> None:
    c = world.client(world.office)
    templates = c.get("/api/v1/risk-templates/?page_size=100").json()["results"]
    ids = [t["id"] for t in templates if t["category_code"] == "gas_catering"]
    r = c.post(
        "/api/v1/risk-points/from-templates/",
        {"enterprise": world.ent_a2.pk, "templates": ids, "responsible_name": "刘店长"},
        content_type="application/json",
    )
    assert r.status_code == 201 and len(r.json()) == len(ids)
    assert len(c.get("/api/v1/risk-bands/").json()) == 9


def test_map_data_and_page(world: Any, make_point: Any, django_assert_max_num_queries: Any) -> None:
    make_point(level="red")
    make_point(enterprise=world.ent_a2, level="yellow")
    c = world.client(world.worker_a)
    assert c.get("/risks/map/").status_code == 200
    with django_assert_max_num_queries(12):
        data = c.get("/risks/map/data/").json()
    rows = {r[0]: r for r in data["enterprises"]}
    assert rows[world.ent_a1.pk][5] == "red" and rows[world.ent_a2.pk][5] == "yellow"
    assert world.ent_b1.pk not in rows  # other community
    assert [x["id"] for x in data["communities"]] == [world.community_a.pk]
    assert data["communities"][0]["highest"] == "red"
    assert data["communities"][0]["weighted"] == "orange"  # mean of 4 and 2
    api = c.get("/api/v1/risk-map/").json()
    assert len(api["enterprises"]) == 2
    assert world.client(world.officer_a).get("/risks/map/").status_code == 403


def test_list_pages_keep_a_fixed_query_count(
    world: Any, make_point: Any, django_assert_max_num_queries: Any
) -> None:
    for level in ("red", "orange", "yellow", "blue", "blue", "yellow"):
        make_point(level=level)
    c = world.client(world.office)
    with django_assert_max_num_queries(20):
        assert c.get("/risks/").status_code == 200
    with django_assert_max_num_queries(20):
        assert c.get("/risks/levels/").status_code == 200
    with django_assert_max_num_queries(20):
        assert c.get("/api/v1/risk-points/").status_code == 200


def test_levels_counts_by_level_and_community(world: Any, make_point: Any) -> None:
    from anjian.risks import selectors

    make_point(level="red")
    make_point(enterprise=world.ent_b1, level="blue")
    counts = selectors.level_counts(world.office)
    assert (counts["red"], counts["blue"], counts["none"], counts["total"]) == (1, 1, 1, 3)
    rows = {r["community"].pk: r for r in selectors.community_rows(world.office)}
    assert (
        rows[world.community_a.pk]["counts"]["red"] == 1 and rows[world.community_a.pk]["counts"]["none"] == 1
    )
    assert rows[world.community_b.pk]["highest"] == "blue"
    assert selectors.level_counts(world.worker_b)["total"] == 1


def test_backtest_page_office_only(world: Any) -> None:
    assert world.client(world.worker_a).get("/risks/backtest/").status_code == 403
    c = world.client(world.office)
    assert c.get("/risks/backtest/").status_code == 200
    r = c.post("/risks/backtest/", {"period_days": "7"})
    assert r.status_code == 302
    assert "没有可回放的检查记录" in c.get("/risks/backtest/").content.decode()


def test_settings_edit_for_admin_only(world: Any) -> None:
    from anjian.risks.models import PriorityWeight, RiskBand

    band = RiskBand.objects.get(method="ls", level="red")
    assert world.client(world.office).get(f"/risks/settings/bands/{band.pk}/").status_code == 403
    c = world.client(world.admin)
    r = c.post(
        f"/risks/settings/bands/{band.pk}/",
        {"lower_bound": "16", "level": "red", "grade": "重大风险", "action": ""},
    )
    assert r.status_code == 302
    html = c.get("/risks/settings/").content.decode()
    assert "R ≥ 16" in html and "9 ≤ R &lt; 16" in html
    w = PriorityWeight.objects.get(key="tips")
    r = c.post(f"/risks/settings/weights/{w.pk}/", {"points": "5", "cap": "", "window_days": ""})
    assert r.status_code == 400 and "需要统计天数" in r.content.decode()
