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

from django.conf import settings
from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        from core.cache import cached
        from core.models import Notification
        from core.notifications import unread_subquery
        from kindergartens.models import Bureau, Kindergarten

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
            user = cached(
                f"auth-user:{user_id}",
                load,
                depends_on=(UserModel, Bureau, Kindergarten, Notification),
                timeout=seconds,
            )
        else:
            user = load()
        return user if user is not None and self.user_can_authenticate(user) else None
