"""Pages of the organisation tree: communities with their grids, and departments (科办)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from anjian.org import selectors, services
from anjian.org.choices import AssignmentStatus, Role
from anjian.org.forms import CommunityForm, DepartmentForm, GridForm
from anjian.org.models import Community, Department, Grid, User
from anjian.org.permissions import can
from anjian.org.views.common import capability_required, form_page


def _map_data(community: Community, grids: list[Grid]) -> dict[str, Any]:
    return {
        "boundary": community.boundary,
        "center": [community.center_lat, community.center_lng] if community.center_lat is not None else None,
        "grids": [{"name": g.name, "boundary": g.boundary} for g in grids if g.boundary],
        "tiles": settings.MAP_TILE_URL,
        "attribution": settings.MAP_TILE_ATTRIBUTION,
        "name": community.name,
    }


@login_required
def community_list(request: HttpRequest) -> HttpResponse:
    items: list[Any] = list(selectors.communities(request.user))
    totals = {
        "grids": sum(c.grid_count for c in items),
        "enterprises": sum(c.enterprise_count for c in items),
        "people": sum(c.people_count for c in items),
    }
    return render(
        request,
        "org/community_list.html",
        {
            "page_title": "社区与网格",
            "communities": items,
            "totals": totals,
            "can_manage": can(request.user, "org.manage"),
        },
    )


@login_required
def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community = get_object_or_404(selectors.communities(request.user), pk=pk)
    grids = list(selectors.grids_of(community, request.user).order_by("code"))
    workers = (
        User.objects.for_user(request.user)
        .filter(community=community, is_active=True, role__in=[Role.COMMUNITY_WORKER, Role.GRID_INSPECTOR])
        .select_related("grid")
        .order_by("role", "name")
    )
    liaisons = (
        selectors.assignments(request.user)
        .filter(community=community, kind="community", status=AssignmentStatus.ACTIVE)
        .order_by("person__name")
    )
    return render(
        request,
        "org/community_detail.html",
        {
            "page_title": community.name,
            "community": community,
            "grids": grids,
            "workers": workers,
            "liaisons": liaisons,
            "map_data": _map_data(community, grids),
            "can_manage": can(request.user, "org.manage"),
        },
    )


@login_required
@capability_required("org.manage")
def community_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        CommunityForm(request.POST or None),
        save=lambda f: services.create_community(actor=request.user, data=f.service_data()),
        success="社区已创建。",
        done=lambda c: reverse("org:community", args=[c.pk]),
        template="org/structure_form.html",
        context={"page_title": "新增社区", "back_url": "org:communities"},
    )


def _manage(request: HttpRequest, scoped: Any, pk: int) -> Any:
    """The object `pk` of a queryset already narrowed to the user's scope (404 otherwise), if the user
    may manage the organisation (403 otherwise)."""
    obj = get_object_or_404(scoped, pk=pk)
    if not can(request.user, "org.manage"):
        raise PermissionDenied
    return obj


@login_required
def community_edit(request: HttpRequest, pk: int) -> HttpResponse:
    community: Community = _manage(request, Community.objects.for_user(request.user), pk)
    return form_page(
        request,
        CommunityForm(request.POST or None, initial=CommunityForm.initial_for(community)),
        save=lambda f: services.update_community(community, actor=request.user, data=f.service_data()),
        success="社区信息已保存。",
        done=lambda c: reverse("org:community", args=[c.pk]),
        template="org/structure_form.html",
        context={"page_title": f"编辑社区：{community.name}", "community": community},
    )


@login_required
def grid_create(request: HttpRequest, community_pk: int) -> HttpResponse:
    community: Community = _manage(request, Community.objects.for_user(request.user), community_pk)
    return form_page(
        request,
        GridForm(request.POST or None),
        save=lambda f: services.create_grid(actor=request.user, community=community, data=f.cleaned_data),
        success="网格已创建。",
        done=lambda g: reverse("org:community", args=[community.pk]),
        template="org/structure_form.html",
        context={"page_title": f"新增网格 · {community.name}", "community": community},
    )


@login_required
def grid_edit(request: HttpRequest, pk: int) -> HttpResponse:
    grid: Grid = _manage(request, Grid.objects.for_user(request.user).select_related("community"), pk)
    return form_page(
        request,
        GridForm(request.POST or None, initial=GridForm.initial_for(grid)),
        save=lambda f: services.update_grid(grid, actor=request.user, data=f.cleaned_data),
        success="网格信息已保存。",
        done=lambda g: reverse("org:community", args=[grid.community_id]),
        template="org/structure_form.html",
        context={"page_title": f"编辑网格：{grid.full_name}", "community": grid.community},
    )


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    if not request.user.jurisdiction.is_street:  # type: ignore[union-attr]
        raise Http404
    return render(
        request,
        "org/department_list.html",
        {
            "page_title": "科办",
            "departments": selectors.departments(request.user),
            "can_manage": can(request.user, "org.manage"),
        },
    )


@login_required
@capability_required("org.manage")
def department_create(request: HttpRequest) -> HttpResponse:
    return form_page(
        request,
        DepartmentForm(request.POST or None),
        save=lambda f: services.create_department(actor=request.user, data=f.cleaned_data),
        success="科办已创建。",
        done=lambda d: reverse("org:departments"),
        template="org/structure_form.html",
        context={"page_title": "新增科办", "back_url": "org:departments"},
    )


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department: Department = _manage(request, Department.objects.for_user(request.user), pk)
    return form_page(
        request,
        DepartmentForm(request.POST or None, initial=DepartmentForm.initial_for(department)),
        save=lambda f: services.update_department(department, actor=request.user, data=f.cleaned_data),
        success="科办信息已保存。",
        done=lambda d: reverse("org:departments"),
        template="org/structure_form.html",
        context={"page_title": f"编辑科办：{department.name}", "back_url": "org:departments"},
    )
