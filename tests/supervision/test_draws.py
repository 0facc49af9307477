"""双随机、一公开: the documented, reproducible algorithm; the draw plans the visits; the pages and the
public pages."""

import datetime
import hashlib
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kindergartens.models import Kindergarten
from supervision.draws import draw_identifiers, draw_repeat, draw_run, draw_select, draw_size
from supervision.models import ChecklistTemplate, Inspection, InspectionKind, RandomDraw


def _codes(pool):
    return {str(pk): f"52110000MB{pk:07d}X" for pk in pool}


def test_the_same_seed_gives_the_same_draw_and_another_seed_another():
    pool = list(range(1, 201))
    inspectors = list(range(1000, 1012))
    common = {"inspector_pool": inspectors, "size": 10, "inspectors_per_visit": 2, "identifiers": _codes(pool)}
    one = draw_select(seed="2026春", kindergarten_pool=pool, **common)
    again = draw_select(seed="2026春", kindergarten_pool=list(reversed(pool)), **common)
    other = draw_select(seed="2026秋", kindergarten_pool=pool, **common)
    assert one == again
    assert [v.kindergarten_id for v in one] != [v.kindergarten_id for v in other]


def test_the_documented_algorithm_by_hand():
    """The module docstring's steps, written out with hashlib over the public identifiers only."""
    seed, inspectors = "abc", [7, 8, 9]
    identifiers = {
        "5": "12210000A00000001X",
        "9": "大洼区第二幼儿园",
        "12": "52211100MJ0000002Y",
        "30": "甲园",
        "41": "乙园",
    }
    key = lambda *parts: hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()  # noqa: E731
    by_key = sorted(identifiers.values(), key=lambda label: key(seed, label))[:2]
    visits = draw_select(
        seed=seed,
        kindergarten_pool=[5, 9, 12, 30, 41],
        inspector_pool=inspectors,
        size=2,
        inspectors_per_visit=1,
        avoid={},
        identifiers=identifiers,
    )
    assert [identifiers[str(v.kindergarten_id)] for v in visits] == by_key
    numbers = {7: 1, 8: 2, 9: 3}
    expected_first = min(inspectors, key=lambda u: key(seed, by_key[0], numbers[u]))
    assert visits[0].inspector_ids == (expected_first,)
    # The second visit goes to someone not used yet (load first).
    assert visits[1].inspector_ids[0] != expected_first


def test_the_ranking_follows_the_identifier_not_the_record_number():
    """Swapping two kindergartens' identifiers swaps their places: record numbers play no part."""
    identifiers = {"1": "甲园", "2": "乙园", "3": "丙园"}
    swapped = {"1": "乙园", "2": "甲园", "3": "丙园"}
    common = {"seed": "s", "kindergarten_pool": [1, 2, 3], "inspector_pool": [7, 8, 9], "size": 3}
    one = [v.kindergarten_id for v in draw_select(inspectors_per_visit=1, identifiers=identifiers, **common)]
    two = [v.kindergarten_id for v in draw_select(inspectors_per_visit=1, identifiers=swapped, **common)]
    assert [{1: 2, 2: 1, 3: 3}[k] for k in one] == two


def test_identifiers_are_the_credit_code_else_a_unique_name():
    kgs = [
        Kindergarten(pk=3, name="阳光幼儿园", credit_code=""),
        Kindergarten(pk=1, name="阳光幼儿园", credit_code=""),
        Kindergarten(pk=2, name="星星幼儿园", credit_code="52211100MJ0000002Y"),
    ]
    assert draw_identifiers(kgs) == {"1": "阳光幼儿园", "2": "52211100MJ0000002Y", "3": "阳光幼儿园（2）"}


def test_the_responsible_supervisor_steps_aside_and_load_is_spread():
    visits = draw_select(
        seed="s",
        kindergarten_pool=list(range(1, 31)),
        inspector_pool=[1, 2, 3, 4, 5, 6],
        size=30,
        inspectors_per_visit=2,
        avoid={str(k): (k % 6) + 1 for k in range(1, 31)},
        identifiers=_codes(range(1, 31)),
    )
    loads = {}
    for visit in visits:
        assert (visit.kindergarten_id % 6) + 1 not in visit.inspector_ids
        assert len(set(visit.inspector_ids)) == 2
        for u in visit.inspector_ids:
            loads[u] = loads.get(u, 0) + 1
    # load first: even with every kindergarten's own supervisor stepping aside, within two visits
    assert max(loads.values()) - min(loads.values()) <= 2


