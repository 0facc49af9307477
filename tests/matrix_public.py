"""Matrix entries for the public disclosure pages (信息公开): open to everyone, GET only.

Public pages have no scope, so the "foreign" district and kindergarten (another district's,
another city's) answer 200 too, for every role including the anonymous visitor. Other methods
answer 405 (the test client does not enforce CSRF, so the method check is what answers).
"""

from tests.matrix import Route, statuses

OPEN = statuses(200)
NOT_ALLOWED = statuses(405)

ROUTES: list[Route] = [
    Route("public:index", OPEN),
    Route("public:index", NOT_ALLOWED, method="post"),
    Route("public:search", OPEN),
    Route("public:search", NOT_ALLOWED, method="post"),
    Route("public:district", OPEN, obj="bureau", foreign=OPEN),
    Route("public:district", NOT_ALLOWED, obj="bureau", method="post", foreign=NOT_ALLOWED),
    Route("public:kindergarten", OPEN, obj="kindergarten", foreign=OPEN),
    Route("public:kindergarten", NOT_ALLOWED, obj="kindergarten", method="post", foreign=NOT_ALLOWED),
]
