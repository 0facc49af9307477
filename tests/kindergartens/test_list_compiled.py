"""The registry list's ids, compiled once per shape (kindergartens.forms.kindergarten_list_ids,
core.db.compiled.ShapedQuery): for every role and every combination of filters they are exactly the
ids, in the same order, of the ORM's own query (``form.filter(kindergartens_visible_to(user))``), and
the search text is matched literally (``%``, ``_`` and ``\\`` are no wildcards)."""

import datetime
import itertools

import pytest
from django.urls import reverse

from core.db.compiled import BoundQuery, CompiledQuery, Like, ShapedQuery
from core.lists import page_ids_and_total
from kindergartens.access import kindergartens_visible_to
from kindergartens.forms import KindergartenFilterForm, kindergarten_list_ids
from kindergartens.models import Kindergarten, Nature, Status
from kindergartens.services import kindergarten_update, today
from tests.factories import KindergartenFactory
from tests.kindergartens.fixtures_excel import credit_code


@pytest.fixture
def registry(cast):
    def make(name, *, nature=Nature.PRIVATE, since=datetime.date(2024, 9, 1), **extra):
        extra.setdefault("township", cast.town_a)
        if nature == Nature.INCLUSIVE_PRIVATE:
            extra["inclusive_recognised_on"] = since
        return KindergartenFactory(name=name, nature=nature, effective_date=since, **extra)

    make("百分之百%园", credit_code=credit_code(7))
    make("下划线_园", township=cast.village_a, nature=Nature.INCLUSIVE_PRIVATE)
    make("反斜杠\\园", nature=Nature.COMMUNITY, township=cast.village_a)
    make("Sunshine 阳光幼儿园", capacity=300)
    make("sunshine 小小园", status=Status.PREPARING)
    changed = make("变更园", since=datetime.date(2024, 1, 1))
    kindergarten_update(
        actor=None,
        kindergarten=changed,
        changes={"status": Status.SUSPENDED},
        effective_date=datetime.date(2025, 2, 1),
        check_rights=False,
    )
    return cast


SEARCHES = ["", "%", "_", "\\", "园", "sunshine", "SUN", credit_code(7)[:6].lower(), "不存在"]
OTHER = [
    {},
    {"status": "active"},
    {"status": "suspended", "as_of": "2025-03"},
    {"nature": "inclusive", "area": "rural"},
    {"as_of": "2025-01"},
    {"sort": "-capacity"},
    {"sort": "status", "as_of": "2025-03"},
    {"sort": "nature"},
    {"sort": "district", "level": "999999"},
]


def _ids(source, offset=0, limit=50):
    ids, _total = page_ids_and_total(source, offset=offset, limit=limit)
    return ids


@pytest.mark.parametrize("role", ["bureau_staff", "city_viewer", "supervisor", "kg_director", "no_scope"])
def test_the_compiled_list_is_the_orms_list(registry, role):
    user = getattr(registry, role)
    for q, other in itertools.product(SEARCHES, OTHER):
        data = {**other, **({"q": q} if q else {})}
        form = KindergartenFilterForm(data, user=user)
        expected = list(form.filter(kindergartens_visible_to(user)).values_list("pk", flat=True))
        assert _ids(kindergarten_list_ids(form, user), limit=100) == expected, data
    assert _ids(kindergarten_list_ids(KindergartenFilterForm(None, user=user), user), limit=100) == list(
        KindergartenFilterForm(None, user=user).filter(kindergartens_visible_to(user)).values_list("pk", flat=True)
    )


def test_the_search_text_is_literal(registry):
    user = registry.bureau_staff

    def names(q):
        form = KindergartenFilterForm({"q": q}, user=user)
        return set(
            Kindergarten.objects.filter(pk__in=_ids(kindergarten_list_ids(form, user))).values_list("name", flat=True)
        )

    assert names("%") == {"百分之百%园"}
    assert names("_") == {"下划线_园"}
    assert names("\\") == {"反斜杠\\园"}
    assert names("sunshine") == {"Sunshine 阳光幼儿园", "sunshine 小小园"}
    assert names(credit_code(7)[:6].lower()) == {"百分之百%园"}


