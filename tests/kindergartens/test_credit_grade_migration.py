"""Migration kindergartens 0006_credit_grades: the old letters become each district's neutral grades.

Run through the migration executor on a real schema: migrate back to the migration before it, write rows with the
old letter column through the historical models, migrate forward, and back again.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("kindergartens", "0005_pinyin_name_order")]
AFTER = [("kindergartens", "0006_credit_grades")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_schema(transactional_db):
    apps = migrate(BEFORE)
    yield apps
    migrate(executor_leaves())


def executor_leaves():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def _kindergarten(apps, district, township, name, letter):
    Kindergarten = apps.get_model("kindergartens", "Kindergarten")
    return Kindergarten.objects.create(
        name=name, district=district, township=township, nature="public", credit_rating=letter
    )


def test_letters_become_the_districts_grades_and_back(old_schema):
    apps = old_schema
    Bureau = apps.get_model("kindergartens", "Bureau")
    Township = apps.get_model("kindergartens", "Township")
    city = Bureau.objects.create(name="盘锦市教育局", level="city", province="辽宁省")
    a = Bureau.objects.create(name="大洼区教育局", level="district", parent=city, province="辽宁省")
    b = Bureau.objects.create(name="双台子区教育局", level="district", parent=city, province="辽宁省")
    town_a = Township.objects.create(district=a, name="大洼街道", urban_rural_code="121")
    town_b = Township.objects.create(district=b, name="红旗街道", urban_rural_code="111")
    rows = {
        "甲园": (a, town_a, "A"),
        "乙园": (a, town_a, "C"),
        "丙园": (b, town_b, "C"),
        "丁园": (b, town_b, "D"),
        "戊园": (a, town_a, ""),
    }
    ids = {name: _kindergarten(apps, d, t, name, letter).pk for name, (d, t, letter) in rows.items()}

    apps = migrate(AFTER)
    CreditGrade = apps.get_model("kindergartens", "CreditGrade")
    Kindergarten = apps.get_model("kindergartens", "Kindergarten")
    for district in (a, b):
        grades = CreditGrade.objects.filter(district_id=district.pk).order_by("-rank")
        assert list(grades.values_list("name", "rank", "description", "is_active")) == [
            ("A 级", 4, "", True),
            ("B 级", 3, "", True),
            ("C 级", 2, "", True),
            ("D 级", 1, "", True),
        ]
    assert not CreditGrade.objects.filter(district_id=city.pk).exists()
    mapped = {
        name: Kindergarten.objects.filter(pk=pk).values_list("credit_rating__district_id", "credit_rating__name").get()
        for name, pk in ids.items()
    }
    assert mapped == {
        "甲园": (a.pk, "A 级"),
        "乙园": (a.pk, "C 级"),
        "丙园": (b.pk, "C 级"),
        "丁园": (b.pk, "D 级"),
        "戊园": (None, None),
    }

    apps = migrate(BEFORE)  # the reverse gives the letters back
    Kindergarten = apps.get_model("kindergartens", "Kindergarten")
    letters = dict(Kindergarten.objects.values_list("name", "credit_rating"))
    assert letters == {name: letter for name, (_d, _t, letter) in rows.items()}
