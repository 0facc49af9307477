"""Navigation for the signed-in user: the apps register their entries (core.registry), this shows them."""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse

from core.registry import menu_for

# The links of the account menu in base.html, besides the apps' entries.
ACCOUNT_LINKS = {
    "profile": "accounts:profile",
    "password_change": "accounts:password-change",
    "jobs": "core:job-list",
    "logout": "accounts:logout",
}

_urls: dict[tuple[str, str, str], str] = {}


def url_of(name: str) -> str:
    """reverse(name) for a URL without arguments, once per process (and URL configuration): the
    menu's links were reversed on every page, 20 µs each."""
    key = (name, get_script_prefix(), str(get_urlconf() or settings.ROOT_URLCONF))
    url = _urls.get(key)
    if url is None:
        url = _urls[key] = reverse(name)
    return url


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    from django.utils.functional import SimpleLazyObject

    from core.notifications import unread_count

    return {
        "nav": _nav(request.path, menu_for(user)),
        "account_links": {key: url_of(name) for key, name in ACCOUNT_LINKS.items()},
        # Lazy: read with the user by the sign-in backend, or from the cache (core.notifications).
        "notifications_unread": SimpleLazyObject(lambda: unread_count(user)),
        "notifications_url": url_of("core:notification-list"),
    }


def _nav(path: str, items) -> list[dict]:
    """The top menu for base.html: 首页, then each item as a link or a dropdown; the item holding the
    page being shown (the entry whose address is the longest prefix of it) is marked current."""
    nav = [{"label": "首页", "links": [(url_of("core:home"), "首页")]}]
    nav += [{"label": item.label, "links": [(url_of(name), label) for name, label in item.entries]} for item in items]
    best, current = 0, None
    for item in nav:
        for url, _label in item["links"]:
            if len(url) > best and (path == url or (url != "/" and path.startswith(url))):
                best, current = len(url), (item, url)
    for item in nav:
        item["current"] = None
    if current is not None:
        current[0]["current"] = current[1]
    return nav
