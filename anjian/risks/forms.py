"""Forms of the risk pages. They only parse input; the services decide and validate the rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from anjian.core.errors import ServiceError
from anjian.inspections.choices import AccidentType
from anjian.risks.assessment import allowed_text, fmt
from anjian.risks.choices import (
    LEC_C,
    LEC_E,
    LEC_L,
    LS_L,
    LS_S,
    ControlLevel,
    MeasureType,
    Method,
    PointKind,
    RiskLevel,
)

MEASURE_FIELDS = {f"measures_{value}": (value, label) for value, label in MeasureType.choices}


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form: forms.BaseForm, exc: Exception, aliases: dict[str, str] | None = None) -> None:
    """Show a service's refusal on the form: field messages beside their fields, the rest on top."""
    aliases = aliases or {}
    if isinstance(exc, ServiceError):
        form.add_error(None, exc.message)
        return
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            for name, errors in exc.error_dict.items():
                target = aliases.get(name, name)
                for e in errors:
                    for m in e.messages:
                        form.add_error(target if target in form.fields else None, m)
        else:
            for m in exc.messages:
                form.add_error(None, m)


def _choices(values: dict[Any, str]) -> list[tuple[str, str]]:
    return [("", "—")] + [(fmt(v), f"{fmt(v)} — {label}") for v, label in values.items()]


def _invalid(values: dict[Any, str], label: str) -> dict[str, str]:
    return {"invalid_choice": f"{label}只能取以下值之一：{allowed_text(values)}。"}


class AssessmentFields(forms.Form):
    """LEC (L, E, C) or LS (L, S) inputs; the page script shows the group of the chosen method and the
    score and grade as they are being chosen."""

    method = forms.ChoiceField(
        label="评估方法", choices=Method.choices, initial=Method.LEC, widget=forms.RadioSelect
    )
    lec_l = forms.ChoiceField(
        label="L 事故发生的可能性",
        choices=_choices(LEC_L),
        required=False,
        error_messages=_invalid(LEC_L, "L"),
    )
    lec_e = forms.ChoiceField(
        label="E 暴露于危险环境的频繁程度",
        choices=_choices(LEC_E),
        required=False,
        error_messages=_invalid(LEC_E, "E"),
    )
    lec_c = forms.ChoiceField(
        label="C 发生事故产生的后果",
        choices=_choices(LEC_C),
        required=False,
        error_messages=_invalid(LEC_C, "C"),
    )
    ls_l = forms.ChoiceField(
        label="L 可能性", choices=_choices(LS_L), required=False, error_messages=_invalid(LS_L, "L")
    )
    ls_s = forms.ChoiceField(
        label="S 严重性", choices=_choices(LS_S), required=False, error_messages=_invalid(LS_S, "S")
    )
    assessed_on = forms.DateField(label="评估日期", widget=DateInput(), required=False)
    note = forms.CharField(label="评估说明", max_length=500, required=False)

    ALIASES = {"likelihood": "lec_l", "exposure": "lec_e", "consequence": "lec_c", "severity": "ls_s"}

    def aliases(self) -> dict[str, str]:
        method = self.data.get(self.add_prefix("method")) or Method.LEC
        if method == Method.LS:
            return {**self.ALIASES, "likelihood": "ls_l"}
        return dict(self.ALIASES)

    def assessment(self) -> dict[str, Any]:
        d = self.cleaned_data
        out: dict[str, Any] = {
            "method": d["method"],
            "assessed_on": d.get("assessed_on"),
            "note": d.get("note", ""),
        }
        if d["method"] == Method.LS:
            out.update(likelihood=d.get("ls_l"), severity=d.get("ls_s"))
        else:
            out.update(likelihood=d.get("lec_l"), exposure=d.get("lec_e"), consequence=d.get("lec_c"))
        return out


