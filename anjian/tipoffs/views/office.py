"""Office pages: the tip list (filters, export), the map, the detail with its timeline and the workflow
actions allowed now, and the tip officer's identity reveal."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from anjian.core import audit
from anjian.core.errors import ServiceError
from anjian.org.choices import Role
from anjian.org.permissions import can
from anjian.tipoffs import selectors, services
from anjian.tipoffs.choices import STATUS_COLOURS, TipStatus
from anjian.tipoffs.filters import TipoffPageFilter
from anjian.tipoffs.forms import (
    AcceptForm,
    ApproveRewardForm,
    AssignForm,
    CloseForm,
    DismissDuplicateForm,
    FeedbackForm,
    HandleForm,
    MergeForm,
    PaymentForm,
    RejectForm,
    RevealForm,
    RewardDecisionForm,
    VerifyForm,
    add_service_errors,
)
from anjian.tipoffs.models import Tipoff
from anjian.tipoffs.rewards import RewardInputError, yuan
from anjian.tipoffs.services.common import ACTION_LABELS

PAGE_SIZE = 30


def require_view(request: HttpRequest) -> None:
    if not can(request.user, "tipoff.view"):
        raise PermissionDenied


def _tip_or_404(request: HttpRequest, pk: int) -> Tipoff:
    return get_object_or_404(
        selectors.tips_for(request.user).select_related("merged_into", "duplicate_suspect"), pk=pk
    )


def _map_config() -> dict[str, str]:
    return {"tileUrl": settings.MAP_TILE_URL or "", "tileAttribution": settings.MAP_TILE_ATTRIBUTION or ""}


@login_required
def tip_list(request: HttpRequest) -> HttpResponse:
    """举报列表: filters (status, category, community, overdue), counts, paging."""
    require_view(request)
    base = selectors.tips_for(request.user)
    filterset = TipoffPageFilter(request.GET or None, queryset=base)
    qs = filterset.qs.order_by("-received_at", "-id")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [(t, t.overdue_reasons(now)) for t in page.object_list]
    return render(
        request,
        "tipoffs/list.html",
        {
            "page_title": "举报受理",
            "filter": filterset,
            "page_obj": page,
            "rows": rows,
            "counts": selectors.status_counts(base),
            "overdue_count": base.filter(selectors.overdue_q(now)).count(),
            "filtered": any(v for k, v in request.GET.items() if k != "page"),
            "status_colours": STATUS_COLOURS,
            "can_stats": can(request.user, "tipoff.view"),
        },
    )


@login_required
def tip_map(request: HttpRequest) -> HttpResponse:
    """举报地图: tips by position over community boundaries (no tile server needed)."""
    require_view(request)
    filterset = TipoffPageFilter(request.GET or None, queryset=selectors.tips_for(request.user))
    return render(
        request,
        "tipoffs/map.html",
        {
            "page_title": "举报地图",
            "filter": filterset,
            "points": selectors.map_points(filterset.qs),
            "boundaries": selectors.boundaries(),
            "map_config": _map_config(),
            "legend": [(s.label, STATUS_COLOURS[s]) for s in TipStatus],
        },
    )


@login_required
def export(request: HttpRequest) -> HttpResponse:
    """Excel of the filtered list — never the reporter's identity, nor the report text."""
    require_view(request)
    from openpyxl import Workbook
    from openpyxl.styles import Font

    filterset = TipoffPageFilter(request.GET or None, queryset=selectors.tips_for(request.user))
    qs = filterset.qs.order_by("-received_at", "-id").select_related("reward")
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "举报"
    headers = [
        "举报编号",
        "接收时间",
        "举报类别",
        "所在社区",
        "地点",
        "涉及单位",
        "状态",
        "交办",
        "核查结论",
        "罚没款（元）",
        "奖励（元）",
        "奖励发放日期",
        "超期",
    ]
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    now = timezone.now()
    count = 0
    for t in qs:
        reward = getattr(t, "reward", None)
        ws.append(
            [
                t.code,
                timezone.localtime(t.received_at).strftime("%Y-%m-%d %H:%M"),
                t.category.name,
                t.community.name if t.community else "",
                t.address,
                t.enterprise.name if t.enterprise else "",
                t.get_status_display(),
                t.assignee_label,
                {True: "属实", False: "不实"}.get(t.verified_true, "") if t.verified_true is not None else "",
                float(t.penalty_total) if t.penalty_total is not None else None,
                float(reward.amount) if reward else None,
                reward.paid_on.isoformat() if reward and reward.paid_on else "",
                "；".join(t.overdue_reasons(now)),
            ]
        )
        count += 1
    for col, width in zip("ABCDEFGHIJKLM", (16, 17, 20, 12, 28, 24, 12, 18, 10, 14, 12, 14, 24), strict=True):
        ws.column_dimensions[col].width = width
    out = io.BytesIO()
    wb.save(out)
    audit.record(
        actor=request.user, action="tipoff.export", object_type="tipoffs.tipoff", note=f"导出 {count} 条"
    )
    response = HttpResponse(
        out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''tipoffs-{stamp}.xlsx"
    return response


# --- detail and actions ----------------------------------------------------------------------------


def _forms_for(tip: Tipoff, user: Any) -> dict[str, Callable[..., forms.Form]]:
    rules = services.applicable_rules(tip)
    reward = selectors.reward_of(tip)
    return {
        "accept": lambda data=None, files=None: AcceptForm(data, tip=tip, prefix="accept"),
        "reject": lambda data=None, files=None: RejectForm(data, prefix="reject"),
        "assign": lambda data=None, files=None: AssignForm(data, tip=tip, prefix="assign"),
        "verify": lambda data=None, files=None: VerifyForm(data, prefix="verify"),
        "handle": lambda data=None, files=None: HandleForm(data, prefix="handle"),
        "feedback": lambda data=None, files=None: FeedbackForm(data, prefix="feedback"),
        "decide_reward": lambda data=None, files=None: RewardDecisionForm(
            data, rules=rules, suggested=services.suggested_rule(tip), prefix="reward"
        ),
        "approve_reward": lambda data=None, files=None: ApproveRewardForm(data, prefix="approve"),
        "pay_reward": lambda data=None, files=None: PaymentForm(data, files, reward=reward, prefix="pay"),
        "close": lambda data=None, files=None: CloseForm(data, prefix="close"),
        "merge": lambda data=None, files=None: MergeForm(
            data,
            prefix="merge",
            initial={"into": tip.duplicate_suspect.code if tip.duplicate_suspect_id else ""},  # type: ignore[union-attr]
        ),
        "dismiss_duplicate": lambda data=None, files=None: DismissDuplicateForm(data, prefix="dismiss"),
    }


def _perform(action: str, tip: Tipoff, user: Any, d: dict[str, Any]) -> str:
    """Call the service of `action`; returns the success message."""
    pk = tip.pk
    if action == "accept":
        services.accept_tip(
            pk, actor=user, community=d["community"], enterprise=d["enterprise"], note=d["note"]
        )
    elif action == "reject":
        services.reject_tip(pk, actor=user, reason=d["reason"])
    elif action == "assign":
        services.assign_tip(
            pk,
            actor=user,
            kind=d["kind"],
            community=d["community"],
            grid=d["grid"],
            department=d["department"],
            note=d["note"],
        )
    elif action == "verify":
        services.verify_tip(pk, actor=user, truthful=d["result"], note=d["note"])
    elif action == "handle":
        services.handle_tip(
            pk,
            actor=user,
            enforcement_action=d["enforcement_action"],
            fine_amount=d["fine_amount"],
            confiscated_amount=d["confiscated_amount"],
            concealed_deaths=d["concealed_deaths"],
            accident_level=d["accident_level"],
            hazard_code=d["hazard_code"],
        )
    elif action == "feedback":
        services.give_feedback(pk, actor=user, text=d["text"])
    elif action == "decide_reward":
        reward = services.decide_reward(pk, actor=user, rule=d["rule"], note=d["note"])
        return f"奖励已决定：{yuan(reward.amount)}，待街道审批。"
    elif action == "approve_reward":
        services.approve_reward(pk, actor=user, note=d["note"])
    elif action == "pay_reward":
        services.pay_reward(
            pk,
            actor=user,
            amount=d["amount"],
            paid_on=d["paid_on"],
            method=d["method"],
            reference=d["reference"],
            receipt=d["receipt"],
        )
    elif action == "close":
        services.close_tip(pk, actor=user, note=d["note"])
    elif action == "merge":
        target: Tipoff | None = Tipoff.objects.for_user(user).filter(code=d["into"].strip().upper()).first()
        if target is None:
            raise ValidationError({"into": "找不到该举报编号。"})
        services.merge_tip(pk, actor=user, into_id=target.pk, note=d["note"])
    elif action == "dismiss_duplicate":
        services.dismiss_duplicate(pk, actor=user, note=d["note"])
    else:
        raise Http404
    return f"已{ACTION_LABELS[action]}。"


def _detail_context(
    request: HttpRequest, tip: Tipoff, bound: dict[str, forms.Form] | None = None
) -> dict[str, Any]:
    user = request.user
    actions = selectors.available_actions(tip, user)
    factories = _forms_for(tip, user)
    action_forms = []
    for action in actions:
        form = (bound or {}).get(action) or factories[action]()
        action_forms.append(
            {"name": action, "label": ACTION_LABELS[action], "form": form, "open": action in (bound or {})}
        )
    reward = selectors.reward_of(tip)
    preview = None
    if "decide_reward" in actions:
        rule = services.suggested_rule(tip)
        if rule is not None:
            try:
                preview = {"rule": rule, "calc": services.preview(tip, rule)}
            except RewardInputError as exc:
                preview = {"rule": rule, "error": str(exc)}
    location = {
        "lat": tip.lat,
        "lng": tip.lng,
        "name": tip.code,
        "boundary": tip.community.boundary if tip.community else None,
    }
    return {
        "page_title": f"举报 {tip.code}",
        "tip": tip,
        "status_colour": STATUS_COLOURS.get(tip.status, "secondary"),  # type: ignore[call-overload]
        "overdue": tip.overdue_reasons(),
        "photos": selectors.photos_of(tip),
        "events": selectors.timeline_of(tip),
        "reward": reward,
        "receipts": selectors.photos_of(reward) if reward else [],
        "group": selectors.merged_group(tip),
        "action_forms": action_forms,
        "preview": preview,
        "can_reveal": getattr(user, "role", "") == Role.TIP_OFFICER and tip.has_identity,
        "reveal_form": RevealForm(prefix="reveal"),
        "location": location,
        "map_config": _map_config(),
        "linked_hazard": _linked_hazard(tip),
    }


def _linked_hazard(tip: Tipoff) -> dict[str, str] | None:
    """The hazard registered for this tip, resolved lazily by its code (the hazards app may not exist)."""
    if not tip.hazard_code:
        return None
    try:
        from django.apps import apps
        from django.urls import reverse

        model = apps.get_model("hazards", "Hazard")
        hazard = model.objects.filter(code=tip.hazard_code).only("pk").first()
        if hazard is None:
            return None
        return {"code": tip.hazard_code, "url": reverse("hazards:detail", args=[hazard.pk])}
    except Exception:  # no hazards app, no code field or no page yet: show the code only
        return None


@login_required
def tip_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One tip: report, place, photos, handling, reward, timeline and the actions allowed now."""
    require_view(request)
    tip = _tip_or_404(request, pk)
    return render(request, "tipoffs/detail.html", _detail_context(request, tip))


@login_required
@require_POST
def tip_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one workflow action from the detail page; errors re-render the page with the form."""
    require_view(request)
    tip = _tip_or_404(request, pk)
    factories = _forms_for(tip, request.user)
    if action not in factories:
        raise Http404
    form = factories[action](request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            message = _perform(action, tip, request.user, form.cleaned_data)
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
            status = getattr(exc, "status", 400)
            if isinstance(exc, ServiceError):  # the form may not be shown in the current state: say it on top
                messages.error(request, exc.message)
        else:
            messages.success(request, message)
            return redirect("tipoffs:detail", pk=tip.pk)
    tip = _tip_or_404(request, pk)
    return render(
        request, "tipoffs/detail.html", _detail_context(request, tip, {action: form}), status=status
    )


@never_cache
@login_required
@require_POST
def reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """Tip officer only: show the reporter's identity once, with the reason written to the audit log."""
    require_view(request)
    tip = _tip_or_404(request, pk)
    form = RevealForm(request.POST, prefix="reveal")
    context = _detail_context(request, tip)
    status = 200
    if form.is_valid():
        try:
            context["revealed"] = services.reveal_identity(
                tip.pk, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except (ValidationError, ServiceError) as exc:
            add_service_errors(form, exc)
            status = getattr(exc, "status", 400)
    else:
        status = 400
    context["reveal_form"] = form
    context["events"] = selectors.timeline_of(tip)
    response = render(request, "tipoffs/detail.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def map_data(request: HttpRequest) -> JsonResponse:
    """Map points as JSON (same filters as the list)."""
    require_view(request)
    filterset = TipoffPageFilter(request.GET or None, queryset=selectors.tips_for(request.user))
    return JsonResponse({"points": selectors.map_points(filterset.qs)})
