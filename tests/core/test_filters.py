"""core.filters: the lean FilterSet filters exactly as django-filter's, building less per request."""

import django_filters
import pytest
from django.http import QueryDict
from rest_framework.test import APIRequestFactory

from core.filters import FilterSet
from kindergartens.api import KindergartenFilter
from kindergartens.models import Kindergarten
from tests.factories import KindergartenFactory


def request_for(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return request


def both(filterset_class, params: dict, user):
    """(lean, django-filter's) FilterSets for the same request."""
    data = QueryDict(mutable=True)
    data.update(params)
    qs = Kindergarten.objects.all()
    lean = filterset_class(data=data, queryset=qs, request=request_for(user), lean=True)
    plain = filterset_class(data=data, queryset=qs, request=request_for(user))
    return lean, plain


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"nature": "public"},
        {"status": "operating", "search": "幼儿园"},
        {"as_of": "2025-03-31", "status": "operating"},
        {"township": "TOWN_A"},
        {"district": "DISTRICT_B"},  # another district: "not a valid choice"
        {"nature": "nonsense"},
        {"level": "999999"},
    ],
)
def test_lean_filtering_gives_what_django_filter_gives(cast, params):
    KindergartenFactory.create_batch(3, township=cast.town_a)
    ids = {"TOWN_A": str(cast.town_a.pk), "DISTRICT_B": str(cast.district_b.pk)}
    params = {k: ids.get(v, v) for k, v in params.items()}
    lean, plain = both(KindergartenFilter, params, cast.bureau_staff)
    assert lean.is_valid() == plain.is_valid()
    assert lean.errors == plain.errors
    if plain.is_valid():
        assert list(lean.qs.values_list("pk", flat=True)) == list(plain.qs.values_list("pk", flat=True))
    # Only the parameters sent get a form field.
    assert set(lean.form.fields) == set(params)
    assert set(plain.form.fields) == set(KindergartenFilter.base_filters)


def test_nothing_of_one_request_reaches_the_next(cast):
    """The scoped choices are built per request: the city viewer's district is not the bureau's."""
    foreign = {"district": str(cast.district_b.pk)}
    first, _ = both(KindergartenFilter, foreign, cast.bureau_staff)
    assert not first.is_valid()
    second, _ = both(KindergartenFilter, foreign, cast.city_viewer)
    assert second.is_valid()
    third, _ = both(KindergartenFilter, foreign, cast.bureau_staff)
    assert not third.is_valid()
    declared = KindergartenFilter.base_filters["district"]
    assert "_field" not in declared.__dict__
    assert callable(declared.extra["queryset"])  # still the per-request function, never a queryset


def test_an_unbound_or_browsable_form_has_every_filter(cast):
    filterset = KindergartenFilter(queryset=Kindergarten.objects.all(), request=request_for(cast.bureau_staff))
    assert set(filterset.form.fields) == set(KindergartenFilter.base_filters)


class RangeAndRequired(FilterSet):
    capacity = django_filters.RangeFilter()
    name = django_filters.CharFilter(lookup_expr="contains", required=True)

    class Meta:
        model = Kindergarten
        fields = []


def test_suffixed_parameters_and_required_filters(cast):
    KindergartenFactory(township=cast.town_a, name="大容量幼儿园", capacity=400)
    KindergartenFactory(township=cast.town_a, name="小容量幼儿园", capacity=60)
    missing, plain = both(RangeAndRequired, {"capacity_min": "100"}, cast.bureau_staff)
    assert not missing.is_valid()
    assert missing.errors == plain.errors  # the required one is in the lean form too
    lean, plain = both(RangeAndRequired, {"capacity_min": "100", "name": "容量"}, cast.bureau_staff)
    assert lean.is_valid() and plain.is_valid()
    assert list(lean.qs.values_list("name", flat=True)) == list(plain.qs.values_list("name", flat=True))
    assert list(lean.qs.values_list("name", flat=True)) == ["大容量幼儿园"]
