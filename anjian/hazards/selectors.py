"""Scoped reads of hazards: lists, counts, one hazard's case, "my work", and which actions a user may take.

`allowed_actions` mirrors the guards of `hazards.services` so that pages show only the buttons that
would succeed; the services stay the authority (a stale page still gets a 409 with the reason)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from anjian.core.models import Attachment
from anjian.hazards import counting
from anjian.hazards.choices import (
    OPEN_STATES,
    UNFINISHED_STATES,
    ExtensionStatus,
    Level,
    State,
)
from anjian.hazards.models import (
    DeadlineExtension,
    GovernancePlan,
    Hazard,
    HazardEvent,
    ListedSupervision,
    ProgressReport,
    Rectification,
    Verification,
)
from anjian.hazards.permissions import can
from anjian.org.choices import Role

LIST_RELATED = ("enterprise", "community", "grid")


def hazards_for(user: Any) -> QuerySet[Hazard]:
    """Hazards the user may see, with what a list row shows."""
    return Hazard.objects.for_user(user).select_related(*LIST_RELATED)


def overdue_q(today: dt.date | None = None) -> Q:
    """Hazards past their deadline while the enterprise still owes the rectification."""
    return Q(state__in=OPEN_STATES, current_deadline__lt=today or timezone.localdate())


def state_counts(qs: QuerySet[Hazard], today: dt.date | None = None) -> dict[str, Any]:
    """Counts per state of a (filtered) queryset, plus total and overdue (also per state), in a fixed
    number of statements whatever the filters: on PostgreSQL one EXPLAIN estimating the closed
    hazards, then one grouped COUNT of the states counted exactly (closed too when the estimate is at
    most HAZARD_EXACT_COUNT_LIMIT, else its estimate is shown, "约"; counting.py). Elsewhere one
    grouped COUNT, all exact."""
    today = today or timezone.localdate()
    base = qs.order_by()
    guess = counting.estimated_count(base.filter(state=State.CLOSED))
    estimated = guess is not None and guess > counting.exact_limit()
    if estimated:
        base = base.filter(state__in=[s.value for s in State if s != State.CLOSED])
    # COUNT(state), not COUNT(id): with the (…, state, current_deadline) indexes, an index-only scan.
    rows = base.values("state").annotate(n=Count("state"), late=Count("state", filter=overdue_q(today)))
    counts: dict[str, Any] = {s.value: 0 for s in State}
    late: dict[str, int] = {}
    for row in rows:
        counts[row["state"]] = row["n"]
        late[row["state"]] = row["late"]
    if estimated:
        counts[State.CLOSED.value] = guess
    counts["total"] = sum(counts[s.value] for s in State)
    counts["overdue"] = sum(late.values())
    counts["overdue_by_state"] = late
    counts["estimated"] = estimated
    return counts


def count_of(counts: dict[str, Any], state: str | None, overdue: bool | None) -> tuple[int, bool]:
    """(rows, estimated?) of the list filtered by `state` and `overdue` on top of what `counts` counted:
    the list's total comes from the counts, never from another COUNT."""
    if state:
        n, late = counts.get(state, 0), counts["overdue_by_state"].get(state, 0)
        estimated = counts["estimated"] and state == State.CLOSED
    else:
        n, late, estimated = counts["total"], counts["overdue"], counts["estimated"]
    if overdue is True:
        return late, False  # only open hazards are overdue, and they are counted exactly
    if overdue is False:
        return n - late, estimated
    return n, estimated


def open_hazards(enterprise: Any, user: Any) -> QuerySet[Hazard]:
    """The unfinished hazards of one enterprise that `user` may see (for the enterprise page)."""
    return (
        hazards_for(user)
        .filter(enterprise=enterprise, state__in=UNFINISHED_STATES)
        .order_by("current_deadline", "id")
    )


def attachments_for(objects: list[Any], purpose: str | None = None) -> dict[int, list[Attachment]]:
    """Attachments of several rows of one model in one query, keyed by row id."""
    if not objects:
        return {}
    ct = ContentType.objects.get_for_model(objects[0])
    qs = Attachment.objects.filter(
        content_type=ct, object_id__in=[o.pk for o in objects], voided_at__isnull=True
    ).order_by("uploaded_at", "id")
    if purpose:
        qs = qs.filter(purpose=purpose)
    out: dict[int, list[Attachment]] = {o.pk: [] for o in objects}
    for att in qs:
        out.setdefault(att.object_id, []).append(att)
    return out