class PointForm(AssessmentFields):
    """A new risk point with its first assessment (or, with `editing`, its description only)."""

    name = forms.CharField(label="风险点名称", max_length=100)
    kind = forms.ChoiceField(label="风险点类型", choices=PointKind.choices)
    location = forms.CharField(label="部位/区域", max_length=200, required=False)
    hazard_factors = forms.CharField(label="主要危险有害因素", widget=forms.Textarea(attrs={"rows": 3}))
    accident_types = forms.MultipleChoiceField(
        label="可能导致的事故类型（GB 6441）",
        choices=AccidentType.choices,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": "请至少选择一种可能导致的事故类型。"},
    )
    control_level = forms.ChoiceField(
        label="管控层级",
        choices=ControlLevel.choices,
        help_text="重大、较大风险必须由街道管控；一般风险建议社区管控，低风险由企业管控。",
    )
    responsible_name = forms.CharField(label="管控责任人", max_length=50)
    responsible_phone = forms.CharField(label="责任人电话", max_length=20, required=False)
    review_date = forms.DateField(label="下次复评日期", widget=DateInput())

    def __init__(
        self,
        *args: Any,
        editing: bool = False,
        owner_fields: dict[str, forms.Field] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for name, (_value, label) in MEASURE_FIELDS.items():
            self.fields[name] = forms.CharField(
                label=f"{label}措施",
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "placeholder": "每行一条"}),
            )
        if owner_fields:
            self.fields = {**owner_fields, **self.fields}
        if editing:
            for name in ("method", "lec_l", "lec_e", "lec_c", "ls_l", "ls_s", "assessed_on", "note"):
                self.fields.pop(name)
        self.editing = editing
        if not self.is_bound and not editing:
            self.initial.setdefault("assessed_on", timezone.localdate())
            self.initial.setdefault("review_date", timezone.localdate() + dt.timedelta(days=365))

    @staticmethod
    def initial_measures(measures: list[dict[str, str]]) -> dict[str, str]:
        out: dict[str, list[str]] = {}
        for m in measures or []:
            out.setdefault(f"measures_{m.get('type')}", []).append(m.get("text", ""))
        return {k: "\n".join(v) for k, v in out.items()}

    def measures(self) -> list[dict[str, str]]:
        rows = []
        for name, (value, _label) in MEASURE_FIELDS.items():
            for line in (self.cleaned_data.get(name) or "").splitlines():
                if line.strip():
                    rows.append({"type": value, "text": line.strip()})
        return rows

    def point_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {
            k: d.get(k)
            for k in (
                "name",
                "kind",
                "location",
                "hazard_factors",
                "accident_types",
                "control_level",
                "responsible_name",
                "responsible_phone",
                "review_date",
            )
        }
        data["measures"] = self.measures()
        for key in ("park", "site_name", "community", "grid"):
            if key in d:
                data[key] = d[key]
        return data

    def service_aliases(self) -> dict[str, str]:
        aliases = self.aliases()
        aliases["measures"] = "measures_engineering"
        aliases["enterprise"] = "site_name" if "site_name" in self.fields else "name"
        return aliases


class ReassessForm(AssessmentFields):
    control_level = forms.ChoiceField(
        label="管控层级", choices=ControlLevel.choices, help_text="重大、较大风险必须由街道管控。"
    )
    review_date = forms.DateField(label="下次复评日期", widget=DateInput())

    def service_aliases(self) -> dict[str, str]:
        return self.aliases()


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class OverrideForm(forms.Form):
    level = forms.ChoiceField(label="调整为", choices=RiskLevel.choices)
    reason = forms.CharField(
        label="调整原因",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="将记入审计日志，例如：企业已停用氰化物工艺，经现场核实调整。",
    )


class TemplatesForm(forms.Form):
    templates = forms.MultipleChoiceField(
        label="风险点模板",
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一个风险点模板。"},
    )
    responsible_name = forms.CharField(label="管控责任人", max_length=50)
    responsible_phone = forms.CharField(label="责任人电话", max_length=20, required=False)
    assessed_on = forms.DateField(label="评估日期", widget=DateInput(), required=False)
    review_date = forms.DateField(label="下次复评日期", widget=DateInput(), required=False)

    def __init__(self, *args: Any, templates: list[Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["templates"].choices = [(str(t.pk), t.name) for t in templates]  # type: ignore[attr-defined]
        if not self.is_bound:
            self.initial.setdefault("assessed_on", timezone.localdate())
            self.initial.setdefault("review_date", timezone.localdate() + dt.timedelta(days=365))


class BandForm(forms.Form):
    lower_bound = forms.DecimalField(label="下限（含）", max_digits=9, decimal_places=3, min_value=0)
    level = forms.ChoiceField(label="风险等级", choices=RiskLevel.choices)
    grade = forms.CharField(label="危险程度", max_length=60)
    action = forms.CharField(label="管控要求", max_length=200, required=False)


class WeightForm(forms.Form):
    points = forms.DecimalField(label="分值", max_digits=6, decimal_places=2, min_value=0)
    cap = forms.DecimalField(label="封顶分", max_digits=6, decimal_places=2, min_value=0, required=False)
    window_days = forms.IntegerField(label="统计天数", min_value=1, max_value=3650, required=False)


class PlanForm(forms.Form):
    enterprises = forms.TypedMultipleChoiceField(
        coerce=int, error_messages={"required": "请至少勾选一家企业。"}
    )
    planned_date = forms.DateField(label="计划日期", widget=DateInput())

    def __init__(self, *args: Any, ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["enterprises"].choices = [(str(i), str(i)) for i in ids]  # type: ignore[attr-defined]
        self.fields["enterprises"].error_messages["invalid_choice"] = (
            "所选企业不在本周清单中，请刷新页面后重试。"
        )
