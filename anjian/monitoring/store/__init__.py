"""The readings store: a table built for volume, with rollups and retention.

All backend-specific SQL lives in `postgres.py` (declarative daily partitions, BRIN, COPY) and
`sqlite.py` (plain indexed table, executemany); both expose the same functions. Times are epoch
milliseconds (UTC) at this interface; a row is (device_id, ts_ms, seq or None, metrics as JSON text or UTF-8 bytes)."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from django.db import connections

Row = tuple[int, int, int | None, str | bytes]


class DuplicateReading(Exception):
    """The fast bulk write met a reading that is already stored; retry with `insert_ignoring_duplicates`."""


def backend(using: str = "default") -> ModuleType:
    """The store module for the database alias `using`."""
    vendor = connections[using].vendor
    if vendor == "postgresql":
        from anjian.monitoring.store import postgres

        return postgres
    if vendor == "sqlite":
        from anjian.monitoring.store import sqlite

        return sqlite
    raise RuntimeError(f"the readings store does not support the {vendor} database")


def connection(using: str = "default") -> Any:
    return connections[using]
