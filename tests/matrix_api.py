"""The REST API's rows of the permission matrix (see tests/matrix.py for the format).

Anonymous callers get 403 on the API, not 401: DRF takes the WWW-Authenticate header from
the first authentication class, and SessionAuthentication (first in REST_FRAMEWORK) has
none, so "not authenticated" is answered 403. Objects outside a signed-in role's scope
answer 404 (the runner's default for ``which="foreign"``); ``Route.foreign`` overrides that
where the method itself is refused (405 for DELETE on accounts, whatever the id).

tests/test_permission_matrix.py runs every row for every role, on own and foreign objects.
"""

from __future__ import annotations

from tests.factories import TEST_PASSWORD
from tests.matrix import ROLES, Route, statuses

# Shorthands: who gets 200 on an in-scope object when only some roles hold the right.
_SIGNED_IN_OK = statuses(200, anonymous=403)
_OBJECT_OK = statuses(200, anonymous=403, no_scope=404)


def _only(ok: int, *roles: str, object_route: bool = True) -> dict[str, int]:
    """``ok`` for ``roles``, 403 for the other signed-in roles (404 for no_scope on an object)."""
    result = statuses(403)
    if object_route:
        result["no_scope"] = 404
    for role in roles:
        result[role] = ok
    return result


def _token_body(cast) -> dict:
    return {"username": cast.kg_staff.username, "password": TEST_PASSWORD}


def _kindergarten_patch(cast) -> dict:
    return {"name": "大洼区第一幼儿园（新园区）"}


def _kindergarten_put(cast) -> dict:
    return {
        "name": "大洼区第一幼儿园（新园区）",
        "township": cast.village_a.pk,
        "nature": "private",
        "collaboration_group": None,
    }


def _user_create(cast) -> dict:
    return {"username": "new_teacher", "full_name": "新教师", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}


def _user_patch(cast) -> dict:
    return {"full_name": "改名后的姓名", "phone": "13800000000"}


def _assignment_create(cast) -> dict:
    return {"kindergarten": cast.kg_a2.pk, "supervisor": cast.supervisor2.pk, "note": "新学期挂牌"}


_READ_ROLES_USERS = ("city_viewer", "bureau_admin", "bureau_staff", "kg_director")
_READ_ROLES_ASSIGNMENTS = ("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director")

ROUTES: list[Route] = [
    # --- the caller, tokens, schema ----------------------------------------------------
    Route("api:me", _SIGNED_IN_OK, api=True),
    Route("api:token", statuses(200), method="post", data=_token_body, api=True),
    Route("api:token", statuses(204, anonymous=403), method="delete", api=True),
    Route("api:schema", _SIGNED_IN_OK, api=True),
    Route("api:docs", _SIGNED_IN_OK, api=True),
    # --- organisations -----------------------------------------------------------------
    Route("api:bureau-list", _SIGNED_IN_OK, api=True),
    Route("api:bureau-detail", _OBJECT_OK, obj="bureau", api=True),
    Route("api:township-list", _SIGNED_IN_OK, api=True),
    Route("api:township-detail", _OBJECT_OK, obj="township", api=True),
    # --- kindergartens -----------------------------------------------------------------
    Route("api:kindergarten-list", _SIGNED_IN_OK, api=True),
    Route("api:kindergarten-detail", _OBJECT_OK, obj="kindergarten", api=True),
    Route(
        "api:kindergarten-detail",
        _only(200, "bureau_admin", "bureau_staff"),
        obj="kindergarten",
        method="patch",
        data=_kindergarten_patch,
        api=True,
    ),
    Route(
        "api:kindergarten-detail",
        _only(200, "bureau_admin", "bureau_staff"),
        obj="kindergarten",
        method="put",
        data=_kindergarten_put,
        api=True,
    ),
    Route(
        "api:kindergarten-history",
        _only(200, "city_viewer", "bureau_admin", "bureau_staff"),
        obj="kindergarten",
        api=True,
    ),
    # --- accounts ----------------------------------------------------------------------
    Route("api:user-list", _only(200, *_READ_ROLES_USERS, object_route=False), api=True),
    Route(
        "api:user-list",
        _only(201, "bureau_admin", object_route=False),
        method="post",
        data=_user_create,
        api=True,
    ),
    Route("api:user-detail", _only(200, *_READ_ROLES_USERS), obj="user", api=True),
    Route("api:user-detail", _only(200, "bureau_admin"), obj="user", method="patch", data=_user_patch, api=True),
    # Accounts are never deleted: the method is refused whatever the id, so no existence leaks.
    Route(
        "api:user-detail",
        statuses(405, anonymous=403),
        obj="user",
        method="delete",
        api=True,
        foreign=dict.fromkeys(ROLES, 405),
    ),
    Route("api:user-reset-password", _only(200, "bureau_admin"), obj="user", method="post", api=True),
    Route("api:user-deactivate", _only(200, "bureau_admin"), obj="user", method="post", api=True),
    Route("api:user-activate", _only(200, "bureau_admin"), obj="user", method="post", api=True),
    # --- supervisor assignments --------------------------------------------------------
    Route(
        "api:supervisor-assignment-list",
        _only(200, *_READ_ROLES_ASSIGNMENTS, object_route=False),
        api=True,
    ),
    Route(
        "api:supervisor-assignment-list",
        _only(201, "bureau_admin", object_route=False),
        method="post",
        data=_assignment_create,
        api=True,
    ),
    Route("api:supervisor-assignment-detail", _only(200, *_READ_ROLES_ASSIGNMENTS), obj="assignment", api=True),
    Route("api:supervisor-assignment-end", _only(200, "bureau_admin"), obj="assignment", method="post", api=True),
]
