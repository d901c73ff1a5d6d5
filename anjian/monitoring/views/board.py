"""The live alarm board: server-sent events of new and changed alarms (polling fallback), and the
alarm list, detail and actions (acknowledge, close with a disposal note, turn into a hazard)."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Iterator

import orjson
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import OperationalError, close_old_connections
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from anjian.core.errors import ServiceError
from anjian.monitoring import selectors
from anjian.monitoring.choices import (
    ALARM_LEVEL_COLOURS,
    ALARM_STATE_COLOURS,
    OPEN_STATES,
    AlarmLevel,
    AlarmState,
)
from anjian.monitoring.forms import AcknowledgeForm, HazardForm, NoteForm, add_errors
from anjian.monitoring.models import DeviceType
from anjian.monitoring.permissions import can
from anjian.monitoring.services import alarms as alarm_services
from anjian.monitoring.views import need

STREAM_SECONDS = 25.0
# An alarm reaches an open board within a second of the device's message (issue 4): the consumer commits
# it in ~0.1 s, the stream finds it at its next poll. One indexed query per poll while nothing changes.
STREAM_POLL = 0.25
STREAM_DB_RETRIES = 4  # polls in a row that may fail on a database error before the stream ends
log = logging.getLogger(__name__)


def _since(request: HttpRequest) -> dt.datetime:
    try:
        ms = int(request.GET.get("since", "0"))
    except ValueError:
        ms = 0
    if ms <= 0:
        return timezone.now()
    return dt.datetime.fromtimestamp(ms / 1000, tz=dt.UTC)


def _ms(moment: dt.datetime) -> int:
    return int(moment.timestamp() * 1000)


@login_required
def board(request: HttpRequest) -> HttpResponse:
    """Open alarms, live: new ones appear within a second with colour by level and a beep."""
    need(request, "monitoring.view")
    config = {
        "streamUrl": reverse("monitoring:board_stream"),
        "feedUrl": reverse("monitoring:board_feed"),
        "cursor": _ms(timezone.now()),
        "alarms": selectors.board_alarms(request.user),
        "canHandle": can(request.user, "alarm.handle"),
    }
    return render(
        request,
        "monitoring/board.html",
        {"page_title": "报警看板", "config": config, "counts": selectors.board_counts(request.user)},
    )


@login_required
@require_GET
def board_feed(request: HttpRequest) -> JsonResponse:
    """Polling fallback of the stream: alarms changed since `since` (epoch ms) and the next cursor."""
    need(request, "monitoring.view")
    changes, cursor = selectors.board_changes(request.user, _since(request))
    return JsonResponse(
        {"alarms": changes, "cursor": _ms(cursor), "counts": selectors.board_counts(request.user)}
    )


@login_required
@require_GET
def board_stream(request: HttpRequest) -> StreamingHttpResponse:
    """Server-sent events: `alarms` events for each new or changed alarm (checked every STREAM_POLL
    seconds); the browser reconnects with the last cursor when the stream ends (every ~25 s, so server
    threads are released); a board closed in the browser ends it within a poll or two."""
    need(request, "monitoring.view")
    user = request.user
    since = _since(request)

    def events() -> Iterator[bytes]:
        cursor = since
        sent: dict[int, int] = {}  # alarm id → version sent: the 2 s overlap is not sent again
        started = time.monotonic()
        last_ping = 0.0
        yield b"retry: 1000\n\n"
        failures = 0
        try:
            while time.monotonic() - started < STREAM_SECONDS:
                try:
                    seen = dict(sent)
                    changes, next_cursor = selectors.board_changes(user, cursor, seen)
                    counts = selectors.board_counts(user) if changes else None
                except OperationalError:
                    # A moment's database trouble (a lock, a restart): the next poll asks again from the
                    # same cursor, so nothing is missed. If it persists, the stream ends; the browser
                    # reconnects and, failing that, shows the connection as down and polls.
                    failures += 1
                    if failures > STREAM_DB_RETRIES:
                        log.warning("board stream ended: database unavailable", exc_info=True)
                        return
                    close_old_connections()
                    time.sleep(STREAM_POLL)
                    continue
                failures = 0
                sent, cursor = seen, next_cursor
                if changes:
                    payload = {"alarms": changes, "cursor": _ms(cursor), "counts": counts}
                    yield b"event: alarms\ndata: " + orjson.dumps(payload) + b"\n\n"
                elif time.monotonic() - last_ping > 10:
                    last_ping = time.monotonic()
                    yield b"event: cursor\ndata: " + orjson.dumps({"cursor": _ms(cursor)}) + b"\n\n"
                else:
                    # A comment line, ignored by EventSource. Writing something every poll is how the server
                    # learns that the board was left (the write fails): the thread and its database
                    # connection are released within a second, not when the stream would have ended.
                    yield b":\n\n"
                time.sleep(STREAM_POLL)
        finally:
            close_old_connections()

    response = StreamingHttpResponse(events(), content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


@login_required
def alarm_list(request: HttpRequest) -> HttpResponse:
    """Every alarm of the jurisdiction (history), filtered by state, level, device type and time."""
    need(request, "monitoring.view")
    qs = selectors.alarms_for(request.user)
    state = request.GET.get("state", "")
    if state == "open":
        qs = qs.filter(state__in=OPEN_STATES)
    elif state in AlarmState.values:
        qs = qs.filter(state=state)
    level = request.GET.get("level", "")
    if level in ("1", "2"):
        qs = qs.filter(level=int(level))
    dtype = request.GET.get("type", "")
    if dtype:
        qs = qs.filter(device__type__code=dtype)
    q = (request.GET.get("q") or "").strip()
    if q:
        from django.db.models import Q

        qs = qs.filter(
            Q(device__code__icontains=q) | Q(device__name__icontains=q) | Q(enterprise__name__icontains=q)
        )
    page = Paginator(qs.order_by("-last_at", "-id"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "monitoring/alarm_list.html",
        {
            "page_title": "报警记录",
            "page_obj": page,
            "alarms": page.object_list,
            "states": list(AlarmState),
            "levels": list(AlarmLevel),
            "types": DeviceType.objects.all(),
            "level_colours": ALARM_LEVEL_COLOURS,
            "state_colours": ALARM_STATE_COLOURS,
            "filtered": any(request.GET.get(k) for k in ("state", "level", "type", "q")),
        },
    )


def _hazard_url(ref: str) -> str:
    if not ref:
        return ""
    try:
        return reverse("hazards:detail", args=[int(ref)])
    except (NoReverseMatch, ValueError):
        return ""


@login_required
def alarm_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One alarm with its timeline and the actions the user may take."""
    need(request, "monitoring.view")
    alarm = get_object_or_404(selectors.alarms_for(request.user), pk=pk)
    handle = can(request.user, "alarm.handle")
    return render(
        request,
        "monitoring/alarm_detail.html",
        {
            "page_title": f"{alarm.get_level_display()} · {alarm.device.name}",
            "alarm": alarm,
            "events": alarm.events.select_related("actor").order_by("at", "id"),
            "can_handle": handle,
            "ack_form": AcknowledgeForm(),
            "close_form": NoteForm(),
            "hazard_form": HazardForm()
            if handle and alarm_services.hazards_available() and not alarm.hazard_ref
            else None,
            "hazard_url": _hazard_url(alarm.hazard_ref),
            "level_colours": ALARM_LEVEL_COLOURS,
            "state_colours": ALARM_STATE_COLOURS,
        },
    )


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _done(request: HttpRequest, pk: int, text: str, error: str = "") -> HttpResponse:
    if _wants_json(request):
        if error:
            return JsonResponse({"error": {"code": "invalid", "message": error}}, status=400)
        alarm = get_object_or_404(selectors.alarms_for(request.user), pk=pk)
        return JsonResponse({"alarm": selectors.alarm_payload(alarm, can_handle=True), "message": text})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, text)
    nxt = request.POST.get("next", "")
    return redirect(nxt if nxt.startswith("/monitoring/") else reverse("monitoring:alarm_detail", args=[pk]))


