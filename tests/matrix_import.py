"""Matrix entries for the Excel round trip: template, roster upload and confirm, list export
(see tests/matrix.py for the format).

- Template, upload, confirm: the district's bureau (admin, staff) only. The city viewer sees the
  city's districts, so a district's import is in its scope but it may not confirm: 403. Other roles
  have no district-wide scope: an import is out of scope, 404. The foreign import is another
  district's (district B; district C for the city viewer): 404 for everyone.
- Export: whoever may read the whole list of their scope (city viewer, bureau admin, bureau staff);
  GET shows what will be exported, POST queues the job. The upload POST queues the check job.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from kindergartens.excel import XLSX_CONTENT_TYPE
from tests.kindergartens.fixtures_excel import build_roster, row
from tests.matrix import Route, statuses

LOGIN = 302  # anonymous visitors are sent to the login page


def _bureau(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, bureau_admin=ok, bureau_staff=ok)


def _roster(cast) -> dict:
    """A valid one-row roster for district A: the upload answers with a redirect to its preview."""
    return {"file": SimpleUploadedFile("名册.xlsx", build_roster([row(1)]), content_type=XLSX_CONTENT_TYPE)}


def _import(ok: int) -> dict[str, int]:
    return statuses(404, anonymous=LOGIN, city_viewer=403, bureau_admin=ok, bureau_staff=ok)


ROUTES: list[Route] = [
    Route("kindergartens:import-template", _bureau(200)),
    Route("kindergartens:import", _bureau(200)),
    Route("kindergartens:import", _bureau(302), method="post", data=_roster),
    Route("kindergartens:import", statuses(405, anonymous=LOGIN), method="put"),
    Route("kindergartens:import-confirm", _import(200), obj="import"),
    Route("kindergartens:import-confirm", _import(302), obj="import", method="post"),
    Route("kindergartens:export", statuses(403, anonymous=LOGIN, city_viewer=200, bureau_admin=200, bureau_staff=200)),
    # POST queues the export job and redirects to its page (tests/matrix_jobs.py covers the job's routes).
    Route(
        "kindergartens:export",
        statuses(403, anonymous=LOGIN, city_viewer=302, bureau_admin=302, bureau_staff=302),
        method="post",
    ),
    Route("kindergartens:export", statuses(405, anonymous=LOGIN), method="put"),
]
