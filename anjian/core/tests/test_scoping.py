"""Each role sees exactly its jurisdiction (DOMAIN.md §1)."""

import pytest

from anjian.enterprises.models import Enterprise, Licence
from anjian.org.models import Community, Grid, User


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("admin", {"ent_a1", "ent_a2", "ent_b1"}),
        ("cadre", {"ent_a1", "ent_a2", "ent_b1"}),
        ("tip_officer", {"ent_a1", "ent_a2", "ent_b1"}),
        ("worker_a", {"ent_a1", "ent_a2"}),
        ("worker_b", {"ent_b1"}),
        ("inspector_a1", {"ent_a1"}),
        ("officer_a", {"ent_a1"}),
        ("officer_b", {"ent_b1"}),
    ],
)
def test_enterprises_by_role(world, persona, expected):
    user = getattr(world, persona)
    seen: set[int] = set(Enterprise.objects.for_user(user).values_list("pk", flat=True))
    assert seen == {getattr(world, name).pk for name in expected}


def test_nested_models_follow_their_enterprise(world):
    Licence.objects.create(enterprise=world.ent_a1, kind="business", number="L-1")
    Licence.objects.create(enterprise=world.ent_b1, kind="business", number="L-2")
    assert Licence.objects.for_user(world.worker_a).count() == 1
    assert Licence.objects.for_user(world.officer_b).get().number == "L-2"
    assert Licence.objects.for_user(world.admin).count() == 2


def test_tree_nodes(world):
    assert list(Community.objects.for_user(world.worker_a)) == [world.community_a]
    assert list(Community.objects.for_user(world.inspector_a1)) == [world.community_a]
    assert set(Grid.objects.for_user(world.worker_a)) == {world.grid_a1, world.grid_a2}
    assert list(Grid.objects.for_user(world.inspector_a1)) == [world.grid_a1]
    assert list(Grid.objects.for_user(world.officer_a)) == [world.grid_a1]


def test_people(world):
    names = set(User.objects.for_user(world.worker_a).values_list("username", flat=True))
    assert names == {"worker_a", "inspector_a1"}


def test_inactive_or_roleless_users_see_nothing(world):
    world.worker_a.is_active = False
    world.worker_a.save()
    fresh = User.objects.get(pk=world.worker_a.pk)
    assert Enterprise.objects.for_user(fresh).count() == 0
    nobody = User.objects.create(username="nobody", name="无角色")
    assert Enterprise.objects.for_user(nobody).count() == 0
    assert Enterprise.objects.for_user(None).count() == 0
