from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "账号与角色"

    def ready(self) -> None:
        from accounts.access import can_list_users
        from core.registry import register_menu_entry

        register_menu_entry(url_name="accounts:user-list", label="账号管理", order=90, visible=can_list_users)
