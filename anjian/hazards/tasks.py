"""Background jobs of the hazards app. The Huey consumer imports each app's tasks module; importing the
schedules module here registers the periodic jobs declared in anjian/config/schedules.py."""

from anjian.config import schedules  # noqa: F401
