"""Matrix entries for the change filings (变更备案) pages (see tests/matrix.py for the format).

The cast's own filing (``filing_a1``) is submitted and still open, so:
- the director's new-filing form answers 200 but shows "already open" (GET) or the service's refusal (POST);
- "resubmit" on a filing that is not returned sends the director back to the filing (302);
- approve/return by the bureau really approve/return it (302 to the filing).
The successful paths are pinned in tests/kindergartens/test_filing_views.py.
"""

from tests.matrix import Route, statuses

LOGIN = 302  # anonymous visitors are sent to the login page


def _bureau_only(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, bureau_admin=ok, bureau_staff=ok, no_scope=404)


def _director_only(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, kg_director=ok, no_scope=404)


def _filing_post(cast) -> dict:
    return {
        "name": cast.kg_a1.name,
        "township": cast.kg_a1.township_id,
        "schedule": "full_day",
        "status": "operating",
        "capacity": 400,
        "effective_date": "2026-09-01",
    }


ROUTES: list[Route] = [
    Route("kindergartens:filing-list", statuses(200, anonymous=LOGIN, kg_staff=403, no_scope=403)),
    Route(
        "kindergartens:filing-detail",
        statuses(200, anonymous=LOGIN, kg_staff=403, no_scope=404),
        obj="filing",
    ),
    Route("kindergartens:filing-create", _director_only(200), obj="kindergarten"),
    Route("kindergartens:filing-create", _director_only(200), obj="kindergarten", method="post", data=_filing_post),
    Route("kindergartens:filing-approve", _bureau_only(200), obj="filing"),
    Route("kindergartens:filing-approve", _bureau_only(302), obj="filing", method="post"),
    Route("kindergartens:filing-return", _bureau_only(200), obj="filing"),
    Route(
        "kindergartens:filing-return",
        _bureau_only(302),
        obj="filing",
        method="post",
        data=lambda c: {"reason": "请补充园长任命文件。"},
    ),
    Route("kindergartens:filing-resubmit", _director_only(302), obj="filing"),
    Route("kindergartens:filing-resubmit", _director_only(302), obj="filing", method="post"),
]
