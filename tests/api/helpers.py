"""Small helpers shared by the REST API tests."""

from django.db import connection
from django.test.utils import CaptureQueriesContext


def ids(response) -> set[int]:
    """The ids on one page of a paginated list answer."""
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def count_queries(client, url: str) -> int:
    """Queries one GET costs, after a warm-up request (so per-process caches such as
    ContentType's are already filled and do not count)."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(ctx.captured_queries)


def assert_constant_queries(client, url: str, add_more, django_assert_num_queries, *, at_most: int) -> None:
    """The list costs the same number of queries before and after ``add_more()`` adds rows in scope."""
    before = count_queries(client, url)
    assert before <= at_most, f"{url}: {before} queries"
    count_before = client.get(url).json()["count"]
    add_more()
    count_after = client.get(url).json()["count"]
    assert count_after >= count_before + 18, (count_before, count_after)
    with django_assert_num_queries(before):
        assert client.get(url).status_code == 200
