"""`anjian demo-data`: a consistent, realistic street that every demo login can use, loaded once."""

from __future__ import annotations

import datetime as dt
import random
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F
from django.test import Client
from django.utils import timezone

from anjian.core.audit import verify_chain
from anjian.core.models import AuditEntry
from anjian.core.validators import phone_error, uscc_error
from anjian.demodata import DEMO_ACCOUNTS, DEMO_PASSWORD, generate, geometry
from anjian.demodata.generator import profile_counts
from anjian.enterprises.models import Enterprise, Licence, Park
from anjian.org.choices import AssignmentKind, AssignmentStatus, DecisionStatus, Role
from anjian.org.models import Assignment, Community, Grid, Meeting, MeetingDecision, User, Visit

SMALL = 300


@pytest.fixture
def demo(db):
    out = StringIO()
    call_command("demo_data", "--enterprises", str(SMALL), "--register-only", stdout=out)
    return out.getvalue()


def test_full_demo_seeds_every_capability(db):
    """Without --register-only each capability adds its history on top of the register."""
    from anjian.hazards.models import Hazard
    from anjian.inspections.models import Inspection
    from anjian.monitoring.models import Device
    from anjian.risks.models import RiskPoint
    from anjian.tipoffs.models import Tipoff

    out = StringIO()
    call_command("demo_data", "--enterprises", "150", stdout=out)
    for model in (Inspection, Hazard, RiskPoint, Device, Tipoff):
        assert model.objects.exists(), model.__name__
    assert "举报线索完成" in out.getvalue()
    assert verify_chain().ok


def test_summary_names_the_counts_and_every_demo_login(demo):
    assert "演示数据已载入" in demo
    assert f"密码均为 {DEMO_PASSWORD}" in demo
    for username in DEMO_ACCOUNTS:
        assert username in demo


def test_register_is_valid_and_unique(demo):
    rows = list(Enterprise.objects.values("uscc", "phone", "name"))
    assert len(rows) == SMALL
    assert all(uscc_error(r["uscc"]) == "" and r["uscc"][2:8] == "440306" for r in rows)
    assert len({r["uscc"] for r in rows}) == SMALL
    assert all(phone_error(r["phone"]) == "" for r in rows)
    assert len({r["name"] for r in rows}) == SMALL
    for ent in Enterprise.objects.select_related("community", "grid", "park"):
        ent.full_clean()  # the register's own rules accept every demo row


def test_sites_lie_inside_their_community_and_grid(demo):
    enterprises = list(Enterprise.objects.select_related("community", "grid"))
    for ent in enterprises:
        assert ent.grid.community_id == ent.community_id
        assert geometry.contains(ent.community.boundary, ent.lat, ent.lng), ent.name
        assert geometry.contains(ent.grid.boundary, ent.lat, ent.lng), ent.name
    for park in Park.objects.select_related("community"):
        assert geometry.contains(park.community.boundary, park.lat, park.lng)
    assert not Enterprise.objects.filter(park__isnull=False).exclude(park__community=F("community")).exists()


def test_key_categories_and_licences_are_realistic(demo):
    plating = Enterprise.objects.filter(categories__code="electroplating")
    assert plating.count() >= 12
    assert not plating.filter(park__isnull=True).exists(), "electroplating is kept in parks"
    for code in ("gas_catering", "three_small", "ebike_charging", "construction", "confined_space"):
        assert Enterprise.objects.filter(categories__code=code).exists(), code
    today = timezone.localdate()
    assert Licence.objects.filter(expires_on__lt=today).exists()
    assert Licence.objects.filter(
        expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=30)
    ).exists()
    assert not Licence.objects.filter(expires_on__lt=F("issued_on")).exists()
    statuses = set(Enterprise.objects.values_list("status", flat=True))
    assert "operating" in statuses


def test_structure(demo):
    assert Community.objects.count() == 10
    for community in Community.objects.all():
        grids = list(community.grids.all())
        assert 3 <= len(grids) <= 6
        assert community.boundary["type"] == "Polygon"
        for grid in grids:
            # every corner of a grid lies inside (or on the edge of) its community
            ring = grid.boundary["coordinates"][0]
            lat, lng = (
                sum(p[1] for p in ring[:-1]) / (len(ring) - 1),
                sum(p[0] for p in ring[:-1]) / (len(ring) - 1),
            )
            assert geometry.contains(community.boundary, lat, lng)


def test_every_demo_login_works_with_argon2(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    call_command("demo_data", "--enterprises", "60", "--register-only", stdout=StringIO())
    hashes = set(User.objects.values_list("password", flat=True))
    assert len(hashes) == 1 and next(iter(hashes)).startswith("argon2")  # hashed once, shared
    for username, (role, _text) in DEMO_ACCOUNTS.items():
        user = User.objects.get(username=username)
        assert user.role == role
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD), username
        assert client.get("/").status_code == 200
    assert User.objects.get(username="fire_demo").community_id is not None
    worker = User.objects.get(username="community_demo")
    assert set(Enterprise.objects.for_user(worker).values_list("community_id", flat=True)) == {
        worker.community_id
    }
    inspector = User.objects.get(username="grid_demo")
    assert Enterprise.objects.for_user(inspector).exists()
    assert set(Enterprise.objects.for_user(inspector).values_list("grid_id", flat=True)) == {
        inspector.grid_id
    }
    officer = User.objects.get(username="enterprise_demo")
    assert list(Enterprise.objects.for_user(officer)) == [officer.enterprise]


