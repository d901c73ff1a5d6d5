"""The home dashboard counts only what the user may see."""

import datetime as dt

from anjian.core.dashboard import enterprise_counts, licence_warnings
from anjian.enterprises.models import Licence


def test_counts_follow_scope(world):
    assert enterprise_counts(world.admin)["total"] == 3
    assert enterprise_counts(world.worker_a)["total"] == 2
    assert enterprise_counts(world.officer_b)["total"] == 1
    plating = next(
        c for c in enterprise_counts(world.worker_a)["by_category"] if c["code"] == "electroplating"
    )
    assert plating["n"] == 1
    assert enterprise_counts(world.worker_b)["key_total"] == 0


def test_licence_warning_window(world, settings):
    settings.LICENCE_WARNING_DAYS = 30
    today = dt.date(2026, 11, 28)
    for days, number in ((-1, "expired"), (30, "edge"), (31, "later")):
        Licence.objects.create(
            enterprise=world.ent_a1,
            kind="business",
            number=number,
            expires_on=today + dt.timedelta(days=days),
        )
    w = licence_warnings(world.admin, today=today)
    assert (w["expired"], w["soon"]) == (1, 1)
    assert [row.number for row in w["rows"]] == ["expired", "edge"]
    assert licence_warnings(world.worker_b, today=today)["soon"] == 0


def test_home_renders_for_every_role(world):
    for user in (
        world.admin,
        world.cadre,
        world.liaison,
        world.worker_a,
        world.inspector_a1,
        world.officer_a,
        world.tip_officer,
    ):
        r = world.client(user).get("/")
        assert r.status_code == 200, user.username
        assert "工作台" in r.content.decode()
    assert "甲一电镀有限公司" in world.client(world.officer_a).get("/").content.decode()