@dataclass
class Case:
    """Everything on one hazard (the 一案一档 file), read in a fixed number of queries."""

    hazard: Hazard
    events: list[HazardEvent]
    photos: list[Attachment]
    result_photos: list[Attachment]
    rectifications: list[Rectification]
    verifications: list[Verification]
    extensions: list[DeadlineExtension]
    plans: list[GovernancePlan]
    supervisions: list[ListedSupervision]
    reports: list[ProgressReport]
    attachments: dict[str, dict[int, list[Attachment]]]

    @property
    def plan(self) -> GovernancePlan | None:
        return self.plans[0] if self.plans else None

    @property
    def supervision(self) -> ListedSupervision | None:
        return next((s for s in self.supervisions if s.is_active), None)

    @property
    def pending_extension(self) -> DeadlineExtension | None:
        return next((e for e in self.extensions if e.status == ExtensionStatus.PENDING), None)


def case_of(hazard: Hazard) -> Case:
    """Load the whole case of a hazard already fetched through `for_user`."""
    h = hazard
    events = list(h.events.select_related("actor").order_by("at", "id"))
    rects = list(h.rectifications.select_related("submitted_by").order_by("submitted_at", "id"))
    verifs = list(h.verifications.select_related("verifier").order_by("verified_at", "id"))
    exts = list(h.extensions.select_related("requested_by", "decided_by").order_by("requested_at", "id"))
    plans = list(h.plans.select_related("submitted_by").order_by("-version"))
    sups = list(h.supervisions.select_related("listed_by", "lifted_by").order_by("listed_at", "id"))
    reports = list(h.progress_reports.select_related("reported_by").order_by("reported_at", "id"))
    photos = attachments_for([h]).get(h.pk, [])
    result_photos: list[Attachment] = []
    if h.inspection_result_id:
        from anjian.inspections.models import InspectionResult

        result = InspectionResult.objects.filter(pk=h.inspection_result_id).first()
        if result is not None:
            result_photos = attachments_for([result]).get(result.pk, [])
    return Case(
        hazard=h,
        events=events,
        photos=photos,
        result_photos=result_photos,
        rectifications=rects,
        verifications=verifs,
        extensions=exts,
        plans=plans,
        supervisions=sups,
        reports=reports,
        attachments={
            "rectification": attachments_for(rects),
            "verification": attachments_for(verifs),
            "report": attachments_for(reports),
        },
    )


def hazard_for_case(user: Any, pk: int) -> Hazard | None:
    return (
        Hazard.objects.for_user(user)
        .select_related(
            "enterprise",
            "community",
            "grid",
            "found_by",
            "closed_by",
            "voided_by",
            "level_confirmed_by",
            "inspection_result__item__version__template",
            "inspection_result__inspection__inspector",
        )
        .filter(pk=pk)
        .first()
    )


