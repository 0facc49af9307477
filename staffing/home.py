"""Menu entries of the staffing pages (core.registry); registered from StaffingConfig.ready()."""

from core.access import account_has_scope
from core.registry import register_menu_entry


def register() -> None:
    register_menu_entry(url_name="staffing:home", label="教职工", order=40, visible=account_has_scope)
    register_menu_entry(url_name="staffing:expiring", label="证书到期", order=41, visible=account_has_scope)
