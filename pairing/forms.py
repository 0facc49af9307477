"""Forms of the pairing pages. They read input; the rules live in pairing.rules and pairing.services."""

from __future__ import annotations

from django import forms

from core.forms import ModelMultipleChoiceField, StyledFormMixin
from kindergartens.models import OPERATING_STATUSES, Kindergarten
from pairing.models import Agreement, Form, Mode
from supervision.forms import MultipleFileField, MultipleFileInput

DATE = {"widget": forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})}
ACCEPT = {"accept": "image/jpeg,image/png,application/pdf"}


class KindergartenChoice(ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.district.area_name}）"


class AgreementForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="协议名称", max_length=200)
    mode = forms.ChoiceField(label="帮扶方式", choices=[("", "请选择"), *Mode.choices])
    helping = KindergartenChoice(label="帮扶园", queryset=Kindergarten.objects.none())
    helped = KindergartenChoice(label="被帮扶园", queryset=Kindergarten.objects.none())
    start_date = forms.DateField(label="开始日期", **DATE)
    end_date = forms.DateField(label="结束日期", help_text="帮扶不少于两年（三年为一个周期）。", **DATE)
    rights_obligations = forms.CharField(label="双方权利义务", widget=forms.Textarea(attrs={"rows": 4}))
    content = forms.CharField(label="帮扶内容", widget=forms.Textarea(attrs={"rows": 4}))
    goals = forms.CharField(label="帮扶目标与措施", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        # A field named "forms" (the agreement's 帮扶形式) cannot be declared in the class body, where the
        # name is the module's.
        self.fields["forms"] = forms.MultipleChoiceField(
            label="帮扶形式", choices=Form.choices, widget=forms.CheckboxSelectMultiple
        )
        qs = candidates.filter(status__in=OPERATING_STATUSES).select_related("district").order_by("district", "name")
        self.fields["helping"].queryset = qs
        self.fields["helped"].queryset = qs

    def service_fields(self) -> dict:
        data = self.cleaned_data
        return {
            k: data[k]
            for k in ("title", "mode", "start_date", "end_date", "forms", "rights_obligations", "content", "goals")
            if k in data
        }

    @staticmethod
    def initial_for(agreement: Agreement) -> dict:
        parties = list(agreement.parties.all())
        return {
            **{
                k: getattr(agreement, k)
                for k in ("title", "mode", "start_date", "end_date", "forms", "rights_obligations", "content", "goals")
            },
            "helping": [p.kindergarten_id for p in parties if p.side == "helping"],
            "helped": [p.kindergarten_id for p in parties if p.side == "helped"],
        }


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="理由", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class SignedFileForm(StyledFormMixin, forms.Form):
    files = MultipleFileField(
        label="签字盖章的协议（JPG、PNG 或 PDF）", widget=MultipleFileInput(attrs={**ACCEPT, "multiple": True})
    )


class ActivityForm(StyledFormMixin, forms.Form):
    date = forms.DateField(label="活动日期", **DATE)
    form = forms.ChoiceField(label="帮扶形式", choices=Form.choices)
    helping_people = forms.IntegerField(label="帮扶园参与人数", min_value=0, max_value=10000)
    helped_people = forms.IntegerField(label="被帮扶园参与人数", min_value=0, max_value=10000)
    hours = forms.DecimalField(label="时长（小时）", min_value=0.5, max_value=240, decimal_places=1)
    content = forms.CharField(label="活动内容", widget=forms.Textarea(attrs={"rows": 4}))
    files = MultipleFileField(
        label="佐证材料（可选，JPG、PNG 或 PDF）",
        required=False,
        widget=MultipleFileInput(attrs={**ACCEPT, "multiple": True}),
    )

    def __init__(self, *args, agreement: Agreement, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["form"].choices = [(v, label) for v, label in Form.choices if v in agreement.forms]


class AgreementFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="协议名称或幼儿园",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "协议名称或幼儿园名称", "aria-label": "协议名称或幼儿园"}),
    )
    state = forms.ChoiceField(label="状态", required=False, choices=[("", "全部状态"), *Agreement.State.choices])
    mode = forms.ChoiceField(label="帮扶方式", required=False, choices=[("", "全部方式"), *Mode.choices])


class PlanForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2020, max_value=2100)
    helping_count = forms.IntegerField(label="参与帮扶园数", min_value=0, max_value=10000)
    helped_count = forms.IntegerField(label="被帮扶园数", min_value=0, max_value=10000)
    helping = ModelMultipleChoiceField(label="帮扶园名单", queryset=Kindergarten.objects.none(), required=False)
    helped = ModelMultipleChoiceField(label="被帮扶园名单", queryset=Kindergarten.objects.none(), required=False)
    note = forms.CharField(label="说明", required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, district, **kwargs):
        super().__init__(*args, **kwargs)
        qs = Kindergarten.objects.filter(district=district).order_by("name")
        self.fields["helping"].queryset = qs
        self.fields["helped"].queryset = qs


class TargetForm(StyledFormMixin, forms.Form):
    year = forms.IntegerField(label="年度", min_value=2020, max_value=2100)
    participants = forms.IntegerField(label="参与帮扶结对的幼儿园总数", min_value=0, max_value=100000)
    rural_share = forms.DecimalField(
        label="农村幼儿园帮扶参与占比目标（%）", min_value=0, max_value=100, decimal_places=1
    )
    cycle_share = forms.DecimalField(
        label="三年周期参与率目标（%）", min_value=0, max_value=100, decimal_places=1, initial=100
    )
    plan_due = forms.DateField(label="年度帮扶计划上报截止日", **DATE)
    agreements_due = forms.DateField(label="帮扶协议上报截止日", **DATE)
    idle_days = forms.IntegerField(label="无活动提醒天数", min_value=7, max_value=365, initial=45)