def _error_text(exc: ValidationError | ServiceError) -> str:
    if isinstance(exc, ServiceError):
        return exc.message
    return "；".join(exc.messages)


@login_required
@require_POST
def alarm_acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    form = AcknowledgeForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        alarm_services.acknowledge_alarm(pk, actor=request.user, note=note)
    except (ValidationError, ServiceError) as exc:
        return _done(request, pk, "", _error_text(exc))
    return _done(request, pk, "已确认报警。")


@login_required
@require_POST
def alarm_close(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        alarm_services.close_alarm(pk, actor=request.user, note=request.POST.get("note", ""))
    except (ValidationError, ServiceError) as exc:
        return _done(request, pk, "", _error_text(exc))
    return _done(request, pk, "报警已关闭，处置情况已记录。")


@login_required
@require_POST
def alarm_to_hazard(request: HttpRequest, pk: int) -> HttpResponse:
    form = HazardForm(request.POST)
    if not form.is_valid():
        return _done(request, pk, "", "请填写有效的整改期限。")
    try:
        hazard = alarm_services.alarm_to_hazard(
            pk, actor=request.user, deadline=form.cleaned_data["deadline"], title=form.cleaned_data["title"]
        )
    except (ValidationError, ServiceError) as exc:
        holder = HazardForm()
        add_errors(holder, exc)
        return _done(request, pk, "", _error_text(exc))
    url = _hazard_url(str(hazard.pk))
    messages.success(request, f"已转为隐患 {getattr(hazard, 'code', '')}。")
    return redirect(url or reverse("monitoring:alarm_detail", args=[pk]))
