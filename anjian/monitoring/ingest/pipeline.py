"""The ingest pipeline shared by MQTT and HTTP: decode → validate → dedupe → write readings in one batch →
evaluate rules → raise/clear alarms → device status and counters, all in one transaction per batch.

A batch either commits entirely or not at all; the MQTT consumer acknowledges its messages only after
`process()` returned. Duplicates are caught by an in-memory window per device, then by the database
(lookups for suspicious messages, and the unique key of the readings table as the last guard)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import orjson
from django.db import connections, transaction
from django.db.models import F
from django.db.models.functions import Greatest

from anjian.core.context import origin
from anjian.monitoring import conf, store
from anjian.monitoring.choices import AlarmState, DeviceStatus, IngestReason, RuleKind
from anjian.monitoring.ingest.decode import Rejected, Status, Telemetry, decode, parse_status, parse_telemetry
from anjian.monitoring.ingest.registry import DeviceEntry, Registry
from anjian.monitoring.ingest.rules import Transition, evaluate, evaluate_clock
from anjian.monitoring.models import Alarm, Device, IngestStat
from anjian.monitoring.services import alarms

log = logging.getLogger("anjian.ingest")
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ACCEPTED, DUPLICATE, REJECTED = "accepted", "duplicate", "rejected"
LABELS = {r.value: str(r.label) for r in IngestReason}
_RAW = (bytes, bytearray, str)  # payloads still to decode (a tuple: isinstance on a union type is slow)


class Inbound(NamedTuple):
    """One message entering the pipeline: device code (topic or body), kind, payload (bytes or decoded)."""

    code: str | None
    kind: str
    payload: Any
    received_ms: int
    reject: str = ""


class Result(NamedTuple):
    status: str
    reason: str = ""
    detail: str = ""

    def as_dict(self, index: int) -> dict[str, Any]:
        out: dict[str, Any] = {"index": index, "status": self.status}
        if self.reason:
            out["reason"] = self.reason
            out["message"] = LABELS.get(self.reason, self.reason) + (
                f"：{self.detail}" if self.detail else ""
            )
        return out


_OK = Result(ACCEPTED)
_DUP = Result(DUPLICATE)


def to_datetime(ms: int) -> dt.datetime:
    return EPOCH + dt.timedelta(milliseconds=ms)


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class Pipeline:
    """Stateful processor of message batches for one source ("mqtt" or "http")."""

    def __init__(
        self,
        source: str,
        *,
        using: str = "default",
        registry: Registry | None = None,
        clock: Callable[[], int] = wall_ms,
        save_state_each_batch: bool = False,
    ) -> None:
        self.source = source
        self.using = using
        self.registry = registry or Registry()
        self.clock = clock
        self.save_state_each_batch = save_state_each_batch
        self._state_saved = time.monotonic()
        self.totals: dict[str, int] = {}
        self.raised: list[
            int
        ] = []  # device times of the alarms raised by the last batch (latency measurement)

    # ----------------------------------------------------------------------------------------- batches
    def process(self, batch: list[Inbound]) -> list[Result]:
        """Process and commit one batch; returns one Result per message (same order)."""
        conn = connections[self.using]
        backend = store.backend(self.using)
        self.registry.refresh_if_changed()
        now_ms = self.clock()
        skew_ms = conf.get("MAX_CLOCK_SKEW_S") * 1000
        oldest_ms = now_ms - conf.get("RAW_RETENTION_DAYS") * 86_400_000
        max_bytes = conf.get("PAYLOAD_MAX_BYTES")
        results: list[Result | None] = [None] * len(batch)
        self.raised = []
        # (index, entry, parsed, received_ms) of messages that may be stored
        fresh: list[tuple[int, DeviceEntry, Telemetry, int, bytes]] = []
        suspects: list[tuple[int, DeviceEntry, Telemetry, int, bytes]] = []
        statuses: list[tuple[int, DeviceEntry, Status]] = []
        registry_get = self.registry.get
        dumps = orjson.dumps
        for i, m in enumerate(batch):
            if m.reject:
                results[i] = Result(REJECTED, m.reject)
                continue
            entry = registry_get(m.code) if m.code else None
            if entry is None:
                results[i] = Result(REJECTED, IngestReason.UNKNOWN_DEVICE, (m.code or "")[:64])
                continue
            if not entry.active:
                results[i] = Result(REJECTED, IngestReason.DEVICE_DISABLED, entry.code)
                continue
            obj = m.payload
            if isinstance(obj, _RAW):
                obj = decode(obj, max_bytes)
                if isinstance(obj, Rejected):
                    results[i] = Result(REJECTED, obj.reason, obj.detail)
                    continue
            if m.kind == "status":
                st = parse_status(obj, now_ms=now_ms, max_skew_ms=skew_ms, oldest_ms=oldest_ms)
                if isinstance(st, Rejected):
                    results[i] = Result(REJECTED, st.reason, st.detail)
                else:
                    statuses.append((i, entry, st))
                    results[i] = _OK
                continue
            p = parse_telemetry(obj, now_ms=now_ms, max_skew_ms=skew_ms, oldest_ms=oldest_ms)
            if isinstance(p, Rejected):
                results[i] = Result(REJECTED, p.reason, p.detail)
                continue
            seq = p.seq
            if seq is not None:
                if entry.last_seq is None or seq > entry.last_seq:
                    entry.last_seq = seq
                    entry.recent.append(seq)
                    target = fresh
                elif seq in entry.recent:
                    results[i] = _DUP
                    continue
                else:
                    entry.recent.append(seq)
                    target = suspects
            else:
                ts = p.ts_ms
                if entry.last_ts_key is None or ts > entry.last_ts_key:
                    entry.last_ts_key = ts
                    entry.recent_ts.append(ts)
                    target = fresh
                elif ts in entry.recent_ts:
                    results[i] = _DUP
                    continue
                else:
                    entry.recent_ts.append(ts)
                    target = suspects
            target.append((i, entry, p, m.received_ms, dumps(p.metrics)))
            results[i] = _OK

        if fresh or suspects:
            backend.ensure_partitions(
                conn, _days([f[2].ts_ms for f in fresh] + [s[2].ts_ms for s in suspects])
            )
        try:
            # wrap_database_errors: a driver error raised outside Django's cursor wrapper (COPY, when the
            # session is cut mid-write) reaches the caller as Django's OperationalError, like any other
            # lost connection, so the MQTT consumer keeps the batch and reconnects instead of exiting.
            with conn.wrap_database_errors, origin("ingest"), transaction.atomic(using=self.using):
                self._write(conn, backend, fresh, suspects, results)
                self._after_write(fresh, suspects, statuses, results, now_ms)
                lags = [r - p.ts_ms for _i, _e, p, r, _js in fresh]
                self._count(batch, results, now_ms, lags)
        except Exception:
            # The in-memory state may now be ahead of the database: start again from the database.
            self.registry.reset()
            raise
        for r in results:
            key = r.status if r is not None else REJECTED
            self.totals[key] = self.totals.get(key, 0) + 1
        return [r or Result(REJECTED, IngestReason.MALFORMED_JSON) for r in results]

    def _write(
        self,
        conn: Any,
        backend: Any,
        fresh: list[tuple[int, DeviceEntry, Telemetry, int, bytes]],
        suspects: list[tuple[int, DeviceEntry, Telemetry, int, bytes]],
        results: list[Result | None],
    ) -> None:
        rows = [(e.id, p.ts_ms, p.seq, js) for _i, e, p, _r, js in fresh]
        try:
            backend.write(conn, rows)
        except store.DuplicateReading as exc:
            # A reading of this batch is already stored (a redelivery after a crash): insert one by one.
            log.info("batch holds a reading already stored, checking each: %s", str(exc).splitlines()[-1])
            suspects = fresh + suspects
            fresh.clear()
        if not suspects:
            return
        seq_keys = [(e.id, p.ts_ms, p.seq) for _i, e, p, _r, _js in suspects if p.seq is not None]
        ts_keys = [(e.id, p.ts_ms) for _i, e, p, _r, _js in suspects if p.seq is None]
        known_seq = backend.find_seqs(conn, seq_keys)
        known_ts = backend.find_ts(conn, ts_keys)
        todo = []
        for item in suspects:
            _i, e, p, _r, _js = item
            if (p.seq is not None and (e.id, p.seq) in known_seq) or (
                p.seq is None and (e.id, p.ts_ms) in known_ts
            ):
                results[item[0]] = _DUP
            else:
                todo.append(item)
        inserted = backend.insert_ignoring_duplicates(
            conn, [(e.id, p.ts_ms, p.seq, js) for _i, e, p, _r, js in todo]
        )
        for item in todo:
            _i, e, p, _r, _js = item
            if (e.id, p.ts_ms, p.seq) in inserted:
                fresh.append(item)
            else:
                results[item[0]] = _DUP
        fresh.sort(key=lambda item: item[0])
        suspects.clear()

    def _after_write(
        self,
        stored: list[tuple[int, DeviceEntry, Telemetry, int, bytes]],
        _suspects: Any,
        statuses: list[tuple[int, DeviceEntry, Status]],
        results: list[Result | None],
        now_ms: int,
    ) -> None:
        transitions: list[tuple[DeviceEntry, Transition]] = []
        revive: dict[int, DeviceEntry] = {}
        touched: dict[int, DeviceEntry] = {}
        events: list[tuple[int, DeviceEntry, Any]] = [(i, e, p) for i, e, p, _r, _js in stored]
        if statuses:
            events += [(i, e, s) for i, e, s in statuses]
            events.sort(key=lambda x: x[0])
        for _i, entry, msg in events:
            touched[entry.id] = entry
            if isinstance(msg, Status):
                if not msg.online:
                    if entry.status != DeviceStatus.OFFLINE:
                        entry.status = DeviceStatus.OFFLINE
                        entry.row_dirty = True
                        entry.written_ms = 0
                    continue
                metrics = {"battery": msg.battery} if msg.battery is not None else {}
                if msg.battery is not None:
                    entry.battery = msg.battery
            else:
                metrics = msg.metrics
                b = metrics.get("battery")
                if b is not None:
                    entry.battery = b
            last = entry.last_seen_ms
            if (
                last is None
                or entry.status != DeviceStatus.ONLINE
                or now_ms - last >= entry.heartbeat_timeout_ms
            ):
                revive[entry.id] = entry
            entry.last_seen_ms = now_ms
            entry.row_dirty = True
            if metrics:
                for tr in evaluate(entry.rules, entry.state, msg.ts_ms, metrics):
                    transitions.append((entry, tr))
                entry.state_dirty = True
        if revive:
            self._revive(revive, now_ms)
        if transitions:
            self.apply(transitions)
        self._write_devices(touched, now_ms)
        if self.save_state_each_batch:
            self.save_states(force=True, only=touched)

    def _revive(self, entries: dict[int, DeviceEntry], now_ms: int) -> None:
        """Devices heard from after silence (or for the first time here): online, offline alarm cleared."""
        for alarm in Alarm.objects.filter(device_id__in=list(entries), rule__kind=RuleKind.HEARTBEAT).filter(
            state__in=[AlarmState.ACTIVE, AlarmState.ACKNOWLEDGED]
        ):
            alarms.ingest_clear(
                entries[alarm.device_id], alarm.rule_id, at=to_datetime(now_ms), note="设备恢复上报"
            )
        for entry in entries.values():
            for rule in entry.rules:
                if rule.kind == RuleKind.HEARTBEAT and rule.rule_id in entry.state.rules:
                    entry.state.rules[rule.rule_id].level = 0
            if entry.status != DeviceStatus.ONLINE:
                entry.status = DeviceStatus.ONLINE
                entry.written_ms = 0  # write the status change now

    def apply(self, transitions: list[tuple[DeviceEntry, Transition]]) -> None:
        """Raise, update and clear alarms in order; consecutive updates of one alarm collapse into the last."""
        out: list[tuple[DeviceEntry, Transition]] = []
        last_update: dict[tuple[int, int], int] = {}
        self.raised = [tr.ts_ms for _e, tr in transitions if tr.kind == "raise"]
        for entry, tr in transitions:
            key = (entry.id, tr.rule.rule_id)
            if tr.kind == "update" and key in last_update:
                prev = out[last_update[key]][1]
                out[last_update[key]] = (entry, tr._replace(level=max(prev.level, tr.level)))
                continue
            if tr.kind == "update":
                last_update[key] = len(out)
            else:
                last_update.pop(key, None)
            out.append((entry, tr))
        for entry, tr in out:
            rule = tr.rule
            at = to_datetime(tr.ts_ms)
            if tr.kind == "raise":
                alarms.ingest_raise(
                    entry,
                    rule.rule_id,
                    level=tr.level,
                    value=tr.value,
                    at=at,
                    message=tr.text,
                    metric=rule.metric,
                )
            elif tr.kind == "update":
                low = tr.value is not None and any(
                    x is not None and tr.value < x for x in (rule.warn_low, rule.alarm_low)
                )
                alarms.ingest_update(
                    entry,
                    rule.rule_id,
                    level=tr.level,
                    value=tr.value,
                    at=at,
                    message=tr.text,
                    metric=rule.metric,
                    low_side=low,
                )
            else:
                alarms.ingest_clear(entry, rule.rule_id, at=at, note=tr.text)

    def _write_devices(self, touched: dict[int, DeviceEntry], now_ms: int) -> None:
        """Last seen, sequence, status, battery and latest values, at most every few seconds per device.

        One executemany of plain UPDATEs (psycopg 3 pipelines them); Django's bulk_update builds CASE
        expressions that cost seconds for thousands of rows."""
        rows = []
        adapt = connections[self.using].ops.adapt_datetimefield_value
        for entry in touched.values():
            if not entry.row_dirty:
                continue
            throttle_ms = min(15_000, entry.interval_s * 1000)
            if now_ms - entry.written_ms < throttle_ms:
                continue
            entry.written_ms = now_ms
            entry.row_dirty = False
            rows.append(
                (
                    adapt(to_datetime(entry.last_seen_ms)) if entry.last_seen_ms else None,
                    entry.last_seq,
                    entry.status,
                    entry.battery,
                    orjson.dumps(entry.state.values).decode(),
                    entry.id,
                )
            )
        if rows:
            with connections[self.using].cursor() as cur:
                cur.executemany(
                    "UPDATE monitoring_device SET last_seen = %s, last_seq = %s, status = %s, battery = %s, "
                    "last_metrics = %s WHERE id = %s",
                    rows,
                )

    def _count(
        self, batch: list[Inbound], results: list[Result | None], now_ms: int, lags: list[int]
    ) -> None:
        """Add this batch to the per-minute counters (accepted, duplicate, each reject reason) and the receive
        lag (receive time − device time) of the stored readings."""
        agg: dict[str, int] = {}
        for r in results:
            reason = (r.reason or r.status) if r is not None else IngestReason.MALFORMED_JSON
            agg[reason] = agg.get(reason, 0) + 1
        bucket = to_datetime(now_ms - now_ms % 60_000)
        lags = [max(0, x) for x in lags]
        for reason, n in agg.items():
            if reason == ACCEPTED and lags:
                self._bump(bucket, reason, n, sum(lags), max(lags))
            else:
                self._bump(bucket, reason, n, 0, 0)

    def _bump(self, bucket: dt.datetime, reason: str, n: int, lag_sum: int, lag_max: int) -> None:
        key = {"bucket": bucket, "source": self.source, "reason": reason}
        changes = {
            "count": F("count") + n,
            "lag_ms_sum": F("lag_ms_sum") + lag_sum,
            "lag_ms_max": Greatest("lag_ms_max", lag_max),
        }
        if IngestStat.objects.filter(**key).update(**changes):
            return
        try:
            with transaction.atomic(using=self.using):
                IngestStat.objects.create(**key, count=n, lag_ms_sum=lag_sum, lag_ms_max=lag_max)
        except Exception:
            IngestStat.objects.filter(**key).update(**changes)

    # ----------------------------------------------------------------------------------------- clock
    def tick(self, now_ms: int | None = None) -> int:
        """Valve timers that ran out without a new message; periodic save of rule state."""
        now_ms = now_ms if now_ms is not None else self.clock()
        transitions: list[tuple[DeviceEntry, Transition]] = []
        for entry in self.registry.by_id.values():
            if not entry.active or not any(r.kind == RuleKind.VALVE for r in entry.rules):
                continue
            valve = [r for r in entry.rules if r.kind == RuleKind.VALVE]
            for tr in evaluate_clock(valve, entry.state, now_ms, entry.last_seen_ms, entry.interval_s):
                transitions.append((entry, tr))
        if transitions:
            with origin("ingest"), transaction.atomic(using=self.using):
                self.apply(transitions)
        self.save_states()
        return len(transitions)

    def save_states(self, *, force: bool = False, only: dict[int, DeviceEntry] | None = None) -> int:
        """Persist the rules' per-device memory (durations, rates, timers) so a restart keeps it."""
        if not force and time.monotonic() - self._state_saved < conf.get("STATE_SAVE_S"):
            return 0
        self._state_saved = time.monotonic()
        entries = (only or self.registry.by_id).values()
        rows = []
        for entry in entries:
            if entry.state_dirty:
                entry.state_dirty = False
                rows.append((orjson.dumps(entry.state.dump()).decode(), entry.id))
        if rows:
            with connections[self.using].cursor() as cur:
                cur.executemany("UPDATE monitoring_device SET rule_state = %s WHERE id = %s", rows)
        return len(rows)

    def flush_devices(self) -> None:
        """Write every pending device row now (graceful shutdown)."""
        pending = {e.id: e for e in self.registry.by_id.values() if e.row_dirty}
        for e in pending.values():
            e.written_ms = 0
        if pending:
            with transaction.atomic(using=self.using):
                self._write_devices(pending, self.clock())


