"""Forms for the indicators' inputs. Every message in Chinese; every problem in one pass."""

from __future__ import annotations

from django import forms

from core.indicators import all_indicators
from indicators.models import ResidentSource

YEAR_MESSAGES = {
    "required": "请填写年度。",
    "invalid": "年度应为四位数字，如 2025。",
    "min_value": "年度不能早于 2000 年。",
    "max_value": "年度不能晚于 2100 年。",
}


class ResidentChildrenForm(forms.Form):
    township = forms.ModelChoiceField(
        label="街道/乡镇",
        queryset=None,
        empty_label="请选择",
        error_messages={"required": "请选择街道/乡镇。", "invalid_choice": "请选择本区县的街道/乡镇。"},
    )
    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, error_messages=YEAR_MESSAGES)
    children = forms.IntegerField(
        label="3–5 岁常住适龄儿童数",
        min_value=0,
        max_value=10_000_000,
        error_messages={
            "required": "请填写常住适龄儿童数。",
            "invalid": "应填写不小于 0 的整数。",
            "min_value": "应填写不小于 0 的整数。",
            "max_value": "数值过大，请核对。",
        },
    )
    source = forms.ChoiceField(
        label="数据来源",
        choices=ResidentSource.choices,
        error_messages={"required": "请选择数据来源。", "invalid_choice": "请选择数据来源。"},
    )
    source_date = forms.DateField(
        label="数据日期",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写数据日期。", "invalid": "日期格式不正确，应写作 2025-01-15。"},
    )
    is_estimate = forms.BooleanField(label="估算数（尚无正式统计时填写的估计值）", required=False)
    note = forms.CharField(
        label="说明", max_length=200, required=False, error_messages={"max_length": "说明不能超过 200 字。"}
    )

    def __init__(self, *args, instance=None, townships=None, **kwargs):
        if instance is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "township": instance.township_id,
                    "year": instance.year,
                    "children": instance.children,
                    "source": instance.source,
                    "source_date": instance.source_date,
                    "is_estimate": instance.is_estimate,
                    "note": instance.note,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["township"].queryset = townships
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if name == "is_estimate"
                else ("form-select" if name in ("township", "source") else "form-control")
            )
            field.widget.attrs.setdefault("class", css)


class TargetForm(forms.Form):
    indicator = forms.ChoiceField(
        label="指标", choices=(), error_messages={"required": "请选择指标。", "invalid_choice": "请选择指标。"}
    )
    year = forms.IntegerField(label="目标年度", min_value=2000, max_value=2100, error_messages=YEAR_MESSAGES)
    value = forms.DecimalField(
        label="目标值",
        max_digits=7,
        decimal_places=2,
        min_value=0,
        help_text="百分比指标填百分数（如 90 表示 90%）；专任教师与幼儿比填每名教师对应的幼儿数（如 15 表示 1:15）。",
        error_messages={
            "required": "请填写目标值。",
            "invalid": "目标值应为数字。",
            "min_value": "目标值不能为负数。",
            "max_digits": "目标值过大。",
            "max_decimal_places": "目标值最多两位小数。",
        },
    )
    baseline_year = forms.IntegerField(
        label="基线年度", required=False, min_value=2000, max_value=2100, error_messages=YEAR_MESSAGES
    )
    baseline_value = forms.DecimalField(
        label="基线值",
        required=False,
        max_digits=7,
        decimal_places=2,
        min_value=0,
        error_messages={
            "invalid": "基线值应为数字。",
            "min_value": "基线值不能为负数。",
            "max_digits": "基线值过大。",
            "max_decimal_places": "基线值最多两位小数。",
        },
    )
    plan = forms.CharField(
        label="依据（规划/方案名称）",
        max_length=200,
        required=False,
        error_messages={"max_length": "不能超过 200 字。"},
    )

    def __init__(self, *args, instance=None, **kwargs):
        if instance is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    "indicator": instance.indicator,
                    "year": instance.year,
                    "value": instance.value,
                    "baseline_year": instance.baseline_year,
                    "baseline_value": instance.baseline_value,
                    "plan": instance.plan,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = [("", "请选择")] + [
            (i.code, i.name) for i in all_indicators() if i.targets is None
        ]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "indicator" else "form-control")

    def clean(self):
        data = super().clean()
        year, baseline_year, baseline_value = data.get("year"), data.get("baseline_year"), data.get("baseline_value")
        if (
            (baseline_year is None) != (baseline_value is None)
            and "baseline_year" not in self.errors
            and "baseline_value" not in self.errors
        ):
            self.add_error(
                "baseline_value" if baseline_value is None else "baseline_year",
                "基线年度和基线值须同时填写或同时不填。",
            )
        if year is not None and baseline_year is not None and baseline_year >= year:
            self.add_error("baseline_year", "基线年度应早于目标年度。")
        value = data.get("value")
        if value is not None and data.get("indicator") and data["indicator"] != "teacher-ratio" and value > 1000:
            self.add_error("value", "百分比目标值不能超过 1000。")
        return data


class ResponsibilityTaskForm(forms.Form):
    number = forms.IntegerField(
        label="序号",
        min_value=1,
        max_value=999,
        error_messages={
            "required": "请填写序号。",
            "invalid": "序号应为整数。",
            "min_value": "序号应在 1–999 之间。",
            "max_value": "序号应在 1–999 之间。",
        },
    )
    title = forms.CharField(
        label="任务",
        max_length=300,
        error_messages={"required": "请填写任务内容。", "max_length": "任务内容不能超过 300 字。"},
    )
    lead_unit = forms.CharField(
        label="牵头单位",
        max_length=100,
        error_messages={"required": "请填写牵头单位。", "max_length": "不能超过 100 字。"},
    )
    responsible_units = forms.CharField(
        label="责任单位",
        max_length=300,
        help_text="多个单位用顿号分隔。",
        error_messages={"required": "请填写责任单位。", "max_length": "不能超过 300 字。"},
    )
    deadline = forms.DateField(
        label="完成时限",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"required": "请填写完成时限。", "invalid": "日期格式不正确，应写作 2025-12-31。"},
    )
    indicator = forms.ChoiceField(
        label="推动的指标", required=False, choices=(), error_messages={"invalid_choice": "请选择指标。"}
    )
    done_on = forms.DateField(
        label="完成日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "日期格式不正确，应写作 2025-12-31。"},
    )

    def __init__(self, *args, instance=None, numbers_taken=(), **kwargs):
        if instance is not None and not args:
            kwargs.setdefault(
                "initial",
                {
                    f: getattr(instance, f)
                    for f in ("number", "title", "lead_unit", "responsible_units", "deadline", "indicator", "done_on")
                },
            )
        super().__init__(*args, **kwargs)
        self.numbers_taken = set(numbers_taken)
        self.fields["indicator"].choices = [("", "（无）")] + [(i.code, i.name) for i in all_indicators()]
        for name, field in self.fields.items():
            field.widget.attrs.setdefault("class", "form-select" if name == "indicator" else "form-control")

    def clean_number(self):
        number = self.cleaned_data["number"]
        if number in self.numbers_taken:
            raise forms.ValidationError("本区县责任清单已有这个序号。")
        return number
