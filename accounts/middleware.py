from django.shortcuts import redirect
from django.urls import reverse

# Public pages read no user (so the session stays untouched and no "Vary: Cookie" is added);
# static files and the API (which answers for itself with a 403) are exempt too.
EXEMPT_PREFIXES = ("/static/", "/api/", "/public/")


class PasswordChangeRequiredMiddleware:
    """Accounts given a one-time password must set their own before doing anything else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            allowed = {reverse("accounts:password-change"), reverse("accounts:logout"), reverse("accounts:login")}
            if request.path not in allowed:
                return redirect(reverse("accounts:password-change"))
        return self.get_response(request)
