"""Pages of the hazard closed loop: list, detail with timeline and allowed actions, registration, one
page per action (phone friendly), and "my work". Every write calls `hazards.services`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

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
_T = TypeVar("_T")
_P = ParamSpec("_P")


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
        d = form.cleaned_data
        h = _run(
            form,
            services.create_hazard,
            actor=request.user,
            enterprise=enterprise,
            data=form.service_data(),
            deadline=d["deadline"],
            level=d["level"],
            photos=d["photos"],
        )
        if h is not None:
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
    result = _failed_result(request, result_id)
    if (existing := _hazard_of_result(request, result)) is not None:
        return existing
    item = result.item
    initial = {
        **services.result_defaults(result),
        "level": Level.MAJOR if item.major_hazard_ground else Level.GENERAL,
        "deadline": services.suggested_deadline(item),
    }
    form = forms.HazardForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        h = _run(
            form,
            services.create_hazard_from_result,
            result,
            actor=request.user,
            deadline=d["deadline"],
            data=form.service_data(),
            level=d["level"],
            photos=d["photos"],
        )
        if h is not None:
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
    result = _failed_result(request, result_id)
    if (existing := _hazard_of_result(request, result)) is not None:
        return existing
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


def _failed_result(request: HttpRequest, result_id: int) -> Any:
    """The inspection result a hazard is registered from (404 outside the user's scope)."""
    _require(request, "hazard.create")
    from anjian.inspections.models import InspectionResult

    return get_object_or_404(
        InspectionResult.objects.for_user(request.user).select_related("item", "inspection__enterprise"),
        pk=result_id,
    )


def _hazard_of_result(request: HttpRequest, result: Any) -> HttpResponse | None:
    """The page of the hazard already registered from `result` (a failed item makes one hazard)."""
    existing = result.hazards.exclude(state=State.VOIDED).first()
    if existing is None:
        return None
    messages.info(request, f"该不合格项已生成隐患 {existing.code}。")
    return redirect("hazards:detail", pk=existing.pk)


def _first_message(exc: Exception) -> str:
    if isinstance(exc, ServiceError):
        return exc.message
    messages_ = getattr(exc, "messages", None) or [str(exc)]
    return str(messages_[0])


# ----------------------------------------------------------------------------------------------- actions
def _run(form: Any, service: Callable[_P, _T], *args: _P.args, **kwargs: _P.kwargs) -> _T | None:
    """Call a service for a valid form. A refusal goes onto the form (its Chinese reasons beside the
    fields, the rest on top) and gives None; a 404 outside the user's scope goes through."""
    try:
        return service(*args, **kwargs)
    except PermissionDeniedError as exc:
        form.add_error(None, exc.message)
    except (ValidationError, ServiceError) as exc:
        forms.add_service_errors(form, exc)
    return None


@dataclass(frozen=True)
class ActionPage:
    """One step of the closed loop on a page of its own (phone friendly).

    The form's fields are the service's keyword arguments: a valid POST calls
    `service(target, actor=user, **form.cleaned_data)` — the target is the hazard, or what the step
    decides on — then flashes `success` and goes back to the hazard; a refusal shows the form again
    (400) with the service's reason. A GET of a step that `selectors.allowed_actions` does not offer
    now goes back to the hazard with a warning."""

    action: str  # the step's name in selectors.allowed_actions
    form: type[Any]
    service: Callable[..., Any]
    title: str
    submit: str  # the button
    success: str
    intro: str | Callable[[Any], str] = ""  # a text, or one made from the target
    danger: bool = False
    template: str = "hazards/action.html"

    def view(self) -> Callable[[HttpRequest, int], HttpResponse]:
        """The page of this step at /hazards/<pk>/<step>/."""

        @login_required
        def page(request: HttpRequest, pk: int) -> HttpResponse:
            return self.respond(request, _hazard_or_404(request, pk))

        page.__name__ = page.__qualname__ = f"hazard_{self.action}"
        return page

    def respond(
        self,
        request: HttpRequest,
        h: Hazard,
        *,
        target: Any = None,
        form_kwargs: dict[str, Any] | None = None,
        submit: str = "",
        extra: dict[str, Any] | None = None,
    ) -> HttpResponse:
        """GET shows the form, POST runs the step on `target` (the hazard unless given)."""
        target = h if target is None else target
        form = self.form(request.POST or None, request.FILES or None, **(form_kwargs or {}))
        if request.method == "POST" and form.is_valid():
            done = _run(form, self.service, target, actor=request.user, **form.cleaned_data)
            if done is not None:
                messages.success(request, self.success)
                return redirect("hazards:detail", pk=h.pk)
        elif request.method == "GET" and self.action not in selectors.allowed_actions(h, request.user):
            messages.warning(request, "当前状态下不能进行该操作，或您没有该操作的权限。")
            return redirect("hazards:detail", pk=h.pk)
        context = {
            "page_title": self.title,
            "h": h,
            "form": form,
            "submit_label": submit or self.submit,
            "intro": self.intro(target) if callable(self.intro) else self.intro,
            "danger": self.danger,
            **(extra or {}),
        }
        return render(request, self.template, context, status=400 if request.method == "POST" else 200)


def _with_data(service: Callable[..., _T]) -> Callable[..., _T]:
    """For a service that takes the form's fields as one `data` mapping."""
    return lambda target, *, actor, **fields: service(target, actor=actor, data=fields)


# The steps, each as ActionPage(step, form, service, page title, button label, message after success,
# intro=the text above the form). The pages whose form or context depends on the hazard follow below.
EDIT = ActionPage(
    "edit",
    forms.HazardForm,
    _with_data(services.update_hazard),
    "修改整改信息",
    "保存",
    "整改信息已保存。",
    intro="整改期限不能在此修改：如需延期，请提交延期申请并经审批。",
)
CONFIRM_LEVEL = ActionPage(
    "confirm_level",
    forms.LevelForm,
    services.confirm_level,
    "确认隐患等级",
    "确认",
    "隐患等级已确认。",
    intro="重大事故隐患：危害和整改难度较大，需全部或局部停产停业并经过一定时间整改治理方能排除，"
    "或者因外部因素影响致使生产经营单位自身难以排除的隐患。确认为重大后须提交治理方案并可挂牌督办。",
)
PLAN = ActionPage(
    "plan",
    forms.PlanForm,
    _with_data(services.submit_governance_plan),
    "重大事故隐患治理方案",
    "提交治理方案",
    "治理方案已提交。",
    intro="依据《安全生产事故隐患排查治理暂行规定》第十五条，治理方案须包含以下六项内容，缺一不可。",
)
VERIFY = ActionPage(
    "verify",
    forms.VerifyForm,
    services.verify,
    "复查整改",
    "提交复查结论",
    "复查结论已记录。",
    template="hazards/verify.html",
)
DECIDE_EXTENSION = ActionPage(
    "decide_extension",
    forms.DecisionForm,
    services.decide_extension,
    "审批延期申请",
    "提交审批",
    "审批结果已记录。",
    intro=lambda ext: f"{ext.requested_by} 申请由 {ext.previous_deadline:%Y-%m-%d} 延至 "
    f"{ext.requested_deadline:%Y-%m-%d}。理由：{ext.reason}",
)
hazard_photos = ActionPage(
    "photos", forms.PhotosForm, services.add_photos, "补充隐患照片", "上传", "照片已上传。"
).view()
hazard_start = ActionPage(
    "start",
    forms.NoteForm,
    services.start_rectification,
    "开始整改",
    "开始整改",
    "已进入整改。",
    intro=lambda h: f"整改责任人：{h.responsible_name or '未填写'}；整改期限：{h.current_deadline:%Y-%m-%d}。",
).view()
hazard_submit = ActionPage(
    "submit",
    forms.EvidenceForm,
    services.submit_rectification,
    "提交整改材料",
    "提交，申请复查",
    "整改材料已提交，等待复查。",
    intro="请说明整改情况并拍照上传整改后的现场照片，提交后由安格员或社区复查。",
).view()
hazard_extension = ActionPage(
    "extension",
    forms.ExtensionForm,
    services.request_extension,
    "申请延期",
    "提交延期申请",
    "延期申请已提交，等待审批。",
    intro=lambda h: f"当前整改期限：{h.current_deadline:%Y-%m-%d}（原定 {h.original_deadline:%Y-%m-%d}）。"
    "延期须经审批，批准前期限不变。",
).view()
hazard_void = ActionPage(
    "void",
    forms.ReasonForm,
    services.void_hazard,
    "作废隐患",
    "确认作废",
    "隐患已作废。",
    intro="作废用于登记错误或重复登记的隐患。作废后记录仍保留在历史中，不可恢复。",
    danger=True,
).view()
hazard_supervise = ActionPage(
    "supervise",
    forms.SuperviseForm,
    services.list_supervision,
    "挂牌督办",
    "挂牌督办",
    "已挂牌督办。",
    intro="挂牌督办后，企业须按周期报送治理进展，直至隐患复查销号。",
).view()
hazard_progress = ActionPage(
    "progress", forms.ProgressForm, services.add_progress_report, "报送督办进展", "报送", "进展已报送。"
).view()
hazard_lift = ActionPage(
    "lift", forms.NoteForm, services.lift_supervision, "解除挂牌督办", "解除督办", "已解除挂牌督办。"
).view()


@login_required
def hazard_edit(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    return EDIT.respond(request, h, form_kwargs={"instance": h, "editing": True})


@login_required
def hazard_confirm_level(request: HttpRequest, pk: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    return CONFIRM_LEVEL.respond(request, h, form_kwargs={"initial": {"level": h.proposed_level}})


@login_required
def hazard_plan(request: HttpRequest, pk: int) -> HttpResponse:
    """The six-part plan; a revision starts from the last version."""
    h = _hazard_or_404(request, pk)
    last = h.plans.order_by("-version").first()
    if last is None:
        return PLAN.respond(request, h)
    return PLAN.respond(request, h, form_kwargs={"instance": last}, submit="提交修订版")


@login_required
def hazard_verify(request: HttpRequest, pk: int) -> HttpResponse:
    """The verification beside the evidence it judges."""
    h = _hazard_or_404(request, pk)
    return VERIFY.respond(request, h, extra={"case": selectors.case_of(h)})


@login_required
def hazard_decide_extension(request: HttpRequest, pk: int, ext_id: int) -> HttpResponse:
    h = _hazard_or_404(request, pk)
    ext: Any = get_object_or_404(DeadlineExtension.objects.for_user(request.user).filter(hazard=h), pk=ext_id)
    return DECIDE_EXTENSION.respond(request, h, target=ext)


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
