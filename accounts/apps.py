from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from accounts.access import can_list_users
        from accounts.models import User
        from accounts.signals import record_sign_in
        from core.cache import watch
        from core.models import Notification
        from core.registry import register_menu_entry
        from kindergartens.models import Bureau, Kindergarten

        # The signed-in user is cached with their organisation (accounts.backends).
        watch(User, Bureau, Kindergarten, Notification)  # Notification: the unread count read with the user

        register_menu_entry(url_name="accounts:user-list", label="账号管理", order=90, visible=can_list_users)
        # Instead of Django's update_last_login: the same, keeping the sign-in before it.
        user_logged_in.disconnect(dispatch_uid="update_last_login")
        user_logged_in.connect(record_sign_in, dispatch_uid="accounts_record_sign_in")
