"""Forms of the register pages. Choices are narrowed to the user's jurisdiction; the model's rules
(`Enterprise.clean`, `Licence.clean`) run through ModelForm validation and again in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator

from anjian.core.errors import ServiceError
from anjian.enterprises import selectors
from anjian.enterprises.choices import OperatingStatus
from anjian.enterprises.models import Enterprise, KeyCategory, Licence
from anjian.org.models import Grid

HALF = "col-12 col-md-6"
THIRD = "col-12 col-sm-6 col-lg-4"
FULL = "col-12"


class GridChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Grid) -> str:  # type: ignore[override]
        return obj.name


class EnterpriseForm(forms.ModelForm):  # type: ignore[type-arg]
    """Create or edit an enterprise; categories as checkboxes, grid list filtered by community (JS)."""

    categories = forms.ModelMultipleChoiceField(
        label="重点监管类型",
        queryset=KeyCategory.objects.order_by("sort_order", "code"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        required=False,
    )
    grid = GridChoiceField(
        label="所属网格", queryset=Grid.objects.none(), required=False, empty_label="（未划入网格）"
    )

    class Meta:
        model = Enterprise
        fields = [
            "name",
            "uscc",
            "community",
            "grid",
            "park",
            "industry",
            "status",
            "employees",
            "categories",
            "address",
            "lng",
            "lat",
            "legal_representative",
            "safety_officer",
            "phone",
            "notes",
        ]
        widgets = {
            "name": forms.TextInput(attrs={"col": HALF, "autocomplete": "off"}),
            "uscc": forms.TextInput(
                attrs={"col": HALF, "autocomplete": "off", "class": "text-uppercase font-monospace"}
            ),
            "address": forms.TextInput(attrs={"col": FULL}),
            "lng": forms.NumberInput(attrs={"col": THIRD, "step": "any", "placeholder": "如 113.8765"}),
            "lat": forms.NumberInput(attrs={"col": THIRD, "step": "any", "placeholder": "如 22.6543"}),
            "notes": forms.Textarea(attrs={"col": FULL, "rows": 3}),
            "employees": forms.NumberInput(attrs={"col": THIRD, "min": 0}),
            "phone": forms.TextInput(attrs={"col": THIRD, "placeholder": "手机或座机，如 0755-12345678"}),
            "legal_representative": forms.TextInput(attrs={"col": THIRD}),
            "safety_officer": forms.TextInput(attrs={"col": THIRD}),
        }
        help_texts = {
            "uscc": "18 位，字母自动转为大写；保存前校验第 18 位校验码。",
            "lng": "也可以直接在地图上点选位置。",
        }
        error_messages = {"employees": {"min_value": "从业人数不能为负数。"}}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        fields = self.fields
        # The model reports a wrong length together with the check-digit rule, more precisely than "≤ 18".
        uscc = fields["uscc"]
        uscc.validators = [v for v in uscc.validators if not isinstance(v, MaxLengthValidator)]
        uscc.widget.attrs["maxlength"] = 24
        fields["community"].queryset = selectors.communities_for(user)  # type: ignore[attr-defined]
        fields["community"].empty_label = "请选择社区"  # type: ignore[attr-defined]
        fields["grid"].queryset = selectors.grids_for(user)  # type: ignore[attr-defined]
        fields["park"].queryset = selectors.parks_for(user)  # type: ignore[attr-defined]
        fields["park"].empty_label = "（不在园区内）"  # type: ignore[attr-defined]
        fields["industry"].choices = [("", "请选择行业"), *list(fields["industry"].choices)[1:]]  # type: ignore[attr-defined]
        for name in ("community", "grid", "park", "industry", "status"):
            fields[name].widget.attrs.setdefault("col", THIRD)
        fields["status"].widget.attrs["col"] = THIRD
        if self.instance.pk is None:
            communities = list(fields["community"].queryset[:2])  # type: ignore[attr-defined]
            if len(communities) == 1:
                self.initial.setdefault("community", communities[0].pk)
            j = getattr(user, "jurisdiction", None)
            if j is not None and j.level == "grid":
                self.initial.setdefault("grid", j.grid_id)

    def grid_communities(self) -> dict[int, int]:
        """grid id → community id, for the script that filters the grid list."""
        return {g.pk: g.community_id for g in self.fields["grid"].queryset}  # type: ignore[attr-defined]

    def park_communities(self) -> dict[int, int]:
        return {p.pk: p.community_id for p in self.fields["park"].queryset}  # type: ignore[attr-defined]

    def service_data(self) -> dict[str, Any]:
        """The cleaned fields the enterprise services accept (categories separately)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "categories"}


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="经营状态", choices=OperatingStatus.choices)
    reason = forms.CharField(
        label="变更说明",
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "col": FULL, "placeholder": "如：已办理注销登记 / 停业整顿"}),
    )


class LicenceForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Licence
        fields = ["kind", "number", "issuer", "issued_on", "expires_on", "notes"]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date", "col": HALF}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date", "col": HALF}, format="%Y-%m-%d"),
            "notes": forms.TextInput(attrs={"col": FULL}),
        }
        help_texts = {"expires_on": "长期有效的证照可留空；到期前 30 天进入预警清单。"}


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="作废原因",
        max_length=500,
        widget=forms.Textarea(
            attrs={"rows": 3, "col": FULL, "placeholder": "如：证照信息录入错误 / 证照已被吊销"}
        ),
        error_messages={"required": "请填写作废原因。"},
    )


def add_service_errors(form: forms.BaseForm, exc: ValidationError | ServiceError) -> None:
    """Show a service's refusal on the form: field errors beside their fields, the rest on top."""
    if isinstance(exc, ServiceError):
        form.add_error(None, exc.message)
        for field, messages in exc.fields.items():
            form.add_error(field if field in form.fields else None, list(messages))
        return
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            target = field if field in form.fields else None
            for error in errors:
                form.add_error(target, list(error.messages))
    else:
        form.add_error(None, list(exc.messages))
