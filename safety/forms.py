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
    kind = forms.ChoiceField(
        label="事故类型",
        choices=[("", "请选择"), *IncidentKind.choices],
        error_messages={"required": "请选择事故类型。"},
    )
    grade = forms.ChoiceField(
        label="事故等级", choices=[("", "请选择"), *Grade.choices], error_messages={"required": "请选择事故等级。"}
    )
    children_affected = forms.IntegerField(
        label="涉及幼儿数",
        min_value=0,
        max_value=100000,
        initial=0,
        error_messages={"required": "请填写涉及幼儿数（没有请填 0）。", "invalid": "涉及幼儿数请填写整数。"},
    )
    staff_affected = forms.IntegerField(
        label="涉及教职工数",
        min_value=0,
        max_value=100000,
        initial=0,
        error_messages={"required": "请填写涉及教职工数（没有请填 0）。", "invalid": "涉及教职工数请填写整数。"},
    )
    text = forms.CharField(
        label="事故经过与已采取的措施",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "请填写事故经过和已采取的措施。"},
    )
    written = forms.BooleanField(label="本报告即书面报告", required=False)


class IncidentDraftForm(IncidentReportForm):
    """The same fields, none required: a draft may be saved half-written."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


class EntryForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="报告类别",
        choices=[(k.value, k.label) for k in map(EntryKind, KINDERGARTEN_ENTRY_KINDS)],
        error_messages={"required": "请选择报告类别。"},
    )
    corrects = forms.TypedChoiceField(
        label="更正的记录（仅更正时选择）", required=False, coerce=int, empty_value=None, choices=()
    )
    grade = forms.ChoiceField(label="事故等级（如有变化）", required=False, choices=[*BLANK, *Grade.choices])
    kind_stated = forms.ChoiceField(
        label="事故类型（如有变化）", required=False, choices=[*BLANK, *IncidentKind.choices]
    )
    children_affected = forms.IntegerField(
        label="涉及幼儿数（如有变化）", required=False, min_value=0, max_value=100000
    )
    staff_affected = forms.IntegerField(label="涉及教职工数（如有变化）", required=False, min_value=0, max_value=100000)
    text = forms.CharField(
        label="内容",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写报告内容。"},
    )

    def __init__(self, *args, entries=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["corrects"].choices = [("", "——")] + [
            (e.pk, f"{e.get_kind_display()}（{e.at_local}）") for e in entries if e.kind not in ("fwd_city", "fwd_gov")
        ]


FORWARD_CHOICES = [("city", "市教育局"), ("government", "区县政府"), ("health", "卫生健康部门")]


class ForwardForm(StyledFormMixin, forms.Form):
    to = forms.ChoiceField(label="上报对象", choices=FORWARD_CHOICES, error_messages={"required": "请选择上报对象。"})
    note = forms.CharField(label="说明（可选）", required=False, max_length=2000)

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            # Only what is still to record; the health department only for public-health events.
            done = {
                "city": incident.forwarded_city_at,
                "government": incident.forwarded_government_at,
                "health": incident.health_reported_at or incident.health_deadline is None,
            }
            self.fields["to"].choices = [(k, v) for k, v in FORWARD_CHOICES if not done[k]]


class ZeroReportForm(forms.Form):
    month = forms.DateField(
        input_formats=["%Y-%m"], error_messages={"required": "请选择月份。", "invalid": "月份无效。"}
    )


class HazardForm(StyledFormMixin, forms.Form):
    category = forms.ChoiceField(
        label="隐患类别",
        choices=[("", "请选择"), *HazardCategory.choices],
        error_messages={"required": "请选择隐患类别。"},
    )
    source = forms.ChoiceField(
        label="发现途径",
        choices=[("", "请选择"), *HazardSource.choices],
        error_messages={"required": "请选择发现途径。"},
    )
    found_on = forms.DateField(
        label="发现日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写发现日期。", "invalid": "发现日期无效。"},
    )
    description = forms.CharField(
        label="隐患描述",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请描述隐患情况。"},
    )
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
    severity = forms.ChoiceField(
        label="严重程度（决定整改期限）", choices=(), error_messages={"required": "请选择严重程度。"}
    )

    def __init__(self, *args, **kwargs):
        from supervision.models import Severity

        super().__init__(*args, **kwargs)
        self.fields["severity"].choices = [("", "请选择"), *Severity.choices]


class FacilityForm(StyledFormMixin, forms.Form):
    effective_on = forms.DateField(
        label="生效日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写生效日期。", "invalid": "生效日期无效。"},
    )
    video_public_areas = forms.BooleanField(label="视频监控覆盖全部公共区域", required=False)
    video_retention_days = forms.IntegerField(
        label="录像保存天数", min_value=0, max_value=3650, error_messages={"required": "请填写录像保存天数。"}
    )
    video_networked = forms.BooleanField(label="接入区县二级图像平台", required=False)
    video_person = forms.CharField(label="视频监控负责人", required=False, max_length=50)
    alarm_linked = forms.BooleanField(label="一键报警与公安联网", required=False)
    full_time_guards = forms.IntegerField(
        label="专职保安员人数",
        min_value=0,
        max_value=1000,
        error_messages={"required": "请填写专职保安员人数（没有请填 0）。"},
    )
    closed_campus = forms.BooleanField(label="封闭化管理", required=False)
    guard_post = forms.BooleanField(label="护学岗", required=False)
    clinic = forms.BooleanField(label="设保健室", required=False)
    medical_pairing = forms.CharField(label="结对医疗机构", required=False, max_length=100)
    safety_officer = forms.CharField(label="安全员", required=False, max_length=50)
    safety_officer_trained = forms.BooleanField(label="安全员已培训", required=False)
    safety_officer_certified = forms.BooleanField(label="安全员持证", required=False)
    note = forms.CharField(label="说明", required=False, max_length=500)


class BusForm(StyledFormMixin, forms.Form):
    plate = forms.CharField(label="车牌号", max_length=20, error_messages={"required": "请填写车牌号。"})
    seats = forms.IntegerField(
        label="核载人数", min_value=1, max_value=100, error_messages={"required": "请填写核载人数。"}
    )
    inspected_on = forms.DateField(label="最近检验日期", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(label="检验有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))


class BusInspectForm(StyledFormMixin, forms.Form):
    inspected_on = forms.DateField(
        label="检验日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写检验日期。"},
    )
    valid_until = forms.DateField(
        label="检验有效期至",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写检验有效期。"},
    )


class VideoCheckForm(StyledFormMixin, forms.Form):
    month = forms.DateField(
        label="月份",
        input_formats=["%Y-%m"],
        widget=forms.DateInput(attrs={"type": "month"}, format="%Y-%m"),
        error_messages={"required": "请选择月份。", "invalid": "月份无效。"},
    )
    cameras_total = forms.IntegerField(
        label="摄像头总数", min_value=0, error_messages={"required": "请填写摄像头总数。"}
    )
    cameras_working = forms.IntegerField(
        label="正常工作数", min_value=0, error_messages={"required": "请填写正常工作数。"}
    )
    retention_days = forms.IntegerField(
        label="实测录像保存天数", min_value=0, error_messages={"required": "请填写录像保存天数。"}
    )
    retention_verified = forms.BooleanField(label="已核验录像保存", required=False)
    faults = forms.CharField(
        label="故障与处理", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )


class LetterForm(StyledFormMixin, forms.Form):
    level = forms.ChoiceField(label="签订层级", choices=(), error_messages={"required": "请选择签订层级。"})
    year = forms.IntegerField(label="年度", error_messages={"required": "请填写年度。"})
    parties = forms.CharField(label="签订双方", max_length=200, error_messages={"required": "请填写签订双方。"})
    signed_on = forms.DateField(
        label="签订日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写签订日期。"},
    )
    file = forms.FileField(
        label="签字文件（照片或 PDF）", error_messages={"required": "请上传一份签字文件（照片或 PDF）。"}
    )

    def __init__(self, *args, **kwargs):
        from safety.models import LetterLevel

        super().__init__(*args, **kwargs)
        self.fields["level"].choices = [("", "请选择"), *LetterLevel.choices]


class DrillForm(StyledFormMixin, forms.Form):
    held_on = forms.DateField(
        label="演练日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写演练日期。"},
    )
    kind = forms.ChoiceField(label="演练类型", choices=(), error_messages={"required": "请选择演练类型。"})
    participants = forms.IntegerField(label="参加人数", min_value=0, error_messages={"required": "请填写参加人数。"})
    notes = forms.CharField(label="情况记录", required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        from safety.models import DrillKind

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "请选择"), *DrillKind.choices]


class BusRetireForm(StyledFormMixin, forms.Form):
    retired_on = forms.DateField(
        label="停用日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写停用日期。", "invalid": "请填写有效的日期。"},
    )
    confirm = forms.BooleanField(
        label="确认停用（停用后不再计入校车检验率，记录保留）", error_messages={"required": "请勾选确认停用。"}
    )
