"""The enterprise page shows what other capabilities know about it, within the viewer's scope."""

import datetime as dt

from django.utils import timezone

from anjian.hazards import services as hazard_services


def test_detail_shows_open_hazards_and_counts(world):
    hazard = hazard_services.create_hazard(
        actor=world.admin,
        enterprise=world.ent_a1,
        data={"title": "氰化物与酸类混放", "description": "电镀车间氰化物与盐酸同柜存放"},
        deadline=timezone.localdate() + dt.timedelta(days=10),
    )
    page = world.client(world.worker_a).get(f"/enterprises/{world.ent_a1.pk}/").content.decode()
    assert "安全监管概况" in page and hazard.code in page
    other = world.client(world.admin).get(f"/enterprises/{world.ent_a2.pk}/").content.decode()
    assert hazard.code not in other
    assert world.client(world.worker_b).get(f"/enterprises/{world.ent_a1.pk}/").status_code == 404
