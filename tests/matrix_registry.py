"""Matrix entries for the registry pages: classes, violations, annual inspections, levels, compliance
(see tests/matrix.py for the format). The list, detail, edit and history pages are in matrix_html.py.

- Classes: the bureau (admin, staff) and the kindergarten's own director manage them.
- Violations and annual inspections: the bureau records them.
- Levels: everyone in scope reads the province's vocabulary; the bureau admin keeps it. The
  foreign level (北京市) is another province's: 404 for every role.
- Compliance: every role sees its own scope (no_scope an empty page, like the list).
"""

from tests.matrix import Route, refused, statuses

LOGIN = 302  # anonymous visitors are sent to the login page


def _classes(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, bureau_admin=ok, bureau_staff=ok, kg_director=ok, no_scope=404)


def _bureau(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, bureau_admin=ok, bureau_staff=ok, no_scope=404)


def _class_post(cast) -> dict:
    return {"name": "大一班", "class_type": "large", "children": 30}


def _violation_post(cast) -> dict:
    return {"occurred_on": "2026-03-02", "description": "超额招生", "penalty": "责令限期整改", "published": "on"}


def _publish_post(cast) -> dict:
    """A violation of the own kindergarten (kg_a1) to publish; posted to a foreign one it is simply not found."""
    from kindergartens.services import today, violation_record

    violation = violation_record(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        occurred_on=today(),
        description="未公示收费项目",
        penalty="通报批评",
        published=False,
    )
    return {"violation": violation.pk, "published": "1"}


ROUTES: list[Route] = [
    Route("kindergartens:compliance", statuses(200, anonymous=LOGIN)),
    *refused("kindergartens:compliance"),  # read-only: GET and HEAD only
    # classes
    Route("kindergartens:class-create", _classes(200), obj="kindergarten"),
    Route("kindergartens:class-create", _classes(302), obj="kindergarten", method="post", data=_class_post),
    Route("kindergartens:class-edit", _classes(200), obj="class"),
    Route("kindergartens:class-edit", _classes(302), obj="class", method="post", data=_class_post),
    Route("kindergartens:class-deactivate", _classes(200), obj="class"),
    Route("kindergartens:class-deactivate", _classes(302), obj="class", method="post"),
    # violations and annual inspections
    Route("kindergartens:violation-create", _bureau(200), obj="kindergarten"),
    Route("kindergartens:violation-create", _bureau(302), obj="kindergarten", method="post", data=_violation_post),
    Route(
        "kindergartens:violation-publish",
        statuses(405, anonymous=LOGIN),
        obj="kindergarten",
        foreign=statuses(405, anonymous=LOGIN),  # POST only: refused before any look-up
    ),
    Route("kindergartens:violation-publish", _bureau(302), obj="kindergarten", method="post", data=_publish_post),
    Route("kindergartens:inspection-create", _bureau(200), obj="kindergarten"),
    Route(
        "kindergartens:inspection-create",
        _bureau(302),
        obj="kindergarten",
        method="post",
        data=lambda c: {"year": 2025, "result": "pass", "published": "on"},
    ),
    # the level vocabulary
    Route("kindergartens:level-list", statuses(200, anonymous=LOGIN)),
    *refused("kindergartens:level-list"),
    Route("kindergartens:level-create", statuses(403, anonymous=LOGIN, bureau_admin=200)),
    Route(
        "kindergartens:level-create",
        statuses(403, anonymous=LOGIN, bureau_admin=302),
        method="post",
        data=lambda c: {"name": "五星级", "rank": 5, "description": "省级示范园"},
    ),
    Route("kindergartens:level-edit", statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404), obj="level"),
    Route(
        "kindergartens:level-edit",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="level",
        method="post",
        data=lambda c: {"name": "四星级", "rank": 4, "description": "市级示范园", "is_active": "on"},
    ),
]
