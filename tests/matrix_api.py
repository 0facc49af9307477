"""The REST API's rows of the permission matrix (see tests/matrix.py for the format).

Anonymous callers get 401 with ``WWW-Authenticate: Token`` (TokenAuthentication is first in
REST_FRAMEWORK), whatever the method; the docs page sends them to the login page (302).
Objects outside a signed-in role's scope
answer 404 (the runner's default for ``which="foreign"``); ``Route.foreign`` overrides that
where the method itself is refused (405 for DELETE on accounts, PUT/DELETE on classes, PUT/PATCH/DELETE
on change filings, whatever the id).

tests/test_permission_matrix.py runs every row for every role, on own and foreign objects.
"""

from __future__ import annotations

from tests.factories import TEST_PASSWORD
from tests.matrix import ROLES, Route, statuses

ANON = 401  # not signed in: 401 with WWW-Authenticate

# Shorthands: who gets 200 on an in-scope object when only some roles hold the right.
_SIGNED_IN_OK = statuses(200, anonymous=ANON)
_OBJECT_OK = statuses(200, anonymous=ANON, no_scope=404)


def _only(ok: int, *roles: str, object_route: bool = True) -> dict[str, int]:
    """``ok`` for ``roles``, 403 for the other signed-in roles (404 for no_scope on an object)."""
    result = statuses(403, anonymous=ANON)
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
    """Every record field (PUT replaces the record)."""
    return {
        "name": "大洼区第一幼儿园（新园区）",
        "credit_code": "",
        "licence_number": "",
        "licence_valid_until": None,
        "address": "大洼街道新园路 1 号",
        "township": cast.village_a.pk,
        "collaboration_group": None,
        "sponsor": "private",
        "sponsor_name": "",
        "nature": "private",
        "inclusive_recognised_on": None,
        "status": "operating",
        "schedule": "full_day",
        "level": cast.level_ln.pk,
        "capacity": 180,
        "fee_monthly": "1200.00",
        "fee_government_guided": False,
        "principal_name": "",
        "principal_since": None,
        "has_parent_committee": True,
        "legal_vice_principal": "",
        "medical_partner": "",
        "party_organisation": "",
        "credit_rating": None,
    }


def _class_create(cast) -> dict:
    return {"name": "大一班", "class_type": "large", "children": 30}


def _class_patch(cast) -> dict:
    return {"children": 24}


def _filing_create(cast) -> dict:
    return {"kindergarten": cast.kg_a1.pk, "proposed": {"capacity": 400}, "effective_date": "2026-09-01"}


def _filing_resubmit(cast) -> dict:
    return {"proposed": {"capacity": 400}, "effective_date": "2026-09-01"}


def _filing_return(cast) -> dict:
    return {"reason": "请补充扩建验收材料。"}


def _user_create(cast) -> dict:
    return {"username": "new_teacher", "full_name": "新教师", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}


def _user_patch(cast) -> dict:
    return {"full_name": "改名后的姓名", "phone": "13800000000"}


def _assignment_create(cast) -> dict:
    return {"kindergarten": cast.kg_a2.pk, "supervisor": cast.supervisor2.pk, "note": "新学期挂牌"}


_CLASS_MANAGERS = ("bureau_admin", "bureau_staff", "kg_director")
_REVIEWERS = ("bureau_admin", "bureau_staff")
_READ_ROLES_FILINGS = ("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director")
_REFUSED = statuses(405, anonymous=ANON)
_REFUSED_FOREIGN = dict.fromkeys(ROLES, 405)
_READ_ROLES_USERS = ("city_viewer", "bureau_admin", "bureau_staff", "kg_director")
_READ_ROLES_ASSIGNMENTS = ("city_viewer", "bureau_admin", "bureau_staff", "supervisor", "kg_director")

ROUTES: list[Route] = [
    # --- the caller, tokens, schema ----------------------------------------------------
    Route("api:root", _SIGNED_IN_OK, api=True),
    Route("api:me", _SIGNED_IN_OK, api=True),
    Route("api:token", statuses(200), method="post", data=_token_body, api=True),
    Route("api:token", statuses(204, anonymous=ANON), method="delete", api=True),
    Route("api:schema", _SIGNED_IN_OK, api=True),
    Route("api:docs", statuses(200, anonymous=302), api=True),  # a page: signed-out visitors go to the login
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
    Route("api:kindergarten-status-history", _OBJECT_OK, obj="kindergarten", api=True),
    # --- classes -----------------------------------------------------------------------
    Route("api:kindergarten-classes", _OBJECT_OK, obj="kindergarten", api=True),
    Route(
        "api:kindergarten-classes",
        _only(201, *_CLASS_MANAGERS),
        obj="kindergarten",
        method="post",
        data=_class_create,
        api=True,
    ),
    Route("api:class-detail", _OBJECT_OK, obj="class", api=True),
    Route("api:class-detail", _only(200, *_CLASS_MANAGERS), obj="class", method="patch", data=_class_patch, api=True),
    # Classes are deactivated, never replaced or deleted: refused whatever the id.
    *(
        Route("api:class-detail", _REFUSED, obj="class", method=method, api=True, foreign=_REFUSED_FOREIGN)
        for method in ("put", "delete")
    ),
    Route("api:class-deactivate", _only(200, *_CLASS_MANAGERS), obj="class", method="post", api=True),
    # --- change filings (变更备案) -------------------------------------------------------
    Route("api:change-filing-list", _only(200, *_READ_ROLES_FILINGS, object_route=False), api=True),
    # The cast's kg_a1 already has an open filing (filing_a1), so the director passes the right
    # check and the service refuses a second one (400); no_scope cannot name any kindergarten
    # (400, like an unknown id). Filing for real: tests/api/test_filings_api.py.
    Route(
        "api:change-filing-list",
        _only(400, "kg_director", "no_scope", object_route=False),
        method="post",
        data=_filing_create,
        api=True,
    ),
    Route(
        "api:change-filing-detail",
        statuses(200, anonymous=ANON, kg_staff=403, no_scope=404),
        obj="filing",
        api=True,
    ),
    # Filings move only through their steps: never edited in place or deleted.
    *(
        Route("api:change-filing-detail", _REFUSED, obj="filing", method=method, api=True, foreign=_REFUSED_FOREIGN)
        for method in ("put", "patch", "delete")
    ),
    Route("api:change-filing-approve", _only(200, *_REVIEWERS), obj="filing", method="post", api=True),
    Route(
        "api:change-filing-return",
        _only(200, *_REVIEWERS),
        obj="filing",
        method="post",
        data=_filing_return,
        api=True,
    ),
    # filing_a1 is awaiting review, not returned: the director passes the right check and the
    # service refuses the step (400).
    Route(
        "api:change-filing-resubmit",
        _only(400, "kg_director"),
        obj="filing",
        method="post",
        data=_filing_resubmit,
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
        statuses(405, anonymous=ANON),
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
