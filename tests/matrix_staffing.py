"""Matrix entries for the staff roster (see tests/matrix.py for the format).

Objects: ``person`` and ``employment`` are a teacher hired (through the service) at the
kindergarten the role sees — kg_a1 for every district A role and its kindergarten — or, for the
foreign object, at the kindergarten ``foreign_object("kindergarten")`` names for that role.

- Everyone in scope reads the roster, people, the district view and the certificate lists;
  no_scope gets 404 everywhere.
- The roster is kept by the kindergarten's director and the district bureau (admin, staff): 200/302;
  the city viewer, the supervisor and kindergarten staff read only: 403.
- The full ID number (POST reveal) is for the bureau and the person's own director: 200; else 403.
- Misconduct is recorded by the bureau only (admin, staff).
- The certificate export: the bureau, the city viewer and the director start a job (302); others 403.
"""

import datetime

from accounts.models import User
from staffing.models import Employment, Post, PostType, StaffImport
from staffing.services import person_hire
from tests.matrix import Route, foreign_object, refused, statuses
from tests.staffing.helpers import id_number

LOGIN = 302
EDITORS = {"bureau_admin", "bureau_staff", "kg_director"}


def _teacher_at(kindergarten) -> Employment:
    existing = Employment.objects.filter(kindergarten=kindergarten, leave_date__isnull=True).first()
    if existing is not None:
        return existing
    return person_hire(
        actor=None,
        kindergarten=kindergarten,
        id_number=id_number(kindergarten.pk % 900 + 1, birth="19880512"),
        name=f"{kindergarten.name}教师",
        post=Post.TEACHER,
        post_type=PostType.NOT_ESTABLISHED,
        hire_date=datetime.date(2024, 9, 1),
        check_rights=False,
    )


def _staff_import_at(kindergarten) -> StaffImport:
    """A pending roster import (one new teacher) at the kindergarten, uploaded by its district's staff."""
    existing = StaffImport.objects.filter(kindergarten=kindergarten, state=StaffImport.State.PENDING).first()
    if existing is not None:
        return existing
    uploader = (
        User.objects.filter(kindergarten=kindergarten).first()
        or User.objects.filter(bureau_id=kindergarten.district_id).first()
    )
    return StaffImport.objects.create(
        kindergarten=kindergarten,
        uploaded_by=uploader,
        filename="教职工名册.xlsx",
        rows=[
            {
                "row": 2,
                "name": "导入教师",
                "id_masked": "110101********0011",
                "post": "专任教师",
                "person_id": None,
                "person_changes": {},
                "action": "create",
                "hire": {
                    "post": "teacher",
                    "post_type": "not_established",
                    "social_insurance": False,
                    "is_safety_officer": False,
                    "hire_date": "2025-09-01",
                    "phone": "",
                    "education": "",
                    "title": "",
                    "backbone": "",
                    "id_number": id_number(11, birth="19900101"),
                },
                "changes": [],
            }
        ],
        summary={"create": 1, "update": 0, "unchanged": 0},
    )


def _keeper(employment: Employment):
    """Someone who keeps the employment's roster: the kindergarten's director (every cast kindergarten has one)."""
    from accounts.roles import Role

    return User.objects.get(role=Role.KG_DIRECTOR, kindergarten_id=employment.kindergarten_id)


def _record_of(kind: str, employment: Employment):
    """A certificate, record check, training or misconduct record of the employment's person (made once)."""
    from staffing.models import Certificate, CertificateKind, Misconduct, RecordCheck, Training

    person = employment.person
    day = datetime.date(2025, 10, 1)
    if kind == "certificate":  # with a scan, so that the scan's route has something to serve
        existing = Certificate.objects.filter(person=person).first()
        if existing is not None:
            return existing
        from staffing.services import certificate_add
        from tests.supervision.files import upload

        return certificate_add(
            actor=_keeper(employment),
            person=person,
            kind=CertificateKind.objects.get(code="health_certificate"),
            number="JK-1",
            issued_on=day,
            scan=upload(),
        )
    if kind == "record_check":
        return RecordCheck.objects.filter(person=person).first() or RecordCheck.objects.create(
            person=person, kind="yearly", checked_on=day, result="clear"
        )
    if kind == "training":
        return Training.objects.filter(person=person).first() or Training.objects.create(
            person=person, title="园本培训", completed_on=day, hours=8
        )
    return Misconduct.objects.filter(person=person).first() or Misconduct.objects.create(
        person=person,
        district_id=employment.kindergarten.district_id,
        occurred_on=day,
        decided_on=day,
        description="言语不当",
        sanction="warning",
    )


def _pick(kind: str, employment: Employment):
    if kind == "staff_import":
        return _staff_import_at(employment.kindergarten)
    if kind in ("certificate", "record_check", "training", "misconduct"):
        return _record_of(kind, employment)
    return employment.person if kind == "person" else employment


def own_staff(kind: str, role: str, cast):
    return _pick(kind, _teacher_at(cast.kg_a1))


def foreign_staff(kind: str, role: str, cast):
    return _pick(kind, _teacher_at(foreign_object("kindergarten", role, cast)))


def _manage(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, no_scope=404, **dict.fromkeys(EDITORS, ok))


def _bureau(ok: int) -> dict[str, int]:
    return statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=ok, bureau_staff=ok)


def _read() -> dict[str, int]:
    return statuses(200, anonymous=LOGIN, no_scope=404)


