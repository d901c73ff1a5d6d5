"""Forms of the hazard pages. They only parse input; the services decide and validate the rules."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anjian.core.errors import ServiceError
from anjian.hazards.choices import Level
from anjian.hazards.models import GovernancePlan, Hazard
from anjian.hazards.services.registration import EDITABLE_FIELDS
from anjian.inspections.choices import AccidentType, HazardCategory


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Several photos at once; from a phone the camera opens directly."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data if d]
        return [single(data, initial)] if data else []


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form: forms.BaseForm, exc: Exception) -> None:
    """Show a service's refusal on the form: field messages beside fields, the rest on top."""
    if isinstance(exc, ServiceError):
        placed = False
        for name, messages in exc.fields.items():
            if name in form.fields:
                for m in messages:
                    form.add_error(name, m)
                placed = True
        if not placed:
            form.add_error(None, exc.message)
        return
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                for e in errors:
                    for m in e.messages:
                        form.add_error(name if name in form.fields else None, m)
        else:
            for m in exc.messages:
                form.add_error(None, m)


class HazardForm(forms.ModelForm):
    """Register a hazard directly (or from a failed item) — or edit its rectification arrangement."""

    level = forms.ChoiceField(label="隐患等级（建议）", choices=Level.choices, initial=Level.GENERAL)
    deadline = forms.DateField(label="整改期限", widget=DateInput())
    photos = PhotosField(label="现场照片", required=False)

    class Meta:
        model = Hazard
        fields = list(EDITABLE_FIELDS)  # exactly what the services let a caller set
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "measures": forms.Textarea(attrs={"rows": 3}),
            "lat": forms.NumberInput(attrs={"step": "any"}),
            "lng": forms.NumberInput(attrs={"step": "any"}),
        }
        help_texts = {"funds": "重大事故隐患必须落实整改资金。", "location": "如：二号车间东侧配电房"}

    def __init__(self, *args: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["category"].choices = HazardCategory.choices
        fields["accident_type"].choices = AccidentType.choices
        if editing:
            for name in ("level", "deadline", "photos"):
                del self.fields[name]
        else:
            self.fields["deadline"].initial = timezone.localdate() + dt.timedelta(days=15)

    def _post_clean(self) -> None:
        """The service validates the model (no half-built instance here)."""

    def service_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.Meta.fields if k in self.cleaned_data}


class EvidenceForm(forms.Form):
    note = forms.CharField(label="整改情况说明", widget=forms.Textarea(attrs={"rows": 4}))
    photos = PhotosField(label="整改后照片", required=True, help_text="可拍照或从相册选择多张，至少一张。")


class SignatureField(forms.CharField):
    """A signature drawn on screen, posted as a PNG data URL, turned into an uploaded file."""

    widget = forms.HiddenInput

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if not value:
            return None
        prefix = "data:image/png;base64,"
        if not value.startswith(prefix):
            raise ValidationError("签名格式无效，请重新签名。")
        try:
            data = base64.b64decode(value[len(prefix) :], validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError("签名格式无效，请重新签名。") from None
        if len(data) > 2 * 1024 * 1024:
            raise ValidationError("签名图片过大。")
        return SimpleUploadedFile("signature.png", data, content_type="image/png")


class VerifyForm(forms.Form):
    passed = forms.TypedChoiceField(
        label="复查结论",
        choices=[("1", "整改到位，同意销号"), ("0", "整改不到位，退回整改")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input mt-0"}),
    )
    note = forms.CharField(label="复查意见", widget=forms.Textarea(attrs={"rows": 3}))
    photos = PhotosField(label="复查照片", required=False)
    signature = SignatureField(label="复查人签名", required=False)


class ExtensionForm(forms.Form):
    requested_deadline = forms.DateField(label="申请延至", widget=DateInput())
    reason = forms.CharField(label="延期理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DecisionForm(forms.Form):
    approve = forms.TypedChoiceField(
        label="审批结论",
        choices=[("1", "批准延期"), ("0", "驳回")],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input mt-0"}),
    )
    note = forms.CharField(
        label="审批意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class NoteForm(forms.Form):
    note = forms.CharField(
        label="说明", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LevelForm(forms.Form):
    level = forms.ChoiceField(
        label="确认等级",
        choices=Level.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input mt-0"}),
    )
    note = forms.CharField(
        label="评估意见", max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanForm(forms.ModelForm):
    class Meta:
        model = GovernancePlan
        fields = list(GovernancePlan.PARTS)
        widgets = {p: forms.Textarea(attrs={"rows": 3}) for p in GovernancePlan.PARTS}


class SuperviseForm(forms.Form):
    supervising_unit = forms.CharField(label="督办单位", max_length=100, initial="街道安全生产委员会办公室")
    requirements = forms.CharField(label="督办要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    report_every_days = forms.IntegerField(label="进展报送周期（天）", min_value=1, max_value=90, initial=7)


class ProgressForm(forms.Form):
    progress = forms.CharField(label="进展情况", widget=forms.Textarea(attrs={"rows": 3}))
    percent = forms.IntegerField(label="完成比例（%）", min_value=0, max_value=100)
    photos = PhotosField(label="现场照片", required=False)


class PhotosForm(forms.Form):
    photos = PhotosField(label="隐患照片", required=True)
