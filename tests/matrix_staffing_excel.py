"""Matrix entries for the staff roster's Excel round trip (see tests/matrix.py for the format).

- Template, upload, preview and confirm: the roster's keepers (bureau admin and staff, the
  kindergarten's director): 200 / 302; the read-only roles in scope (city viewer, supervisor,
  kindergarten staff) 403; no_scope 404. The upload POST and the confirm POST queue a job (302).
- Export (POST, queues a job): whoever may export (the bureau, the city viewer, the director).
- ``staff_import`` objects: a pending import at kg_a1 (own) or at the role's foreign kindergarten.
"""

from django.core.files.uploadedfile import SimpleUploadedFile

from staffing.excel import XLSX_CONTENT_TYPE
from tests.matrix import Route, refused, statuses
from tests.staffing.helpers import build_staff_roster, staff_row

LOGIN = 302
EDITORS = ("bureau_admin", "bureau_staff", "kg_director")


def _manage(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, no_scope=404, **dict.fromkeys(EDITORS, ok))


def _upload(cast) -> dict:
    data = build_staff_roster([staff_row(31)])
    return {"file": SimpleUploadedFile("教职工名册.xlsx", data, content_type=XLSX_CONTENT_TYPE)}


POST_ONLY = ("get", "put", "patch", "delete")
FORM = ("put", "patch", "delete")

ROUTES: list[Route] = [
    Route("staffing:import-template", _manage(200), obj="kindergarten"),
    *refused("staffing:import-template", obj="kindergarten"),
    Route("staffing:import", _manage(200), obj="kindergarten"),
    Route("staffing:import", _manage(302), obj="kindergarten", method="post", data=_upload),
    *refused("staffing:import", obj="kindergarten", methods=FORM),
    Route("staffing:import-confirm", _manage(200), obj="staff_import"),
    Route("staffing:import-confirm", _manage(302), obj="staff_import", method="post"),
    *refused("staffing:import-confirm", obj="staff_import", methods=FORM),
    Route(
        "staffing:roster-export",
        statuses(403, anonymous=LOGIN, no_scope=404, city_viewer=302, **dict.fromkeys(EDITORS, 302)),
        obj="kindergarten",
        method="post",
    ),
    *refused("staffing:roster-export", obj="kindergarten", methods=POST_ONLY),
]