def test_an_as_of_this_month_reads_yesterdays_settled_values(registry):
    """This month's end is after yesterday: the values are settled up to yesterday, a change
    effective today is read from the history (the shape's "yesterday" case)."""
    user = registry.bureau_staff
    kg = Kindergarten.objects.get(name="Sunshine 阳光幼儿园")
    kindergarten_update(
        actor=None, kindergarten=kg, changes={"status": Status.RECTIFYING}, effective_date=today(), check_rights=False
    )
    month = today().strftime("%Y-%m")
    for status in ("operating", "rectifying", "active"):
        form = KindergartenFilterForm({"as_of": month, "status": status}, user=user)
        expected = list(form.filter(kindergartens_visible_to(user)).values_list("pk", flat=True))
        assert _ids(kindergarten_list_ids(form, user), limit=100) == expected
        assert (kg.pk in expected) == (status != "operating")


def test_the_list_page_pages_through_the_compiled_ids(client, registry):
    client.force_login(registry.bureau_staff)
    response = client.get(reverse("kindergartens:list"), {"q": "园", "sort": "-capacity"})
    assert response.status_code == 200
    shown = [row.pk for row in response.context["page"].object_list]
    form = KindergartenFilterForm({"q": "园", "sort": "-capacity"}, user=registry.bureau_staff)
    assert shown == list(form.filter(kindergartens_visible_to(registry.bureau_staff)).values_list("pk", flat=True))
    past = client.get(reverse("kindergartens:list"), {"q": "园", "page": "99"})
    assert past.status_code == 200 and past.context["page"].number == 1


def test_a_shape_is_compiled_once(registry, monkeypatch):
    from core.db import compiled

    built = []
    real = compiled._Compiled.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(compiled._Compiled, "__init__", counting)
    user = registry.bureau_staff
    for q in ("园", "阳光", "sunshine", "园"):
        form = KindergartenFilterForm({"q": q, "as_of": "2025-03", "status": "active"}, user=user)
        _ids(kindergarten_list_ids(form, user))
    # "园" and "阳光" share a shape; "sunshine" (Latin letters: case-insensitive) is another.
    assert len(built) <= 2


def test_like_and_shaped_query_refuse_what_they_cannot_carry(cast):
    with pytest.raises(ValueError, match="compared as a whole"):
        CompiledQuery(lambda name: Kindergarten.objects.filter(name=name).values("pk"), name=Like).rows(name=Like("x"))
    query = ShapedQuery(lambda shape, **values: Kindergarten.objects.filter(**values).values_list("pk"))
    with pytest.raises(TypeError):
        query.bind(None, pk=1)
    with pytest.raises(TypeError):
        query.bind(("x",), name="plain text").compiled(None)
    bound = query.bind(("by-pk",), pk=cast.kg_a1.pk)
    assert isinstance(bound, BoundQuery)
    assert list(bound.queryset().values_list("pk", flat=True)) == [cast.kg_a1.pk] and bound.count() == 1


def test_the_kept_compiled_forms_are_bounded(registry, monkeypatch):
    """Every combination of filters is a shape: however many a client tries, a process keeps at most
    MAX_KEPT compiled forms (least recently used dropped), and each list is still right."""
    from kindergartens.forms import KINDERGARTEN_LIST_IDS

    monkeypatch.setattr(KINDERGARTEN_LIST_IDS, "MAX_KEPT", 3)
    KINDERGARTEN_LIST_IDS._kept.clear()
    user = registry.bureau_staff
    for other in OTHER:
        form = KindergartenFilterForm(other, user=user)
        expected = list(form.filter(kindergartens_visible_to(user)).values_list("pk", flat=True))
        assert _ids(kindergarten_list_ids(form, user), limit=100) == expected, other
        assert len(KINDERGARTEN_LIST_IDS._kept) <= 3
