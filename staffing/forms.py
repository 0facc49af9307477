"""Forms of the staffing pages: they read input; the services validate and write."""

from django import forms

from core.forms import StyledFormMixin
from staffing.models import Backbone, CertificateKind, Education, Post, PostType, RecordCheck, Sanction, Title

DATE = forms.DateInput(attrs={"type": "date"})


class HireForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="身份证号码", max_length=18, min_length=18, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    post = forms.ChoiceField(label="岗位", choices=Post.choices)
    post_type = forms.ChoiceField(label="编制情况", choices=PostType.choices)
    hire_date = forms.DateField(label="入职日期", widget=DATE)
    is_safety_officer = forms.BooleanField(label="兼任安全员", required=False)
    social_insurance = forms.BooleanField(label="已缴纳社会保险", required=False)
    phone = forms.CharField(label="联系电话", max_length=20, required=False)
    education = forms.ChoiceField(label="学历", choices=[("", "—"), *Education.choices], required=False)
    title = forms.ChoiceField(label="职称", choices=[("", "—"), *Title.choices], required=False)
    backbone = forms.ChoiceField(label="骨干教师", choices=Backbone.choices, required=False)


class EndEmploymentForm(StyledFormMixin, forms.Form):
    leave_date = forms.DateField(label="离职日期", widget=DATE)
    reason = forms.CharField(label="离职原因", max_length=200, required=False)


class CertificateForm(StyledFormMixin, forms.Form):
    kind = forms.ModelChoiceField(label="证书类型", queryset=CertificateKind.objects.all(), empty_label=None)
    number = forms.CharField(label="证书编号", max_length=60)
    issuer = forms.CharField(label="发证机关", max_length=100, required=False)
    issued_on = forms.DateField(label="发证日期", widget=DATE)
    expires_on = forms.DateField(label="有效期至", widget=DATE, required=False, help_text="长期有效的证书不填。")
    scan = forms.FileField(
        label="扫描件",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".jpg,.jpeg,.png,.pdf"}),
        help_text="可选：JPG、PNG 图片或 PDF 文件，不超过 10 MB。",
    )


class RecordCheckForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label="查询类型", choices=RecordCheck.Kind.choices)
    checked_on = forms.DateField(label="查询日期", widget=DATE)
    result = forms.ChoiceField(label="查询结果", choices=RecordCheck.Result.choices)
    authority = forms.CharField(label="查询机关", max_length=100, required=False)


class TrainingForm(StyledFormMixin, forms.Form):
    title = forms.CharField(label="培训名称", max_length=100)
    provider = forms.CharField(label="培训机构", max_length=100, required=False)
    completed_on = forms.DateField(label="完成日期", widget=DATE)
    hours = forms.DecimalField(label="学时", max_digits=6, decimal_places=1, min_value=0.1)


class MisconductForm(StyledFormMixin, forms.Form):
    occurred_on = forms.DateField(label="发生日期", widget=DATE)
    decided_on = forms.DateField(label="处理日期", widget=DATE)
    description = forms.CharField(label="情况说明", max_length=500, widget=forms.Textarea(attrs={"rows": 3}))
    sanction = forms.ChoiceField(label="处分", choices=Sanction.choices)
    veto = forms.BooleanField(label="一票否决（列入黑名单，各区县均不得录用）", required=False)


class ExpiringFilterForm(StyledFormMixin, forms.Form):
    WINDOWS = [("30", "30 天内到期"), ("60", "60 天内到期"), ("90", "90 天内到期"), ("missing", "缺少证书")]
    window = forms.ChoiceField(label="范围", choices=WINDOWS, required=False)

    def window_value(self) -> str:
        if self.is_valid() and self.cleaned_data.get("window"):
            return self.cleaned_data["window"]
        return "30"


class SearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label="姓名", max_length=50, required=False)


class PolicyForm(StyledFormMixin, forms.Form):
    training_hours = forms.IntegerField(
        label="培训学时要求", min_value=1, max_value=2000, help_text="每名教师在培训周期内应完成的学时。"
    )
    training_years = forms.IntegerField(label="培训周期（年）", min_value=1, max_value=10)


class RequirementsForm(forms.Form):
    """One row per certificate kind: everyone, or the posts that need it."""

    def __init__(self, *args, kinds, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.kinds = kinds
        for kind in kinds:
            requirement = current[kind.pk]
            self.fields[f"all_{kind.pk}"] = forms.BooleanField(
                label="全体教职工", required=False, initial=requirement.all_posts
            )
            self.fields[f"posts_{kind.pk}"] = forms.MultipleChoiceField(
                label=kind.name,
                choices=Post.choices,
                required=False,
                initial=sorted(requirement.posts),
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                error_messages={"invalid_choice": "岗位无效，请重新选择。"},
            )

    def rows(self):
        return [(kind, self[f"all_{kind.pk}"], self[f"posts_{kind.pk}"]) for kind in self.kinds]

    def requirements(self) -> dict[int, tuple[bool, list[str]]]:
        data = self.cleaned_data
        return {kind.pk: (data[f"all_{kind.pk}"], list(data[f"posts_{kind.pk}"])) for kind in self.kinds}
