"""The certificate kinds and the posts that need them (issue 10; DOMAIN §4). Data, so a bureau can change it."""

from django.db import migrations

from staffing.defaults import DEFAULT_KINDS, ensure_default_kinds


def add_defaults(apps, schema_editor):
    ensure_default_kinds(apps.get_model("staffing", "CertificateKind"))


def remove_defaults(apps, schema_editor):
    CertificateKind = apps.get_model("staffing", "CertificateKind")
    CertificateKind.objects.filter(code__in=[k[0] for k in DEFAULT_KINDS]).delete()


class Migration(migrations.Migration):
    dependencies = [("staffing", "0001_staff_roster")]

    operations = [migrations.RunPython(add_defaults, remove_defaults)]
