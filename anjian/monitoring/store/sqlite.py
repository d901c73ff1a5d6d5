"""Readings on SQLite (the embedded default): a plain table indexed by device and time, ts as epoch
milliseconds, batch writes with executemany, rollups with json_each, retention by DELETE."""

# ruff: noqa: S608 - identifiers in SQL are this module's constants; every value is a bound parameter.

from __future__ import annotations

from typing import Any

import orjson
from django.db import IntegrityError, transaction

from anjian.monitoring.store import DuplicateReading, Row

TABLE = "monitoring_reading"

SCHEMA = [
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        device_id integer NOT NULL,
        ts integer NOT NULL,
        seq integer,
        metrics text NOT NULL
    )""",
    # (device, seq) identifies a reading; (device, ts) when the device sends no seq (CONTRACTS.md §4).
    f"CREATE UNIQUE INDEX IF NOT EXISTS monitoring_reading_seq ON {TABLE} (device_id, seq) WHERE seq IS NOT NULL",
    f"CREATE UNIQUE INDEX IF NOT EXISTS monitoring_reading_ts_noseq ON {TABLE} (device_id, ts) WHERE seq IS NULL",
    f"CREATE INDEX IF NOT EXISTS monitoring_reading_device_ts ON {TABLE} (device_id, ts)",
    f"CREATE INDEX IF NOT EXISTS monitoring_reading_ts ON {TABLE} (ts)",
    """CREATE TABLE IF NOT EXISTS monitoring_rollup_minute (
        device_id integer NOT NULL, bucket integer NOT NULL, metric varchar(30) NOT NULL,
        n integer NOT NULL, vmin real, vmax real, vsum real, PRIMARY KEY (device_id, bucket, metric))""",
    """CREATE TABLE IF NOT EXISTS monitoring_rollup_hour (
        device_id integer NOT NULL, bucket integer NOT NULL, metric varchar(30) NOT NULL,
        n integer NOT NULL, vmin real, vmax real, vsum real, PRIMARY KEY (device_id, bucket, metric))""",
]
INSERT = f"INSERT INTO {TABLE} (device_id, ts, seq, metrics) VALUES (%s, %s, %s, %s)"


def create_schema(connection: Any, days_ahead: int = 7) -> None:
    with connection.cursor() as cur:
        for sql in SCHEMA:
            cur.execute(sql)


def drop_schema(connection: Any) -> None:
    with connection.cursor() as cur:
        for table in (TABLE, "monitoring_rollup_minute", "monitoring_rollup_hour"):
            cur.execute(f"DROP TABLE IF EXISTS {table}")


def ensure_partitions(connection: Any, days: Any) -> None:
    """SQLite has no partitions: one table holds every day."""


def forget_partitions() -> None:
    """Nothing is cached on SQLite."""


def write(connection: Any, rows: list[Row]) -> None:
    """executemany in a savepoint; DuplicateReading when one of the rows is already stored."""
    if not rows:
        return
    rows = _text_metrics(rows)
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cur:
            cur.executemany(INSERT, rows)
    except IntegrityError as exc:
        raise DuplicateReading(str(exc)) from exc


def _text_metrics(rows: list[Row]) -> list[Row]:
    """Metrics as JSON text (the pipeline hands over orjson bytes; SQLite would store bytes as a BLOB)."""
    return [(d, t, s, m.decode() if type(m) is bytes else m) for d, t, s, m in rows]


def insert_ignoring_duplicates(connection: Any, rows: list[Row]) -> set[tuple[int, int, int | None]]:
    """Insert the rows that are not stored yet; returns the keys actually inserted."""
    inserted: set[tuple[int, int, int | None]] = set()
    with connection.cursor() as cur:
        for row in _text_metrics(rows):
            cur.execute(INSERT.replace("INSERT INTO", "INSERT OR IGNORE INTO"), row)
            if cur.rowcount == 1:
                inserted.add((row[0], row[1], row[2]))
    return inserted


def find_seqs(
    connection: Any, keys: list[tuple[int, int, int]], window_ms: int = 3_600_000
) -> set[tuple[int, int]]:
    """Which (device_id, seq) are already stored (the unique index makes the window unnecessary here)."""
    found: set[tuple[int, int]] = set()
    with connection.cursor() as cur:
        for device_id, _ts, seq in keys:
            cur.execute(f"SELECT 1 FROM {TABLE} WHERE device_id = %s AND seq = %s", [device_id, seq])
            if cur.fetchone():
                found.add((device_id, seq))
    return found


def find_ts(connection: Any, keys: list[tuple[int, int]]) -> set[tuple[int, int]]:
    found: set[tuple[int, int]] = set()
    with connection.cursor() as cur:
        for device_id, ts in keys:
            cur.execute(
                f"SELECT 1 FROM {TABLE} WHERE device_id = %s AND ts = %s AND seq IS NULL", [device_id, ts]
            )
            if cur.fetchone():
                found.add((device_id, ts))
    return found


def fetch_raw(
    connection: Any, device_id: int, since_ms: int, until_ms: int, limit: int = 20000
) -> list[tuple[int, dict[str, Any]]]:
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT ts, metrics FROM (SELECT ts, metrics FROM {TABLE}
                WHERE device_id = %s AND ts >= %s AND ts < %s ORDER BY ts DESC LIMIT %s) ORDER BY ts""",
            [device_id, since_ms, until_ms, limit],
        )
        return [(int(t), orjson.loads(m)) for t, m in cur.fetchall()]


