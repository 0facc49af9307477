"""The staffing API's rows of the permission matrix (see tests/matrix.py and tests/matrix_api.py).

Lists answer every signed-in role with what its scope holds (no_scope: an empty list). Writes: the
roster's editors (bureau admin and staff, the kindergarten's director) get 201/200, the read-only
roles 403; misconduct is the bureau's only. A person or kindergarten out of scope is 404 / 400
("无效的编号"), the same as a missing one.
"""

from staffing.models import Post, PostType
from tests.matrix import Route, statuses
from tests.matrix_staffing import _teacher_at
from tests.staffing.helpers import id_number

ANON = 401
EDITORS = ("bureau_admin", "bureau_staff", "kg_director")


def _only(ok: int, *roles: str, no_scope: int = 404) -> dict[str, int]:
    result = statuses(403, anonymous=ANON, no_scope=no_scope)
    result.update(dict.fromkeys(roles, ok))
    return result


def _hire(cast) -> dict:
    return {
        "kindergarten": cast.kg_a1.pk,
        "name": "接口教师",
        "id_number": id_number(902, birth="19960606"),
        "post": Post.TEACHER,
        "post_type": PostType.NOT_ESTABLISHED,
        "hire_date": "2025-09-01",
    }


def _person_body(extra: dict):
    def build(cast) -> dict:
        return {"person": _teacher_at(cast.kg_a1).person_id, **extra}

    return build


_LIST = statuses(200, anonymous=ANON)
_OBJECT = statuses(200, anonymous=ANON, no_scope=404)

ROUTES: list[Route] = [
    Route("api:staff-person-list", _LIST, api=True),
    Route("api:staff-person-detail", _OBJECT, obj="person", api=True),
    Route("api:staff-employment-list", _LIST, api=True),
    Route("api:staff-employment-list", _only(201, *EDITORS, no_scope=400), method="post", data=_hire, api=True),
    Route("api:staff-employment-detail", _OBJECT, obj="employment", api=True),
    Route(
        "api:staff-employment-end",
        _only(200, *EDITORS),
        obj="employment",
        method="post",
        data=lambda cast: {"leave_date": "2025-12-31"},
        api=True,
    ),
    Route("api:staff-certificate-list", _LIST, api=True),
    Route(
        "api:staff-certificate-list",
        _only(201, *EDITORS),
        method="post",
        data=_person_body({"kind": "health_certificate", "number": "JK-9", "issued_on": "2025-03-01"}),
        api=True,
    ),
    Route("api:staff-record-check-list", _LIST, api=True),
    Route(
        "api:staff-record-check-list",
        _only(201, *EDITORS),
        method="post",
        data=_person_body({"kind": "yearly", "checked_on": "2025-10-01", "result": "clear"}),
        api=True,
    ),
    Route("api:staff-training-list", _LIST, api=True),
    Route(
        "api:staff-training-list",
        _only(201, *EDITORS),
        method="post",
        data=_person_body({"title": "园本培训", "completed_on": "2025-10-01", "hours": "8"}),
        api=True,
    ),
    Route("api:staff-misconduct-list", _LIST, api=True),
    Route(
        "api:staff-misconduct-list",
        _only(201, "bureau_admin", "bureau_staff"),
        method="post",
        data=_person_body(
            {"occurred_on": "2025-10-01", "decided_on": "2025-10-05", "description": "言语不当", "sanction": "warning"}
        ),
        api=True,
    ),
    # Details of a person's records through the access layer; misconduct is the bureau's and the city's.
    Route("api:staff-certificate-detail", _OBJECT, obj="certificate", api=True),
    Route("api:staff-record-check-detail", _OBJECT, obj="record_check", api=True),
    Route("api:staff-training-detail", _OBJECT, obj="training", api=True),
    Route(
        "api:staff-misconduct-detail",
        statuses(404, anonymous=ANON, city_viewer=200, bureau_admin=200, bureau_staff=200),
        obj="misconduct",
        api=True,
    ),
    # Edits through person_update / employment_update: the roster's keepers only.
    Route(
        "api:staff-person-detail",
        _only(200, *EDITORS),
        obj="person",
        method="patch",
        data=lambda cast: {"phone": "13900000000"},
        api=True,
    ),
    Route(
        "api:staff-employment-detail",
        _only(200, *EDITORS),
        obj="employment",
        method="patch",
        data=lambda cast: {"social_insurance": True},
        api=True,
    ),
    # The scan upload is multipart (tests/staffing/test_scans.py); the matrix's JSON body carries no
    # file, so the keepers get 400 after every access check has passed.
    Route("api:staff-certificate-scan", _only(400, *EDITORS), obj="certificate", method="post", api=True),
]