def test_assignments_follow_the_street_rules(demo):
    active = Assignment.objects.filter(status=AssignmentStatus.ACTIVE)
    cadres = User.objects.filter(role=Role.CADRE, assignments__isnull=False).distinct()
    assert cadres.filter(username="cadre_demo").exists()
    for cadre in cadres:
        mine = active.filter(person=cadre)
        assert 3 <= mine.count() <= 5, cadre.username
        assert not mine.exclude(kind=AssignmentKind.ENTERPRISE).exists()
        assert not mine.exclude(enterprise__categories__code="electroplating").exists()
        assert not mine.filter(department__isnull=True).exists()
    liaisons = User.objects.filter(role=Role.LIAISON)
    assert liaisons.count() == 8
    for liaison in liaisons:
        assert 1 <= active.filter(person=liaison, kind=AssignmentKind.COMMUNITY).count() <= 2
    covered = set(active.filter(kind=AssignmentKind.COMMUNITY).values_list("community_id", flat=True))
    assert covered == set(Community.objects.values_list("pk", flat=True))
    officer = User.objects.get(username="enterprise_demo")
    assert active.filter(person__username="cadre_demo", enterprise=officer.enterprise).exists()


def test_half_a_year_of_visits_and_meetings(demo):
    today = timezone.localdate()
    assert Visit.objects.filter(date__lt=today - dt.timedelta(weeks=24)).exists()
    assert not Visit.objects.filter(date__gt=today).exists()
    recent = today - dt.timedelta(days=today.weekday()) - dt.timedelta(weeks=1)
    behind = [
        p
        for p in Assignment.objects.values_list("person_id", flat=True).distinct()
        if not Visit.objects.filter(visitor_id=p, date__gte=recent).exists()
    ]
    assert behind, "some people are behind on their weekly visits"
    for visit in Visit.objects.select_related("assignment")[:200]:
        assert visit.community_id == visit.assignment.community_id
        assert visit.notes
    assert Meeting.objects.count() >= 10 * 5
    assert MeetingDecision.objects.filter(status=DecisionStatus.OPEN, due_date__lt=today).exists()
    assert MeetingDecision.objects.filter(status=DecisionStatus.DONE).exists()


def test_one_audit_entry_per_run(demo):
    entries = AuditEntry.objects.filter(action="demo_data")
    assert entries.count() == 1
    entry = entries.get()
    assert entry.source == "cli" and f"企业 {SMALL}" in entry.note
    assert verify_chain().ok


def test_if_empty_does_nothing_the_second_time(demo):
    before = (Enterprise.objects.count(), User.objects.count(), AuditEntry.objects.count())
    out = StringIO()
    call_command("demo_data", "--if-empty", "--enterprises", "50", stdout=out)
    assert "跳过" in out.getvalue()
    assert (Enterprise.objects.count(), User.objects.count(), AuditEntry.objects.count()) == before
    with pytest.raises(CommandError, match="只能载入空数据库"):
        call_command("demo_data", "--enterprises", "50", stdout=StringIO())


def test_bad_options_are_refused(db):
    with pytest.raises(CommandError, match="--scale"):
        call_command("demo_data", "--scale", "0", stdout=StringIO())
    with pytest.raises(CommandError, match="--enterprises"):
        call_command("demo_data", "--enterprises", "0", stdout=StringIO())
    assert not Enterprise.objects.exists()


class _Rollback(Exception):
    pass


def _snapshot(seed: int) -> list[tuple[object, ...]]:
    rows: list[tuple[object, ...]] = []
    try:
        with transaction.atomic():
            generate(enterprises=80, seed=seed, today=dt.date(2026, 5, 20))
            rows = [
                *Enterprise.objects.order_by("uscc").values_list(
                    "uscc", "name", "lat", "lng", "community__name"
                ),
                *Visit.objects.order_by("date", "visitor__username", "enterprise__uscc").values_list(
                    "date", "visitor__username"
                ),
                *Grid.objects.order_by("code").values_list("code", "name"),
            ]
            raise _Rollback
    except _Rollback:
        pass
    return rows


def test_same_seed_same_street(db):
    first, again, other = _snapshot(7), _snapshot(7), _snapshot(8)
    assert first and first == again
    assert first != other


@pytest.mark.parametrize("total", [1, 12, 50, 300, 3000, 102_000])
def test_profile_counts_add_up(total):
    counts = profile_counts(total)
    assert sum(counts.values()) == total
    assert all(v >= 0 for v in counts.values())
    if total >= 3000:
        assert counts["electroplating"] == round(60 * total / 3000)


def test_communities_tile_without_overlap_and_grids_tile_communities():
    rng = random.Random(3)
    cells = geometry.community_cells(rng, 10)
    outlines = [cell.outline for cell in cells]
    grid_sets = [
        [gc.outline(cell) for gc in geometry.grid_cells(n)]
        for cell, n in zip(cells, [3, 4, 5, 6] * 3, strict=False)
    ]
    lat_min, lng_min, lat_max, lng_max = geometry.AREA
    probe = random.Random(5)
    for _ in range(3000):
        lat, lng = probe.uniform(lat_min, lat_max), probe.uniform(lng_min, lng_max)
        inside = [i for i, o in enumerate(outlines) if geometry.contains(o, lat, lng)]
        assert len(inside) == 1, (lat, lng, inside)
        in_grids = [g for g in grid_sets[inside[0]] if geometry.contains(g, lat, lng)]
        assert len(in_grids) == 1, (lat, lng)
