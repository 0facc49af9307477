from django import forms
from django.db.models import Count, Q

from accounts.access import users_visible_to
from accounts.models import User
from accounts.roles import Role
from core.forms import StyledFormMixin


class SupervisorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.display_name}（当前负责 {obj.active_count} 所）"


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
