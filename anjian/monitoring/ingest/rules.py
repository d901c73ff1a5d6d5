"""Rule evaluation with per-device state: plain functions and small classes, no database.

A device's effective rules (pack defaults ← site override ← device override) are compiled into
`CompiledRule`s; `evaluate()` takes one message and returns alarm transitions (raise / update / clear).
Readings older than the last evaluated one (out of order) are stored but never change alarm state."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from anjian.monitoring.choices import METRICS, RuleKind

RATE_WINDOW_MS = 60_000
RATE_MAX_GAP_MS = 300_000
RATE_HISTORY = 16
# Rule kinds as plain strings: compared once per rule and message, an enum attribute lookup costs more.
HEARTBEAT, RATE, VALVE, INTERLOCK = (
    str(k.value) for k in (RuleKind.HEARTBEAT, RuleKind.RATE, RuleKind.VALVE, RuleKind.INTERLOCK)
)


@dataclass(slots=True)
class CompiledRule:
    """A rule with its effective parameters for one device (times in milliseconds)."""

    rule_id: int
    code: str
    name: str
    kind: str
    metric: str = ""
    aux_metric: str = ""
    warn_low: float | None = None
    alarm_low: float | None = None
    warn_high: float | None = None
    alarm_high: float | None = None
    high_inclusive: bool = True
    warn_duration_ms: int = 0
    alarm_duration_ms: int = 0
    aux_threshold: float | None = None
    timeout_ms: int = 30_000
    factor: float = 3.0
    # The band of normal values (level 0) of a banded rule, `ok_lo <= value < ok_hi`: a reading inside it
    # with nothing pending for the rule changes nothing, and `evaluate` skips the rest (the common case).
    ok_lo: float = field(init=False, default=-math.inf)
    ok_hi: float = field(init=False, default=math.inf)

    def __post_init__(self) -> None:
        lows = [x for x in (self.warn_low, self.alarm_low) if x is not None]
        highs = [x for x in (self.warn_high, self.alarm_high) if x is not None]
        self.ok_lo = max(lows) if lows else -math.inf  # lows are strict: value < low is abnormal
        if highs:
            hi = min(highs)  # value >= hi (or > hi when not inclusive) is abnormal
            self.ok_hi = hi if self.high_inclusive else math.nextafter(hi, math.inf)
        else:
            self.ok_hi = math.inf


class Transition(NamedTuple):
    """What a message (or the clock) did to a rule's condition: "raise", "update" or "clear"."""

    kind: str
    rule: CompiledRule
    level: int
    value: float | None
    ts_ms: int
    text: str


@dataclass(slots=True)
class RuleState:
    level: int = 0
    since1: int | None = None
    since2: int | None = None
    timer: int | None = None
    hist: list[tuple[int, float]] = field(default_factory=list)

    def dump(self) -> dict[str, Any]:
        return {"l": self.level, "s1": self.since1, "s2": self.since2, "t": self.timer, "h": self.hist}

    @classmethod
    def load(cls, data: dict[str, Any]) -> RuleState:
        return cls(
            level=int(data.get("l") or 0),
            since1=data.get("s1"),
            since2=data.get("s2"),
            timer=data.get("t"),
            hist=[(int(t), float(v)) for t, v in data.get("h") or []],
        )


@dataclass(slots=True)
class DeviceState:
    """Everything the rules remember about one device between messages."""

    last_ts: int | None = None
    values: dict[str, float] = field(default_factory=dict)
    rules: dict[int, RuleState] = field(default_factory=dict)

    def rule(self, rule_id: int) -> RuleState:
        state = self.rules.get(rule_id)
        if state is None:
            state = self.rules[rule_id] = RuleState()
        return state

    def dump(self) -> dict[str, Any]:
        return {
            "ts": self.last_ts,
            "v": self.values,
            "r": {
                str(k): v.dump() for k, v in self.rules.items() if v.level or v.since1 or v.timer or v.hist
            },
        }

    @classmethod
    def load(cls, data: dict[str, Any] | None) -> DeviceState:
        data = data or {}
        return cls(
            last_ts=data.get("ts"),
            values={str(k): float(v) for k, v in (data.get("v") or {}).items()},
            rules={int(k): RuleState.load(v) for k, v in (data.get("r") or {}).items()},
        )


