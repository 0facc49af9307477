"""Menu entries of the staffing pages (core.registry); registered from StaffingConfig.ready()."""

from core.access import account_has_scope
from core.registry import register_menu_entry, register_menu_group


def _keeps_district_settings(user) -> bool:
    from staffing.access import BUREAU_EDITORS

    return account_has_scope(user) and user.role in BUREAU_EDITORS


def register() -> None:
    register_menu_group(key="staffing", label="教职工", order=40)
    register_menu_entry(
        url_name="staffing:home", label="教职工名册", order=40, visible=account_has_scope, group="staffing"
    )
    register_menu_entry(
        url_name="staffing:expiring", label="证书到期", order=41, visible=account_has_scope, group="staffing"
    )
    register_menu_entry(
        url_name="staffing:policy", label="教职工设置", order=42, visible=_keeps_district_settings, group="staffing"
    )
