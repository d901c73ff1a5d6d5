"""Forms of the inspection pages. They only collect input; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms import formset_factory
from django.utils import timezone

from anjian.core.errors import ServiceError
from anjian.enterprises.models import Enterprise, KeyCategory
from anjian.inspections.choices import GENERAL_CATEGORY, AccidentType, HazardCategory, PlanSource, Severity
from anjian.inspections.models import ChecklistTemplate
from anjian.org.models import Department, User
from anjian.org.permissions import CAPABILITIES

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _inspectors(user: Any) -> Any:
    roles = CAPABILITIES["inspection.perform"]
    return User.objects.for_user(user).filter(is_active=True, role__in=roles).order_by("role", "name")


def _checklist_field() -> forms.ModelChoiceField:  # type: ignore[type-arg]
    """Which active checklist to use; left empty, the service picks the one for the enterprise's type."""
    return forms.ModelChoiceField(
        label="检查表",
        queryset=ChecklistTemplate.objects.filter(is_active=True).order_by("name"),
        required=False,
        empty_label="按企业类型自动选择",
    )


class PersonLabelMixin:
    """People are listed as "name · role"."""

    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} · {obj.role_label}"


class PersonChoiceField(PersonLabelMixin, forms.ModelChoiceField):  # type: ignore[type-arg]
    pass


class PeopleChoiceField(PersonLabelMixin, forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    pass


class PlanEditForm(forms.Form):
    """Change a plan still to be done."""

    planned_date = forms.DateField(label="计划日期", widget=DATE)
    co_inspectors = PeopleChoiceField(
        label="同行检查人员",
        queryset=User.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 5}),
    )
    template = _checklist_field()
    title = forms.CharField(label="检查主题", max_length=200, required=False)
    notes = forms.CharField(
        label="备注", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["co_inspectors"].queryset = _inspectors(user)  # type: ignore[attr-defined]


class PlanForm(PlanEditForm):
    """An office plan: ad-hoc or joint inspection of one enterprise (the editable fields, plus what is
    fixed when the plan is made)."""

    field_order = [
        "source",
        "enterprise",
        "planned_date",
        "inspector",
        "co_inspectors",
        "departments",
        "template",
        "title",
        "notes",
    ]

    source = forms.ChoiceField(
        label="检查类型",
        choices=[
            (PlanSource.OFFICE_ADHOC, PlanSource.OFFICE_ADHOC.label),
            (PlanSource.JOINT, PlanSource.JOINT.label),
        ],
    )
    enterprise = forms.ModelChoiceField(label="检查对象", queryset=Enterprise.objects.none())
    inspector = PersonChoiceField(label="检查负责人", queryset=User.objects.none())
    departments = forms.ModelMultipleChoiceField(
        label="参加科办",
        queryset=Department.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        help_text="联合检查须至少选择一个科办",
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, user=user, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["inspector"].queryset = _inspectors(user)  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("planned_date", timezone.localdate())
            self.initial.setdefault("inspector", user.pk)


class GridRoundForm(forms.Form):
    """A grid inspector's round: pick enterprises of the grid and a day."""

    planned_date = forms.DateField(label="巡查日期", widget=DATE)
    template = _checklist_field()
    enterprises = forms.ModelMultipleChoiceField(
        label="巡查企业",
        queryset=Enterprise.objects.none(),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].queryset = (  # type: ignore[attr-defined]
            Enterprise.objects.for_user(user).filter(status="operating").order_by("name")
        )
        if not self.is_bound:
            self.initial.setdefault("planned_date", timezone.localdate())


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


class StartForm(forms.Form):
    """Start an inspection without a plan: choose the enterprise and the checklist."""

    enterprise = forms.ModelChoiceField(label="检查对象", queryset=Enterprise.objects.none())
    template = _checklist_field()

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).order_by("name")  # type: ignore[attr-defined]


def category_choices() -> list[tuple[str, str]]:
    return [(GENERAL_CATEGORY, "通用")] + [(c.code, c.name) for c in KeyCategory.objects.all()]


class TemplateForm(forms.Form):
    """Name and scope of a checklist, and the note of the version being published."""

    code = forms.SlugField(label="编码", max_length=50, help_text="英文字母、数字、下划线，创建后不可修改")
    name = forms.CharField(label="名称", max_length=100)
    category = forms.ChoiceField(label="适用类型", choices=())
    description = forms.CharField(label="说明", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    is_active = forms.BooleanField(label="启用", required=False, initial=True)
    change_note = forms.CharField(label="修订说明", max_length=300, required=False)

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = category_choices()  # type: ignore[attr-defined]
        if editing:
            del self.fields["code"]
            self.fields["change_note"].required = True
            self.fields["change_note"].help_text = "说明本次修改的内容，保存后发布为新版本"


class ItemForm(forms.Form):
    section = forms.CharField(label="类别", max_length=50, required=False)
    text = forms.CharField(
        label="检查内容", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    legal_basis = forms.CharField(label="依据", max_length=300, required=False)
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.GENERAL)
    major_hazard_ground = forms.BooleanField(label="重大隐患判定依据", required=False)
    hazard_category = forms.ChoiceField(
        label="隐患类别", choices=HazardCategory.choices, initial=HazardCategory.SITE
    )
    accident_type = forms.ChoiceField(
        label="事故类型", choices=AccidentType.choices, initial=AccidentType.OTHER
    )

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not (data.get("text") or data.get("legal_basis") or data.get("section"))


ItemFormSet = formset_factory(ItemForm, extra=3, can_delete=True, max_num=100, absolute_max=120)


def add_service_errors(form: forms.Form, exc: Exception) -> None:
    """Show a service's ValidationError / ServiceError on the form (field errors where they belong)."""
    if isinstance(exc, ServiceError):
        if exc.fields:
            for field, msgs in exc.fields.items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            form.add_error(None, exc.message)
        return
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            for e in errors:
                for msg in e.messages:
                    form.add_error(field if field in form.fields else None, msg)
        return
    if isinstance(exc, ValidationError):
        for msg in exc.messages:
            form.add_error(None, msg)
