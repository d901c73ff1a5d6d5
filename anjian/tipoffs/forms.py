"""Forms of the tip-off pages: the public report and status lookup, and one form per workflow action."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from anjian.core.errors import ServiceError
from anjian.core.validators import MOBILE_RE, normalize_phone
from anjian.enterprises.models import Enterprise
from anjian.org.models import Community, Department, Grid
from anjian.tipoffs.choices import AccidentLevel, AssigneeKind, PaymentMethod
from anjian.tipoffs.models import PartnerApp, RewardRule, TipCategory

MAX_PHOTOS = 4


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos in one input (validated and re-encoded by the service)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(
                attrs={"accept": "image/jpeg,image/png,image/webp,image/gif", "multiple": True}
            ),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(f"最多上传 {MAX_PHOTOS} 张照片。")
        return files


class CategoryRadio(forms.RadioSelect):
    """Radio options that carry the category's icon and urgent notice (the template draws cards)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        instance = getattr(value, "instance", None)
        option["icon"] = getattr(instance, "icon", "bi-exclamation-triangle")
        option["notice"] = getattr(instance, "urgent_notice", "")
        option["description"] = getattr(instance, "description", "")
        return option


class ReportForm(forms.Form):
    """The public report (no login): category, what, where, photos, anonymous or named, consents."""

    category = forms.ModelChoiceField(
        TipCategory.objects.filter(active=True),
        label="举报类别",
        widget=CategoryRadio,
        empty_label=None,
        error_messages={"required": "请选择举报类别。", "invalid_choice": "请选择举报类别。"},
    )
    description = forms.CharField(
        label="发生了什么",
        max_length=2000,
        min_length=5,
        widget=forms.Textarea(
            attrs={
                "rows": 4,
                "placeholder": "例如：某某厂三楼安全出口被铁链锁住，楼道堆满纸箱。什么时候看到的、持续多久了……",
            }
        ),
        error_messages={"required": "请描述发生了什么。", "min_length": "请多写几个字（至少 5 个字）。"},
    )
    lat = forms.FloatField(required=False, widget=forms.HiddenInput)
    lng = forms.FloatField(required=False, widget=forms.HiddenInput)
    address = forms.CharField(
        label="地点",
        max_length=300,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "如：工业路 8 号三楼；或在上方地图点选"}),
    )
    enterprise_hint = forms.CharField(
        label="涉及单位（选填）",
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "单位或店铺名称"}),
    )
    photos = MultipleImageField(label="照片（选填，最多 4 张）", required=False)
    mode = forms.ChoiceField(
        label="举报方式",
        choices=[("anonymous", "匿名举报"), ("named", "实名举报")],
        initial="anonymous",
        widget=forms.RadioSelect,
    )
    name = forms.CharField(
        label="姓名", max_length=50, required=False, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    phone = forms.CharField(
        label="手机号",
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="电子邮箱（选填）", required=False, error_messages={"invalid": "电子邮箱格式不正确。"}
    )
    contact_consent = forms.BooleanField(label="可以联系我核实情况", required=False, initial=True)
    disclose_consent = forms.BooleanField(
        label="同意向承办核查的单位提供我的身份（不会告知被举报单位）", required=False
    )
    joint = forms.BooleanField(label="多人联名举报", required=False)
    challenge = forms.CharField(widget=forms.HiddenInput, required=False)
    challenge_solution = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_phone(self) -> str:
        phone = normalize_phone(self.cleaned_data.get("phone", ""))
        if phone and not MOBILE_RE.match(phone):
            raise ValidationError("手机号格式不正确（应为 1[3-9] 开头的 11 位数字）。")
        return phone

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == "named":
            if not data.get("phone") and "phone" not in self.errors:
                self.add_error("phone", "实名举报请填写手机号，以便核实和发放奖励。")
        else:
            for key in ("name", "phone", "email"):
                data[key] = ""
            data["contact_consent"] = data["disclose_consent"] = False
        if data.get("lat") is None and not data.get("address") and not data.get("enterprise_hint"):
            self.add_error("address", "请在地图上点选位置，或填写地点。")
        return data


class StatusLookupForm(forms.Form):
    code = forms.CharField(
        label="举报编号",
        max_length=30,
        widget=forms.TextInput(
            attrs={"placeholder": "JB250101-XXXX", "autocomplete": "off", "autocapitalize": "characters"}
        ),
    )
    secret = forms.CharField(
        label="查询密码",
        max_length=40,
        widget=forms.PasswordInput(
            attrs={
                "placeholder": "XXXX-XXXX-XXXX-XXXX",
                "autocomplete": "off",
                "autocapitalize": "characters",
            }
        ),
    )


# --- office: one form per workflow action ---------------------------------------------------------


class AcceptForm(forms.Form):
    community = forms.ModelChoiceField(
        Community.objects.all(), label="所在社区", required=False, empty_label="（按举报位置）"
    )
    enterprise = forms.ModelChoiceField(
        Enterprise.objects.none(), label="被举报单位", required=False, empty_label="（未确定）"
    )
    note = forms.CharField(
        label="受理意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, tip: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        qs = Enterprise.objects.order_by("name")
        if tip is not None and tip.community_id:
            qs = qs.filter(community_id=tip.community_id)
        self.fields["enterprise"].queryset = qs  # type: ignore[attr-defined]
        if tip is not None:
            self.initial.setdefault("community", tip.community_id)
            self.initial.setdefault("enterprise", tip.enterprise_id)


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="不予受理理由（举报人可见）", max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class AssignForm(forms.Form):
    kind = forms.ChoiceField(
        label="交办给", choices=AssigneeKind.choices, widget=forms.RadioSelect, initial=AssigneeKind.GRID
    )
    community = forms.ModelChoiceField(Community.objects.all(), label="社区", required=False)
    grid = forms.ModelChoiceField(Grid.objects.select_related("community"), label="网格", required=False)
    department = forms.ModelChoiceField(Department.objects.all(), label="科办", required=False)
    note = forms.CharField(
        label="交办要求", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, tip: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["grid"].label_from_instance = lambda g: g.full_name  # type: ignore[attr-defined]
        if tip is not None:
            self.initial.setdefault("community", tip.assigned_community_id or tip.community_id)
            self.initial.setdefault(
                "grid", tip.assigned_grid_id or (tip.enterprise.grid_id if tip.enterprise else None)
            )


class VerifyForm(forms.Form):
    result = forms.TypedChoiceField(
        label="核查结论",
        choices=[("true", "查证属实"), ("false", "查证不实")],
        coerce=lambda v: v == "true",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label="核查情况", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class HandleForm(forms.Form):
    enforcement_action = forms.CharField(
        label="处理措施", max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    fine_amount = forms.DecimalField(
        label="罚款（元）", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    confiscated_amount = forms.DecimalField(
        label="没收违法所得（元）", required=False, min_value=0, max_digits=14, decimal_places=2
    )
    concealed_deaths = forms.IntegerField(
        label="查实瞒报死亡人数", required=False, min_value=0, max_value=1000
    )
    accident_level = forms.ChoiceField(
        label="事故等级", required=False, choices=[("", "（无）"), *AccidentLevel.choices]
    )
    hazard_code = forms.CharField(label="关联隐患编号", max_length=40, required=False)


class FeedbackForm(forms.Form):
    text = forms.CharField(
        label="答复内容（举报人凭编号和密码可见）", max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class CloseForm(forms.Form):
    note = forms.CharField(
        label="办结说明（不予奖励时写明原因）",
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class MergeForm(forms.Form):
    into = forms.CharField(label="并入举报编号", max_length=30)
    note = forms.CharField(label="说明", max_length=500, required=False)


class DismissDuplicateForm(forms.Form):
    note = forms.CharField(label="排除理由", max_length=500, required=False)


class RewardDecisionForm(forms.Form):
    rule = forms.ModelChoiceField(RewardRule.objects.none(), label="适用规则", empty_label=None)
    note = forms.CharField(label="说明", max_length=500, required=False)

    def __init__(self, *args: Any, rules: Any = None, suggested: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if rules is not None:
            self.fields["rule"].queryset = rules  # type: ignore[attr-defined]
        if suggested is not None:
            self.initial.setdefault("rule", suggested.pk)


class ApproveRewardForm(forms.Form):
    note = forms.CharField(label="审批意见", max_length=500, required=False)


class PaymentForm(forms.Form):
    amount = forms.DecimalField(label="发放金额（元）", min_value=0, max_digits=14, decimal_places=2)
    paid_on = forms.DateField(
        label="发放日期", widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    method = forms.ChoiceField(label="发放方式", choices=PaymentMethod.choices)
    reference = forms.CharField(label="凭证号", max_length=100, required=False)
    receipt = forms.FileField(
        label="发放凭证（签收单或回单，图片或 PDF）",
        widget=forms.ClearableFileInput(attrs={"accept": "image/*,application/pdf"}),
    )

    def __init__(self, *args: Any, reward: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reward is not None:
            self.initial.setdefault("amount", reward.amount)
        self.initial.setdefault("paid_on", timezone.localdate())


class RevealForm(forms.Form):
    reason = forms.CharField(label="查看原因（记入审计日志）", max_length=300)


class PartnerAppForm(forms.ModelForm):
    class Meta:
        model = PartnerApp
        fields = ["name", "contact", "rate_per_hour"]


class DeactivateForm(forms.Form):
    reason = forms.CharField(label="停用原因", max_length=300)


class RewardRuleForm(forms.ModelForm):
    class Meta:
        model = RewardRule
        fields = [
            "code",
            "name",
            "basis",
            "categories",
            "accident_level",
            "percent",
            "amount",
            "minimum",
            "maximum",
            "legal_basis",
            "is_local",
            "active",
            "sort_order",
        ]
        widgets = {"categories": forms.CheckboxSelectMultiple}


def add_service_errors(form: forms.BaseForm, exc: ValidationError | ServiceError) -> None:
    """Show a service's refusal on the form (field errors where the field exists)."""
    if isinstance(exc, ServiceError):
        form.add_error(None, exc.message)
        for field, messages in exc.fields.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for error in errors:
                for message in error.messages:
                    form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
