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


@periodic_task(crontab(minute="15"))
def tipoff_deadlines() -> None:
    """Hourly: tip-off step reminders and overdue flags, the reporter's 10-day feedback clock."""
    from anjian.core.context import origin
    from anjian.tipoffs.services import sweep

    with origin("job"):
        sweep()


@periodic_task(crontab(minute="*"))
def monitoring_minutely() -> None:
    """Every minute: devices silent past their heartbeat go offline, unacknowledged alarms escalate, rollups."""
    from anjian.monitoring import jobs

    jobs.every_minute()


@periodic_task(crontab(hour="19", minute="10"))
def monitoring_daily() -> None:
    """03:10 Beijing time: reading partitions ahead, yesterday's rollups, retention."""
    from anjian.monitoring import jobs

    jobs.daily()
