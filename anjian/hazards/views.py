"""Pages of the hazard closed loop: list, detail with timeline and allowed actions, registration, one
page per action (phone friendly), and "my work". Every write calls `hazards.services`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from anjian.core.errors import PermissionDeniedError, ServiceError
from anjian.hazards import forms, selectors, services
from anjian.hazards.choices import (
    EVENT_ICONS,
    EXTENSION_COLOURS,
    LEVEL_COLOURS,
    STATE_COLOURS,
    Level,
    State,
)
from anjian.hazards.counting import EstimatingPaginator
from anjian.hazards.filters import HazardFilter
from anjian.hazards.models import DeadlineExtension, Hazard
from anjian.hazards.permissions import can
from anjian.hazards.timeline import describe

PAGE_SIZE = 30


def _require(request: HttpRequest, capability: str) -> None:
    if not can(request.user, capability):
        raise PermissionDenied


def _hazard_or_404(request: HttpRequest, pk: int) -> Hazard:
    h = selectors.hazard_for_case(request.user, pk)
    if h is None:
        raise Http404("对象不存在或无权访问。")
    return h


@login_required
def hazard_list(request: HttpRequest) -> HttpResponse:
    """Filter and page through the hazards of the user's jurisdiction, with counts per state."""
    _require(request, "hazard.view")
    base = selectors.hazards_for(request.user)
    filterset = HazardFilter(request.GET or None, queryset=base, request=request)
    qs = filterset.qs
    if not request.GET.get("sort"):
        qs = qs.order_by("-found_at", "-id")
    counts, total, estimated = filterset.counts_and_total()
    page = EstimatingPaginator(qs, PAGE_SIZE, count=total, estimated=estimated).get_page(
        request.GET.get("page")
    )
    from anjian.org.models import Community

    communities: list[Any] = list(Community.objects.for_user(request.user).order_by("sort_order", "code"))
    filtered = any(v for k, v in request.GET.items() if k not in ("page", "sort"))
    return render(
        request,
        "hazards/list.html",
        {
            "page_title": "隐患列表",
            "filter": filterset,
            "page_obj": page,
            "hazards": page.object_list,
            "counts": counts,
            "states": list(State),
            "state_colours": STATE_COLOURS,
            "level_colours": LEVEL_COLOURS,
            "communities": communities,
            "filtered": filtered,
            "can_create": can(request.user, "hazard.create"),
            "can_ledger": can(request.user, "hazard.ledger"),
            "can_statistics": can(request.user, "hazard.statistics"),
        },
    )


@login_required
def hazard_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One hazard: the finding, the arrangement, the timeline and the actions this user may take now."""
    h = _hazard_or_404(request, pk)
    case = selectors.case_of(h)
    actions = selectors.allowed_actions(h, request.user, case)
    timeline = [
        {"event": e, "text": describe(e), "icon": EVENT_ICONS.get(e.type, "bi-dot")}  # type: ignore[call-overload]
        for e in case.events
    ]
    return render(
        request,
        "hazards/detail.html",
        {
            "page_title": h.title,
            "h": h,
            "case": case,
            "timeline": timeline,
            "actions": actions,
            "state_colour": STATE_COLOURS.get(h.state, "secondary"),  # type: ignore[call-overload]
            "level_colour": LEVEL_COLOURS.get(h.level, "secondary"),  # type: ignore[call-overload]
            "extension_colours": EXTENSION_COLOURS,
            "result": h.inspection_result,
        },
    )


@login_required
def hazard_create(request: HttpRequest) -> HttpResponse:
    """Register a hazard directly at an enterprise of the user's jurisdiction."""
    _require(request, "hazard.create")
    from anjian.enterprises.models import Enterprise

    ent_id = request.GET.get("enterprise") or request.POST.get("enterprise")
    enterprise = None
    if ent_id:
        try:
            enterprise = Enterprise.objects.for_user(request.user).filter(pk=int(ent_id)).first()
        except ValueError:
            enterprise = None
        if enterprise is None:
            raise Http404("对象不存在或无权访问。")
    form = forms.HazardForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and enterprise is None:
        form.is_valid()
        form.add_error(None, "请选择企业。")
    elif request.method == "POST" and form.is_valid():
        try:
            h = services.create_hazard(
                actor=request.user,
                enterprise=enterprise,
                data=form.service_data(),
                deadline=form.cleaned_data["deadline"],
                level=form.cleaned_data["level"],
                photos=form.cleaned_data["photos"],
            )
        except (ValidationError, ServiceError) as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, f"已登记隐患 {h.code}。")
            return redirect("hazards:detail", pk=h.pk)
    enterprises: list[Any] = []
    if enterprise is None:
        enterprises = list(
            Enterprise.objects.for_user(request.user).order_by("name").values("pk", "name")[:2000]
        )
    return render(
        request,
        "hazards/form.html",
        {"page_title": "登记隐患", "form": form, "enterprise": enterprise, "enterprises": enterprises},
    )


