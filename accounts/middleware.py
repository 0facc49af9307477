from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import SimpleLazyObject, empty

# Public pages read no user (so the session stays untouched and no "Vary: Cookie" is added);
# static files are exempt too.
EXEMPT_PREFIXES = ("/static/", "/public/")
API_PREFIX = "/api/"


class PasswordChangeRequiredMiddleware:
    """Accounts given a one-time password must set their own before doing anything else.

    Every method: a write is refused like a read. Pages (and the API docs page) redirect to the
    password form; the API answers for itself with a 403 (core.api.PasswordChanged, one of
    REST_FRAMEWORK's default permissions), since a token is only known to DRF.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if isinstance(user, SimpleLazyObject):
            # Read here (every page reads it anyway), the user itself replaces the lazy wrapper for
            # the rest of the request: each attribute read through the wrapper is a proxy call, and
            # a page's access checks read a few hundred (7 % of the record page's CPU).
            if user._wrapped is empty:
                user._setup()
            user = request.user = user._wrapped
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            if path.startswith(API_PREFIX) and path != reverse("api:docs"):
                return self.get_response(request)
            allowed = {reverse("accounts:password-change"), reverse("accounts:logout"), reverse("accounts:login")}
            if path not in allowed:
                return redirect(reverse("accounts:password-change"))
        return self.get_response(request)
