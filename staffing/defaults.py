"""The certificate kinds every new installation starts with (issue 10; DOMAIN §4).

Migration 0002 writes them; ``certificate_kinds_ensure_defaults`` writes them again where a database
lost them (a transactional test's flush empties every table; a restored partial dump).
"""

from __future__ import annotations

DEFAULT_KINDS = [
    # code, name, posts that need it, everyone, order
    ("teacher_qualification", "幼儿园教师资格证", ["principal", "vice_principal", "teacher"], False, 10),
    ("principal_training", "园长岗位培训合格证书", ["principal"], False, 20),
    ("caregiver_training", "保育员培训合格证书", ["caregiver"], False, 30),
    ("health_qualification", "卫生保健培训合格证书或执业证书", ["doctor", "nurse", "health_worker"], False, 40),
    ("guard_licence", "保安员证", ["guard"], False, 50),
    ("health_certificate", "托幼机构工作人员健康合格证", [], True, 60),
    ("food_worker", "食品从业人员健康证明", ["cook"], False, 70),
]


def ensure_default_kinds(certificate_kind_model) -> None:
    """Idempotent: a kind already there (by code) is left as the bureau keeps it."""
    for code, name, posts, everyone, order in DEFAULT_KINDS:
        certificate_kind_model.objects.get_or_create(
            code=code, defaults={"name": name, "required_for": posts, "for_all_posts": everyone, "order": order}
        )


def certificate_kinds_ensure_defaults() -> None:
    from staffing.models import CertificateKind

    ensure_default_kinds(CertificateKind)
