from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from accounts.access import can_list_users, grantable_roles, user_can, user_get_for_user, users_visible_to
from accounts.forms import LoginForm, OwnPasswordChangeForm, UserFilterForm, UserForm
from accounts.services import user_change_own_password, user_create, user_reset_password, user_set_active, user_update
from core.access import require
from core.audit import history_for
from core.pagination import paginate, querystring_without_page
from core.views_helpers import apply_validation_error

# Django's form views also answer PUT (ProcessFormView.put), and LoginView redirects a signed-in
# user whatever the method: the method check goes first, around ``dispatch``.
GET_POST = require_http_methods(["GET", "HEAD", "POST"])


@method_decorator(GET_POST, name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@method_decorator(GET_POST, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    form_class = OwnPasswordChangeForm
    success_url = reverse_lazy("accounts:password-change-done")

    def form_valid(self, form):
        # Through the service, so the "must change password" flag is cleared and the change audited.
        user_change_own_password(user=self.request.user, new_password=form.cleaned_data["new_password1"])
        update_session_auth_hash(self.request, self.request.user)
        messages.success(self.request, "密码已修改。")
        return redirect(self.get_success_url())


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "registration/password_change_done.html"


def _last_login_shown(viewer, account):
    """For one's own account the sign-in before this one (the current one is no news); for
    another account its latest sign-in."""
    return account.previous_login if account.pk == viewer.pk else account.last_login


@login_required
@require_safe
def profile(request):
    account = request.user
    return render(
        request, "accounts/profile.html", {"account": account, "last_login": _last_login_shown(account, account)}
    )


@login_required
@require_safe
def user_list(request):
    require(can_list_users(request.user))
    form = UserFilterForm(request.GET or None)
    qs = users_visible_to(request.user).select_related("bureau", "kindergarten")
    qs = form.filter(qs) if form.is_bound else qs
    page = paginate(request, qs.order_by("-is_active", "role", "username"))
    return render(
        request,
        "accounts/user_list.html",
        {
            "form": form,
            "page": page,
            "querystring": querystring_without_page(request),
            "can_create": bool(grantable_roles(request.user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_create_view(request):
    require(bool(grantable_roles(request.user)))
    form = UserForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user, password = user_create(
                actor=request.user,
                username=data["username"],
                full_name=data["full_name"],
                role=data["role"],
                bureau=data["bureau"],
                kindergarten=data["kindergarten"],
                phone=data["phone"],
                email=data["email"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            return _show_once(request, user, password, created=True)
    return render(request, "accounts/user_form.html", {"form": form, "creating": True})


# The one-time password waits in the issuing administrator's session between the POST that made it
# and the GET that shows it (post/redirect/get: a reload re-sends no form). The GET removes it.
_ISSUED = "accounts_issued_password"


def _show_once(request, account, password: str, *, created: bool):
    request.session[_ISSUED] = {"account": account.pk, "password": password, "created": created}
    return redirect("accounts:user-password-issued", pk=account.pk)


@login_required
@require_GET  # not HEAD: the page is shown once, and a HEAD must not use it up
@never_cache
def user_password_issued(request, pk):
    """Show a just-issued one-time password once; afterwards send the administrator to the account."""
    account = user_get_for_user(request.user, pk, action="manage")
    issued = request.session.get(_ISSUED)
    if not issued or issued.get("account") != account.pk:
        messages.info(request, "初始密码只显示一次，已不能再次查看。如对方没有记下，请重新为其重置密码。")
        return redirect("accounts:user-detail", pk=account.pk)
    del request.session[_ISSUED]
    # never_cache: "no-store", so no browser or proxy keeps a copy of the page.
    return render(
        request,
        "accounts/password_issued.html",
        {"account": account, "password": issued["password"], "created": issued["created"]},
    )


@login_required
@require_safe
def user_detail(request, pk):
    account = user_get_for_user(request.user, pk, action="view")
    return render(
        request,
        "accounts/user_detail.html",
        {
            "account": account,
            "last_login": _last_login_shown(request.user, account),
            "can_manage": user_can(request.user, account, "manage"),
            "can_view_history": user_can(request.user, account, "view_history"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_edit(request, pk):
    account = user_get_for_user(request.user, pk, action="manage")
    form = UserForm(request.POST or None, actor=request.user, instance=account)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user_update(
                actor=request.user,
                user=account,
                full_name=data["full_name"],
                role=data["role"],
                bureau=data["bureau"],
                kindergarten=data["kindergarten"],
                phone=data["phone"],
                email=data["email"],
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, "账号信息已保存。")
            return redirect("accounts:user-detail", pk=account.pk)
    return render(request, "accounts/user_form.html", {"form": form, "account": account, "creating": False})


def _confirm(request, *, title: str, message: str, confirm_label: str, cancel_url: str, danger: bool = False):
    return render(
        request,
        "snippets/confirm.html",
        {
            "title": title,
            "message": message,
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "danger": danger,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_reset_password_view(request, pk):
    account = user_get_for_user(request.user, pk, action="manage")
    if request.method == "POST":
        password = user_reset_password(actor=request.user, user=account)
        return _show_once(request, account, password, created=False)
    return _confirm(
        request,
        title="重置密码",
        message=f"确定为 {account} 重置密码吗？原密码将立即失效，新密码只显示一次，对方首次登录须修改。",
        confirm_label="确认重置",
        cancel_url=reverse_lazy("accounts:user-detail", kwargs={"pk": account.pk}),
    )


def _set_active_view(request, pk, *, active: bool):
    """GET asks for confirmation; POST deactivates or reactivates (accounts are never deleted)."""
    account = user_get_for_user(request.user, pk, action="manage")
    if request.method == "POST":
        user_set_active(actor=request.user, user=account, active=active)
        messages.success(request, f"账号 {account} 已{'重新启用' if active else '停用'}。")
        return redirect("accounts:user-detail", pk=account.pk)
    if active:
        title, message = "启用账号", f"确定重新启用 {account} 吗？"
    else:
        title = "停用账号"
        message = (
            f"确定停用 {account} 吗？停用后该账号无法登录，其 API 令牌失效；账号及其操作记录会保留，可随时重新启用。"
        )
    return _confirm(
        request,
        title=title,
        message=message,
        confirm_label=f"确认{title[:2]}",
        cancel_url=reverse_lazy("accounts:user-detail", kwargs={"pk": account.pk}),
        danger=not active,
    )


@login_required
@require_http_methods(["GET", "POST"])
def user_deactivate(request, pk):
    return _set_active_view(request, pk, active=False)


@login_required
@require_http_methods(["GET", "POST"])
def user_activate(request, pk):
    return _set_active_view(request, pk, active=True)


@login_required
@require_safe
def user_history(request, pk):
    account = user_get_for_user(request.user, pk, action="view_history")
    page = paginate(request, history_for(account))
    return render(request, "core/history.html", {"object": account, "object_label": str(account), "page": page})
