"""Forms of the organisation pages. They only shape input: every rule lives in the services, whose
Chinese errors are put back on the fields (views/common.py)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone

from anjian.enterprises.models import Enterprise, KeyCategory
from anjian.org.boundaries import boundary_text
from anjian.org.choices import AssignmentKind, Role
from anjian.org.models import Community, Department, Grid, User
from anjian.org.permissions import can

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
BOUNDARY_HELP = (
    "GeoJSON 的 Polygon 或 MultiPolygon，坐标为 [经度, 纬度]，首尾闭合，例如 "
    '<code>{"type":"Polygon","coordinates":[[[113.85,22.60],[113.86,22.60],[113.86,22.61],[113.85,22.60]]]}</code>。'
    "可留空。"
)


def _wide(**attrs: Any) -> dict[str, Any]:
    return {"col": "col-12", **attrs}


class CommunityForm(forms.Form):
    name = forms.CharField(label="社区名称", max_length=100)
    code = forms.CharField(label="社区编码", max_length=20)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    sort_order = forms.IntegerField(label="排序", min_value=0, initial=0, required=False)
    boundary = forms.CharField(
        label="边界（GeoJSON）",
        required=False,
        widget=forms.Textarea(attrs=_wide(rows=6, spellcheck="false", **{"class": "font-monospace small"})),
        help_text=BOUNDARY_HELP,
    )

    @classmethod
    def initial_for(cls, community: Community) -> dict[str, Any]:
        return {
            "name": community.name,
            "code": community.code,
            "phone": community.phone,
            "sort_order": community.sort_order,
            "boundary": boundary_text(community.boundary),
        }

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["sort_order"] = data.get("sort_order") or 0
        return data


class GridForm(forms.Form):
    name = forms.CharField(label="网格名称", max_length=100)
    code = forms.CharField(label="网格编码", max_length=30)
    boundary = forms.CharField(
        label="边界（GeoJSON）",
        required=False,
        widget=forms.Textarea(attrs=_wide(rows=6, spellcheck="false", **{"class": "font-monospace small"})),
        help_text=BOUNDARY_HELP,
    )

    @classmethod
    def initial_for(cls, grid: Grid) -> dict[str, Any]:
        return {"name": grid.name, "code": grid.code, "boundary": boundary_text(grid.boundary)}


class DepartmentForm(forms.Form):
    name = forms.CharField(label="科办名称", max_length=100)
    code = forms.CharField(label="编码", max_length=20)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    duties = forms.CharField(label="职责", required=False, widget=forms.Textarea(attrs=_wide(rows=4)))

    @classmethod
    def initial_for(cls, department: Department) -> dict[str, Any]:
        return {
            "name": department.name,
            "code": department.code,
            "phone": department.phone,
            "duties": department.duties,
        }


class PersonForm(forms.Form):
    """A person's details; the role decides which of community / grid / enterprise is required."""

    username = forms.CharField(
        label="用户名", max_length=150, help_text="登录用，字母、数字及 @ . + - _，创建后不可修改。"
    )
    name = forms.CharField(label="姓名", max_length=50)
    phone = forms.CharField(label="手机号", max_length=20, required=False)
    role = forms.ChoiceField(label="角色", choices=())
    title = forms.CharField(label="职务", max_length=100, required=False)
    department = forms.ModelChoiceField(label="所属科办", queryset=Department.objects.none(), required=False)
    community = forms.ModelChoiceField(
        label="所属社区", queryset=Community.objects.none(), required=False, help_text="社区工作者必填。"
    )
    grid = forms.ModelChoiceField(
        label="负责网格",
        queryset=Grid.objects.none(),
        required=False,
        help_text="安格员必填，社区随网格自动设置。",
    )
    enterprise_uscc = forms.CharField(
        label="所属企业（统一社会信用代码）",
        max_length=18,
        required=False,
        help_text="企业安全负责人必填，社区和网格随企业自动设置。",
    )
    email = forms.EmailField(label="电子邮箱", required=False)
    password1 = forms.CharField(
        label="初始密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 12 位，不能全为数字，不能与用户名、姓名相近或过于常见。",
    )
    password2 = forms.CharField(
        label="确认密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def __init__(self, *args: Any, actor: Any, person: User | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        self.actor = actor
        self.person = person
        roles = list(Role.choices)
        if not can(actor, "org.manage") and not actor.is_superuser:
            roles = [(v, label) for v, label in roles if v not in (Role.STREET_ADMIN, Role.OFFICE_STAFF)]
        f["role"].choices = [("", "请选择角色"), *roles]
        f["department"].queryset = Department.objects.for_user(actor)
        f["department"].empty_label = "不属于科办"
        f["community"].queryset = Community.objects.for_user(actor)
        f["community"].empty_label = "不选择"
        f["grid"].queryset = Grid.objects.for_user(actor).select_related("community")
        f["grid"].empty_label = "不选择"
        f["grid"].label_from_instance = lambda g: g.full_name
        if person is not None:
            del self.fields["username"]
            del self.fields["password1"]
            del self.fields["password2"]

    @classmethod
    def initial_for(cls, person: User) -> dict[str, Any]:
        return {
            "name": person.name,
            "phone": person.phone,
            "role": person.role,
            "title": person.title,
            "department": person.department_id,
            "community": person.community_id,
            "grid": person.grid_id,
            "enterprise_uscc": person.enterprise.uscc if person.enterprise_id and person.enterprise else "",
            "email": person.email,
        }

    def clean_enterprise_uscc(self) -> Enterprise | None:
        code = (self.cleaned_data.get("enterprise_uscc") or "").strip().upper()
        if not code:
            return None
        ent: Enterprise | None = Enterprise.objects.for_user(self.actor).filter(uscc=code).first()
        if ent is None:
            raise forms.ValidationError(f"未找到统一社会信用代码为 {code} 的企业（或不在您的管辖范围内）。")
        return ent

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if "password1" in self.fields:
            p1, p2 = data.get("password1"), data.get("password2")
            if p1 and p2 and p1 != p2:
                self.add_error("password2", "两次输入的密码不一致。")
        return data

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        data = {
            k: d.get(k)
            for k in ("name", "phone", "role", "title", "department", "community", "grid", "email")
        }
        data["enterprise"] = d.get("enterprise_uscc")
        if "username" in d:
            data["username"] = d["username"]
        return data


class PasswordResetForm(forms.Form):
    password1 = forms.CharField(
        label="新密码",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少 12 位，不能全为数字，不能与用户名、姓名相近或过于常见。",
    )
    password2 = forms.CharField(
        label="确认新密码", strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password2") and data["password1"] != data["password2"]:
            self.add_error("password2", "两次输入的密码不一致。")
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", max_length=300, widget=forms.Textarea(attrs=_wide(rows=3)))


class OutOfRangeMixin(forms.Form):
    confirm_out_of_range = forms.BooleanField(label="确认超范围", required=False)
    out_of_range_note = forms.CharField(
        label="超范围确认说明", max_length=300, required=False, widget=forms.TextInput(attrs=_wide())
    )


class AssignmentForm(OutOfRangeMixin):
    """Assign a cadre several enterprises, or a liaison officer communities."""

    person = forms.ModelChoiceField(label="挂点人员", queryset=User.objects.none())
    department = forms.ModelChoiceField(
        label="挂点科办",
        queryset=Department.objects.none(),
        required=False,
        help_text="可选：与干部共同挂点的科办。",
    )
    start_date = forms.DateField(label="开始日期", widget=DATE)
    enterprises = forms.ModelMultipleChoiceField(
        label="挂点企业",
        queryset=Enterprise.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    communities = forms.ModelMultipleChoiceField(
        label="挂点社区",
        queryset=Community.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, actor: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        self.kind = kind
        role = Role.CADRE if kind == AssignmentKind.ENTERPRISE else Role.LIAISON
        f["person"].queryset = User.objects.for_user(actor).filter(role=role, is_active=True).order_by("name")
        f["person"].label_from_instance = lambda u: f"{u.name}（{u.username}）"
        f["person"].empty_label = (
            "请选择处级干部" if kind == AssignmentKind.ENTERPRISE else "请选择挂点公务员"
        )
        f["department"].queryset = Department.objects.for_user(actor)
        f["department"].empty_label = "不指定"
        f["start_date"].initial = timezone.localdate()
        if kind == AssignmentKind.ENTERPRISE:
            f["enterprises"].queryset = Enterprise.objects.for_user(actor)
            del self.fields["communities"]
        else:
            f["communities"].queryset = Community.objects.for_user(actor)
            del self.fields["enterprises"]
            del self.fields["department"]


class EndAssignmentForm(OutOfRangeMixin):
    end_date = forms.DateField(label="结束日期", widget=DATE)
    reason = forms.CharField(label="结束原因", max_length=300, widget=forms.TextInput(attrs=_wide()))

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["end_date"].initial = timezone.localdate()


class VoidAssignmentForm(OutOfRangeMixin):
    reason = forms.CharField(label="作废原因", max_length=300, widget=forms.TextInput(attrs=_wide()))


class MultipleImageInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleImageField(forms.FileField):
    """Several photos at once (camera capture on phones)."""

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault(
            "widget",
            MultipleImageInput(attrs={"accept": "image/*", "capture": "environment", "multiple": True}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        return [super(MultipleImageField, self).clean(f, initial) for f in files if f]


class VisitForm(forms.Form):
    visitor = forms.ModelChoiceField(label="走访人", queryset=User.objects.none(), required=False)
    date = forms.DateField(label="走访日期", widget=DATE)
    enterprise = forms.ModelChoiceField(label="走访企业", queryset=Enterprise.objects.none(), required=False)
    enterprise_uscc = forms.CharField(
        label="其他企业（统一社会信用代码）",
        max_length=18,
        required=False,
        help_text="走访不在上面列表中的企业时填写。",
    )
    community = forms.ModelChoiceField(
        label="走访社区",
        queryset=Community.objects.none(),
        required=False,
        help_text="挂点社区的走访：选择社区；走访企业时可不选。",
    )
    participants = forms.CharField(
        label="同行人员", max_length=300, required=False, help_text="如科办、社区、安格员同行人员姓名。"
    )
    notes = forms.CharField(label="走访情况", widget=forms.Textarea(attrs=_wide(rows=4)))
    issues_found = forms.CharField(
        label="发现问题", required=False, widget=forms.Textarea(attrs=_wide(rows=3))
    )
    photos = MultipleImageField(
        label="现场照片",
        required=False,
        help_text="可多选，手机上可直接拍照；JPEG/PNG，每张不超过 10 MB，最多 10 张。",
    )

    def __init__(
        self,
        *args: Any,
        actor: Any,
        enterprises: Any,
        communities: Any,
        office: bool,
        visitors: Any = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        self.actor = actor
        f["enterprise"].queryset = enterprises
        f["enterprise"].empty_label = "请选择挂点企业"
        f["community"].queryset = communities
        f["community"].empty_label = "不选择"
        f["date"].initial = timezone.localdate()
        f["photos"].widget.attrs["col"] = "col-12"
        if office:
            f["visitor"].queryset = visitors
            f["visitor"].label_from_instance = lambda u: f"{u.name}（{u.role_label}）"
            f["visitor"].empty_label = f"本人（{actor.name or actor.username}）"
        else:
            del self.fields["visitor"]

    def clean_enterprise_uscc(self) -> Enterprise | None:
        code = (self.cleaned_data.get("enterprise_uscc") or "").strip().upper()
        if not code:
            return None
        ent: Enterprise | None = Enterprise.objects.for_user(self.actor).filter(uscc=code).first()
        if ent is None:
            raise forms.ValidationError(f"未找到统一社会信用代码为 {code} 的企业（或不在您的管辖范围内）。")
        return ent

    def service_data(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {
            "visitor": d.get("visitor"),
            "date": d.get("date"),
            "enterprise": d.get("enterprise_uscc") or d.get("enterprise"),
            "community": d.get("community"),
            "participants": d.get("participants"),
            "notes": d.get("notes"),
            "issues_found": d.get("issues_found"),
        }


class MeetingForm(forms.Form):
    host = forms.ModelChoiceField(label="主持人", queryset=User.objects.none(), required=False)
    community = forms.ModelChoiceField(label="社区", queryset=Community.objects.none())
    date = forms.DateField(label="会议日期", widget=DATE)
    title = forms.CharField(label="会议主题", max_length=200)
    participants = forms.CharField(label="参会人员", max_length=500, widget=forms.TextInput(attrs=_wide()))
    minutes = forms.CharField(label="会议纪要", widget=forms.Textarea(attrs=_wide(rows=6)))

    def __init__(
        self, *args: Any, actor: Any, communities: Any, office: bool, hosts: Any = None, **kwargs: Any
    ):
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["community"].queryset = communities
        f["community"].empty_label = "请选择社区"
        f["date"].initial = timezone.localdate()
        if office:
            f["host"].queryset = hosts
            f["host"].label_from_instance = lambda u: f"{u.name}（{u.role_label}）"
            f["host"].empty_label = f"本人（{actor.name or actor.username}）"
        else:
            del self.fields["host"]


class DecisionForm(forms.Form):
    text = forms.CharField(label="议定事项", max_length=500, required=False)
    owner = forms.ModelChoiceField(label="责任人", queryset=User.objects.none(), required=False)
    owner_name = forms.CharField(label="或填写责任人姓名", max_length=50, required=False)
    due_date = forms.DateField(label="完成时限", required=False, widget=DATE)

    def __init__(self, *args: Any, owners: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        f: Any = self.fields
        f["owner"].empty_label = "选择人员"
        if owners is not None:
            f["owner"].queryset = owners
            f["owner"].label_from_instance = lambda u: f"{u.name}（{u.role_label}）"


DecisionFormSet = forms.formset_factory(DecisionForm, extra=2, max_num=30, validate_max=True)


class DecisionDoneForm(forms.Form):
    note = forms.CharField(label="落实情况", max_length=500, widget=forms.TextInput())


def electroplating_category() -> KeyCategory | None:
    return KeyCategory.objects.filter(code="electroplating").first()
