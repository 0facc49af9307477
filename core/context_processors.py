"""Navigation for the signed-in user: the views and this function decide, templates only show."""

from accounts.access import can_list_users
from accounts.roles import Role
from kindergartens.access import can as scope_can
from supervision.access import assignment_can


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": []}
    items = [("core:home", "首页")]
    if user.role:
        items.append(("kindergartens:list", "幼儿园"))
        items.append(("kindergartens:compliance", "班额与学位"))
    if assignment_can(user, "view") and user.role not in (Role.KG_DIRECTOR, Role.KG_STAFF):
        items.append(("supervision:assignment-list", "责任督学"))
    if scope_can(user, "list_filings"):
        items.append(("kindergartens:filing-list", "变更备案"))
    if can_list_users(user):
        items.append(("accounts:user-list", "账号管理"))
    return {"nav": items}
