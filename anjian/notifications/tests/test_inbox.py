"""notify() fills inboxes once per recipient; the inbox shows only one's own messages."""

from anjian.notifications.models import Notification
from anjian.notifications.services import mark_read, notify, unread_count


def test_notify_and_read(world):
    notify(
        [world.worker_a, world.worker_a, world.admin],
        title="证照即将到期",
        body="甲一电镀",
        link="/enterprises/",
    )
    assert Notification.objects.count() == 2
    assert unread_count(world.worker_a) == 1
    page = world.client(world.worker_a).get("/inbox/")
    assert "证照即将到期" in page.content.decode()
    assert "证照即将到期" not in world.client(world.worker_b).get("/inbox/").content.decode()
    assert mark_read(world.worker_a) == 1 and unread_count(world.worker_a) == 0


def test_dedupe_key(world):
    notify([world.admin], title="逾期", dedupe_key="hazard:1:overdue")
    notify([world.admin], title="逾期", dedupe_key="hazard:1:overdue")
    assert Notification.objects.filter(recipient=world.admin).count() == 1


def test_mark_read_view_only_touches_own(world):
    [mine] = notify([world.worker_a], title="A")
    [theirs] = notify([world.worker_b], title="B")
    world.client(world.worker_a).post("/inbox/read/", {"id": [mine.pk, theirs.pk]})
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None


def test_deactivated_users_are_not_notified(world):
    world.worker_b.is_active = False
    world.worker_b.save()
    assert notify([world.worker_b], title="x") == []
