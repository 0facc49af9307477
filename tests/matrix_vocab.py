"""Matrix entries for the credit-grade vocabulary (信用等级) each district bureau keeps
(see tests/matrix.py for the format).

- Everyone in scope reads the grades of their districts (the city viewer every district's;
  no_scope an empty page). The list is read-only: GET and HEAD only.
- The admin of the district bureau keeps them: add, edit, add the neutral defaults. Anyone else
  in scope gets 403 on the district's grade; another district's grade is 404 for every role
  (district B's for district roles and kindergartens, district C's for the city viewer).
- Defaults: POST only (GET is refused before any look-up); district A already has grades in the
  cast, so the admin's POST adds nothing and returns to the list.
"""

from tests.matrix import Route, refused, statuses

LOGIN = 302  # anonymous visitors are sent to the login page


def _grade_post(cast) -> dict:
    return {"name": "E 级", "rank": 0, "description": "本区县评定"}


def _grade_edit_post(cast) -> dict:
    return {"name": "A 级", "rank": 4, "description": "本区县评定", "is_active": "on"}


ROUTES: list[Route] = [
    Route("kindergartens:credit-grade-list", statuses(200, anonymous=LOGIN)),
    *refused("kindergartens:credit-grade-list"),
    Route("kindergartens:credit-grade-create", statuses(403, anonymous=LOGIN, bureau_admin=200)),
    Route(
        "kindergartens:credit-grade-create",
        statuses(403, anonymous=LOGIN, bureau_admin=302),
        method="post",
        data=_grade_post,
    ),
    Route(
        "kindergartens:credit-grade-edit",
        statuses(403, anonymous=LOGIN, bureau_admin=200, no_scope=404),
        obj="credit_grade",
    ),
    Route(
        "kindergartens:credit-grade-edit",
        statuses(403, anonymous=LOGIN, bureau_admin=302, no_scope=404),
        obj="credit_grade",
        method="post",
        data=_grade_edit_post,
    ),
    Route("kindergartens:credit-grade-defaults", statuses(405, anonymous=LOGIN)),
    Route("kindergartens:credit-grade-defaults", statuses(403, anonymous=LOGIN, bureau_admin=302), method="post"),
]
