"""Pages for visits (走访, with photos) and monthly meetings (月例会) with their decisions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from anjian.core.errors import PermissionDeniedError, ServiceError
from anjian.core.uploads import attachments_of
from anjian.org import selectors, services
from anjian.org.choices import DecisionStatus
from anjian.org.forms import DecisionDoneForm, DecisionFormSet, MeetingForm, ReasonForm, VisitForm
from anjian.org.models import Community, MeetingDecision, User
from anjian.org.permissions import can
from anjian.org.services.activity import is_office
from anjian.org.views.common import apply_errors, capability_required, paginate, post_action


def _date_param(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    qs = selectors.visits(request.user)
    person, community = g.get("person", ""), g.get("community", "")
    date_from, date_to = _date_param(g.get("from", "")), _date_param(g.get("to", ""))
    if person.isdigit():
        qs = qs.filter(visitor_id=int(person))
    if community.isdigit():
        qs = qs.filter(community_id=community)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if g.get("q", "").strip():
        q = g["q"].strip()
        qs = qs.filter(
            Q(enterprise__name__icontains=q) | Q(notes__icontains=q) | Q(issues_found__icontains=q)
        )
    if g.get("voided") != "1":
        qs = qs.filter(voided_at__isnull=True)
    page = paginate(request, qs.order_by("-date", "-id"), 30)
    people = User.objects.filter(pk__in=selectors.visits(request.user).values("visitor_id")).order_by("name")
    return render(
        request,
        "org/visit_list.html",
        {
            "page_title": "走访记录",
            "page_obj": page,
            "visits": page.object_list,
            "people": people,
            "communities": Community.objects.for_user(request.user),
            "can_record": can(request.user, "visit.record"),
        },
    )


@login_required
@capability_required("visit.record")
def visit_create(request: HttpRequest) -> HttpResponse:
    office = is_office(request.user)
    if office:
        enterprises, communities = selectors.office_visit_targets(request.user)
    else:
        enterprises, communities = selectors.visit_targets(request.user, request.user)  # type: ignore[arg-type]
    form = VisitForm(
        request.POST or None,
        request.FILES or None,
        actor=request.user,
        enterprises=enterprises,
        communities=communities,
        office=office,
        visitors=selectors.assignable_people(request.user) if office else None,
        initial={"enterprise": request.GET.get("enterprise"), "community": request.GET.get("community")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            visit = services.record_visit(
                actor=request.user, data=form.service_data(), photos=form.cleaned_data.get("photos") or []
            )
        except PermissionDeniedError as exc:
            if exc.fields:
                apply_errors(form, exc)
            else:
                raise PermissionDenied(exc.message) from None
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "走访记录已保存。")
            return redirect("org:visit", pk=visit.pk)
    return render(
        request,
        "org/visit_form.html",
        {
            "page_title": "登记走访",
            "form": form,
            "office": office,
            "no_targets": not office and not enterprises.exists() and not communities.exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(selectors.visits(request.user).select_related("voided_by", "created_by"), pk=pk)
    may_void = can(request.user, "visit.record") and (
        is_office(request.user) or request.user.pk in (visit.visitor_id, visit.created_by_id)
    )
    return render(
        request,
        "org/visit_detail.html",
        {
            "page_title": f"走访：{visit.enterprise.name if visit.enterprise else visit.community.name}",
            "visit": visit,
            "photos": attachments_of(visit),
            "can_void": may_void and not visit.is_voided,
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def visit_void(request: HttpRequest, pk: int) -> HttpResponse:
    visit = get_object_or_404(selectors.visits(request.user), pk=pk)
    return post_action(
        request,
        lambda: services.void_visit(visit, actor=request.user, reason=request.POST.get("reason", "")),
        "走访记录已作废，不再计入履职覆盖。",
        reverse("org:visit", args=[visit.pk]),
    )


@login_required
def meeting_list(request: HttpRequest) -> HttpResponse:
    g = request.GET
    qs = selectors.meetings(request.user)
    community = g.get("community", "")
    date_from, date_to = _date_param(g.get("from", "")), _date_param(g.get("to", ""))
    if community.isdigit():
        qs = qs.filter(community_id=community)
    if date_from:
        qs = qs.filter(date__gte=date_from)
    if date_to:
        qs = qs.filter(date__lte=date_to)
    if g.get("voided") != "1":
        qs = qs.filter(voided_at__isnull=True)
    page = paginate(request, qs.order_by("-date", "-id"), 30)
    open_decisions = services.activity.open_decisions(request.user)[:8]
    return render(
        request,
        "org/meeting_list.html",
        {
            "page_title": "例会记录",
            "page_obj": page,
            "meetings": page.object_list,
            "communities": Community.objects.for_user(request.user),
            "open_decisions": open_decisions,
            "today": timezone.localdate(),
            "can_record": can(request.user, "meeting.record"),
        },
    )


def _decision_rows(formset: Any) -> list[dict[str, Any]]:
    rows = []
    for f in formset.forms:
        d = getattr(f, "cleaned_data", None) or {}
        rows.append({k: d.get(k) for k in ("text", "owner", "owner_name", "due_date")})
    return rows


@login_required
@capability_required("meeting.record")
def meeting_create(request: HttpRequest) -> HttpResponse:
    office = is_office(request.user)
    if office:
        communities: Any = Community.objects.for_user(request.user)
    else:
        communities = selectors.visit_targets(request.user, request.user)[1]  # type: ignore[arg-type]
    owners = selectors.decision_owners(request.user)
    form = MeetingForm(
        request.POST or None,
        actor=request.user,
        communities=communities,
        office=office,
        hosts=selectors.assignable_people(request.user) if office else None,
        initial={"community": request.GET.get("community")},
    )
    formset = DecisionFormSet(request.POST or None, prefix="decisions", form_kwargs={"owners": owners})
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        d = form.cleaned_data
        try:
            meeting = services.record_meeting(
                actor=request.user,
                data={k: d.get(k) for k in ("host", "community", "date", "title", "participants", "minutes")},
                decisions=_decision_rows(formset),
            )
        except PermissionDeniedError as exc:
            if exc.fields:
                apply_errors(form, exc)
            else:
                raise PermissionDenied(exc.message) from None
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "例会记录已保存。")
            return redirect("org:meeting", pk=meeting.pk)
    decision_errors: Any = form.errors.get("__all__", []) if form.errors else []
    return render(
        request,
        "org/meeting_form.html",
        {
            "page_title": "登记例会",
            "form": form,
            "formset": formset,
            "office": office,
            "decision_errors": decision_errors,
            "no_targets": not office and not communities.exists(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def meeting_detail(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(selectors.meeting_detail(request.user), pk=pk)
    may_record = can(request.user, "meeting.record")
    decisions = list(meeting.decisions.all())
    for d in decisions:
        d.can_mark = (  # type: ignore[attr-defined]
            d.status == DecisionStatus.OPEN
            and not meeting.is_voided
            and (may_record or d.owner_id == request.user.pk)
        )
    return render(
        request,
        "org/meeting_detail.html",
        {
            "page_title": meeting.title,
            "meeting": meeting,
            "decisions": decisions,
            "done_form": DecisionDoneForm(),
            "reason_form": ReasonForm(),
            "today": timezone.localdate(),
            "can_void": may_record
            and not meeting.is_voided
            and (is_office(request.user) or request.user.pk in (meeting.host_id, meeting.created_by_id)),
        },
    )


@login_required
@require_POST
def meeting_void(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = get_object_or_404(selectors.meetings(request.user), pk=pk)
    return post_action(
        request,
        lambda: services.void_meeting(meeting, actor=request.user, reason=request.POST.get("reason", "")),
        "例会记录已作废，不再计入履职覆盖。",
        reverse("org:meeting", args=[meeting.pk]),
    )


@login_required
@require_POST
def decision_done(request: HttpRequest, pk: int) -> HttpResponse:
    decision: MeetingDecision = get_object_or_404(MeetingDecision.objects.for_user(request.user), pk=pk)
    return post_action(
        request,
        lambda: services.mark_decision_done(decision, actor=request.user, note=request.POST.get("note", "")),
        "已标记为落实。",
        reverse("org:meeting", args=[decision.meeting_id]),
    )
