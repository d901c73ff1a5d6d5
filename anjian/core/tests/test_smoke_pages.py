"""Smoke test: every role opens every page of its sidebar, a few detail pages linked from them, and
every parameterless API endpoint — nothing answers 500, links a page shows lead somewhere the user may
go, and ids outside the user's scope answer 404."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from anjian.core.navigation import menu_for

pytestmark = pytest.mark.django_db

ROLES = ["admin", "office", "cadre", "liaison", "worker_a", "inspector_a1", "officer_a", "tip_officer"]
APPS = ("enterprises", "org", "inspections", "hazards", "monitoring", "risks", "tipoffs")
APP_LINK = re.compile(r'href="(/(?:' + "|".join(APPS) + r')/[^"#]*)"')
# A numbered object inside one of the apps, e.g. /enterprises/12/ or /hazards/3/plan/.
DETAIL_LINK = re.compile(r"/(?:" + "|".join(APPS) + r")/(?:[\w-]+/)*\d+/")
SKIP_LINK = re.compile(r"logout|download|export|\.pdf|\.xlsx|\.csv|casefile|/files/|/stream")


def _today() -> dt.date:
    return timezone.localdate()


@pytest.fixture
def filled(world: Any, settings: Any) -> Any:
    """The `world` plus one object of each kind, so that lists have rows and detail pages exist."""
    settings.TIPOFF_POW_BITS = 4
    from anjian.enterprises.models import EnterpriseEvent, Licence
    from anjian.org.models import Assignment, Meeting, MeetingDecision, Visit

    today = _today()
    Licence.objects.create(
        enterprise=world.ent_a1,
        kind="safety_production",
        number="(粤)WH安许证字[2024]0001",
        issuer="深圳市应急管理局",
        issued_on=today - dt.timedelta(days=700),
        expires_on=today + dt.timedelta(days=20),
    )
    enterprise_assignment = Assignment.objects.create(
        kind="enterprise",
        person=world.cadre,
        enterprise=world.ent_a1,
        community=world.community_a,
        department=world.department,
        start_date=today - dt.timedelta(days=60),
    )
    community_assignment = Assignment.objects.create(
        kind="community",
        person=world.liaison,
        community=world.community_a,
        start_date=today - dt.timedelta(days=60),
        meetings_per_month=1,
    )
    Visit.objects.create(
        assignment=enterprise_assignment,
        visitor=world.cadre,
        community=world.community_a,
        enterprise=world.ent_a1,
        date=today - dt.timedelta(days=3),
        notes="走访电镀车间，查看氰化物台账。",
        issues_found="应急柜缺少防毒面具。",
    )
    meeting = Meeting.objects.create(
        assignment=community_assignment,
        community=world.community_a,
        host=world.liaison,
        date=today - dt.timedelta(days=5),
        title="甲社区安全生产例会",
        participants="社区书记、安格员",
        minutes="通报本月检查情况，部署燃气专项整治。",
    )
    MeetingDecision.objects.create(
        meeting=meeting,
        text="一周内完成燃气报警器排查",
        owner=world.worker_a,
        due_date=today + dt.timedelta(days=7),
    )
    EnterpriseEvent.objects.create(enterprise=world.ent_a1, type="imported", actor=None)
    _inspection_and_hazard(world)
    _risk_point(world)
    _device(world)
    _tipoff(world)
    return world


def _inspection_and_hazard(world: Any) -> None:
    from anjian.hazards import services as hazards
    from anjian.inspections import services as inspections
    from anjian.inspections.models import InspectionEvent
    from anjian.inspections.tests.helpers import files, payload, version_of

    version = version_of()
    inspection, _ = inspections.submit_inspection(
        actor=world.inspector_a1,
        payload=payload(version, enterprise=world.ent_a1, fail=(1,)),
        files=files(version, photo_orders=(1,)),
    )
    # Lines written by the system (imports, jobs) have no actor; timelines must still render.
    InspectionEvent.objects.create(inspection=inspection, type="visit_recorded", actor=None)
    result = inspection.results.get(item__order=1)
    hazards.create_hazard_from_result(
        result, actor=world.inspector_a1, deadline=_today() + dt.timedelta(days=10), level="general"
    )


def _risk_point(world: Any) -> None:
    from anjian.risks import services as risks

    risks.create_point(
        actor=world.office,
        data={
            "enterprise": world.ent_a1,
            "name": "氰化镀槽",
            "kind": "place",
            "location": "电镀车间",
            "hazard_factors": "氰化物泄漏",
            "accident_types": ["poisoning"],
            "measures": [{"type": "engineering", "text": "设置局部排风"}],
            "control_level": "community",
            "responsible_name": "张三",
            "responsible_phone": "13800138000",
            "review_date": _today() + dt.timedelta(days=365),
        },
        assessment={"method": "lec", "likelihood": "3", "exposure": "6", "consequence": "7"},
    )


def _device(world: Any) -> None:
    from anjian.monitoring.models import Device, DeviceType

    for code, type_code, ent in (
        ("GAS4-A1-01", "gas4", world.ent_a1),
        ("CHG-B1-01", "ebike_charger", world.ent_b1),
    ):
        dtype = DeviceType.objects.get(code=type_code)
        Device.objects.create(
            code=code,
            name=f"{dtype.name}一号",
            type=dtype,
            enterprise=ent,
            community_id=ent.community_id,
            grid_id=ent.grid_id,
            reporting_interval_s=dtype.default_interval_s,
            location="一号车间",
        )


def _tipoff(world: Any) -> None:
    from anjian.tipoffs import services as tipoffs
    from anjian.tipoffs.identity import ReporterIdentity
    from anjian.tipoffs.models import TipCategory

    tip, _secret = tipoffs.submit_tip(
        tipoffs.Submission(
            category=TipCategory.objects.get(code="fire_exit"),
            description="三楼安全出口被铁链锁住，楼道堆满纸箱。",
            address="甲社区工业路 8 号",
            lat=22.6001,
            lng=113.8501,
            identity=ReporterIdentity(name="张举报人", phone="13912345678"),
            contact_consent=True,
        )
    )
    tipoffs.accept_tip(tip.pk, actor=world.tip_officer, community=world.community_a)


def _links(html: str) -> list[str]:
    """Links of a page into the apps, worth following: detail pages first, then the other pages."""
    found = [h.replace("&amp;", "&") for h in APP_LINK.findall(html)]
    found = [h for h in dict.fromkeys(found) if not SKIP_LINK.search(h)]
    return sorted(found, key=lambda h: not DETAIL_LINK.match(h))


def _shape(link: str) -> str:
    """/hazards/12/plan/?x=1 and /hazards/40/plan/?x=2 are the same page for this test."""
    path, _, query = link.partition("?")
    keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return re.sub(r"\d+", "N", path) + "?" + "&".join(keys)


@pytest.mark.parametrize("role", ROLES)
def test_every_sidebar_page_and_linked_detail_page_opens(filled: Any, role: str) -> None:
    """Sidebar pages open; so does every kind of page they link to, and every kind those link to."""
    user = getattr(filled, role)
    client = filled.client(user)
    pages = [item["url"] for section in menu_for(user, "/") for item in section["items"]]  # type: ignore[attr-defined]
    assert "/" in pages
    problems: list[str] = []
    seen: set[str] = {_shape(url) for url in pages}
    queue: list[tuple[str, int, str]] = [(url, 0, "") for url in pages]
    while queue:
        url, depth, source = queue.pop(0)
        resp = client.get(url, follow=True)  # e.g. 我的企业 redirects to the officer's enterprise
        landed = resp.redirect_chain[-1][0] if resp.redirect_chain else url
        if resp.status_code != 200 or "/accounts/login/" in landed:
            problems.append(
                f"{url} → {resp.status_code} at {landed}" + (f" (linked from {source})" if source else "")
            )
            continue
        if depth == 2 or "text/html" not in resp.get("Content-Type", ""):
            continue
        for link in _links(resp.content.decode()):
            shape = _shape(link)
            if shape not in seen:
                seen.add(shape)
                queue.append((link, depth + 1, url))
    assert not problems, f"{role}: " + "; ".join(problems)


@pytest.mark.parametrize("role", ["worker_a", "inspector_a1", "officer_a"])
def test_objects_outside_the_scope_answer_404(filled: Any, role: str) -> None:
    from anjian.monitoring.models import Device

    client = filled.client(getattr(filled, role))
    foreign_device = Device.objects.get(code="CHG-B1-01")
    for url in (f"/enterprises/{filled.ent_b1.pk}/", f"/monitoring/devices/{foreign_device.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.get(f"/api/v1/enterprises/{filled.ent_b1.pk}/").status_code == 404


def _api_routes() -> list[str]:
    """Every GET-able route under /api/v1/ that needs no id."""

    def walk(patterns: Any, prefix: str) -> Any:
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern)

    out = []
    for route in walk(get_resolver().url_patterns, ""):
        if not route.startswith("api/v1/") or "(?P" in route or "<" in route:
            continue
        path = "/" + route.replace("^", "").replace("$", "").replace("\\", "")
        if path in ("/api/v1/", "/api/v1/auth/token/") or "ingest/" in path:
            continue
        out.append(path)
    return sorted(set(out))


@pytest.mark.parametrize("role", ["admin", "worker_a"])
def test_every_api_list_answers_json(filled: Any, role: str) -> None:
    client = filled.client(getattr(filled, role))
    routes = _api_routes()
    assert "/api/v1/enterprises/" in routes and "/api/v1/hazards/" in routes
    problems = []
    for path in routes:
        resp = client.get(path)
        if resp.status_code == 405:  # an action that only accepts POST
            continue
        if resp.status_code != 200:
            problems.append(f"{path} → {resp.status_code}")
            continue
        data = resp.json()
        if not isinstance(data, (list, dict)) or data == {}:
            problems.append(f"{path} → not a JSON list/object: {data!r:.60}")
        elif isinstance(data, dict) and "results" in data and not isinstance(data["results"], list):
            problems.append(f"{path} → results is not a list")
    assert not problems, f"{role}: " + "; ".join(problems)


def test_the_fill_is_visible(filled: Any) -> None:
    """The extra data really lands in the admin's lists (guards against a silently empty smoke test)."""
    client = filled.client(filled.admin)
    for url, text in (
        ("/org/visits/", "应急柜缺少防毒面具"),
        ("/org/meetings/", "甲社区安全生产例会"),
        ("/enterprises/licences/expiring/", "WH安许证字"),
    ):
        resp = client.get(url)
        assert resp.status_code == 200 and text in resp.content.decode(), url
