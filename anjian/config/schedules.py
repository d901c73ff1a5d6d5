"""Every periodic job of Anjian, declared in one place. Jobs are small and idempotent: each calls a plain
function of its app (tested there with a controlled clock). Huey runs with utc=True, so crontab hours
below are UTC (Beijing time − 8)."""

from huey import crontab
from huey.contrib.djhuey import periodic_task

from anjian.hazards import deadlines


@periodic_task(crontab(hour="0", minute="30"))
def hazard_deadlines() -> None:
    """08:30 Beijing time: deadline reminders, overdue flags, escalation, 挂牌督办 progress reminders."""
    deadlines.run_daily()