@pytest.mark.parametrize(
    ("size", "share", "count", "expected"), [(200, 5, None, 10), (30, 5, None, 2), (3, 5, None, 1), (10, None, 50, 10)]
)
def test_draw_size(size, share, count, expected):
    assert draw_size(size, share_percent=share, count=count) == expected


@pytest.fixture
def safety(cast):
    return ChecklistTemplate.objects.get(family="safety", is_current=True)


def _run(cast, safety, actor=None, **kw):
    params = {
        "title": "2026年春季双随机抽查",
        "template": safety,
        "planned_on": datetime.date(2026, 5, 1),
        "kindergartens": [cast.kg_a1, cast.kg_a2],
        "inspectors": [cast.supervisor, cast.supervisor2, cast.bureau_staff],
        "count": 2,
        "inspectors_per_visit": 2,
    }
    params.update(kw)
    return draw_run(actor=actor or cast.bureau_staff, **params)


def test_a_draw_plans_random_inspections_and_can_be_repeated(cast, safety):
    draw = _run(cast, safety, seed="固定种子")
    inspections = list(Inspection.objects.filter(draw=draw).prefetch_related("supervisors"))
    assert len(inspections) == draw.drawn_count == 2
    assert {i.kind for i in inspections} == {InspectionKind.RANDOM}
    planned = {i.kindergarten_id: tuple(sorted(u.pk for u in i.supervisors.all())) for i in inspections}
    assert planned == {v.kindergarten_id: v.inspector_ids for v in draw_repeat(draw)}
    # kg_a1's responsible supervisor never inspects it.
    assert cast.supervisor.pk not in planned[cast.kg_a1.pk]
    assert draw.avoid == {str(cast.kg_a1.pk): cast.supervisor.pk}
    assert draw.method == RandomDraw.Method.IDENTIFIER
    assert draw.identifiers == {str(cast.kg_a1.pk): cast.kg_a1.name, str(cast.kg_a2.pk): cast.kg_a2.name}
    # A second draw with the same seed and pools gives the same result.
    again = _run(cast, safety, seed="固定种子")
    assert draw_repeat(again) == draw_repeat(draw)


def test_a_seed_is_chosen_when_none_is_given(cast, safety):
    assert len(_run(cast, safety).seed) == 16


@pytest.mark.parametrize("who", ["supervisor", "kg_director", "city_viewer", "no_scope"])
def test_only_the_district_bureau_runs_draws(cast, safety, who):
    with pytest.raises(PermissionDenied):
        _run(cast, safety, actor=getattr(cast, who))
    assert not RandomDraw.objects.exists()


def test_another_district_cannot_draw_from_this_one(cast, safety):
    with pytest.raises(ValidationError) as exc:
        _run(cast, safety, actor=cast.admin_b)
    assert set(exc.value.message_dict) >= {"kindergartens", "inspectors"}
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kindergartens": "b1"}, "kindergartens"),
        ({"inspectors": "supervisor_b"}, "inspectors"),
        ({"inspectors_per_visit": 1}, "inspectors_per_visit"),
        ({"count": None}, "share_percent"),
        ({"share_percent": 5}, "share_percent"),
    ],
)
def test_refused_draws_change_nothing(cast, safety, change, field):
    kw = dict(change)
    if kw.get("kindergartens") == "b1":
        kw["kindergartens"] = [cast.kg_a1, cast.kg_b1]
    if kw.get("inspectors") == "supervisor_b":
        kw["inspectors"] = [cast.supervisor, cast.supervisor2, cast.supervisor_b]
    with pytest.raises(ValidationError) as exc:
        _run(cast, safety, **kw)
    assert field in exc.value.message_dict
    assert not RandomDraw.objects.exists() and not Inspection.objects.exists()


def test_the_page_runs_a_draw_and_the_public_page_shows_it(client, cast, safety):
    client.force_login(cast.bureau_admin)
    form = client.get(reverse("supervision:draw-create"))
    assert form.status_code == 200 and "参加抽取的幼儿园" in form.content.decode()
    response = client.post(
        reverse("supervision:draw-create"),
        {
            "title": "春季抽查",
            "template": safety.pk,
            "planned_on": "2026-05-01",
            "count": 1,
            "inspectors_per_visit": 2,
            "seed": "abc",
            "kindergartens": [cast.kg_a1.pk, cast.kg_a2.pk],
            "inspectors": [cast.supervisor.pk, cast.supervisor2.pk, cast.bureau_staff.pk],
        },
    )
    assert response.status_code == 302, response.content.decode()
    draw = RandomDraw.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert "abc" in page and "双随机抽查" in page
    client.logout()
    public = client.get(reverse("public_draws:detail", args=[draw.pk])).content.decode()
    assert "春季抽查" in public and "abc" in public and "SHA-256" in public
    drawn = Inspection.objects.get(draw=draw)
    assert drawn.kindergarten.name in public and "待检查" in public
    for user in (cast.supervisor, cast.supervisor2, cast.bureau_staff):
        assert user.display_name not in public  # inspectors by their number in the pool, not by name
    assert "春季抽查" in client.get(reverse("public_draws:list")).content.decode()


