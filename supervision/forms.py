from django import forms
from django.db.models import Count, Q

from accounts.access import users_visible_to
from accounts.models import User
from accounts.roles import Role
from core.forms import StyledFormMixin
from supervision.models import Severity


class SupervisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        from django.conf import settings

        over = "，已超过建议数" if obj.active_count >= settings.SUPERVISOR_LOAD_WARNING else ""
        return f"{obj.display_name}（当前负责 {obj.active_count} 所{over}）"


class AssignmentForm(StyledFormMixin, forms.Form):
    supervisor = SupervisorChoiceField(label="责任督学", queryset=User.objects.none(), empty_label="请选择督学")
    note = forms.CharField(label="备注", required=False, max_length=200)

    def __init__(self, *args, user, kindergarten, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].queryset = (
            users_visible_to(user)
            .filter(role=Role.SUPERVISOR, is_active=True, bureau_id=kindergarten.district_id)
            .annotate(
                active_count=Count("supervision_assignments", filter=Q(supervision_assignments__ended_at__isnull=True))
            )
            .order_by("full_name", "username")
        )


# --- rectification ---------------------------------------------------------------------------------


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; the content check is the service's (supervision.evidence)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files] if files else []


EVIDENCE_HELP = "照片（JPG、PNG）或 PDF，单个文件不超过 10 MB，可一次选择多个。"


class OrderIssueForm(StyledFormMixin, forms.Form):
    description = forms.CharField(label="问题与整改要求", widget=forms.Textarea(attrs={"rows": 4}), max_length=2000)
    severity = forms.ChoiceField(label="严重程度", choices=Severity.choices, initial=Severity.MINOR)
    deadline = forms.DateField(
        label="整改期限",
        required=False,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
        help_text="不填则按严重程度确定：一般 30 天、较重 15 天、严重 7 天（可由管理员配置）。",
    )


class OrderRespondForm(StyledFormMixin, forms.Form):
    response = forms.CharField(label="整改情况", widget=forms.Textarea(attrs={"rows": 4}), max_length=4000)
    files = MultipleFileField(
        label="佐证材料",
        required=False,
        help_text=EVIDENCE_HELP,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf", "multiple": True}),
    )


class OrderReturnForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label="退回原因", widget=forms.Textarea(attrs={"rows": 3}), max_length=2000)


class OrderAcceptForm(StyledFormMixin, forms.Form):
    note = forms.CharField(label="验收意见", required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