# ------------------------------------------------------------------------------------ allowed actions
def allowed_actions(h: Hazard, user: Any, case: Case | None = None) -> set[str]:
    """The actions `user` may take on `h` in its current state (buttons shown on the detail page).
    Without `case` (an action page), the pending extension and the last evidence are read here."""
    actions: set[str] = set()
    if not getattr(user, "is_authenticated", False):
        return actions
    is_enterprise = getattr(user, "role", "") == Role.ENTERPRISE_OFFICER or (
        getattr(user, "enterprise_id", None) == h.enterprise_id
    )
    plan_exists = bool(case.plans) if case is not None else h.plans.exists()
    if h.state in OPEN_STATES and can(user, "hazard.update"):
        actions.add("edit")
    if h.state not in (State.CLOSED, State.VOIDED) and can(user, "hazard.update"):
        actions.add("photos")
    if h.state == State.REGISTERED and can(user, "hazard.confirm_level"):
        actions.add("confirm_level")
    if (
        h.state in OPEN_STATES
        and (h.level == Level.MAJOR or h.proposed_level == Level.MAJOR)
        and can(user, "hazard.governance_plan")
    ):
        actions.add("plan")
    if (
        h.state == State.REGISTERED
        and not h.level_pending
        and can(user, "hazard.start_rectification")
        and (not h.is_major or plan_exists)
    ):
        actions.add("start")
    if h.state == State.RECTIFYING and can(user, "hazard.submit_rectification"):
        actions.add("submit")
    if h.state == State.AWAITING_VERIFICATION and can(user, "hazard.verify") and not is_enterprise:
        if case is not None:
            last = case.rectifications[-1] if case.rectifications else None
        else:
            last = h.rectifications.order_by("-submitted_at", "-id").first()
        if last is None or last.submitted_by_id != user.pk:
            actions.add("verify")
    if case is not None:
        pending = case.pending_extension
    else:
        pending = h.extensions.filter(status=ExtensionStatus.PENDING).first()
    if h.state in OPEN_STATES and can(user, "hazard.request_extension") and pending is None:
        actions.add("extension")
    if (
        pending is not None
        and pending.requested_by_id != user.pk
        and can(user, "hazard.decide_extension")
        and (not h.is_major or can(user, "hazard.decide_major_extension"))
    ):
        actions.add("decide_extension")
    if h.state not in (State.CLOSED, State.VOIDED) and can(user, "hazard.void"):
        actions.add("void")
    if (
        h.level == Level.MAJOR
        and not h.level_pending
        and h.state in UNFINISHED_STATES
        and not h.is_listed
        and can(user, "hazard.supervise")
    ):
        actions.add("supervise")
    if h.is_listed and h.state in UNFINISHED_STATES and can(user, "hazard.progress_report"):
        actions.add("progress")
    if h.is_listed and h.state not in UNFINISHED_STATES and can(user, "hazard.supervise"):
        actions.add("lift")
    return actions


# ----------------------------------------------------------------------------------------------- my work
def my_work(user: Any, today: dt.date | None = None) -> dict[str, Any]:
    """What this person should do next, by role: verifications due, hazards to rectify, decisions."""
    today = today or timezone.localdate()
    base = hazards_for(user)
    role = getattr(user, "role", "")
    work: dict[str, Any] = {"today": today}
    if role == Role.ENTERPRISE_OFFICER:
        work["to_rectify"] = list(base.filter(state__in=OPEN_STATES).order_by("current_deadline", "id")[:100])
        work["awaiting"] = list(
            base.filter(state=State.AWAITING_VERIFICATION).order_by("current_deadline", "id")[:50]
        )
        work["listed"] = list(base.filter(is_listed=True, state__in=UNFINISHED_STATES)[:50])
        return work
    if can(user, "hazard.verify"):
        # Scope already narrows a grid inspector to the grid and a community worker to the community.
        verify_qs = base.filter(state=State.AWAITING_VERIFICATION)
        work["to_verify"] = list(verify_qs.order_by("updated_at", "id")[:100])
    work["due_soon"] = list(
        base.filter(
            state__in=OPEN_STATES,
            current_deadline__gte=today,
            current_deadline__lte=today + dt.timedelta(days=3),
        ).order_by("current_deadline", "id")[:100]
    )
    work["overdue"] = list(base.filter(overdue_q(today)).order_by("current_deadline", "id")[:100])
    if can(user, "hazard.decide_extension"):
        ext_qs: QuerySet[DeadlineExtension] = (
            DeadlineExtension.objects.for_user(user)
            .filter(status=ExtensionStatus.PENDING)
            .exclude(requested_by=user)
            .select_related("hazard__enterprise", "requested_by")
            .order_by("requested_at")
        )
        if not can(user, "hazard.decide_major_extension"):
            ext_qs = ext_qs.exclude(hazard__level=Level.MAJOR)
        work["extensions"] = list(ext_qs[:50])
    if can(user, "hazard.confirm_level"):
        work["to_grade"] = list(
            base.filter(
                state=State.REGISTERED, proposed_level=Level.MAJOR, level_confirmed_at__isnull=True
            ).order_by("found_at")[:50]
        )
    work["today_items"] = _today_inspections(user, today)
    return work


def _today_inspections(user: Any, today: dt.date) -> list[Any]:
    """Today's planned inspection visits of this person (overdue plans included), earliest first."""
    from anjian.inspections.models import InspectionPlan

    return list(
        InspectionPlan.objects.for_user(user)
        .filter(inspector=user, status="planned", planned_date__lte=today)
        .select_related("enterprise")
        .order_by("planned_date", "id")[:50]
    )
