"""Pages for people and accounts: list, detail, create, edit, reset password, deactivate, reactivate."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from anjian.core.errors import PermissionDeniedError, ServiceError
from anjian.org import selectors, services
from anjian.org.choices import ROLE_COLOURS, AssignmentStatus, Role
from anjian.org.forms import PasswordResetForm, PersonForm, ReasonForm
from anjian.org.models import Community, User
from anjian.org.permissions import can
from anjian.org.views.common import apply_errors, capability_required, paginate, save_with_service

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
    form = PersonForm(request.POST or None, actor=request.user)
    ctx: dict[str, Any] = {"page_title": "新增人员", "back_url": "org:people", "person_form": True}
    if request.method == "POST":
        response = save_with_service(
            request,
            form,
            lambda f: services.create_person(
                actor=request.user, data=f.service_data(), password=f.cleaned_data["password1"]
            ),
            "人员账号已创建。",
            template="org/person_form.html",
            context=ctx,
        )
        if response is None:
            return redirect("org:person", pk=ctx["saved"].pk)
        return response
    return render(request, "org/person_form.html", {**ctx, "form": form})


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user).select_related("enterprise"), pk=pk)
    if not _may_manage(request.user, person):
        raise PermissionDenied
    form = PersonForm(
        request.POST or None, actor=request.user, person=person, initial=PersonForm.initial_for(person)
    )
    ctx: dict[str, Any] = {"page_title": f"编辑人员：{person.name}", "person": person, "person_form": True}
    if request.method == "POST":
        response = save_with_service(
            request,
            form,
            lambda f: services.update_person(person, actor=request.user, data=f.service_data()),
            "人员信息已保存。",
            template="org/person_form.html",
            context=ctx,
        )
        if response is None:
            return redirect("org:person", pk=person.pk)
        return response
    return render(request, "org/person_form.html", {**ctx, "form": form})


@login_required
def person_password(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    if not _may_manage(request.user, person):
        raise PermissionDenied
    form = PasswordResetForm(request.POST or None)
    ctx: dict[str, Any] = {"page_title": f"重置密码：{person.name}", "person": person}
    if request.method == "POST":
        response = save_with_service(
            request,
            form,
            lambda f: services.reset_password(
                person, actor=request.user, password=f.cleaned_data["password1"]
            ),
            f"已为{person.name}设置新密码，请通过安全渠道告知本人。",
            template="org/person_form.html",
            context=ctx,
        )
        if response is None:
            return redirect("org:person", pk=person.pk)
        return response
    return render(request, "org/person_form.html", {**ctx, "form": form})


@login_required
@require_POST
def person_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    form = ReasonForm(request.POST)
    reason = request.POST.get("reason", "")
    try:
        services.deactivate_person(person, actor=request.user, reason=reason)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    except (ValidationError, ServiceError) as exc:
        apply_errors(form, exc)
        for error in form.errors.values():
            for message in error:
                messages.error(request, str(message))
    else:
        messages.success(request, f"已停用{person.name}的账号。")
    return redirect("org:person", pk=person.pk)


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    person = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    try:
        services.reactivate_person(person, actor=request.user)
    except PermissionDeniedError as exc:
        raise PermissionDenied(exc.message) from None
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"已重新启用{person.name}的账号。")
    return redirect("org:person", pk=person.pk)
