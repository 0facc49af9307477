"""The shipped checklist templates (2017 办园行为督导评估, 2022 保育教育质量评估指南, 安全专项检查)."""

from django.db import migrations

DEFAULT_FAMILIES = ("conduct-2017", "quality-2022", "safety")


def forwards(apps, schema_editor):
    from supervision.checklist_defaults import ensure_default_templates

    ensure_default_templates(
        apps.get_model("supervision", "ChecklistTemplate"),
        apps.get_model("supervision", "ChecklistSection"),
        apps.get_model("supervision", "ChecklistItem"),
    )


def backwards(apps, schema_editor):
    # Only versions nobody copied or used: the first versions as shipped (items and sections cascade).
    # Children first and by id, so Django's delete collector (which, unwinding several apps' migrations
    # at once, met model classes of two different states) has nothing to cascade.
    Template = apps.get_model("supervision", "ChecklistTemplate")
    Section = apps.get_model("supervision", "ChecklistSection")
    Item = apps.get_model("supervision", "ChecklistItem")
    ids = list(
        Template.objects.filter(family__in=DEFAULT_FAMILIES, district__isnull=True, version=1).values_list(
            "pk", flat=True
        )
    )
    Item.objects.filter(section__template_id__in=ids).delete()
    Section.objects.filter(template_id__in=ids).delete()
    # No collector at all for the templates themselves (their relations are what confused it): a plain
    # DELETE; a copy still pointing at one would make the database refuse it, as it should.
    templates = Template.objects.filter(pk__in=ids)
    templates._raw_delete(templates.db)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0002_checklists_rectification_evidence")]

    operations = [migrations.RunPython(forwards, backwards)]