def fetch_rollup(
    connection: Any, grain: str, device_id: int, since_ms: int, until_ms: int
) -> list[tuple[int, str, int, float, float, float]]:
    table = {"minute": "monitoring_rollup_minute", "hour": "monitoring_rollup_hour"}[grain]
    with connection.cursor() as cur:
        cur.execute(
            f"""SELECT bucket, metric, n, vmin, vmax, vsum FROM {table}
            WHERE device_id = %s AND bucket >= %s AND bucket < %s ORDER BY bucket, metric""",
            [device_id, since_ms, until_ms],
        )
        return [(int(b), m, n, lo, hi, s) for b, m, n, lo, hi, s in cur.fetchall()]


def rollup(connection: Any, since_ms: int, until_ms: int) -> tuple[int, int]:
    """Recompute minute rollups for [since, until) from raw readings and hour rollups from minutes."""
    with connection.cursor() as cur:
        cur.execute(
            f"""INSERT INTO monitoring_rollup_minute (device_id, bucket, metric, n, vmin, vmax, vsum)
            SELECT r.device_id, (r.ts / 60000) * 60000, kv.key, count(*), min(kv.value), max(kv.value), sum(kv.value)
            FROM {TABLE} r, json_each(r.metrics) kv
            WHERE r.ts >= %s AND r.ts < %s AND kv.type IN ('integer', 'real')
            GROUP BY 1, 2, 3
            ON CONFLICT (device_id, bucket, metric) DO UPDATE
            SET n = excluded.n, vmin = excluded.vmin, vmax = excluded.vmax, vsum = excluded.vsum""",
            [since_ms, until_ms],
        )
        minutes = cur.rowcount
        h_since = since_ms - since_ms % 3_600_000
        h_until = until_ms + (-until_ms) % 3_600_000
        cur.execute(
            """INSERT INTO monitoring_rollup_hour (device_id, bucket, metric, n, vmin, vmax, vsum)
            SELECT device_id, (bucket / 3600000) * 3600000, metric, sum(n), min(vmin), max(vmax), sum(vsum)
            FROM monitoring_rollup_minute WHERE bucket >= %s AND bucket < %s
            GROUP BY 1, 2, 3
            ON CONFLICT (device_id, bucket, metric) DO UPDATE
            SET n = excluded.n, vmin = excluded.vmin, vmax = excluded.vmax, vsum = excluded.vsum""",
            [h_since, h_until],
        )
        return minutes, cur.rowcount


def apply_retention(
    connection: Any, now_ms: int, raw_days: int, minute_days: int, hour_days: int
) -> dict[str, int]:
    with connection.cursor() as cur:
        cur.execute(f"DELETE FROM {TABLE} WHERE ts < %s", [now_ms - raw_days * 86_400_000])
        raw = cur.rowcount
        cur.execute(
            "DELETE FROM monitoring_rollup_minute WHERE bucket < %s", [now_ms - minute_days * 86_400_000]
        )
        minutes = cur.rowcount
        cur.execute("DELETE FROM monitoring_rollup_hour WHERE bucket < %s", [now_ms - hour_days * 86_400_000])
        hours = cur.rowcount
    return {"partitions_dropped": 0, "raw_deleted": raw, "minute_deleted": minutes, "hour_deleted": hours}


def count(connection: Any, device_id: int | None = None) -> int:
    with connection.cursor() as cur:
        if device_id is None:
            cur.execute(f"SELECT count(*) FROM {TABLE}")
        else:
            cur.execute(f"SELECT count(*) FROM {TABLE} WHERE device_id = %s", [device_id])
        return int(cur.fetchone()[0])


def info(connection: Any) -> dict[str, Any]:
    with connection.cursor() as cur:
        cur.execute(f"SELECT coalesce(max(rowid), 0) FROM {TABLE}")
        rows = int(cur.fetchone()[0])
    return {"backend": "SQLite（单表 + 索引）", "partitions": 0, "rows": rows, "bytes": 0}
