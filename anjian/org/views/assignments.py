"""Pages for assignments (挂点): grouped list, create several at once, detail, end and void."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render

from anjian.core.errors import PermissionDeniedError, ServiceError
from anjian.enterprises.models import Enterprise, KeyCategory
from anjian.org import rules, selectors, services
from anjian.org.choices import AssignmentKind, AssignmentStatus
from anjian.org.forms import AssignmentForm, EndAssignmentForm, VoidAssignmentForm
from anjian.org.models import Assignment, Community
from anjian.org.permissions import can
from anjian.org.services.assignments import OutOfRangeError
from anjian.org.views.common import apply_errors, capability_required

STATUS_COLOURS = {
    AssignmentStatus.ACTIVE: "success",
    AssignmentStatus.ENDED: "secondary",
    AssignmentStatus.VOIDED: "dark",
}
CANDIDATE_LIMIT = 200


@login_required
def assignment_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    status = request.GET.get("status", "active")
    q = request.GET.get("q", "").strip()
    groups = selectors.grouped_assignments(request.user, kind=kind, status=status, q=q)
    ent_counts = selectors.active_counts(AssignmentKind.ENTERPRISE)
    com_counts = selectors.active_counts(AssignmentKind.COMMUNITY)
    for g in groups:
        counts = ent_counts if g["kind"] == AssignmentKind.ENTERPRISE else com_counts
        g["count"] = counts.get(g["person"].pk, 0)
        low, high = rules.range_for(g["kind"])
        g["in_range"] = low <= g["count"] <= high
    return render(
        request,
        "org/assignment_list.html",
        {
            "page_title": "挂点安排",
            "groups": groups,
            "status_colours": STATUS_COLOURS,
            "kinds": AssignmentKind.choices,
            "statuses": AssignmentStatus.choices,
            "filters": {"kind": kind, "status": status, "q": q},
            "can_manage": can(request.user, "assignment.manage"),
            "cadre_range": rules.range_label(AssignmentKind.ENTERPRISE),
            "liaison_range": rules.range_label(AssignmentKind.COMMUNITY),
        },
    )


def _candidates(request: HttpRequest, selected: list[str]) -> tuple[list[Any], dict[str, str]]:
    """Enterprises offered for a cadre: the chosen ones plus those matching the filter (default: electroplating)."""
    params = request.POST if request.method == "POST" else request.GET
    category = params.get("category", "electroplating")
    q = params.get("q", "").strip()
    community = params.get("filter_community", "")
    base: QuerySet[Enterprise] = Enterprise.objects.for_user(request.user)
    qs = base
    if category:
        qs = qs.filter(categories__code=category)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc__icontains=q) | Q(address__icontains=q))
    if community.isdigit():
        qs = qs.filter(community_id=community)
    chosen_ids = [int(s) for s in selected if str(s).isdigit()]
    chosen: QuerySet[Enterprise] = base.filter(pk__in=chosen_ids)
    assigned = Prefetch(
        "assignments",
        queryset=Assignment.objects.filter(status=AssignmentStatus.ACTIVE).select_related("person"),
        to_attr="active_assignments",
    )
    filtered = list(
        qs.exclude(pk__in=chosen_ids)
        .distinct()
        .select_related("community")
        .prefetch_related("categories", assigned)
        .order_by("community__sort_order", "name")[:CANDIDATE_LIMIT]
    )
    items = (
        list(chosen.select_related("community").prefetch_related("categories", assigned).order_by("name"))
        + filtered
    )
    for e in items:
        e.is_plating = any(c.code == rules.ELECTROPLATING for c in e.categories.all())  # type: ignore[attr-defined]
        e.is_chosen = e.pk in chosen_ids  # type: ignore[attr-defined]
    return items, {
        "category": category,
        "q": q,
        "filter_community": community,
        "truncated": str(len(filtered) >= CANDIDATE_LIMIT),
    }


@login_required
@capability_required("assignment.manage")
def assignment_candidates(request: HttpRequest) -> HttpResponse:
    """The enterprise checklist of the assignment form (htmx partial); chosen ones stay chosen."""
    items, filters = _candidates(request, request.GET.getlist("enterprises"))
    return render(request, "org/_assignment_candidates.html", {"candidates": items, "cfilters": filters})


@login_required
@capability_required("assignment.manage")
def assignment_create(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", AssignmentKind.ENTERPRISE)
    if kind not in AssignmentKind.values:
        kind = AssignmentKind.ENTERPRISE
    initial: dict[str, Any] = {}
    if request.GET.get("person", "").isdigit():
        initial["person"] = int(request.GET["person"])
    form = AssignmentForm(request.POST or None, actor=request.user, kind=kind, initial=initial)
    range_warning = ""
    can_confirm = can(request.user, "assignment.confirm_out_of_range")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            created = services.create_assignments(
                actor=request.user,
                person=d["person"],
                kind=kind,
                enterprises=d.get("enterprises") or [],
                communities=d.get("communities") or [],
                department=d.get("department"),
                start_date=d["start_date"],
                confirm_out_of_range=d.get("confirm_out_of_range", False),
                out_of_range_note=d.get("out_of_range_note", ""),
            )
        except OutOfRangeError as exc:
            range_warning = exc.message
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from None
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
            if form.has_error("out_of_range_note"):
                range_warning = "保存后挂点数量超出规定范围，确认超范围须填写说明。"
        else:
            messages.success(request, f"已为{d['person'].name}新增 {len(created)} 个挂点。")
            return redirect(f"{_url('org:assignments')}?q={d['person'].name}")
    selected = request.POST.getlist("enterprises") if request.method == "POST" else []
    candidates, cfilters = _candidates(request, selected) if kind == AssignmentKind.ENTERPRISE else ([], {})
    counts = selectors.active_counts(kind)
    low, high = rules.range_for(kind)
    return render(
        request,
        "org/assignment_form.html",
        {
            "page_title": "新增企业挂点" if kind == AssignmentKind.ENTERPRISE else "新增社区挂点",
            "form": form,
            "kind": kind,
            "candidates": candidates,
            "cfilters": cfilters,
            "categories": KeyCategory.objects.all(),
            "communities": Community.objects.for_user(request.user),
            "range_warning": range_warning,
            "can_confirm": can_confirm,
            "range_label": rules.range_label(kind),
            "range_data": {
                "counts": {str(k): v for k, v in counts.items()},
                "low": low,
                "high": high,
                "kind": kind,
            },
        },
        status=400 if request.method == "POST" else 200,
    )


def _url(name: str, **kwargs: Any) -> str:
    from django.urls import reverse

    return reverse(name, kwargs=kwargs or None)


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    a = get_object_or_404(
        selectors.assignments(request.user).select_related("voided_by", "created_by"), pk=pk
    )
    visits = selectors.visits(request.user).filter(assignment=a).order_by("-date", "-id")[:20]
    meetings = selectors.meetings(request.user).filter(assignment=a).order_by("-date", "-id")[:12]
    return render(
        request,
        "org/assignment_detail.html",
        {
            "page_title": f"挂点：{a.person.name} → {a.target_label}",
            "a": a,
            "visits": visits,
            "meetings": meetings,
            "status_colours": STATUS_COLOURS,
            "can_record_visit": can(request.user, "visit.record") and a.status == AssignmentStatus.ACTIVE,
            "can_manage": can(request.user, "assignment.manage") and a.status == AssignmentStatus.ACTIVE,
            "can_void": can(request.user, "assignment.manage") and a.status != AssignmentStatus.VOIDED,
        },
    )


def _change(request: HttpRequest, pk: int, *, ending: bool) -> HttpResponse:
    a = get_object_or_404(selectors.assignments(request.user), pk=pk)
    if not can(request.user, "assignment.manage"):
        raise PermissionDenied
    form_class = EndAssignmentForm if ending else VoidAssignmentForm
    form = form_class(request.POST or None)
    range_warning = ""
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            if ending:
                services.end_assignment(
                    a,
                    actor=request.user,
                    end_date=d["end_date"],
                    reason=d["reason"],
                    confirm_out_of_range=d["confirm_out_of_range"],
                    out_of_range_note=d["out_of_range_note"],
                )
            else:
                services.void_assignment(
                    a,
                    actor=request.user,
                    reason=d["reason"],
                    confirm_out_of_range=d["confirm_out_of_range"],
                    out_of_range_note=d["out_of_range_note"],
                )
        except OutOfRangeError as exc:
            range_warning = exc.message
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from None
        except (ValidationError, ServiceError) as exc:
            apply_errors(form, exc)
            if form.has_error("out_of_range_note"):
                range_warning = "保存后挂点数量超出规定范围，确认超范围须填写说明。"
        else:
            messages.success(request, "挂点已结束。" if ending else "挂点已作废。")
            return redirect("org:assignment", pk=a.pk)
    return render(
        request,
        "org/assignment_change.html",
        {
            "page_title": ("结束挂点：" if ending else "作废挂点：") + f"{a.person.name} → {a.target_label}",
            "a": a,
            "form": form,
            "ending": ending,
            "range_warning": range_warning,
            "can_confirm": can(request.user, "assignment.confirm_out_of_range"),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def assignment_end(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, ending=True)


@login_required
def assignment_void(request: HttpRequest, pk: int) -> HttpResponse:
    return _change(request, pk, ending=False)
