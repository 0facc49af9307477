"""The portal's authentication backend: Django's, loading the signed-in user with their organisation.

Every page reads the user's bureau or kindergarten (scope, menus, the level vocabulary's
province); fetching them with the user saves a query on every request. With a cache shared by
every process (``USER_CACHE_SECONDS`` > 0: Redis), the user is read from the cache instead of the
database, and rebuilt as soon as any account, bureau or kindergarten is saved or deleted
(core.cache generations): a deactivation, a role change or a new password takes effect on the very
next request, as without the cache. Each request gets its own copy (the cache stores pickles).
The header's unread-notification count is read with the user (no query of its own); a new or read
notification rebuilds the cached users like a change of account does.
"""

import functools

from django.conf import settings
from django.contrib.auth.backends import ModelBackend

USER_DEPENDS_ON = ("accounts.User", "kindergartens.Bureau", "kindergartens.Kindergarten", "core.Notification")


def user_cache_entry(user_id) -> tuple[str, tuple]:
    """The signed-in user's cache entry: its key and the models it is built from (core.cache)."""
    return f"auth-user:{user_id}", _depends_on()


@functools.cache
def _depends_on() -> tuple:
    from django.apps import apps

    return tuple(apps.get_model(label) for label in USER_DEPENDS_ON)


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        from core.cache import cached
        from core.notifications import unread_subquery

        UserModel = get_user_model()
        seconds = settings.USER_CACHE_SECONDS

        def load():
            qs = UserModel._default_manager.select_related("bureau", "kindergarten").annotate(
                unread_notifications=unread_subquery()
            )
            try:
                return qs.get(pk=user_id)
            except UserModel.DoesNotExist:
                return None

        if seconds > 0:
            key, depends_on = user_cache_entry(user_id)
            user = cached(key, load, depends_on=depends_on, timeout=seconds)
        else:
            user = load()
        return user if user is not None and self.user_can_authenticate(user) else None
