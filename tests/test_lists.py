"""Every list page returns exactly the ids in scope, with a query count that does not grow."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from supervision.services import supervisor_assign
from tests.factories import KindergartenFactory, UserFactory
from tests.kindergartens.test_access import EXPECTED

USERS_EXPECTED = {
    "city_viewer": {"city_viewer", "bureau_admin", "bureau_staff", "supervisor", "supervisor2", "kg_director",
                    "kg_staff", "admin_b", "director_a2", "director_b1", "supervisor_b"},
    "bureau_admin": {"bureau_admin", "bureau_staff", "supervisor", "supervisor2", "kg_director", "kg_staff",
                     "director_a2"},
    "kg_director": {"kg_director", "kg_staff"},
}  # fmt: skip


def page_ids(response, key="page"):
    return {obj.pk for obj in response.context[key].object_list}


@pytest.mark.parametrize(("role", "names"), EXPECTED.items())
def test_kindergarten_list_shows_exactly_the_scope(client, cast, role, names):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("kindergartens:list"))
    assert response.status_code == 200
    assert page_ids(response) == {getattr(cast, n).pk for n in names}


@pytest.mark.parametrize(("role", "names"), USERS_EXPECTED.items())
def test_user_list_shows_exactly_the_scope(client, cast, role, names):
    client.force_login(getattr(cast, role))
    response = client.get(reverse("accounts:user-list"))
    assert {u.username for u in response.context["page"].object_list} == names


def test_assignment_list_shows_exactly_the_scope(client, cast):
    client.force_login(cast.supervisor)
    response = client.get(reverse("supervision:assignment-list"))
    assert page_ids(response) == {cast.assignment_a1.pk}
    client.force_login(cast.city_viewer)
    response = client.get(reverse("supervision:assignment-list"))
    assert page_ids(response) == {cast.assignment_a1.pk, cast.assignment_b1.pk}


def test_filters_cannot_reach_foreign_objects(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:list"), {"township": cast.town_b.pk})
    assert response.status_code == 200
    assert page_ids(response) == set()  # a foreign township is not a valid choice: nothing, not B's rows


def test_search_and_filters(client, cast):
    client.force_login(cast.city_viewer)
    response = client.get(reverse("kindergartens:list"), {"q": "西安"})
    assert page_ids(response) == {cast.kg_a2.pk}
    response = client.get(reverse("kindergartens:list"), {"area": "rural"})
    assert page_ids(response) == {cast.kg_a2.pk}
    response = client.get(reverse("kindergartens:list"), {"district": cast.district_b.pk})
    assert page_ids(response) == {cast.kg_b1.pk}


def _count(client, url):
    client.get(url)  # warm: sessions and filter options are read from the cache after a first request
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx)


@pytest.mark.parametrize(
    "url_name", ["kindergartens:list", "accounts:user-list", "supervision:assignment-list", "core:home"]
)
def test_list_query_counts_do_not_grow(client, cast, url_name):
    client.force_login(cast.bureau_admin)
    url = reverse(url_name)
    few = _count(client, url)
    for i in range(25):
        kg = KindergartenFactory(township=cast.town_a, name=f"新园{i}")
        sup = UserFactory(username=f"sup{i}", role="supervisor", bureau=cast.district_a)
        supervisor_assign(actor=None, kindergarten=kg, supervisor=sup)
    assert _count(client, url) == few


def test_supervisor_home_and_list_query_counts_do_not_grow(client, cast):
    client.force_login(cast.supervisor)
    few = (_count(client, reverse("kindergartens:list")), _count(client, reverse("core:home")))
    for i in range(5):
        kg = KindergartenFactory(township=cast.town_a, name=f"督学园{i}")
        supervisor_assign(actor=None, kindergarten=kg, supervisor=cast.supervisor)
    assert (_count(client, reverse("kindergartens:list")), _count(client, reverse("core:home"))) == few


def test_pagination_splits_long_lists(client, cast, settings):
    settings.PAGE_SIZE = 2
    for i in range(3):
        KindergartenFactory(township=cast.town_a, name=f"分页园{i}")
    client.force_login(cast.bureau_staff)
    first = client.get(reverse("kindergartens:list"))
    second = client.get(reverse("kindergartens:list"), {"page": 3})
    assert first.context["page"].paginator.num_pages == 3
    assert len(second.context["page"].object_list) == 1
    assert client.get(reverse("kindergartens:list"), {"page": "junk"}).status_code == 200
