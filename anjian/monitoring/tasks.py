"""Background jobs of monitoring. The periodic ones are declared in anjian/config/schedules.py (imported
here so that the Huey consumer, which discovers each app's tasks module, registers them)."""

from anjian.config import schedules  # noqa: F401
