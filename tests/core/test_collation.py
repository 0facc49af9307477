"""Chinese names sort by pinyin on PostgreSQL (ICU zh-Hans-x-icu) and on the embedded SQLite default
(core.db.sqlite3 registers the same collation name); classes by type, then the number in the name."""

import pytest
from django.urls import reverse

from core.collation import pinyin_key
from kindergartens.models import Bureau, Kindergarten, KindergartenClass
from kindergartens.selectors import class_sort_key, classes_with_compliance
from kindergartens.services import class_create, kindergarten_create

# Code-point order would be the reverse: 中 U+4E2D < 双 U+53CC < 大 U+5927 < 盘 U+76D8 < 阿 U+963F.
NAMES = ["中心幼儿园", "双台子幼儿园", "大洼幼儿园", "盘山幼儿园", "阿拉幼儿园"]
PINYIN = ["阿拉幼儿园", "大洼幼儿园", "盘山幼儿园", "双台子幼儿园", "中心幼儿园"]


def test_pinyin_key():
    assert sorted(NAMES, key=pinyin_key) == PINYIN
    assert sorted(["B园", "2园", "阿园"], key=pinyin_key) == ["2园", "B园", "阿园"]


@pytest.fixture
def named(cast):
    for name in NAMES:
        kindergarten_create(actor=None, name=name, district=cast.district_a, township=cast.town_a, nature="public")


def test_the_database_orders_names_by_pinyin(named):
    names = list(Kindergarten.objects.filter(name__in=NAMES).order_by("name").values_list("name", flat=True))
    assert names == PINYIN


def test_the_list_page_sorts_by_pinyin(client, cast, named):
    client.force_login(cast.bureau_staff)
    rows = [kg.name for kg in client.get(reverse("kindergartens:list")).context["page"].object_list]
    ours = [n for n in rows if n in NAMES]
    assert ours == PINYIN
    descending = [kg.name for kg in client.get(reverse("kindergartens:list"), {"sort": "-name"}).context["page"]]
    assert [n for n in descending if n in NAMES] == PINYIN[::-1]


def test_districts_sort_by_pinyin(cast):
    names = list(Bureau.objects.filter(level="district").order_by("name").values_list("name", flat=True))
    assert names == sorted(names, key=pinyin_key)
    assert names.index("大洼区教育局") < names.index("双台子区教育局")


def test_classes_sort_by_type_then_number(cast):
    kg = cast.kg_a1
    KindergartenClass.objects.filter(kindergarten=kg).update(is_active=False)
    for name, class_type in [
        ("大三班", "large"),
        ("大十班", "large"),
        ("大一班", "large"),
        ("混合一班", "mixed"),
        ("大二班", "large"),
        ("小二班", "small"),
        ("中1班", "middle"),
        ("小一班", "small"),
        ("大十二班", "large"),
    ]:
        class_create(actor=None, kindergarten=kg, name=name, class_type=class_type, children=10)
    assert [c.name for c in classes_with_compliance(kg)] == [
        "小一班",
        "小二班",
        "中1班",
        "大一班",
        "大二班",
        "大三班",
        "大十班",
        "大十二班",
        "混合一班",
    ]


def test_class_number_parsing():
    def key(name):
        return class_sort_key(KindergartenClass(name=name, class_type="large", is_active=True))[2]

    assert [key(n) for n in ("大一班", "大十班", "大十一班", "大二十一班", "大一百零二班", "大12班", "大班")] == [
        1,
        10,
        11,
        21,
        102,
        12,
        10**6,
    ]


def test_api_lists_classes_in_that_order(client, cast):
    kg = cast.kg_a1
    KindergartenClass.objects.filter(kindergarten=kg).update(is_active=False)
    for name in ("大三班", "大一班", "大二班"):
        class_create(actor=None, kindergarten=kg, name=name, class_type="large", children=10)
    client.force_login(cast.bureau_staff)
    body = client.get(reverse("api:kindergarten-classes", kwargs={"pk": kg.pk})).json()
    assert [c["name"] for c in body["results"]] == ["大一班", "大二班", "大三班"]


def test_no_garbage_collection_runs_inside_the_sqlite_callback(monkeypatch):
    """A collection inside the callback could close an abandoned connection to the same shared cache,
    which waits for the lock the running statement holds: the process hung."""
    import gc

    from core import collation

    seen = []
    real = collation.pinyin_key

    def key(value):
        seen.append(gc.isenabled())
        return real(value)

    monkeypatch.setattr(collation, "pinyin_key", key)
    assert gc.isenabled()
    assert collation.compare("北京", "安徽") == 1
    assert seen == [False, False]
    assert gc.isenabled()  # enabled again afterwards
