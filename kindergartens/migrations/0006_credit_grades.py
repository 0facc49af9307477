"""信用等级 becomes a vocabulary each district bureau keeps (CreditGrade).

Every district bureau gets the neutral default grades A 级 … D 级 (no descriptions), and each
kindergarten's old letter (A/B/C/D) becomes its district's grade of that letter; then the old
column goes. Reversing maps the default grades back to their letters (a grade a bureau added
or renamed since has no letter and reads as blank) and drops the vocabulary.
"""

import django.db.models.deletion
from django.db import migrations, models

# A frozen copy of kindergartens.models.DEFAULT_CREDIT_GRADES as of this migration (the service
# credit_grades_ensure_defaults gives a new district the same; tests/kindergartens/test_credit_grades.py
# checks that the two agree).
DEFAULT_GRADES = (("A 级", 4), ("B 级", 3), ("C 级", 2), ("D 级", 1))
GRADE_OF_LETTER = {"A": "A 级", "B": "B 级", "C": "C 级", "D": "D 级"}


def create_grades_and_map_ratings(apps, schema_editor):
    Bureau = apps.get_model("kindergartens", "Bureau")
    CreditGrade = apps.get_model("kindergartens", "CreditGrade")
    Kindergarten = apps.get_model("kindergartens", "Kindergarten")
    districts = list(Bureau.objects.filter(level="district").values_list("pk", flat=True))
    having = set(CreditGrade.objects.values_list("district_id", flat=True).distinct())
    CreditGrade.objects.bulk_create(
        [
            CreditGrade(district_id=district_id, name=name, rank=rank)
            for district_id in districts
            if district_id not in having
            for name, rank in DEFAULT_GRADES
        ],
        batch_size=1000,
    )
    grades = {(g.district_id, g.name): g.pk for g in CreditGrade.objects.all()}
    pairs = (
        Kindergarten.objects.exclude(credit_rating="").order_by().values_list("district_id", "credit_rating").distinct()
    )
    for district_id, letter in list(pairs):
        grade = grades.get((district_id, GRADE_OF_LETTER.get(letter, "")))
        if grade is not None:
            Kindergarten.objects.filter(district_id=district_id, credit_rating=letter).update(credit_grade_id=grade)


def map_grades_back_to_letters(apps, schema_editor):
    CreditGrade = apps.get_model("kindergartens", "CreditGrade")
    Kindergarten = apps.get_model("kindergartens", "Kindergarten")
    for letter, name in GRADE_OF_LETTER.items():
        grades = CreditGrade.objects.filter(name=name).values("pk")
        Kindergarten.objects.filter(credit_grade_id__in=grades).update(credit_rating=letter)


class Migration(migrations.Migration):
    dependencies = [
        ("kindergartens", "0005_pinyin_name_order"),
    ]

    operations = [
        migrations.CreateModel(
            name="CreditGrade",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=50, verbose_name="信用等级名称")),
                ("rank", models.PositiveSmallIntegerField(default=0, verbose_name="排序（数字越大等级越高）")),
                ("description", models.CharField(blank=True, max_length=200, verbose_name="说明")),
                ("is_active", models.BooleanField(default=True, verbose_name="在用")),
                (
                    "district",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="credit_grades",
                        to="kindergartens.bureau",
                        verbose_name="区县",
                    ),
                ),
            ],
            options={
                "verbose_name": "信用等级",
                "verbose_name_plural": "信用等级",
                "ordering": ["district", "-rank", "name"],
                "constraints": [
                    models.UniqueConstraint(fields=("district", "name"), name="credit_grade_unique_name_per_district")
                ],
            },
        ),
        # The new column beside the old one while the letters are mapped, then it takes the old name.
        migrations.AddField(
            model_name="kindergarten",
            name="credit_grade",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="kindergartens",
                to="kindergartens.creditgrade",
                verbose_name="信用等级",
            ),
        ),
        migrations.RunPython(create_grades_and_map_ratings, map_grades_back_to_letters),
        migrations.RemoveField(model_name="kindergarten", name="credit_rating"),
        migrations.RenameField(model_name="kindergarten", old_name="credit_grade", new_name="credit_rating"),
    ]
