from django.shortcuts import redirect
from django.urls import reverse


class PasswordChangeRequiredMiddleware:
    """Accounts given a one-time password must set their own before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("accounts:password-change"), reverse("accounts:logout"), reverse("accounts:login")}
            if request.path not in allowed and not request.path.startswith(("/static/", "/api/")):
                return redirect(f"{reverse('accounts:password-change')}")
        return self.get_response(request)
