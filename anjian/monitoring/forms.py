"""Forms of the monitoring pages (writes go through services; forms only collect and show errors)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from anjian.core.errors import ServiceError
from anjian.monitoring.models import OVERRIDE_LABELS, Device, DeviceType, Rule


class DeviceForm(forms.ModelForm):  # type: ignore[type-arg]
    """Register or edit a device; the enterprise list is the user's jurisdiction."""

    class Meta:
        model = Device
        fields = [
            "code",
            "name",
            "type",
            "enterprise",
            "location",
            "lng",
            "lat",
            "reporting_interval_s",
            "rated_current",
        ]
        widgets = {"code": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"})}
        help_texts = {
            "reporting_interval_s": "离线判定：超过 3 倍上报间隔无数据。留空取该类型默认值。",
            "rated_current": "仅充电桩/充电柜：超过额定电流持续 30 秒预警。",
        }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from anjian.enterprises.models import Enterprise

        self.fields["enterprise"].queryset = Enterprise.objects.for_user(user).order_by("name")  # type: ignore[attr-defined]
        self.fields["type"].queryset = DeviceType.objects.all()  # type: ignore[attr-defined]
        self.fields["reporting_interval_s"].required = False
        if self.instance.pk:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = "设备编码即 MQTT 用户名，登记后不可修改。"

    def _post_clean(self) -> None:
        """Model validation happens in the service (it also fills community and grid from the enterprise)."""


class NoteForm(forms.Form):
    note = forms.CharField(label="处置情况", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class AcknowledgeForm(forms.Form):
    note = forms.CharField(label="确认说明", required=False, max_length=300)


class HazardForm(forms.Form):
    title = forms.CharField(label="隐患描述", max_length=200, required=False)
    deadline = forms.DateField(label="整改期限", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["deadline"].initial = timezone.localdate() + dt.timedelta(days=7)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ImportForm(forms.Form):
    file = forms.FileField(label="Excel 文件（.xlsx）")
    issue = forms.BooleanField(label="为新登记的设备生成 MQTT 密码和 HTTP 令牌", required=False, initial=True)


class OverrideForm(forms.Form):
    """A site or device value for one rule, with the reason (recorded with who set it)."""

    rule = forms.ModelChoiceField(label="规则", queryset=Rule.objects.select_related("pack__device_type"))
    enterprise: forms.ModelChoiceField = forms.ModelChoiceField(
        label="企业/场所", queryset=None, required=False
    )  # type: ignore[type-arg]
    device: forms.ModelChoiceField = forms.ModelChoiceField(  # type: ignore[type-arg]
        label="设备（留空则对该场所全部同类设备生效）", queryset=None, required=False
    )
    warn_low = forms.FloatField(label=OVERRIDE_LABELS["warn_low"], required=False)
    alarm_low = forms.FloatField(label=OVERRIDE_LABELS["alarm_low"], required=False)
    warn_high = forms.FloatField(label=OVERRIDE_LABELS["warn_high"], required=False)
    alarm_high = forms.FloatField(label=OVERRIDE_LABELS["alarm_high"], required=False)
    warn_duration_s = forms.IntegerField(
        label=OVERRIDE_LABELS["warn_duration_s"], required=False, min_value=0
    )
    alarm_duration_s = forms.IntegerField(
        label=OVERRIDE_LABELS["alarm_duration_s"], required=False, min_value=0
    )
    aux_threshold = forms.FloatField(label=OVERRIDE_LABELS["aux_threshold"], required=False)
    timeout_s = forms.IntegerField(label=OVERRIDE_LABELS["timeout_s"], required=False, min_value=1)
    factor = forms.FloatField(label=OVERRIDE_LABELS["factor"], required=False, min_value=1)
    enabled = forms.ChoiceField(
        label="启用", required=False, choices=[("", "不调整"), ("true", "启用"), ("false", "停用此规则")]
    )
    reason = forms.CharField(label="调整原因", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))

    VALUE_FIELDS = (
        "warn_low",
        "alarm_low",
        "warn_high",
        "alarm_high",
        "warn_duration_s",
        "alarm_duration_s",
        "aux_threshold",
        "timeout_s",
        "factor",
        "enabled",
    )

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from anjian.enterprises.models import Enterprise

        fields: Any = self.fields
        fields["enterprise"].queryset = (
            Enterprise.objects.for_user(user).filter(devices__isnull=False).distinct().order_by("name")
        )
        fields["device"].queryset = (
            Device.objects.for_user(user).filter(voided_at__isnull=True).order_by("code")
        )
        self.fields["rule"].label_from_instance = lambda r: f"{r.pack.device_type.name} · {r.name}"  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("enterprise") and not data.get("device"):
            raise ValidationError("请选择企业/场所或设备。")
        return data

    def values(self) -> dict[str, Any]:
        return {
            k: self.cleaned_data.get(k)
            for k in self.VALUE_FIELDS
            if self.cleaned_data.get(k) not in (None, "")
        }


def add_errors(form: forms.BaseForm, exc: ValidationError | ServiceError) -> None:
    """Put a service's validation errors on the form's fields (unknown fields become form errors)."""
    if isinstance(exc, ServiceError):
        for name, messages in exc.fields.items():
            for m in messages:
                form.add_error(name if name in form.fields else None, m)
        if not exc.fields:
            form.add_error(None, exc.message)
        return
    if hasattr(exc, "error_dict"):
        for name, errors in exc.message_dict.items():
            for m in errors:
                form.add_error(name if name in form.fields else None, m)
    else:
        for m in exc.messages:
            form.add_error(None, m)
