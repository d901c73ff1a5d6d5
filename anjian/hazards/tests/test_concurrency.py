"""Two people verifying the same hazard at once leave exactly one result (row lock, PostgreSQL)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from anjian.core.errors import ConflictError
from anjian.hazards import services
from anjian.hazards.choices import State
from anjian.hazards.models import Hazard, Verification
from anjian.hazards.tests.conftest import photo

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("row-level locking is exercised on PostgreSQL")


def _race(fns):
    barrier = threading.Barrier(len(fns))
    outcomes: list[object] = [None] * len(fns)

    def run(i, fn):
        try:
            barrier.wait()
            outcomes[i] = fn()
        except Exception as exc:
            outcomes[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return outcomes


def test_two_verifiers_at_once_leave_exactly_one_result(world, make_hazard):
    h = make_hazard()
    services.start_rectification(h, actor=world.officer_a)
    services.submit_rectification(h, actor=world.officer_a, note="已整改", photos=[photo()])
    outcomes = _race(
        [
            lambda: services.verify(h.pk, actor=world.inspector_a1, passed=True, note="通过"),
            lambda: services.verify(h.pk, actor=world.worker_a, passed=False, note="不通过"),
        ]
    )
    done = [o for o in outcomes if isinstance(o, Verification)]
    refused = [o for o in outcomes if isinstance(o, ConflictError)]
    assert len(done) == 1 and len(refused) == 1, outcomes
    h.refresh_from_db()
    assert Verification.objects.filter(hazard=h).count() == 1
    assert h.state == (State.CLOSED if done[0].passed else State.RECTIFYING)


def test_concurrent_registrations_get_distinct_codes(world):
    outcomes = _race(
        [
            lambda i=i: services.create_hazard(
                actor=world.inspector_a1,
                enterprise=world.ent_a1,
                data={"title": f"并发登记{i}"},
                deadline=__import__("django.utils.timezone", fromlist=["x"]).localdate(),
            )
            for i in range(4)
        ]
    )
    assert all(isinstance(o, Hazard) for o in outcomes), outcomes
    assert len({o.code for o in outcomes}) == 4
