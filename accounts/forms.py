from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm

from accounts.access import assignable_bureaus, assignable_kindergartens, grantable_roles
from accounts.models import User
from accounts.roles import KINDERGARTEN_ROLES, Role
from core.forms import StyledFormMixin

# One answer for a wrong username, a wrong password and a deactivated account, on the page and
# in the API alike: only the account's owner needs to know why, and their administrator can say.
LOGIN_FAILED = "用户名或密码不正确，或账号已停用。请注意区分大小写；如仍无法登录，请联系本区县管理员。"


class LoginForm(StyledFormMixin, AuthenticationForm):
    error_messages = {
        "invalid_login": LOGIN_FAILED,
        # Only reached if a backend ever let inactive accounts through; the same words as above.
        "inactive": LOGIN_FAILED,
    }


class OwnPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    error_messages = {
        **PasswordChangeForm.error_messages,
        "password_incorrect": "原密码不正确，请重新输入。",
        "password_mismatch": "两次输入的新密码不一致。",
        "password_unchanged": "新密码不能与当前密码相同。",
        "one_time_password_reused": "新密码不能与管理员发放的初始密码相同，请设置您自己的密码。",
    }

    def clean(self):
        # Django's SetPasswordForm puts the validators' messages under the confirmation field;
        # they are about the new password, so they go under it (the mismatch stays on the confirmation).
        self.validate_passwords("new_password1", "new_password2")
        self.validate_password_for_user(self.user, "new_password1")
        new_password = self.cleaned_data.get("new_password1")
        if new_password and "new_password1" not in self.errors and self.user.check_password(new_password):
            # The administrator saw the one-time password: keeping it would leave it valid.
            key = "one_time_password_reused" if self.user.must_change_password else "password_unchanged"
            self.add_error("new_password1", forms.ValidationError(self.error_messages[key], code=key))
        return self.cleaned_data


class UserFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": "用户名或姓名", "type": "search"}),
    )
    role = forms.ChoiceField(label="角色", required=False, choices=[("", "全部角色"), *Role.choices])
    status = forms.ChoiceField(
        label="状态", required=False, choices=[("", "全部状态"), ("active", "在用"), ("inactive", "已停用")]
    )

    def filter(self, qs):
        if not self.is_valid():
            return qs.none()
        data = self.cleaned_data
        if data["q"]:
            q = data["q"].strip()
            qs = qs.filter(username__icontains=q) | qs.filter(full_name__icontains=q)
        if data["role"]:
            qs = qs.filter(role=data["role"])
        if data["status"] == "active":
            qs = qs.filter(is_active=True)
        elif data["status"] == "inactive":
            qs = qs.filter(is_active=False)
        return qs


class UserForm(StyledFormMixin, forms.Form):
    username = forms.RegexField(
        label="用户名",
        max_length=150,
        regex=r"^[A-Za-z0-9_.@+-]+$",
        error_messages={"invalid": "用户名只能包含字母、数字和 _ . @ + - 符号。"},
        help_text="登录用，建议使用姓名拼音。创建后不可修改。",
    )
    full_name = forms.CharField(label="姓名", max_length=50)
    role = forms.ChoiceField(label="角色")
    bureau = forms.ModelChoiceField(label="所属教育局", queryset=None, required=False, empty_label="（不适用）")
    kindergarten = forms.ModelChoiceField(label="所属幼儿园", queryset=None, required=False, empty_label="（不适用）")
    phone = forms.RegexField(
        label="联系电话",
        required=False,
        max_length=20,
        regex=r"^[0-9+\- ]*$",
        error_messages={"invalid": "电话号码只能包含数字、空格、+ 和 -。"},
    )
    email = forms.EmailField(label="电子邮箱", required=False, error_messages={"invalid": "请输入有效的电子邮箱地址。"})

    def __init__(self, *args, actor, instance: User | None = None, **kwargs):
        if instance is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "username": instance.username,
                "full_name": instance.full_name,
                "role": instance.role,
                "bureau": instance.bureau_id,
                "kindergarten": instance.kindergarten_id,
                "phone": instance.phone,
                "email": instance.email,
            }
        super().__init__(*args, **kwargs)
        self.instance = instance
        self.fields["role"].choices = [("", "请选择角色"), *[(r.value, r.label) for r in grantable_roles(actor)]]
        self.fields["role"].widget.attrs["data-kg-roles"] = ",".join(sorted(KINDERGARTEN_ROLES))
        self.fields["bureau"].queryset = assignable_bureaus(actor)
        self.fields["kindergarten"].queryset = assignable_kindergartens(actor).order_by("name")
        if instance is not None:
            self.fields["username"].disabled = True

    def clean(self):
        data = super().clean()
        role = data.get("role")
        # One message per field: an invalid choice has already said what is wrong there.
        if role in KINDERGARTEN_ROLES:
            if not data.get("kindergarten") and "kindergarten" not in self.errors:
                self.add_error("kindergarten", "园长和幼儿园工作人员必须选择所属幼儿园。")
            data["bureau"] = None
        elif role:
            if not data.get("bureau") and "bureau" not in self.errors:
                self.add_error("bureau", "教育局账号必须选择所属教育局。")
            data["kindergarten"] = None
        return data
