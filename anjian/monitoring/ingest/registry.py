"""The devices the ingest pipeline knows, with their compiled rules and per-device state, kept in memory and
refreshed when the register or the rules change."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Max

from anjian.monitoring import conf
from anjian.monitoring.ingest.rules import CompiledRule, DeviceState, compile_rules
from anjian.monitoring.models import Device, Rule, RuleOverride

NEGATIVE_CACHE_S = 30.0


@dataclass(slots=True, eq=False)
class DeviceEntry:
    """One device as the pipeline sees it."""

    id: int
    code: str
    name: str
    type_code: str
    enterprise_id: int
    community_id: int
    grid_id: int | None
    interval_s: int
    active: bool
    status: str
    rules: list[CompiledRule]
    state: DeviceState
    last_seq: int | None = None
    last_ts_key: int | None = None  # newest ts of messages without seq
    recent: deque[int] = field(default_factory=lambda: deque(maxlen=conf.get("DEDUPE_WINDOW")))
    recent_ts: deque[int] = field(default_factory=lambda: deque(maxlen=conf.get("DEDUPE_WINDOW")))
    last_seen_ms: int | None = None  # wall clock of the last accepted message (this process)
    written_ms: int = 0  # when the device row was last written by this process
    battery: float | None = None
    seen_here: bool = False
    state_dirty: bool = False
    row_dirty: bool = False

    heartbeat_timeout_ms: int = 0

    def refresh_timeout(self) -> None:
        """Cache the heartbeat timeout (rule factor × reporting interval) after rules or interval change."""
        factor = next(
            (r.factor for r in self.rules if r.kind == "heartbeat"), float(conf.get("HEARTBEAT_FACTOR"))
        )
        self.heartbeat_timeout_ms = int(factor * self.interval_s * 1000)

    def rule_by_id(self, rule_id: int) -> CompiledRule | None:
        return next((r for r in self.rules if r.rule_id == rule_id), None)


def overrides_by_device(devices: list[Device]) -> dict[int, dict[int, dict[str, Any]]]:
    """Merged override values per device and rule: the site's override, then the device's own on top."""
    ids = [d.pk for d in devices]
    enterprises = {d.enterprise_id for d in devices}
    site: dict[tuple[int, int], dict[str, Any]] = {}
    own: dict[tuple[int, int], dict[str, Any]] = {}
    qs = RuleOverride.objects.filter(voided_at__isnull=True, enterprise_id__in=enterprises)
    for o in qs.only("rule_id", "device_id", "enterprise_id", "values"):
        if o.device_id is None:
            site[(o.enterprise_id, o.rule_id)] = o.values or {}
        elif o.device_id in ids:
            own[(o.device_id, o.rule_id)] = o.values or {}
    out: dict[int, dict[int, dict[str, Any]]] = {}
    for d in devices:
        merged: dict[int, dict[str, Any]] = {}
        for (ent, rule_id), values in site.items():
            if ent == d.enterprise_id:
                merged.setdefault(rule_id, {}).update(values)
        for (dev, rule_id), values in own.items():
            if dev == d.pk:
                merged.setdefault(rule_id, {}).update(values)
        out[d.pk] = merged
    return out


def effective_rules(device: Device) -> list[CompiledRule]:
    """The compiled rules that apply to one device (pack defaults ← site ← device overrides)."""
    rules = list(Rule.objects.filter(pack__device_type_id=device.type_id).order_by("sort_order", "id"))
    return compile_rules(
        rules, overrides_by_device([device]).get(device.pk, {}), rated_current=device.rated_current
    )


class Registry:
    """Device lookup by code for the pipeline, with a negative cache for unknown codes."""

    def __init__(self) -> None:
        self.by_code: dict[str, DeviceEntry] = {}
        self.by_id: dict[int, DeviceEntry] = {}
        self._missing: dict[str, float] = {}
        self._signature: tuple[Any, ...] | None = None
        self._checked = 0.0

    def signature(self) -> tuple[Any, ...]:
        d = Device.objects.aggregate(n=Count("id"), u=Max("updated_at"))
        r = Rule.objects.aggregate(u=Max("updated_at"))
        o = RuleOverride.objects.aggregate(n=Count("id"), u=Max("updated_at"))
        return (d["n"], d["u"], r["u"], o["n"], o["u"])

    def load(self, codes: list[str] | None = None) -> None:
        """(Re)load devices and rules, keeping the in-memory state of devices already known."""
        qs = Device.objects.select_related("type")
        if codes is not None:
            qs = qs.filter(code__in=codes)
        devices = list(qs)
        rules_by_type: dict[int, list[Rule]] = {}
        for rule in (
            Rule.objects.filter(pack__device_type_id__in={d.type_id for d in devices})
            .select_related("pack")
            .order_by("sort_order", "id")
        ):
            rules_by_type.setdefault(rule.pack.device_type_id, []).append(rule)
        overrides = overrides_by_device(devices)
        for d in devices:
            compiled = compile_rules(
                rules_by_type.get(d.type_id, []), overrides.get(d.pk, {}), rated_current=d.rated_current
            )
            old = self.by_id.get(d.pk)
            if old is not None:
                old.rules = compiled
                old.active = d.voided_at is None
                old.interval_s = d.reporting_interval_s
                old.enterprise_id, old.community_id, old.grid_id = d.enterprise_id, d.community_id, d.grid_id
                old.name = d.name
                old.refresh_timeout()
                if old.code != d.code:
                    self.by_code.pop(old.code, None)
                    old.code = d.code
                    self.by_code[d.code] = old
                continue
            entry = DeviceEntry(
                id=d.pk,
                code=d.code,
                name=d.name,
                type_code=d.type.code,
                enterprise_id=d.enterprise_id,
                community_id=d.community_id,
                grid_id=d.grid_id,
                interval_s=d.reporting_interval_s,
                active=d.voided_at is None,
                status=d.status,
                rules=compiled,
                state=DeviceState.load(d.rule_state),
                last_seq=d.last_seq,
                battery=d.battery,
            )
            entry.last_ts_key = entry.state.last_ts
            entry.refresh_timeout()
            self.by_code[d.code] = entry
            self.by_id[d.pk] = entry
            self._missing.pop(d.code, None)

    def get(self, code: str) -> DeviceEntry | None:
        entry = self.by_code.get(code)
        if entry is not None:
            return entry
        now = time.monotonic()
        if self._missing.get(code, 0) > now:
            return None
        self.load([code])
        entry = self.by_code.get(code)
        if entry is None:
            self._missing[code] = now + NEGATIVE_CACHE_S
            if len(self._missing) > 100_000:
                self._missing.clear()
        return entry

    def refresh_if_changed(self, every_s: float = 5.0) -> bool:
        """Reload when a device, rule or override changed since the last look (checked every few seconds)."""
        now = time.monotonic()
        if now - self._checked < every_s:
            return False
        self._checked = now
        sig = self.signature()
        if sig == self._signature:
            return False
        self._signature = sig
        self.load()
        self._missing.clear()
        return True

    def reset(self) -> None:
        """Forget everything (after a failed batch the in-memory state may be ahead of the database)."""
        self.by_code.clear()
        self.by_id.clear()
        self._missing.clear()
        self._signature = None
