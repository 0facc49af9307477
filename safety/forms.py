"""Page forms for safety records; the services validate again (the API goes straight to them)."""

from __future__ import annotations

from django import forms

from core.forms import StyledFormMixin
from safety.models import KINDERGARTEN_ENTRY_KINDS, EntryKind, Grade, HazardCategory, HazardSource, IncidentKind

BLANK = [("", "—— 不变 ——")]


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class IncidentReportForm(StyledFormMixin, forms.Form):
    occurred_at = forms.DateTimeField(
        label="发生时间（北京时间）",
        widget=DateTimeLocalInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        error_messages={"required": "请填写事故发生时间。", "invalid": "请按“年-月-日 时:分”填写发生时间。"},
    )
    kind = forms.ChoiceField(label="事故类型", choices=[("", "请选择"), *IncidentKind.choices], error_messages={"required": "请选择事故类型。"})
    grade = forms.ChoiceField(label="事故等级", choices=[("", "请选择"), *Grade.choices], error_messages={"required": "请选择事故等级。"})
    children_affected = forms.IntegerField(label="涉及幼儿数", min_value=0, max_value=100000, initial=0,
                                           error_messages={"required": "请填写涉及幼儿数（没有请填 0）。", "invalid": "涉及幼儿数请填写整数。"})
    staff_affected = forms.IntegerField(label="涉及教职工数", min_value=0, max_value=100000, initial=0,
                                        error_messages={"required": "请填写涉及教职工数（没有请填 0）。", "invalid": "涉及教职工数请填写整数。"})
    text = forms.CharField(label="事故经过与已采取的措施", max_length=5000, widget=forms.Textarea(attrs={"rows": 5}),
                           error_messages={"required": "请填写事故经过和已采取的措施。"})
    written = forms.BooleanField(label="本报告即书面报告", required=False)


class EntryForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="报告类别", choices=[(k.value, k.label) for k in map(EntryKind, KINDERGARTEN_ENTRY_KINDS)],
                             error_messages={"required": "请选择报告类别。"})
    corrects = forms.TypedChoiceField(label="更正的记录（仅更正时选择）", required=False, coerce=int, empty_value=None, choices=())
    grade = forms.ChoiceField(label="事故等级（如有变化）", required=False, choices=[*BLANK, *Grade.choices])
    kind_stated = forms.ChoiceField(label="事故类型（如有变化）", required=False, choices=[*BLANK, *IncidentKind.choices])
    children_affected = forms.IntegerField(label="涉及幼儿数（如有变化）", required=False, min_value=0, max_value=100000)
    staff_affected = forms.IntegerField(label="涉及教职工数（如有变化）", required=False, min_value=0, max_value=100000)
    text = forms.CharField(label="内容", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                           error_messages={"required": "请填写报告内容。"})

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [("", "——")] + [
            (e.pk, f"{e.get_kind_display()}（{e.at_local}）") for e in entries if e.kind not in ("fwd_city", "fwd_gov")
        ]


class ForwardForm(StyledFormMixin, forms.Form):
    to = forms.ChoiceField(label="上报对象", choices=[("city", "市教育局"), ("government", "区县政府")],
                           error_messages={"required": "请选择上报对象。"})
    note = forms.CharField(label="说明（可选）", required=False, max_length=2000)


class ZeroReportForm(forms.Form):
    month = forms.DateField(input_formats=["%Y-%m"], error_messages={"required": "请选择月份。", "invalid": "月份无效。"})


class HazardForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(label="隐患类别", choices=[("", "请选择"), *HazardCategory.choices], error_messages={"required": "请选择隐患类别。"})
    source = forms.ChoiceField(label="发现途径", choices=[("", "请选择"), *HazardSource.choices], error_messages={"required": "请选择发现途径。"})
    found_on = forms.DateField(label="发现日期", widget=forms.DateInput(attrs={"type": "date"}),
                               error_messages={"required": "请填写发现日期。", "invalid": "发现日期无效。"})
    description = forms.CharField(label="隐患描述", max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                                  error_messages={"required": "请描述隐患情况。"})
    severity = forms.ChoiceField(label="严重程度（决定整改期限）", required=False, choices=())

    def __init__(self, *args, issues: bool, **kwargs):
        from supervision.models import Severity

        super().__init__(*args, **kwargs)
        if issues:
            self.fields["severity"].choices = [("", "请选择"), *Severity.choices]
            self.fields["severity"].required = True
            self.fields["severity"].error_messages["required"] = "请选择严重程度（决定整改期限）。"
        else:
            del self.fields["severity"]


class HazardIssueForm(StyledFormMixin, forms.Form):
    severity = forms.ChoiceField(label="严重程度（决定整改期限）", choices=(), error_messages={"required": "请选择严重程度。"})

    def __init__(self, *args, **kwargs):
        from supervision.models import Severity

        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [("", "请选择"), *Severity.choices]