def test_the_public_page_names_kindergartens_by_credit_code_and_never_by_record_number(client, cast, safety):
    Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(credit_code="52211100MJ0000002Y")
    cast.kg_a1.refresh_from_db()
    draw = _run(cast, safety, seed="公开", count=2)
    public = client.get(reverse("public_draws:detail", args=[draw.pk])).content.decode()
    assert "52211100MJ0000002Y" in public and cast.kg_a2.name in public
    assert "SHA-256(“种子|公开标识”)" in public and "|kg" not in public
    pool = re.search(r'data-testid="public-draw-pool">(.*?)</p>', public).group(1)
    assert pool == "、".join(sorted(["52211100MJ0000002Y", cast.kg_a2.name]))
    visits = re.search(r'data-testid="public-draw-visits">(.*?)</table>', public, re.S).group(1)
    assert not re.search(r">\s*\d+\s*<|（\d+）", visits + pool)  # no bare record numbers
    # A code set later does not change the recorded identifiers: the draw repeats the same.
    Kindergarten.objects.filter(pk=cast.kg_a2.pk).update(credit_code="12210000A00000001X")
    draw.refresh_from_db()
    assert draw.identifiers[str(cast.kg_a2.pk)] == cast.kg_a2.name
    assert {v.kindergarten_id: v.inspector_ids for v in draw_repeat(draw)} == {
        i.kindergarten_id: tuple(sorted(u.pk for u in i.supervisors.all()))
        for i in Inspection.objects.filter(draw=draw).prefetch_related("supervisors")
    }


def test_a_draw_made_by_record_number_still_repeats_and_publishes_no_number(client, cast, safety):
    draw = _run(cast, safety, seed="旧版", count=1)
    RandomDraw.objects.filter(pk=draw.pk).update(method=RandomDraw.Method.RECORD_NUMBER)
    draw.refresh_from_db()
    key = lambda *parts: hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()  # noqa: E731
    first = min(draw.kindergarten_pool, key=lambda pk: key("旧版", "kg", pk))
    assert [v.kindergarten_id for v in draw_repeat(draw)] == [first]
    public = client.get(reverse("public_draws:detail", args=[draw.pk])).content.decode()
    assert "内部编号不对外公布" in public and "SHA-256" not in public
    pool = re.search(r'data-testid="public-draw-pool">(.*?)</p>', public).group(1)
    assert pool == "、".join(sorted([cast.kg_a1.name, cast.kg_a2.name]))


def test_results_appear_on_the_public_page_once_submitted(client, cast, safety):
    draw = _run(cast, safety, count=1)
    inspection = Inspection.objects.get(draw=draw)
    Inspection.objects.filter(pk=inspection.pk).update(state="submitted", score="87.5")
    public = client.get(reverse("public_draws:detail", args=[draw.pk])).content.decode()
    assert "得分 87.5 分" in public


def test_list_queries_do_not_grow(client, cast, safety):
    client.force_login(cast.bureau_staff)
    _run(cast, safety, count=1)
    client.get(reverse("supervision:draw-list"))  # warm-up: the signed-in user is cached (accounts.backends)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("supervision:draw-list")).status_code == 200
    for _ in range(5):
        _run(cast, safety, count=1)
    client.get(reverse("supervision:draw-list"))  # warm-up again: new records may invalidate the cached user
    with CaptureQueriesContext(connection) as many:
        page = client.get(reverse("supervision:draw-list")).content.decode()
    assert page.count("2026年春季双随机抽查") == 6
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as public_few:
        client.get(reverse("public_draws:list"))
    assert len(public_few) <= 3


def test_empty_states(client, cast):
    client.force_login(cast.supervisor)
    assert "暂无双随机抽查" in client.get(reverse("supervision:draw-list")).content.decode()
    assert "没有符合条件的抽查" in client.get(reverse("supervision:draw-list"), {"q": "无"}).content.decode()