@login_required
def hazard_from_result(request: HttpRequest, result_id: int) -> HttpResponse:
    """Register the hazard of a failed checklist item: everything is prefilled from the inspection."""
    _require(request, "hazard.create")
    from anjian.inspections.models import InspectionResult

    result: Any = get_object_or_404(
        InspectionResult.objects.for_user(request.user).select_related("item", "inspection__enterprise"),
        pk=result_id,
    )
    existing = result.hazards.exclude(state=State.VOIDED).first()  # type: ignore[attr-defined]
    if existing is not None:
        messages.info(request, f"该不合格项已生成隐患 {existing.code}。")
        return redirect("hazards:detail", pk=existing.pk)
    item = result.item
    initial = {
        **services.result_defaults(result),
        "level": Level.MAJOR if item.major_hazard_ground else Level.GENERAL,
        "deadline": services.suggested_deadline(item),
    }
    form = forms.HazardForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            h = services.create_hazard_from_result(
                result,
                actor=request.user,
                deadline=form.cleaned_data["deadline"],
                data=form.service_data(),
                level=form.cleaned_data["level"],
                photos=form.cleaned_data["photos"],
            )
        except (ValidationError, ServiceError) as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, f"已由不合格项登记隐患 {h.code}。")
            return redirect("hazards:detail", pk=h.pk)
    return render(
        request,
        "hazards/form.html",
        {
            "page_title": "由不合格项登记隐患",
            "form": form,
            "enterprise": result.inspection.enterprise,
            "result": result,
        },
    )


@login_required
@require_POST
def hazard_from_result_now(request: HttpRequest, result_id: int) -> HttpResponse:
    """The one-click "生成隐患" of a failed item: registered at once with what the inspection says
    (services.result_defaults) and the suggested deadline; the arrangement stays editable afterwards."""
    _require(request, "hazard.create")
    from anjian.inspections.models import InspectionResult

    result: Any = get_object_or_404(
        InspectionResult.objects.for_user(request.user).select_related("item", "inspection__enterprise"),
        pk=result_id,
    )
    existing = result.hazards.exclude(state=State.VOIDED).first()  # type: ignore[attr-defined]
    if existing is not None:
        messages.info(request, f"该不合格项已生成隐患 {existing.code}。")
        return redirect("hazards:detail", pk=existing.pk)
    defaults = services.result_defaults(result)
    try:
        h = services.create_hazard_from_result(
            result,
            actor=request.user,
            data={k: defaults[k] for k in ("responsible_name", "responsible_phone", "measures")},
        )
    except (ValidationError, ServiceError) as exc:
        messages.error(request, _first_message(exc))
        return redirect("inspections:detail", pk=result.inspection_id)
    missing = "" if h.responsible_name else "请补充整改责任人，"
    messages.success(
        request,
        f"已生成隐患 {h.code}，整改期限 {h.current_deadline:%Y-%m-%d}。"
        f"整改措施已按检查标准预填，{missing}如需调整请点“修改整改信息”。",
    )
    return redirect("hazards:detail", pk=h.pk)


def _first_message(exc: Exception) -> str:
    if isinstance(exc, ServiceError):
        return exc.message
    messages_ = getattr(exc, "messages", None) or [str(exc)]
    return str(messages_[0])


