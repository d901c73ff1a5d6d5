"""Scoped reads of the organisation app: every query starts from `for_user(user)`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from anjian.core.models import Attachment
from anjian.enterprises.models import Enterprise
from anjian.org.choices import STREET_LEVEL_ROLES, AssignmentKind, AssignmentStatus, Role
from anjian.org.models import Assignment, Community, Department, Grid, Meeting, MeetingDecision, User, Visit


def _count(qs: QuerySet[Any], field: str) -> Coalesce:
    sub = qs.filter(**{field: OuterRef("pk")}).order_by().values(field).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(sub, output_field=IntegerField()), 0)


def communities(user: Any) -> QuerySet[Community]:
    """Communities in scope with their numbers of grids, enterprises and people (one query)."""
    return Community.objects.for_user(user).annotate(
        grid_count=_count(Grid.objects.all(), "community"),
        enterprise_count=_count(Enterprise.objects.all(), "community"),
        people_count=_count(User.objects.filter(is_active=True), "community"),
    )


def grids_of(community: Community, user: Any) -> QuerySet[Grid]:
    return (
        Grid.objects.for_user(user)
        .filter(community=community)
        .annotate(
            enterprise_count=_count(Enterprise.objects.all(), "grid"),
            inspector_count=_count(User.objects.filter(is_active=True, role=Role.GRID_INSPECTOR), "grid"),
        )
    )


def departments(user: Any) -> QuerySet[Department]:
    return Department.objects.for_user(user).annotate(
        member_count=_count(User.objects.filter(is_active=True), "department"),
        assignment_count=_count(Assignment.objects.filter(status=AssignmentStatus.ACTIVE), "department"),
    )


def people(
    user: Any, *, role: str = "", community: str = "", q: str = "", status: str = "active"
) -> QuerySet[User]:
    qs = User.objects.for_user(user).select_related(
        "community", "grid", "grid__community", "enterprise", "department"
    )
    if role:
        qs = qs.filter(role=role)
    if community:
        qs = qs.filter(community_id=community) if str(community).isdigit() else qs.none()
    if q:
        qs = qs.filter(
            Q(name__icontains=q) | Q(username__icontains=q) | Q(phone__icontains=q) | Q(title__icontains=q)
        )
    if status == "active":
        qs = qs.filter(is_active=True)
    elif status == "inactive":
        qs = qs.filter(is_active=False)
    return qs.order_by("role", "name", "username")


def assignments(user: Any) -> QuerySet[Assignment]:
    return Assignment.objects.for_user(user).select_related(
        "person", "enterprise", "community", "department", "out_of_range_confirmed_by"
    )


def grouped_assignments(
    user: Any, *, kind: str = "", status: str = "active", q: str = ""
) -> list[dict[str, Any]]:
    """Assignments in scope grouped by person: cadres with enterprises, liaison officers with communities."""
    qs = assignments(user)
    if kind in AssignmentKind.values:
        qs = qs.filter(kind=kind)
    if status in AssignmentStatus.values:
        qs = qs.filter(status=status)
    if q:
        qs = qs.filter(
            Q(person__name__icontains=q) | Q(enterprise__name__icontains=q) | Q(community__name__icontains=q)
        )
    qs = qs.order_by("-kind", "person__name", "person_id", "status", "id")  # cadres first
    groups: dict[int, dict[str, Any]] = {}
    for a in qs:
        g = groups.setdefault(a.person_id, {"person": a.person, "kind": a.kind, "items": [], "active": 0})
        g["items"].append(a)
        if a.status == AssignmentStatus.ACTIVE:
            g["active"] += 1
    return list(groups.values())


def electroplating_counts(person_ids: list[int]) -> dict[int, int]:
    """Active electroplating enterprise assignments per person (the number the 3–5 rule counts)."""
    rows = (
        Assignment.objects.filter(
            person_id__in=person_ids,
            kind=AssignmentKind.ENTERPRISE,
            status=AssignmentStatus.ACTIVE,
            enterprise__categories__code="electroplating",
        )
        .values("person_id")
        .annotate(n=Count("id", distinct=True))
    )
    return {r["person_id"]: r["n"] for r in rows}


def active_counts(kind: str) -> dict[int, int]:
    """Per person, how many active assignments of `kind` count for the range rule."""
    qs = Assignment.objects.filter(kind=kind, status=AssignmentStatus.ACTIVE)
    if kind == AssignmentKind.ENTERPRISE:
        qs = qs.filter(enterprise__categories__code="electroplating")
    return {r["person_id"]: r["n"] for r in qs.values("person_id").annotate(n=Count("id", distinct=True))}


def visits(user: Any) -> QuerySet[Visit]:
    photo_count = _count(
        Attachment.objects.filter(
            content_type__app_label="org", content_type__model="visit", voided_at__isnull=True
        ),
        "object_id",
    )
    return (
        Visit.objects.for_user(user)
        .select_related("visitor", "community", "enterprise", "assignment")
        .annotate(photo_count=photo_count)
    )


def meetings(user: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.for_user(user)
        .select_related("community", "host")
        .annotate(
            decision_count=Count("decisions", distinct=True),
            open_count=Count("decisions", filter=Q(decisions__status="open"), distinct=True),
        )
    )


def meeting_detail(user: Any) -> QuerySet[Meeting]:
    return (
        Meeting.objects.for_user(user)
        .select_related("community", "host", "assignment", "voided_by")
        .prefetch_related(
            Prefetch(
                "decisions",
                queryset=MeetingDecision.objects.select_related("owner").order_by("due_date", "id"),
            )
        )
    )


def visit_targets(
    actor: Any, person: User, day: dt.date | None = None
) -> tuple[QuerySet[Enterprise], QuerySet[Community]]:
    """Enterprises and communities offered on the visit form: the person's active assignments (and, for
    department staff, their department's); the service decides what is finally allowed."""
    active = Assignment.objects.filter(status=AssignmentStatus.ACTIVE)
    mine = Q(person=person)
    if person.role == Role.DEPARTMENT_STAFF and person.department_id:
        mine |= Q(department_id=person.department_id)
    ent_ids = active.filter(mine, kind=AssignmentKind.ENTERPRISE).values("enterprise_id")
    com_ids = active.filter(mine, kind=AssignmentKind.COMMUNITY).values("community_id")
    enterprises: QuerySet[Enterprise] = (
        Enterprise.objects.for_user(actor).filter(pk__in=ent_ids).order_by("name")
    )
    communities: QuerySet[Community] = Community.objects.for_user(actor).filter(pk__in=com_ids)
    return enterprises, communities


def office_visit_targets(actor: Any) -> tuple[QuerySet[Enterprise], QuerySet[Community]]:
    """For office staff: every enterprise with an active assignment, and every community in scope."""
    ent_ids = Assignment.objects.filter(
        status=AssignmentStatus.ACTIVE, kind=AssignmentKind.ENTERPRISE
    ).values("enterprise_id")
    return (
        Enterprise.objects.for_user(actor).filter(pk__in=ent_ids).order_by("name"),
        Community.objects.for_user(actor),
    )


def assignable_people(actor: Any) -> QuerySet[User]:
    """People an office user may record visits or meetings for."""
    roles = [r for r in STREET_LEVEL_ROLES if r != Role.TIP_OFFICER]
    return User.objects.for_user(actor).filter(is_active=True, role__in=roles).order_by("role", "name")


def decision_owners(actor: Any) -> QuerySet[User]:
    return (
        User.objects.for_user(actor)
        .filter(is_active=True)
        .exclude(role=Role.ENTERPRISE_OFFICER)
        .order_by("role", "name")
    )