def _fmt(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _unit(metric: str) -> str:
    m = METRICS.get(metric)
    return m.unit if m else ""


def band_level(rule: CompiledRule, value: float) -> int:
    """0, 1 (预警) or 2 (报警) for a value against the rule's low/high bands (lows strict, highs ≥ or >)."""
    inclusive = rule.high_inclusive
    ah, wh = rule.alarm_high, rule.warn_high
    if (rule.alarm_low is not None and value < rule.alarm_low) or (
        ah is not None and (value >= ah if inclusive else value > ah)
    ):
        return 2
    if (rule.warn_low is not None and value < rule.warn_low) or (
        wh is not None and (value >= wh if inclusive else value > wh)
    ):
        return 1
    return 0


def _with_duration(rule: CompiledRule, st: RuleState, raw: int, ts: int) -> int:
    """The level once the minimum durations are honoured (a condition must hold that long)."""
    if raw >= 2:
        if st.since2 is None:
            st.since2 = ts
    else:
        st.since2 = None
    if raw >= 1:
        if st.since1 is None:
            st.since1 = ts
    else:
        st.since1 = None
    if raw >= 2 and st.since2 is not None and ts - st.since2 >= rule.alarm_duration_ms:
        return 2
    if raw >= 1 and st.since1 is not None and ts - st.since1 >= rule.warn_duration_ms:
        return 1
    return 0


def rate_per_minute(hist: list[tuple[int, float]], ts: int, value: float) -> float | None:
    """Rise per minute against the oldest sample within the last minute (or the last one, if older)."""
    base: tuple[int, float] | None = None
    for t, v in hist:
        if t < ts and ts - t <= RATE_WINDOW_MS:
            base = (t, v)
            break
    if base is None and hist:
        t, v = hist[-1]
        if t < ts and ts - t <= RATE_MAX_GAP_MS:
            base = (t, v)
    if base is None:
        return None
    return (value - base[1]) * 60_000 / (ts - base[0])


def _text(rule: CompiledRule, level: int, value: float | None, extra: str = "") -> str:
    label = METRICS[rule.metric].label if rule.metric in METRICS else rule.name
    unit = _unit(rule.metric)
    word = "报警" if level >= 2 else "预警"
    if rule.kind == RuleKind.RATE:
        return f"{rule.name}{word}：{label}上升 {_fmt(value)}{unit}/分钟"
    if rule.kind == RuleKind.HEARTBEAT:
        return f"{rule.name}：{extra}"
    if rule.kind in (RuleKind.VALVE, RuleKind.INTERLOCK):
        return f"{rule.name}：{extra}"
    return f"{rule.name}{word}：{label} {_fmt(value)}{unit}"


def _step(
    rule: CompiledRule, st: RuleState, new: int, value: float | None, ts: int, text: str
) -> Transition | None:
    old = st.level
    st.level = new
    if new and not old:
        return Transition("raise", rule, new, value, ts, text)
    if new:
        return Transition("update", rule, new, value, ts, text)
    if old:
        return Transition("clear", rule, 0, value, ts, text)
    return None


def evaluate(
    rules: list[CompiledRule], state: DeviceState, ts: int, metrics: dict[str, float]
) -> list[Transition]:
    """Transitions caused by one message at device time `ts` (nothing if it is older than the last one)."""
    if state.last_ts is not None and ts < state.last_ts:
        return []
    state.last_ts = ts
    values = state.values
    values.update(metrics)
    out: list[Transition] = []
    states = state.rules
    for rule in rules:
        kind = rule.kind
        st = states.get(rule.rule_id)
        if kind == HEARTBEAT:
            # Any message proves the device alive: an offline alarm clears.
            if st is not None and st.level:
                tr = _step(rule, st, 0, None, ts, "设备恢复上报")
                if tr:
                    out.append(tr)
            continue
        if kind in (VALVE, INTERLOCK):
            if rule.metric not in metrics and rule.aux_metric not in metrics:
                continue
            st = st or state.rule(rule.rule_id)
            tr = _combined(rule, st, values, ts)
            if tr:
                out.append(tr)
            continue
        value = metrics.get(rule.metric)
        if value is None:
            continue
        if kind == RATE:
            st = st or state.rule(rule.rule_id)
            rate = rate_per_minute(st.hist, ts, value)
            st.hist.insert(0, (ts, value))
            del st.hist[RATE_HISTORY:]
            if rate is None:
                continue
            raw = band_level(rule, rate) if rate > 0 else 0
            value = round(rate, 3)
        elif rule.ok_lo <= value < rule.ok_hi and (
            st is None or (not st.level and st.since1 is None and st.since2 is None)
        ):
            continue  # the common case: normal reading, nothing pending
        else:
            raw = band_level(rule, value)
        st = st or state.rule(rule.rule_id)
        if not raw and not st.level and st.since1 is None and st.since2 is None:
            continue
        level = _with_duration(rule, st, raw, ts)
        tr = _step(rule, st, level, value, ts, _text(rule, level or st.level, value))
        if tr:
            out.append(tr)
    return out


def _combined(rule: CompiledRule, st: RuleState, values: dict[str, float], ts: int) -> Transition | None:
    """Valve-not-closed and interlock rules: conditions on two metrics at once (latest known values)."""
    main = values.get(rule.metric)
    aux = values.get(rule.aux_metric)
    if rule.kind == RuleKind.VALVE:
        trigger = rule.warn_high if rule.warn_high is not None else 25.0
        cond = main is not None and main >= trigger and aux != 1
        if not cond:
            st.timer = None
            return _step(rule, st, 0, main, ts, f"{METRICS[rule.metric].label}恢复或切断阀已关闭")
        if st.timer is None:
            st.timer = ts
        if ts - st.timer >= rule.timeout_ms:
            text = f"{METRICS[rule.metric].label} {_fmt(main)}{_unit(rule.metric)}，切断阀 {rule.timeout_ms // 1000} 秒内未关闭"
            return _step(rule, st, 2, main, ts, text)
        return _step(rule, st, st.level, main, ts, "") if st.level else None
    low = rule.alarm_low if rule.alarm_low is not None else 0.0
    threshold = rule.aux_threshold if rule.aux_threshold is not None else 0.0
    cond = main is not None and aux is not None and main < low and aux >= threshold
    text = (
        f"{METRICS[rule.metric].label} {_fmt(main)}{_unit(rule.metric)} 低于 {_fmt(low)}，"
        f"{METRICS[rule.aux_metric].label} {_fmt(aux)}{_unit(rule.aux_metric)}"
    )
    return _step(rule, st, 2 if cond else 0, main, ts, text)


def evaluate_clock(
    rules: list[CompiledRule],
    state: DeviceState,
    now_ms: int,
    last_seen_ms: int | None,
    interval_s: float,
) -> list[Transition]:
    """Transitions caused by time passing without messages: heartbeat timeout, valve timers running out."""
    out: list[Transition] = []
    for rule in rules:
        if rule.kind == RuleKind.HEARTBEAT:
            if last_seen_ms is None:
                continue
            timeout_ms = int(rule.factor * interval_s * 1000)
            st = state.rule(rule.rule_id)
            silent_ms = now_ms - last_seen_ms
            if silent_ms >= timeout_ms and not st.level:
                text = f"已 {silent_ms // 1000} 秒无数据（超过上报间隔 {_fmt(rule.factor)} 倍）"
                tr = _step(rule, st, 1, None, now_ms, text)
                if tr:
                    out.append(tr)
        elif rule.kind == RuleKind.VALVE:
            vst = state.rules.get(rule.rule_id)
            if (
                vst is not None
                and vst.timer is not None
                and not vst.level
                and now_ms - vst.timer >= rule.timeout_ms
            ):
                main = state.values.get(rule.metric)
                text = f"{METRICS[rule.metric].label} {_fmt(main)}{_unit(rule.metric)}，切断阀 {rule.timeout_ms // 1000} 秒内未关闭"
                tr = _step(rule, vst, 2, main, now_ms, text)
                if tr:
                    out.append(tr)
    return out


def compile_rules(
    rules: list[Any],
    overrides: dict[int, dict[str, Any]] | None = None,
    *,
    rated_current: float | None = None,
) -> list[CompiledRule]:
    """Effective rules from Rule rows (or anything with the same attributes) and merged override values."""
    out: list[CompiledRule] = []
    overrides = overrides or {}
    for r in rules:
        v = {
            "warn_low": r.warn_low,
            "alarm_low": r.alarm_low,
            "warn_high": r.warn_high,
            "alarm_high": r.alarm_high,
            "warn_duration_s": r.warn_duration_s,
            "alarm_duration_s": r.alarm_duration_s,
            "aux_threshold": r.aux_threshold,
            "timeout_s": r.timeout_s,
            "factor": r.factor,
            "enabled": r.enabled,
        }
        if rated_current and r.metric == "current" and r.kind == RuleKind.THRESHOLD:
            v["warn_high"] = rated_current
        v.update(overrides.get(r.id, {}))
        if not v["enabled"]:
            continue
        out.append(
            CompiledRule(
                rule_id=r.id,
                code=r.code,
                name=r.name,
                kind=r.kind,
                metric=r.metric,
                aux_metric=r.aux_metric,
                warn_low=_f(v["warn_low"]),
                alarm_low=_f(v["alarm_low"]),
                warn_high=_f(v["warn_high"]),
                alarm_high=_f(v["alarm_high"]),
                high_inclusive=r.high_inclusive,
                warn_duration_ms=int((v["warn_duration_s"] or 0) * 1000),
                alarm_duration_ms=int((v["alarm_duration_s"] or 0) * 1000),
                aux_threshold=_f(v["aux_threshold"]),
                timeout_ms=int((v["timeout_s"] or 30) * 1000),
                factor=float(v["factor"] or 3),
            )
        )
    return out


def _f(value: Any) -> float | None:
    return None if value is None else float(value)