def _days(ts_values: list[int]) -> set[dt.date]:
    if not ts_values:
        return set()
    lo, hi = min(ts_values) // 86_400_000, max(ts_values) // 86_400_000
    if hi - lo <= 3:
        return {dt.date(1970, 1, 1) + dt.timedelta(days=d) for d in range(lo, hi + 1)}
    return {dt.date(1970, 1, 1) + dt.timedelta(days=d) for d in {t // 86_400_000 for t in ts_values}}


def check_heartbeats(now: dt.datetime | None = None) -> int:
    """Devices silent for longer than their heartbeat timeout go offline with an alarm (periodic job)."""
    from django.utils import timezone

    now = now or timezone.now()
    now_ms = int((now - EPOCH).total_seconds() * 1000)
    registry = Registry()
    registry.load()
    raised = 0
    candidates = (
        Device.objects.filter(voided_at__isnull=True, last_seen__isnull=False)
        .exclude(status=DeviceStatus.OFFLINE)
        .values_list("pk", "last_seen")
    )
    with origin("job"):
        for pk, last_seen in candidates:
            entry = registry.by_id.get(pk)
            if entry is None:
                continue
            last_ms = int((last_seen - EPOCH).total_seconds() * 1000)
            heartbeat = [r for r in entry.rules if r.kind == RuleKind.HEARTBEAT]
            timeout = entry.heartbeat_timeout_ms
            if now_ms - last_ms < timeout:
                continue
            with transaction.atomic():
                updated = (
                    Device.objects.filter(pk=pk, last_seen=last_seen)
                    .exclude(status=DeviceStatus.OFFLINE)
                    .update(status=DeviceStatus.OFFLINE)
                )
                if not updated or not heartbeat:
                    continue
                for tr in evaluate_clock(heartbeat, entry.state, now_ms, last_ms, entry.interval_s):
                    alarms.ingest_raise(
                        entry, tr.rule.rule_id, level=tr.level, value=None, at=now, message=tr.text, metric=""
                    )
                    raised += 1
    return raised
