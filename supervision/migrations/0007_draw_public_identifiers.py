"""Draws name kindergartens by their public identifier (credit code, else name), never by record number.

Existing draws keep the old ranking (method 1, by record number) so that they still repeat exactly;
their identifiers are filled in so the public page can list the pool without record numbers.
"""

from django.db import migrations, models


def fill_identifiers(apps, schema_editor):
    RandomDraw = apps.get_model("supervision", "RandomDraw")
    Kindergarten = apps.get_model("kindergartens", "Kindergarten")
    for draw in RandomDraw.objects.all():
        identifiers, taken = {}, set()
        for kg in Kindergarten.objects.filter(pk__in=draw.kindergarten_pool).order_by("pk"):
            base = (kg.credit_code or "").strip() or kg.name.strip()
            label, n = base, 1
            while label in taken:
                n += 1
                label = f"{base}（{n}）"
            taken.add(label)
            identifiers[str(kg.pk)] = label
        # a raw update: this is the record of what was drawn, not a change anyone made
        RandomDraw.objects.filter(pk=draw.pk).update(identifiers=identifiers)


class Migration(migrations.Migration):
    dependencies = [
        ("kindergartens", "0006_credit_grades"),
        ("supervision", "0006_random_draws"),
    ]

    operations = [
        migrations.AddField(
            model_name="randomdraw",
            name="identifiers",
            field=models.JSONField(blank=True, default=dict, verbose_name="公开标识"),
        ),
        # existing draws were ranked by record number (method 1); new ones by identifier (2)
        migrations.AddField(
            model_name="randomdraw",
            name="method",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "按内部编号排序（旧版）"), (2, "按统一社会信用代码（无则名称）排序")],
                default=1,
                verbose_name="排序方法",
            ),
        ),
        migrations.AlterField(
            model_name="randomdraw",
            name="method",
            field=models.PositiveSmallIntegerField(
                choices=[(1, "按内部编号排序（旧版）"), (2, "按统一社会信用代码（无则名称）排序")],
                default=2,
                verbose_name="排序方法",
            ),
        ),
        migrations.RunPython(fill_identifiers, migrations.RunPython.noop),
    ]
