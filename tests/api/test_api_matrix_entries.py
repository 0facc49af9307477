"""Every API row of the permission matrix, for every role, on an own and a foreign object."""

import pytest

from tests.matrix import ALL
from tests.matrix_api import API_ROUTES, run_route

CELLS = [
    pytest.param(route, role, which, id=f"{route.method}-{route.name}-{role}-{which}")
    for route in API_ROUTES
    for role in ALL
    for which in (("own", "foreign") if route.obj else ("own",))
]


@pytest.mark.parametrize(("route", "role", "which"), CELLS)
def test_api_route(client, cast, route, role, which):
    run_route(client, cast, route, role, which)


def test_every_api_url_name_has_a_route():
    from django.urls import get_resolver

    resolver = get_resolver()
    api_names = set()
    for name in resolver.namespace_dict["api"][1].reverse_dict:
        if isinstance(name, str):
            api_names.add(f"api:{name}")
    assert api_names == {route.name for route in API_ROUTES}
