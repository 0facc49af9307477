"""Matrix entries for the HTML pages (see tests/matrix.py for the format).

Read-only pages answer GET and HEAD only (``require_safe`` inside ``login_required``): any other
method is refused with 405 for every signed-in role, before any look-up, so the foreign object
answers 405 too; the anonymous visitor is sent to the login page first. The sign-in and password
forms answer GET and POST only, checked before anything else (405 even for the anonymous visitor).
"""

from tests.matrix import ROLES, Route, refused, statuses

LOGIN = 302  # anonymous visitors are sent to the login page

ROUTES: list[Route] = [
    Route("core:home", statuses(200, anonymous=LOGIN)),
    *refused("core:home"),
    # An app's own address goes to its first page in the user's menu (every scoped role sees one of
    # each of these groups); an account without scope sees none: 403.
    *(
        row
        for group in ("safety", "pairing", "supervision")
        for row in (
            Route(f"core:group-{group}", statuses(302, anonymous=LOGIN, no_scope=403)),
            *refused(f"core:group-{group}"),
        )
    ),
    Route("core:healthz", statuses(200)),
    Route("core:favicon", statuses(301)),  # to the static icon, for everyone
    Route("accounts:login", statuses(302, anonymous=200)),
    # A wrong password: the form again for the visitor; a signed-in user is sent home first.
    Route(
        "accounts:login",
        statuses(302, anonymous=200),
        method="post",
        data=lambda c: {"username": c.kg_staff.username, "password": "not-the-password"},
    ),
    *refused("accounts:login", methods=("put", "patch", "delete"), anonymous=405),
    Route("accounts:logout", statuses(405)),
    Route("accounts:logout", statuses(302), method="post"),
    Route("accounts:password-change", statuses(200, anonymous=LOGIN)),
    # Nothing filled in: the form again with its errors (changing a password: tests/accounts).
    Route("accounts:password-change", statuses(200, anonymous=LOGIN), method="post"),
    *refused("accounts:password-change", methods=("put", "patch", "delete"), anonymous=405),
    Route("accounts:password-change-done", statuses(200, anonymous=LOGIN)),
    *refused("accounts:password-change-done"),
    Route("accounts:profile", statuses(200, anonymous=LOGIN)),
    *refused("accounts:profile"),
    Route(
        "accounts:user-list",
        statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200, kg_director=200),
    ),
    *refused("accounts:user-list"),
    Route("accounts:user-create", statuses(403, anonymous=LOGIN, bureau_admin=200)),
    Route(
        "accounts:user-create",
        statuses(403, anonymous=LOGIN, bureau_admin=302),  # 302: to the issued-password page
        method="post",
        data=lambda c: {
            "username": "new_teacher",
            "full_name": "新老师",
            "role": "kg_staff",
            "kindergarten": c.kg_a1.pk,
        },
    ),
    Route(
        "accounts:user-detail",
        statuses(200, anonymous=LOGIN, supervisor=403, kg_staff=403, no_scope=404),
        obj="user",
    ),
    *refused("accounts:user-detail", obj="user"),
    Route("accounts:user-edit", statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404), obj="user"),
    Route(
        "accounts:user-edit",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="user",
        method="post",
        data=lambda c: {"full_name": "改名", "role": "kg_director", "kindergarten": c.kg_a1.pk},
    ),
    Route("accounts:user-reset-password", statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404), obj="user"),
    Route(
        "accounts:user-reset-password",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),  # 302: to the issued-password page
        obj="user",
        method="post",
    ),
    # Nothing issued in this session: the administrator is sent to the account (302).
    Route(
        "accounts:user-password-issued",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="user",
    ),
    Route(
        "accounts:user-password-issued",
        statuses(405, anonymous=LOGIN),
        obj="user",
        method="post",
        foreign=dict.fromkeys(ROLES, 405),
    ),
    Route("accounts:user-deactivate", statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404), obj="user"),
    Route(
        "accounts:user-deactivate",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="user",
        method="post",
    ),
    Route("accounts:user-activate", statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404), obj="user"),
    Route(
        "accounts:user-activate",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="user",
        method="post",
    ),
    Route(
        "accounts:user-history",
        statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200, no_scope=404),
        obj="user",
    ),
    *refused("accounts:user-history", obj="user"),
    Route("kindergartens:list", statuses(200, anonymous=LOGIN)),
    Route("kindergartens:detail", statuses(200, anonymous=LOGIN, no_scope=404), obj="kindergarten"),
    *refused("kindergartens:list"),
    *refused("kindergartens:detail", obj="kindergarten"),
    Route(
        "kindergartens:edit",
        statuses(403, anonymous=LOGIN, bureau_admin=200, bureau_staff=200, no_scope=404),
        obj="kindergarten",
    ),
    Route(
        "kindergartens:edit",
        statuses(403, anonymous=LOGIN, bureau_admin=302, bureau_staff=302, no_scope=404),
        obj="kindergarten",
        method="post",
        data=lambda c: {
            "name": "大洼区第一幼儿园（新）",
            "township": c.town_a.pk,
            "nature": "public",
            "status": "operating",
            "schedule": "full_day",
            "capacity": 300,
        },
    ),
    Route(
        "kindergartens:history",
        statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200, no_scope=404),
        obj="kindergarten",
    ),
    *refused("kindergartens:history", obj="kindergarten"),
    Route(
        "kindergartens:assign-supervisor",
        statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404),
        obj="kindergarten",
    ),
    Route(
        "kindergartens:assign-supervisor",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="kindergarten",
        method="post",
        data=lambda c: {"supervisor": c.supervisor2.pk},
    ),
    Route(
        "supervision:assignment-list",
        statuses(200, anonymous=LOGIN, kg_staff=403, no_scope=403),
    ),
    *refused("supervision:assignment-list"),
    Route(
        "supervision:assignment-end",
        statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404),
        obj="assignment",
    ),
    Route(
        "supervision:assignment-end",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="assignment",
        method="post",
    ),
]
