"""Pages for people and accounts: list, detail, create, edit, reset password, deactivate, reactivate."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from anjian.org import selectors, services
from anjian.org.choices import ROLE_COLOURS, AssignmentStatus, Role
from anjian.org.forms import PasswordResetForm, PersonForm, ReasonForm
from anjian.org.models import Community, User
from anjian.org.permissions import can
from anjian.org.views.common import capability_required, form_page, paginate, post_action

OFFICE_ROLES = (Role.STREET_ADMIN, Role.OFFICE_STAFF)


def _may_manage(actor: Any, person: User) -> bool:
    if not can(actor, "people.manage"):
        return False
    return person.role not in OFFICE_ROLES or can(actor, "org.manage")


@login_required
def person_list(request: HttpRequest) -> HttpResponse:
    role = request.GET.get("role", "")
    community = request.GET.get("community", "")
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "active")
    qs = selectors.people(
        request.user, role=role if role in Role.values else "", community=community, q=q, status=status
    )
    page = paginate(request, qs, 30)
    return render(
        request,
        "org/person_list.html",
        {
            "page_title": "人员与账号",
            "page_obj": page,
            "people": page.object_list,
            "roles": Role.choices,
            "role_colours": ROLE_COLOURS,
            "communities": Community.objects.for_user(request.user),
            "can_manage": can(request.user, "people.manage"),
            "filters": {"role": role, "community": community, "q": q, "status": status},
        },
    )


@login_required
def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(
        User.objects.for_user(request.user).select_related("community", "grid", "enterprise", "department"),
        pk=pk,
    )
    assignments = (
        selectors.assignments(request.user).filter(person=person).order_by("status", "-start_date", "id")
    )
    visits = selectors.visits(request.user).filter(visitor=person, voided_at__isnull=True)[:10]
    return render(
        request,
        "org/person_detail.html",
        {
            "page_title": person.name or person.username,
            "person": person,
            "assignments": assignments,
            "active_assignments": sum(1 for a in assignments if a.status == AssignmentStatus.ACTIVE),
            "visits": visits,
            "role_colour": ROLE_COLOURS.get(person.role, "secondary"),
            "can_manage": _may_manage(request.user, person) and person.pk != request.user.pk,
            "can_edit": _may_manage(request.user, person),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@capability_required("people.manage")
def person_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        PersonForm(request.POST or None, actor=request.user),
        save=lambda f: services.create_person(
            actor=request.user, data=f.service_data(), password=f.cleaned_data["password1"]
        ),
        success="人员账号已创建。",
        done=lambda p: reverse("org:person", args=[p.pk]),
        template="org/person_form.html",
        context={"page_title": "新增人员", "back_url": "org:people", "person_form": True},
    )


def _managed_person(request: HttpRequest, pk: int, *related: str) -> User:
    person: User = get_object_or_404(User.objects.for_user(request.user).select_related(*related), pk=pk)
    if not _may_manage(request.user, person):
        raise PermissionDenied
    return person


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = _managed_person(request, pk, "enterprise")
    return form_page(
        request,
        PersonForm(
            request.POST or None, actor=request.user, person=person, initial=PersonForm.initial_for(person)
        ),
        save=lambda f: services.update_person(person, actor=request.user, data=f.service_data()),
        success="人员信息已保存。",
        done=lambda p: reverse("org:person", args=[person.pk]),
        template="org/person_form.html",
        context={"page_title": f"编辑人员：{person.name}", "person": person, "person_form": True},
    )


@login_required
def person_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = _managed_person(request, pk)
    return form_page(
        request,
        PasswordResetForm(request.POST or None),
        save=lambda f: services.reset_password(
            person, actor=request.user, password=f.cleaned_data["password1"]
        ),
        success=f"已为{person.name}设置新密码，请通过安全渠道告知本人。",
        done=lambda p: reverse("org:person", args=[person.pk]),
        template="org/person_form.html",
        context={"page_title": f"重置密码：{person.name}", "person": person},
    )


@login_required
@require_POST
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    return post_action(
        request,
        lambda: services.deactivate_person(person, actor=request.user, reason=request.POST.get("reason", "")),
        f"已停用{person.name}的账号。",
        reverse("org:person", args=[person.pk]),
    )


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    return post_action(
        request,
        lambda: services.reactivate_person(person, actor=request.user),
        f"已重新启用{person.name}的账号。",
        reverse("org:person", args=[person.pk]),
    )