# ----------------------------------------------------------------------------------------------- actions
def _action(
    request: HttpRequest,
    pk: int,
    *,
    action: str,
    form_class: type[Any],
    title: str,
    submit: str,
    do: Callable[[Hazard, dict[str, Any]], Any],
    success: str,
    intro: str = "",
    danger: bool = False,
    form_kwargs: dict[str, Any] | None = None,
    template: str = "hazards/action.html",
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """One action page: GET shows the form, POST calls the service; refusals re-render with the reason."""
    h = _hazard_or_404(request, pk)
    form = form_class(request.POST or None, request.FILES or None, **(form_kwargs or {}))
    if request.method == "POST" and form.is_valid():
        try:
            do(h, form.cleaned_data)
        except PermissionDeniedError as exc:
            form.add_error(None, exc.message)
        except (ValidationError, ServiceError) as exc:
            forms.add_service_errors(form, exc)
        else:
            messages.success(request, success)
            return redirect("hazards:detail", pk=h.pk)
    elif request.method == "GET" and action not in selectors.allowed_actions(h, request.user):
        messages.warning(request, "当前状态下不能进行该操作，或您没有该操作的权限。")
        return redirect("hazards:detail", pk=h.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        template,
        {
            "page_title": title,
            "h": h,
            "form": form,
            "submit_label": submit,
            "intro": intro,
            "danger": danger,
            **(extra or {}),
        },
        status=status,
    )


@login_required
def hazard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    return _action(
        request,
        pk,
        action="edit",
        form_class=forms.HazardForm,
        form_kwargs={"instance": h, "editing": True},
        title="修改整改信息",
        submit="保存",
        intro="整改期限不能在此修改：如需延期，请提交延期申请并经审批。",
        do=lambda h, d: services.update_hazard(
            h, actor=request.user, data={k: d[k] for k in forms.HazardForm.Meta.fields if k in d}
        ),
        success="整改信息已保存。",
    )


@login_required
def hazard_photos(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        action="photos",
        form_class=forms.PhotosForm,
        title="补充隐患照片",
        submit="上传",
        do=lambda h, d: services.add_photos(h, actor=request.user, photos=d["photos"]),
        success="照片已上传。",
    )


@login_required
def hazard_confirm_level(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    return _action(
        request,
        pk,
        action="confirm_level",
        form_class=forms.LevelForm,
        form_kwargs={"initial": {"level": h.proposed_level}},
        title="确认隐患等级",
        submit="确认",
        intro="重大事故隐患：危害和整改难度较大，需全部或局部停产停业并经过一定时间整改治理方能排除，"
        "或者因外部因素影响致使生产经营单位自身难以排除的隐患。确认为重大后须提交治理方案并可挂牌督办。",
        do=lambda h, d: services.confirm_level(h, actor=request.user, level=d["level"], note=d["note"]),
        success="隐患等级已确认。",
    )


@login_required
def hazard_plan(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    last = h.plans.order_by("-version").first()
    return _action(
        request,
        pk,
        action="plan",
        form_class=forms.PlanForm,
        form_kwargs={"instance": last} if last else {},
        title="重大事故隐患治理方案",
        submit="提交治理方案" if last is None else "提交修订版",
        intro="依据《安全生产事故隐患排查治理暂行规定》第十五条，治理方案须包含以下六项内容，缺一不可。",
        do=lambda h, d: services.submit_governance_plan(
            h, actor=request.user, data={p: d[p] for p in forms.PlanForm.Meta.fields}
        ),
        success="治理方案已提交。",
    )


@login_required
def hazard_start(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    return _action(
        request,
        pk,
        action="start",
        form_class=forms.NoteForm,
        title="开始整改",
        submit="开始整改",
        intro=f"整改责任人：{h.responsible_name or '未填写'}；整改期限：{h.current_deadline:%Y-%m-%d}。",
        do=lambda h, d: services.start_rectification(h, actor=request.user, note=d["note"]),
        success="已进入整改。",
    )


@login_required
def hazard_submit(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        action="submit",
        form_class=forms.EvidenceForm,
        title="提交整改材料",
        submit="提交，申请复查",
        intro="请说明整改情况并拍照上传整改后的现场照片，提交后由安格员或社区复查。",
        do=lambda h, d: services.submit_rectification(
            h, actor=request.user, note=d["note"], photos=d["photos"]
        ),
        success="整改材料已提交，等待复查。",
    )


@login_required
def hazard_verify(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    case = selectors.case_of(h)
    return _action(
        request,
        pk,
        action="verify",
        form_class=forms.VerifyForm,
        title="复查整改",
        submit="提交复查结论",
        do=lambda h, d: services.verify(
            h,
            actor=request.user,
            passed=d["passed"],
            note=d["note"],
            photos=d["photos"],
            signature=d["signature"],
        ),
        success="复查结论已记录。",
        template="hazards/verify.html",
        extra={"case": case},
    )


@login_required
def hazard_extension(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    return _action(
        request,
        pk,
        action="extension",
        form_class=forms.ExtensionForm,
        title="申请延期",
        submit="提交延期申请",
        intro=f"当前整改期限：{h.current_deadline:%Y-%m-%d}（原定 {h.original_deadline:%Y-%m-%d}）。"
        "延期须经审批，批准前期限不变。",
        do=lambda h, d: services.request_extension(
            h, actor=request.user, requested_deadline=d["requested_deadline"], reason=d["reason"]
        ),
        success="延期申请已提交，等待审批。",
    )


@login_required
def hazard_decide_extension(request: HttpRequest, pk: int, ext_id: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    ext: Any = get_object_or_404(DeadlineExtension.objects.for_user(request.user).filter(hazard=h), pk=ext_id)
    return _action(
        request,
        pk,
        action="decide_extension",
        form_class=forms.DecisionForm,
        title="审批延期申请",
        submit="提交审批",
        intro=f"{ext.requested_by} 申请由 {ext.previous_deadline:%Y-%m-%d} 延至 {ext.requested_deadline:%Y-%m-%d}。"
        f"理由：{ext.reason}",
        do=lambda h, d: services.decide_extension(
            ext, actor=request.user, approve=d["approve"], note=d["note"]
        ),
        success="审批结果已记录。",
    )


@login_required
def hazard_void(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        action="void",
        form_class=forms.ReasonForm,
        title="作废隐患",
        submit="确认作废",
        danger=True,
        intro="作废用于登记错误或重复登记的隐患。作废后记录仍保留在历史中，不可恢复。",
        do=lambda h, d: services.void_hazard(h, actor=request.user, reason=d["reason"]),
        success="隐患已作废。",
    )


@login_required
def hazard_supervise(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        action="supervise",
        form_class=forms.SuperviseForm,
        title="挂牌督办",
        submit="挂牌督办",
        intro="挂牌督办后，企业须按周期报送治理进展，直至隐患复查销号。",
        do=lambda h, d: services.list_supervision(
            h,
            actor=request.user,
            supervising_unit=d["supervising_unit"],
            requirements=d["requirements"],
            report_every_days=d["report_every_days"],
        ),
        success="已挂牌督办。",
    )


@login_required
def hazard_progress(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        action="progress",
        form_class=forms.ProgressForm,
        title="报送督办进展",
        submit="报送",
        do=lambda h, d: services.add_progress_report(
            h, actor=request.user, progress=d["progress"], percent=d["percent"], photos=d["photos"]
        ),
        success="进展已报送。",
    )


@login_required
def hazard_lift(request: HttpRequest, pk: int) -> HttpResponse:
    return _action(
        request,
        pk,
        action="lift",
        form_class=forms.NoteForm,
        title="解除挂牌督办",
        submit="解除督办",
        do=lambda h, d: services.lift_supervision(h, actor=request.user, note=d["note"]),
        success="已解除挂牌督办。",
    )


# ----------------------------------------------------------------------------------------------- my work
@login_required
def my_work(request: HttpRequest) -> HttpResponse:
    """What to do next: verifications due and today's visits (inspectors), hazards to rectify (enterprise),
    decisions (office)."""
    _require(request, "hazard.view")
    work = selectors.my_work(request.user)
    return render(
        request,
        "hazards/my_work.html",
        {
            "page_title": "我的隐患工作",
            "work": work,
            "state_colours": STATE_COLOURS,
            "level_colours": LEVEL_COLOURS,
            "list_url": reverse("hazards:list"),
        },
    )