def _hire_post(cast) -> dict:
    return {
        "name": "新教师",
        "id_number": id_number(901, birth="19950101"),
        "post": Post.TEACHER,
        "post_type": PostType.NOT_ESTABLISHED,
        "hire_date": "2025-09-01",
    }


def _certificate_post(cast) -> dict:
    from staffing.models import CertificateKind

    kind = CertificateKind.objects.get(code="health_certificate")
    return {"kind": kind.pk, "number": "JK-2026-1", "issued_on": "2025-03-01", "expires_on": "2026-03-01"}


def _check_post(cast) -> dict:
    return {"kind": "yearly", "checked_on": "2025-10-01", "result": "clear"}


def _training_post(cast) -> dict:
    return {"title": "园本培训", "completed_on": "2025-10-01", "hours": "12"}


def _misconduct_post(cast) -> dict:
    return {
        "occurred_on": "2025-10-01",
        "decided_on": "2025-10-10",
        "description": "言语不当",
        "sanction": "warning",
    }


def _end_post(cast) -> dict:
    return {"leave_date": "2025-12-31", "reason": "个人原因"}


READ_ONLY = ("post", "put", "patch", "delete")
FORM = ("put", "patch", "delete")
POST_ONLY = ("get", "put", "patch", "delete")


def _requirements_post(cast) -> dict:
    """Cooks need the guard licence too in the district (the rest as the defaults)."""
    from staffing.models import CertificateKind

    body = {}
    for kind in CertificateKind.objects.all():
        body[f"posts_{kind.pk}"] = [*kind.required_for, *(["cook"] if kind.code == "guard_licence" else [])]
        if kind.for_all_posts:
            body[f"all_{kind.pk}"] = "on"
    return body


ROUTES: list[Route] = [
    Route("staffing:home", statuses(302, anonymous=LOGIN, no_scope=404)),
    *refused("staffing:home", methods=READ_ONLY),
    Route("staffing:compliance", _read()),
    *refused("staffing:compliance", methods=READ_ONLY),
    Route("staffing:rates", _read()),
    *refused("staffing:rates", methods=READ_ONLY),
    Route("staffing:expiring", _read()),
    *refused("staffing:expiring", methods=READ_ONLY),
    Route(
        "staffing:expiring-export",
        statuses(
            403, anonymous=LOGIN, no_scope=404, city_viewer=302, bureau_admin=302, bureau_staff=302, kg_director=302
        ),
        method="post",
        data=lambda cast: {"window": "30"},
    ),
    *refused("staffing:expiring-export", methods=POST_ONLY),
    Route("staffing:roster", _read(), obj="kindergarten"),
    *refused("staffing:roster", obj="kindergarten", methods=READ_ONLY),
    Route("staffing:hire", _manage(200), obj="kindergarten"),
    Route("staffing:hire", _manage(302), obj="kindergarten", method="post", data=_hire_post),
    *refused("staffing:hire", obj="kindergarten", methods=FORM),
    Route("staffing:person", _read(), obj="person"),
    *refused("staffing:person", obj="person", methods=READ_ONLY),
    Route("staffing:person-reveal", _manage(200), obj="person", method="post"),
    *refused("staffing:person-reveal", obj="person", methods=POST_ONLY),
    Route("staffing:certificate-new", _manage(200), obj="person"),
    Route("staffing:certificate-new", _manage(302), obj="person", method="post", data=_certificate_post),
    *refused("staffing:certificate-new", obj="person", methods=FORM),
    Route("staffing:check-new", _manage(200), obj="person"),
    Route("staffing:check-new", _manage(302), obj="person", method="post", data=_check_post),
    *refused("staffing:check-new", obj="person", methods=FORM),
    Route("staffing:training-new", _manage(200), obj="person"),
    Route("staffing:training-new", _manage(302), obj="person", method="post", data=_training_post),
    *refused("staffing:training-new", obj="person", methods=FORM),
    Route("staffing:misconduct-new", _bureau(200), obj="person"),
    Route("staffing:misconduct-new", _bureau(302), obj="person", method="post", data=_misconduct_post),
    *refused("staffing:misconduct-new", obj="person", methods=FORM),
    Route("staffing:employment-end", _manage(200), obj="employment"),
    Route("staffing:employment-end", _manage(302), obj="employment", method="post", data=_end_post),
    *refused("staffing:employment-end", obj="employment", methods=FORM),
    # 教职工管理设置: the district bureau reads, the bureau admin changes (POST 302), others 403.
    Route("staffing:policy", statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=200, bureau_staff=200)),
    Route(
        "staffing:policy",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302),
        method="post",
        data=lambda cast: {"training_hours": "300", "training_years": "5"},
    ),
    *refused("staffing:policy", methods=FORM),
    Route("staffing:policy-history", statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=200, bureau_staff=200)),
    *refused("staffing:policy-history", methods=READ_ONLY),
    # The district's certificate requirements: its bureau admin only (bureau staff read them on the policy page).
    Route("staffing:certificate-requirements", statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=200)),
    Route(
        "staffing:certificate-requirements",
        statuses(403, anonymous=LOGIN, no_scope=404, bureau_admin=302),
        method="post",
        data=_requirements_post,
    ),
    *refused("staffing:certificate-requirements", methods=FORM),
    # A certificate's scan, served to whoever sees the person.
    Route("staffing:certificate-scan", _read(), obj="certificate"),
    *refused("staffing:certificate-scan", obj="certificate", methods=READ_ONLY),
]
