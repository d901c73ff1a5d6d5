"""Pages: list with filters and counts (fixed queries), detail with only the allowed buttons, the action
pages on a phone, "my work" per role, ledgers and statistics — and 404 outside one's scope."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.utils import timezone
from openpyxl import load_workbook

from anjian.hazards import services
from anjian.hazards.choices import State
from anjian.hazards.models import Hazard
from anjian.hazards.tests.conftest import SIX_PARTS, photo, today


def test_list_filters_and_counts(world, make_hazard):
    h1 = make_hazard(title="配电箱未上锁")
    make_hazard(title="灭火器过期", category="fire")
    make_hazard(actor=world.inspector_b1, enterprise=world.ent_b1, title="乙社区隐患")
    services.start_rectification(h1, actor=world.officer_a)
    c = world.client(world.admin)
    page = c.get("/hazards/").content.decode()
    assert "配电箱未上锁" in page and "乙社区隐患" in page
    page = c.get("/hazards/", {"state": "rectifying"}).content.decode()
    assert "配电箱未上锁" in page and "灭火器过期" not in page
    page = c.get("/hazards/", {"category": "fire"}).content.decode()
    assert "灭火器过期" in page and "配电箱未上锁" not in page
    page = c.get("/hazards/", {"community": world.community_b.pk}).content.decode()
    assert "乙社区隐患" in page and "配电箱未上锁" not in page
    page = c.get("/hazards/", {"q": h1.code}).content.decode()
    assert "配电箱未上锁" in page and "灭火器过期" not in page
    page = c.get("/hazards/", {"q": "灭火器"}).content.decode()
    assert "灭火器过期" in page and "配电箱未上锁" not in page
    response = c.get("/hazards/", {"level": "nonsense", "page": "x"})
    assert response.status_code == 200


def test_list_overdue_filter(world, make_hazard):
    h = make_hazard(title="逾期隐患")
    Hazard.objects.filter(pk=h.pk).update(current_deadline=today() - dt.timedelta(days=2))
    make_hazard(title="按期隐患")
    page = world.client(world.admin).get("/hazards/", {"overdue": "true"}).content.decode()
    assert "逾期隐患" in page and "按期隐患" not in page and "逾期 2 天" in page


def test_list_is_scoped_per_role(world, make_hazard):
    make_hazard(title="甲一的隐患")
    make_hazard(actor=world.inspector_b1, enterprise=world.ent_b1, title="乙一的隐患")
    for user, sees_a, sees_b in (
        (world.worker_a, True, False),
        (world.inspector_a1, True, False),
        (world.officer_a, True, False),
        (world.officer_b, False, True),
        (world.cadre, True, True),
    ):
        page = world.client(user).get("/hazards/").content.decode()
        assert ("甲一的隐患" in page) is sees_a, user
        assert ("乙一的隐患" in page) is sees_b, user


LIST_URLS: list[dict[str, str]] = [
    {},
    {"page": "2"},
    {"state": "rectifying"},
    {"state": "closed", "page": "3"},
    {"overdue": "true"},
    {"state": "registered", "overdue": "false"},
    {"level": "major"},
    {"listed": "true"},
    {"category": "fire", "accident_type": "fire"},
    {"sort": "deadline", "state": "rectifying"},
    {"found_from": "2020-01-01", "found_to": "2099-12-31"},
    {"q": "YH-"},
    {"level": "nonsense", "page": "x"},  # (the API answers 400 to a wrong value)
]


def test_list_query_count_is_fixed(world, make_hazard, django_assert_num_queries):
    """Session, user, [PostgreSQL: the closed estimate], the grouped counts, the page (keys and rows in
    one statement), the communities, the inbox badge: the same whatever the filters, the page or the
    number of hazards (one less when there is no row to read). A text search adds its one
    enterprise-name lookup."""
    from django.db import connection
    from rest_framework.test import APIClient

    fixed = 7 if connection.vendor == "postgresql" else 6
    c = world.client(world.admin)
    api = APIClient()
    api.force_authenticate(world.admin)

    def check() -> None:
        for params in LIST_URLS:
            response = c.get("/hazards/", params)  # (warm-up: sessions, content types)
            expected = fixed if response.context["page_obj"].object_list else fixed - 1
            with django_assert_num_queries(expected):
                assert c.get("/hazards/", params).status_code == 200
            if "page" in params:
                continue
            # the API: no session, user, menu or badge
            with django_assert_num_queries(expected - 4):
                assert api.get("/api/v1/hazards/", {**params, "page_size": "5"}).status_code == 200
        with django_assert_num_queries(fixed + 1):
            c.get("/hazards/", {"q": "隐患", "page": "2"})

    for i in range(12):
        make_hazard(title=f"隐患{i}", category="fire" if i % 2 else "electrical")
    check()
    for i in range(40):
        h = make_hazard(title=f"更多隐患{i}", enterprise=world.ent_a2, actor=world.worker_a)
        if i % 3 == 0:
            services.start_rectification(h, actor=world.worker_a)
    check()


def test_list_totals_come_from_the_counts(world, make_hazard):
    """The list's own total is derived from the counts per state (no second COUNT): every combination
    of state and overdue gives the right number."""
    hs = [make_hazard(title=f"隐患{i}") for i in range(7)]
    for h in hs[:4]:
        services.start_rectification(h, actor=world.officer_a)
    late = today() - dt.timedelta(days=1)
    Hazard.objects.filter(pk__in=[hs[0].pk, hs[1].pk, hs[5].pk]).update(current_deadline=late)
    c = world.client(world.admin)
    for params, expected in (
        ({}, 7),
        ({"state": "rectifying"}, 4),
        ({"state": "registered"}, 3),
        ({"overdue": "true"}, 3),
        ({"overdue": "false"}, 4),
        ({"state": "rectifying", "overdue": "true"}, 2),
        ({"state": "rectifying", "overdue": "false"}, 2),
        ({"state": "registered", "overdue": "true"}, 1),
        ({"state": "closed"}, 0),
        ({"state": "nonsense"}, 7),  # an invalid choice is ignored, as by the list itself
    ):
        response = c.get("/hazards/", params)
        page = response.context["page_obj"]
        assert page.paginator.count == expected == len(page.object_list), params
    counts = c.get("/hazards/").context["counts"]
    assert (counts["registered"], counts["rectifying"], counts["overdue"], counts["total"]) == (3, 4, 3, 7)
    assert counts["estimated"] is False


def test_closed_hazards_are_estimated_above_the_limit_on_postgresql(world, make_hazard, settings):
    from django.db import connection

    settings.HAZARD_EXACT_COUNT_LIMIT = 0
    h = make_hazard(title="已整改")
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[photo()])
    services.verify(h, actor=world.inspector_a1, passed=True, note="合格")
    make_hazard(title="待整改")
    counts = world.client(world.admin).get("/hazards/").context["counts"]
    assert (counts["registered"], counts["overdue"]) == (1, 0)  # always exact
    if connection.vendor == "postgresql":
        assert counts["estimated"] is True  # the planner's guess, shown with "≈"
        assert counts["closed"] >= 0 and counts["total"] == counts["closed"] + 1
    else:
        assert counts["estimated"] is False and counts["closed"] == 1


def test_pages_are_bounded_and_keep_their_order(world, make_hazard, settings, monkeypatch):
    from anjian.hazards import views

    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    settings.HAZARD_EXACT_COUNT_LIMIT = 4  # only the first 4 rows can be paged through
    for i in range(7):
        make_hazard(title=f"期限{i}", deadline=today() + dt.timedelta(days=30 - i))
    c = world.client(world.admin)
    seen = []
    for n in (1, 2):
        page = c.get("/hazards/", {"sort": "deadline", "page": n}).context["page_obj"]
        seen += [h.title for h in page.object_list]
    assert seen == ["期限6", "期限5", "期限4", "期限3"]
    response = c.get("/hazards/", {"sort": "deadline", "page": 4})
    page = response.context["page_obj"]
    assert page.number == 2 and page.paginator.num_pages == 2 and page.paginator.truncated
    assert page.paginator.count == 7
    assert "只能翻阅前 4 条" in response.content.decode()
    data = APIClientFor(world.admin).get("/api/v1/hazards/", {"page_size": 2, "sort": "deadline"}).json()
    assert data["count"] == 7 and data["truncated"] is True and data["count_estimated"] is False
    assert APIClientFor(world.admin).get("/api/v1/hazards/", {"page_size": 2, "page": 3}).status_code == 404


def APIClientFor(user: Any) -> Any:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(user)
    return api


def test_detail_shows_only_allowed_buttons(world, make_hazard):
    h = make_hazard()
    page = world.client(world.officer_a).get(f"/hazards/{h.pk}/").content.decode()
    assert "开始整改" in page and "作废" not in page and "复查</a>" not in page
    page = world.client(world.inspector_a1).get(f"/hazards/{h.pk}/").content.decode()
    assert "开始整改" in page and "确认等级" not in page
    page = world.client(world.office).get(f"/hazards/{h.pk}/").content.decode()
    assert "确认等级" in page and "作废" in page
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[photo()])
    page = world.client(world.officer_a).get(f"/hazards/{h.pk}/").content.decode()
    assert f"hazards/{h.pk}/verify/" not in page
    page = world.client(world.inspector_a1).get(f"/hazards/{h.pk}/").content.decode()
    assert f"hazards/{h.pk}/verify/" in page and "已整改" in page


def test_foreign_hazard_pages_answer_404(world, make_hazard):
    h = make_hazard()
    for user in (world.officer_b, world.inspector_b1, world.worker_b):
        c = world.client(user)
        for url in ("", "start/", "submit/", "verify/", "void/", "extension/", "plan/"):
            assert c.get(f"/hazards/{h.pk}/{url}").status_code == 404, (user, url)
        assert c.post(f"/hazards/{h.pk}/start/", {}).status_code == 404


def test_register_page_creates_a_hazard_with_photos(world):
    c = world.client(world.inspector_a1)
    assert c.get("/hazards/new/").status_code == 200
    response = c.post(
        f"/hazards/new/?enterprise={world.ent_a1.pk}",
        {
            "enterprise": world.ent_a1.pk,
            "title": "酸雾吸收塔风机停运",
            "category": "equipment",
            "accident_type": "poisoning",
            "level": "general",
            "deadline": (today() + dt.timedelta(days=7)).isoformat(),
            "responsible_name": "赵六",
            "measures": "维修风机",
            "photos": [photo("a.jpg"), photo("b.jpg")],
        },
    )
    h = Hazard.objects.get(title="酸雾吸收塔风机停运")
    assert response.status_code == 302 and response["Location"] == f"/hazards/{h.pk}/"
    assert h.found_by == world.inspector_a1
    from anjian.core.uploads import attachments_of

    assert attachments_of(h).count() == 2


def test_register_page_rejects_bad_input_in_chinese(world):
    c = world.client(world.inspector_a1)
    response = c.post(
        f"/hazards/new/?enterprise={world.ent_a1.pk}",
        {
            "title": "x",
            "category": "site",
            "accident_type": "other",
            "level": "general",
            "deadline": (today() - dt.timedelta(days=3)).isoformat(),
            "responsible_phone": "123",
        },
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "整改期限不能早于发现日期" in body or "电话" in body
    assert not Hazard.objects.exists()
    assert c.get("/hazards/new/?enterprise=999999").status_code == 404
    assert c.get(f"/hazards/new/?enterprise={world.ent_b1.pk}").status_code == 404


def test_from_result_prefills_and_proposes_major(world, failed_result):
    result = failed_result(major=True)
    c = world.client(world.inspector_a1)
    page = c.get(f"/hazards/from-result/{result.pk}/").content.decode()
    assert result.item.text[:10] in page and "重大事故隐患判定依据" in page
    response = c.post(
        f"/hazards/from-result/{result.pk}/",
        {
            "title": result.item.text[:200],
            "category": result.item.hazard_category,
            "accident_type": result.item.accident_type,
            "level": "general",
            "deadline": (today() + dt.timedelta(days=30)).isoformat(),
        },
    )
    h = Hazard.objects.get()
    assert response.status_code == 302
    assert h.inspection_result == result and h.proposed_level == "major" and h.level_pending
    assert h.legal_basis == result.item.legal_basis and h.enterprise == world.ent_a1
    # a second click goes to the existing hazard instead of a duplicate
    again = c.get(f"/hazards/from-result/{result.pk}/")
    assert again.status_code == 302 and Hazard.objects.count() == 1
    assert world.client(world.inspector_b1).get(f"/hazards/from-result/{result.pk}/").status_code == 404


def test_one_click_hazard_from_a_failed_item(world, failed_result):
    from anjian.hazards.services import SUGGESTED_DAYS

    result = failed_result()
    item = result.item
    c = world.client(world.inspector_a1)
    detail = c.get(f"/inspections/{result.inspection_id}/").content.decode()
    assert f'action="/hazards/from-result/{result.pk}/now/"' in detail and "填写详情后生成" in detail
    assert c.get(f"/hazards/from-result/{result.pk}/now/").status_code == 405  # never on a GET
    assert world.client(world.inspector_b1).post(f"/hazards/from-result/{result.pk}/now/").status_code == 404
    assert world.client(world.officer_a).post(f"/hazards/from-result/{result.pk}/now/").status_code == 403
    assert not Hazard.objects.exists()

    response = c.post(f"/hazards/from-result/{result.pk}/now/", follow=True)
    h = Hazard.objects.get()
    assert response.redirect_chain[-1][0] == f"/hazards/{h.pk}/"
    assert f"已生成隐患 {h.code}" in response.content.decode()
    assert (h.title, h.description) == ("现场发现该项不符合要求", "")
    assert h.checklist_item_text == item.text and h.legal_basis == item.legal_basis
    assert (
        h.responsible_name == "张厂长"
    )  # the representative who signed, the enterprise has no safety officer
    assert h.measures == f"按检查标准整改：{item.text.rstrip('。')}。"
    assert h.current_deadline == today() + dt.timedelta(days=SUGGESTED_DAYS[item.severity])
    assert (h.state, h.level, h.inspection_result_id) == ("registered", "general", result.pk)
    # the arrangement is complete: the enterprise can start at once
    services.start_rectification(h, actor=world.officer_a)
    # a second click lands on the same hazard
    again = c.post(f"/hazards/from-result/{result.pk}/now/")
    assert (
        again.status_code == 302 and again["Location"] == f"/hazards/{h.pk}/" and Hazard.objects.count() == 1
    )
    detail = c.get(f"/inspections/{result.inspection_id}/").content.decode()
    assert f"已生成隐患 {h.code}" in detail and "/now/" not in detail


def test_one_click_hazard_of_a_major_ground_waits_for_the_office(world, failed_result):
    from anjian.hazards.services import SUGGESTED_DAYS_MAJOR

    world.ent_a1.safety_officer, world.ent_a1.phone = "赵安全", "13912345678"
    world.ent_a1.save()
    result = failed_result(major=True)
    world.client(world.inspector_a1).post(f"/hazards/from-result/{result.pk}/now/")
    h = Hazard.objects.get()
    assert h.proposed_level == "major" and h.level_pending
    assert (h.responsible_name, h.responsible_phone) == ("赵安全", "13912345678")
    assert h.current_deadline == today() + dt.timedelta(days=SUGGESTED_DAYS_MAJOR)


def test_one_click_refuses_a_voided_inspection_in_chinese(world, failed_result):
    result = failed_result()
    result.inspection.status, result.inspection.voided_at = "voided", timezone.now()
    result.inspection.save()
    response = world.client(world.inspector_a1).post(f"/hazards/from-result/{result.pk}/now/", follow=True)
    assert "该检查记录已作废，不能生成隐患" in response.content.decode()
    assert not Hazard.objects.exists()


def test_phone_journey_through_pages(world, make_hazard):
    h = make_hazard()
    officer = world.client(world.officer_a)
    assert officer.post(f"/hazards/{h.pk}/start/", {"note": ""}).status_code == 302
    response = officer.post(f"/hazards/{h.pk}/submit/", {"note": "已整改"})
    assert response.status_code == 400 and "照片" in response.content.decode()
    response = officer.post(f"/hazards/{h.pk}/submit/", {"note": "已整改", "photos": [photo()]})
    assert response.status_code == 302
    response = officer.post(f"/hazards/{h.pk}/verify/", {"passed": "1", "note": "自己验收"})
    assert "企业不能复查" in response.content.decode()
    sig = "data:image/png;base64," + __import__("base64").b64encode(photo("s.png").read()).decode()
    inspector = world.client(world.inspector_a1)
    response = inspector.post(
        f"/hazards/{h.pk}/verify/", {"passed": "1", "note": "复查通过", "signature": sig}
    )
    assert response.status_code == 302
    h.refresh_from_db()
    assert h.state == State.CLOSED
    page = inspector.get(f"/hazards/{h.pk}/").content.decode()
    assert "复查通过" in page and "销号" in page


def test_stale_action_page_shows_the_conflict_reason(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.officer_a)
    response = world.client(world.inspector_a1).post(f"/hazards/{h.pk}/start/", {"note": ""})
    assert response.status_code == 400 and "只有“已登记”的隐患才能开始整改" in response.content.decode()
    # GET of an action that is not allowed now sends back to the detail page
    assert world.client(world.officer_a).get(f"/hazards/{h.pk}/verify/").status_code == 302


def test_extension_pages(world, make_hazard):
    h = make_hazard()
    new = h.current_deadline + dt.timedelta(days=10)
    officer = world.client(world.officer_a)
    assert (
        officer.post(
            f"/hazards/{h.pk}/extension/", {"requested_deadline": new.isoformat(), "reason": "配件未到"}
        ).status_code
        == 302
    )
    ext = h.extensions.get()
    worker = world.client(world.worker_a)
    page = worker.get("/hazards/mine/").content.decode()
    assert "待审批的延期申请" in page and "配件未到" not in page and h.title[:10] in page
    assert (
        worker.post(f"/hazards/{h.pk}/extension/{ext.pk}/", {"approve": "1", "note": "同意"}).status_code
        == 302
    )
    h.refresh_from_db()
    assert h.current_deadline == new and h.original_deadline != new


def test_action_pages_open_exactly_when_the_detail_page_offers_them(world, make_hazard):
    """The decision page of a pending extension opens from its button (it used to bounce back to the
    detail page); a second request while one is pending, and the verification of one's own evidence,
    are not offered and send back to the detail page."""
    h = make_hazard()
    ext = services.request_extension(
        h,
        actor=world.officer_a,
        requested_deadline=h.current_deadline + dt.timedelta(days=5),
        reason="配件未到",
    )
    worker = world.client(world.worker_a)
    assert f"/hazards/{h.pk}/extension/{ext.pk}/" in worker.get(f"/hazards/{h.pk}/").content.decode()
    response = worker.get(f"/hazards/{h.pk}/extension/{ext.pk}/")
    assert response.status_code == 200 and "理由：配件未到" in response.content.decode()
    assert world.client(world.officer_a).get(f"/hazards/{h.pk}/extension/").status_code == 302
    services.start_rectification(h, actor=world.inspector_a1)
    services.submit_rectification(h, actor=world.inspector_a1, note="代企业上传", photos=[photo()])
    assert world.client(world.inspector_a1).get(f"/hazards/{h.pk}/verify/").status_code == 302
    assert world.client(world.worker_a).get(f"/hazards/{h.pk}/verify/").status_code == 200


def test_major_plan_and_supervision_pages(world, make_hazard):
    h = make_hazard(actor=world.office, level="major", funds="20000")
    officer = world.client(world.officer_a)
    response = officer.post(f"/hazards/{h.pk}/plan/", {**SIX_PARTS, "funding": ""})
    assert response.status_code == 400 and "经费和物资的落实" in response.content.decode()
    assert officer.post(f"/hazards/{h.pk}/plan/", SIX_PARTS).status_code == 302
    office = world.client(world.office)
    assert (
        office.post(
            f"/hazards/{h.pk}/supervise/",
            {"supervising_unit": "街道安委办", "requirements": "", "report_every_days": 7},
        ).status_code
        == 302
    )
    assert (
        officer.post(f"/hazards/{h.pk}/progress/", {"progress": "采购中", "percent": 30}).status_code == 302
    )
    page = office.get(f"/hazards/{h.pk}/").content.decode()
    assert "挂牌督办" in page and "采购中" in page and "治理的目标和任务" in page


def test_my_work_per_role(world, make_hazard):
    h = make_hazard(title="待整改的配电箱")
    page = world.client(world.officer_a).get("/hazards/mine/").content.decode()
    assert "待整改的隐患" in page and "待整改的配电箱" in page
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[photo()])
    page = world.client(world.inspector_a1).get("/hazards/mine/").content.decode()
    assert "待复查" in page and "待整改的配电箱" in page and "今日检查任务" in page
    page = world.client(world.inspector_b1).get("/hazards/mine/").content.decode()
    assert "待整改的配电箱" not in page
    major = make_hazard(level="major", title="建议重大的隐患")
    page = world.client(world.office).get("/hazards/mine/").content.decode()
    assert "待确认等级" in page and major.title in page


def test_open_hazards_selector_for_the_enterprise_page(world, make_hazard):
    from anjian.hazards.selectors import open_hazards

    h = make_hazard()
    closed = make_hazard(title="已作废")
    services.void_hazard(closed, actor=world.office, reason="重复")
    assert list(open_hazards(world.ent_a1, world.officer_a)) == [h]
    assert list(open_hazards(world.ent_a1, world.officer_b)) == []


def test_ledger_excel_per_enterprise_and_community(world, make_hazard):
    make_hazard(title="甲一台账隐患")
    make_hazard(enterprise=world.ent_a2, title="甲二台账隐患", actor=world.worker_a)
    c = world.client(world.worker_a)
    response = c.get("/hazards/ledger.xlsx", {"enterprise": world.ent_a1.pk})
    assert response.status_code == 200
    ws: Any = load_workbook(io.BytesIO(response.content)).active
    values = [row for row in ws.iter_rows(values_only=True)]
    assert "甲一电镀有限公司 隐患台账" in values[0][0] and values[1][1] == "隐患编号"
    assert [r[5] for r in values[2:]] == ["甲一台账隐患"]
    response = c.get("/hazards/ledger.xlsx", {"community": world.community_a.pk})
    ws = load_workbook(io.BytesIO(response.content)).active
    assert len(list(ws.iter_rows(min_row=3, values_only=True))) == 2
    assert c.get("/hazards/ledger.xlsx", {"community": world.community_b.pk}).status_code == 404
    assert c.get("/hazards/ledger.xlsx", {"enterprise": world.ent_b1.pk}).status_code == 404


def test_statistics_page_and_excel(world, make_hazard):
    make_hazard()
    c = world.client(world.office)
    year = timezone.localdate().year
    q = (timezone.localdate().month - 1) // 3 + 1
    page = c.get("/hazards/statistics/", {"year": year, "quarter": q}).content.decode()
    assert "报送截止" in page and "排查发现" in page and "现场管理" in page
    response = c.get("/hazards/statistics.xlsx", {"year": year, "quarter": 0})
    ws: Any = load_workbook(io.BytesIO(response.content)).active
    assert "年报" in ws["A1"].value and f"{year + 1}-01-31" in ws["A2"].value
    assert world.client(world.officer_a).get("/hazards/statistics/").status_code == 403


def test_counts_are_exact_on_small_sets_and_estimated_above_the_limit(world, make_hazard):
    from django.db import connection

    from anjian.hazards import counting

    make_hazard()
    make_hazard(title="另一条")
    assert counting.count_rows(Hazard.objects.all()) == (2, False)
    n, estimated = counting.count_rows(Hazard.objects.all(), limit=-1)
    if connection.vendor == "postgresql":
        assert estimated and n >= 0
    else:
        assert (n, estimated) == (2, False)
    data = world.client(world.admin).get("/api/v1/hazards/").json()
    assert data["count"] == 2 and data["count_estimated"] is False
