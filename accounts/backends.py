"""The portal's authentication backend: Django's, loading the signed-in user with their organisation.

Every page reads the user's bureau or kindergarten (scope, menus, the level vocabulary's
province); fetching them with the user saves a query on every request.
"""

from django.contrib.auth.backends import ModelBackend


class PortalBackend(ModelBackend):
    def get_user(self, user_id):
        from django.contrib.auth import get_user_model

        UserModel = get_user_model()
        try:
            user = UserModel._default_manager.select_related("bureau", "kindergarten").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
