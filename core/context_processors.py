"""Navigation for the signed-in user: the apps register their entries (core.registry), this shows them."""

from core.registry import menu_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    return {"nav": [("core:home", "首页"), *menu_for(user)]}
