"""The audit log is a hash chain: edits and deletions behind the app's back are found."""

import itertools

import pytest
from django.core.management import call_command
from django.db import connection

from anjian.core import audit
from anjian.core.context import origin
from anjian.core.models import AuditEntry, AuditHead


@pytest.fixture
def chain(world):
    with origin("web", ip="127.0.0.1"):
        for i in range(5):
            audit.record(
                actor=world.admin, action="update", obj=world.ent_a1, before={"n": i}, after={"n": i + 1}
            )
    return list(AuditEntry.objects.order_by("chain_index"))


def test_links_point_to_their_predecessor(chain):
    assert [e.chain_index for e in chain] == [1, 2, 3, 4, 5]
    assert chain[0].prev_hash == audit.GENESIS
    for prev, cur in itertools.pairwise(chain):
        assert cur.prev_hash == prev.hash
    assert chain[0].source == "web" and chain[0].actor_id is not None
    assert audit.verify_chain().ok


def _sql(statement, params):
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def test_edited_row_is_reported(chain):
    _sql("UPDATE core_auditentry SET object_repr = %s WHERE chain_index = %s", ["篡改", 3])
    report = audit.verify_chain()
    assert not report.ok and report.broken_at == 3 and "修改" in report.reason


def test_deleted_middle_row_is_reported(chain):
    _sql("DELETE FROM core_auditentry WHERE chain_index = %s", [2])
    report = audit.verify_chain()
    assert not report.ok and report.broken_at == 2


def test_deleted_last_row_is_reported(chain):
    _sql("DELETE FROM core_auditentry WHERE chain_index = %s", [5])
    report = audit.verify_chain()
    assert not report.ok and report.broken_at == 5


def test_rehashed_row_still_breaks_the_next_link(chain):
    row = AuditEntry.objects.get(chain_index=2)
    row.note = "改过"
    row.hash = row.compute_hash()
    AuditEntry.objects.filter(pk=row.pk).update(note=row.note, hash=row.hash)
    report = audit.verify_chain()
    assert not report.ok and report.broken_at == 3


def test_head_tracks_the_chain(chain):
    head = AuditHead.objects.get(pk=1)
    assert head.length == 5 and head.last_hash == chain[-1].hash


def test_snapshot_and_diff(world):
    snap = audit.snapshot(world.ent_a1, m2m=["categories"])
    assert snap["uscc"] == world.ent_a1.uscc and snap["community_id"] == world.community_a.pk
    assert isinstance(snap["categories"], list) and len(snap["categories"]) == 1
    before, after = audit.diff({"a": 1, "b": 2}, {"a": 1, "b": 3})
    assert before == {"b": 2} and after == {"b": 3}


def test_verify_audit_command_exit_codes(chain, capsys):
    if "verify_audit" not in __import__("django.core.management", fromlist=["get_commands"]).get_commands():
        pytest.skip("verify-audit command not installed")
    call_command("verify_audit")
    _sql("UPDATE core_auditentry SET action = %s WHERE chain_index = %s", ["forged", 4])
    with pytest.raises(SystemExit) as exc:
        call_command("verify_audit")
    assert exc.value.code == 1
