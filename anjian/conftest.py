"""Shared test personas: a small street with two communities and one user per role.

Names follow the roles: `admin` (street office), `cadre`, `liaison`, `worker_a` (community A),
`inspector_a1` (grid A1), `officer_a` (enterprise A1), and outsiders in community B (`worker_b`,
`inspector_b1`, `officer_b`)."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from anjian.core.validators import uscc_check_char

PASSWORD = "Anjian-test-password-2026"


def make_uscc(serial: int, division: str = "440306") -> str:
    body = f"91{division}{serial:09d}"[:17]
    body = body.replace("I", "1").replace("O", "0")
    return body + uscc_check_char(body)


@dataclass
class World:
    street: Any
    community_a: Any
    community_b: Any
    grid_a1: Any
    grid_a2: Any
    grid_b1: Any
    department: Any
    ent_a1: Any
    ent_a2: Any
    ent_b1: Any
    admin: Any
    office: Any
    cadre: Any
    liaison: Any
    worker_a: Any
    worker_b: Any
    inspector_a1: Any
    inspector_b1: Any
    officer_a: Any
    officer_b: Any
    tip_officer: Any

    def client(self, user: Any) -> Client:
        c = Client()
        c.force_login(user)
        return c


@pytest.fixture(autouse=True)
def _media_root(settings: Any, tmp_path: Any) -> Any:
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": media}},
    }
    yield media
    shutil.rmtree(media, ignore_errors=True)


@pytest.fixture
def world(db: Any) -> World:
    from anjian.enterprises.models import Enterprise, KeyCategory
    from anjian.org.models import Community, Department, Grid, Street, User

    restore_snapshot()
    street = Street.objects.create(name="测试街道", division_code="440306001", district="宝安区")
    ca = Community.objects.create(
        street=street, name="甲社区", code="C01", center_lat=22.6, center_lng=113.85
    )
    cb = Community.objects.create(
        street=street, name="乙社区", code="C02", center_lat=22.62, center_lng=113.87
    )
    ga1 = Grid.objects.create(community=ca, name="甲一网格", code="C01-G01")
    ga2 = Grid.objects.create(community=ca, name="甲二网格", code="C01-G02")
    gb1 = Grid.objects.create(community=cb, name="乙一网格", code="C02-G01")
    dept = Department.objects.create(name="安全生产办公室", code="D01")
    plating = KeyCategory.objects.get(code="electroplating")
    e_a1 = Enterprise.objects.create(
        name="甲一电镀有限公司", uscc=make_uscc(1), community=ca, grid=ga1, lat=22.6, lng=113.85
    )
    e_a2 = Enterprise.objects.create(
        name="甲二餐饮店", uscc=make_uscc(2), community=ca, grid=ga2, lat=22.601, lng=113.851
    )
    e_b1 = Enterprise.objects.create(
        name="乙一五金厂", uscc=make_uscc(3), community=cb, grid=gb1, lat=22.62, lng=113.87
    )
    e_a1.categories.add(plating)

    def user(username: str, role: str, **kw: Any) -> User:
        u = User(username=username, name=kw.pop("name", username), role=role, **kw)
        u.set_password(PASSWORD)
        u.save()
        return u

    return World(
        street=street,
        community_a=ca,
        community_b=cb,
        grid_a1=ga1,
        grid_a2=ga2,
        grid_b1=gb1,
        department=dept,
        ent_a1=e_a1,
        ent_a2=e_a2,
        ent_b1=e_b1,
        admin=user("admin", "street_admin", name="街道管理员"),
        office=user("office", "office_staff", name="安委办小王"),
        cadre=user("cadre", "cadre", name="处级干部老李", department=dept),
        liaison=user("liaison", "liaison", name="公务员小张"),
        worker_a=user("worker_a", "community_worker", community=ca, name="甲社区小陈"),
        worker_b=user("worker_b", "community_worker", community=cb, name="乙社区小刘"),
        inspector_a1=user("inspector_a1", "grid_inspector", community=ca, grid=ga1, name="安格员甲"),
        inspector_b1=user("inspector_b1", "grid_inspector", community=cb, grid=gb1, name="安格员乙"),
        officer_a=user("officer_a", "enterprise_officer", enterprise=e_a1, name="甲一安全员"),
        officer_b=user("officer_b", "enterprise_officer", enterprise=e_b1, name="乙一安全员"),
        tip_officer=user("tip_officer", "tip_officer", name="举报受理员"),
    )


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Any:
    """Debian's Chromium driven by Playwright (never a downloaded browser). Skipped only outside CI."""
    import os

    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail("Chromium is required in CI (apt-get install chromium)")
        pytest.skip("Chromium not installed")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from django.db import connections
    from playwright.sync_api import sync_playwright

    # From here on Django gives this thread new connection objects (Playwright runs an event loop in
    # it): close the current ones, or they stay open to the end and block dropping the test database.
    connections.close_all()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Any:
    """A fresh page factory: browser_page(width=375, height=812) for phone, default desktop 1366×900."""
    contexts = []

    def make(width: int = 1366, height: int = 900) -> Any:
        ctx = chromium.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def browser_login(page: Any, live_server: Any, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


_SNAPSHOTS: dict[str, str] = {}


@pytest.fixture(scope="session", autouse=True)
def _snapshot_on_every_connection(django_db_setup: Any) -> Any:
    """Django keeps the snapshot of the freshly migrated test database on the connection object. Once
    Playwright's sync API runs an event loop in the main thread, Django hands that thread new connection
    objects (per async context) without it, and serialized rollback silently restores nothing. Every
    connection object made from now on carries the snapshot."""
    from django.db import connections
    from django.db.utils import ConnectionHandler

    for alias in connections:
        snapshot = getattr(connections[alias], "_test_serialized_contents", None)
        if snapshot is not None:
            _SNAPSHOTS[alias] = snapshot
    original = ConnectionHandler.create_connection

    def create_connection(self: Any, alias: str) -> Any:
        conn = original(self, alias)
        if alias in _SNAPSHOTS:
            conn._test_serialized_contents = _SNAPSHOTS[alias]  # type: ignore[attr-defined]
        return conn

    ConnectionHandler.create_connection = create_connection  # type: ignore[method-assign]
    yield
    ConnectionHandler.create_connection = original  # type: ignore[method-assign]


def restore_snapshot() -> None:
    """Put back the rows migrations seeded (categories, checklists, rule packs, content types…) exactly
    as they were after `migrate`, same primary keys, from the snapshot Django took of the test database.

    A transactional test ends with Django flushing every table; with `serialized_rollback` the flush
    leaves content types alone (no post_migrate), so keys cached in the process stay valid."""
    from django.db import DEFAULT_DB_ALIAS, connection

    from anjian.enterprises.models import KeyCategory

    snapshot = _SNAPSHOTS.get(DEFAULT_DB_ALIAS)
    if snapshot is None or KeyCategory.objects.exists():
        return
    connection.creation.deserialize_db_from_string(snapshot)


def _is_transactional(item: Any) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(
        (marker and marker.kwargs.get("transaction"))
        or "live_server" in fixtures
        or "transactional_db" in fixtures
    )


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[Any]) -> None:
    """Every transactional test (live server, MQTT consumer, row locks) runs with serialized rollback:
    Django restores the migration-seeded rows before it, with their original keys. Mixing serialized
    and plain flushes made keys drift (duplicate seed rows, stale content-type ids)."""
    for item in items:
        if not _is_transactional(item):
            continue
        marker = item.get_closest_marker("django_db")
        kwargs = dict(marker.kwargs) if marker else {}
        kwargs.update(transaction=True, serialized_rollback=True)
        item.add_marker(pytest.mark.django_db(*(marker.args if marker else ()), **kwargs), append=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: Any, nextitem: Any) -> Any:
    """After a transactional test's flush, a following ordinary test (xdist may hand one over) finds
    the seeded rows back. A following transactional test restores them itself at set-up."""
    yield
    if nextitem is None or not _is_transactional(item) or _is_transactional(nextitem):
        return  # the last test of a session: the test database is already gone
    from pytest_django.plugin import blocking_manager_key

    with item.config.stash[blocking_manager_key].unblock():
        restore_snapshot()
