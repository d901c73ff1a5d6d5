"""Background jobs of the tip-off app. The periodic sweep is declared in anjian/config/schedules.py;
importing that module here registers it with the worker even if no other app does."""

from anjian.config import schedules  # noqa: F401
