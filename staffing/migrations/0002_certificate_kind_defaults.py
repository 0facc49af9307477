"""The certificate kinds and the posts that need them (issue 10; DOMAIN §4). Data, so a bureau can change it."""

from django.db import migrations

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


def add_defaults(apps, schema_editor):
    CertificateKind = apps.get_model("staffing", "CertificateKind")
    for code, name, posts, everyone, order in DEFAULT_KINDS:
        CertificateKind.objects.get_or_create(
            code=code, defaults={"name": name, "required_for": posts, "for_all_posts": everyone, "order": order}
        )


def remove_defaults(apps, schema_editor):
    CertificateKind = apps.get_model("staffing", "CertificateKind")
    CertificateKind.objects.filter(code__in=[k[0] for k in DEFAULT_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_staff_roster")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
