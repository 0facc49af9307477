"""core.api.FastReadMixin gives exactly what DRF's own to_representation gives, field for field."""

import datetime
import decimal

import pytest
from rest_framework import serializers

from kindergartens.api import with_api_relations
from kindergartens.models import Kindergarten
from kindergartens.selectors import kindergartens_as_of, with_enrolment
from kindergartens.serializers import KindergartenSerializer, TownshipBriefSerializer
from kindergartens.services import kindergarten_update


def generic(serializer, obj):
    """DRF's own field-by-field representation (what the mixin replaces), nested serializers included."""
    result = serializers.Serializer.to_representation(serializer, obj)
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.Serializer) and result[name] is not None:
            result[name] = serializers.Serializer.to_representation(field, getattr(obj, field.source))
    return result


@pytest.fixture
def varied(cast):
    kindergarten_update(
        actor=None,
        kindergarten=cast.kg_a1,
        changes={
            "level": cast.level_ln,
            "fee_monthly": decimal.Decimal("1234.5"),
            "licence_valid_until": datetime.date(2027, 6, 30),
            "credit_rating": cast.grade_a,
            "principal_since": datetime.date(2020, 9, 1),
        },
        check_rights=False,
    )
    return Kindergarten.objects.filter(pk__in=[cast.kg_a1.pk, cast.kg_a2.pk, cast.kg_b1.pk])


@pytest.mark.parametrize("as_of", [None, datetime.date(2030, 1, 31)])
def test_kindergarten_serializer_matches_drf(varied, as_of):
    qs = with_api_relations(with_enrolment(varied))
    if as_of:
        from django.db.models import DateField, Value

        qs = kindergartens_as_of(qs, as_of).annotate(as_of_date=Value(as_of, output_field=DateField()))
    serializer = KindergartenSerializer()
    rows = list(qs)
    assert len(rows) == 3
    for kg in rows:
        fast = serializer.to_representation(kg)
        assert fast == generic(serializer, kg)
    assert any(r["level"] is None for r in map(serializer.to_representation, rows))
    assert any(r["fee_monthly"] == "1234.50" for r in map(serializer.to_representation, rows))
    assert any(r["responsible_supervisor"] for r in map(serializer.to_representation, rows))


def test_township_brief_matches_drf(cast):
    serializer = TownshipBriefSerializer()
    for township in (cast.town_a, cast.village_a):
        assert serializer.to_representation(township) == generic(serializer, township)


@pytest.mark.parametrize("as_of", [None, datetime.date(2030, 1, 31), datetime.date(2000, 1, 31)])
def test_api_rows_query_serialises_like_the_models(varied, as_of):
    """The API list's hand-written rows query gives the same JSON as the models would."""
    from django.db.models import DateField, Value

    from kindergartens.selectors import kindergarten_api_rows

    ids = list(varied.values_list("pk", flat=True))
    orm = with_api_relations(with_enrolment(Kindergarten.objects.filter(pk__in=ids)))
    if as_of:
        orm = kindergartens_as_of(orm, as_of).annotate(as_of_date=Value(as_of, output_field=DateField()))
    serializer = KindergartenSerializer()
    expected = {kg.pk: serializer.to_representation(kg) for kg in orm}
    got = {row.pk: serializer.to_representation(row) for row in kindergarten_api_rows(ids, as_of=as_of)}
    assert got == expected
    assert any(r["credit_rating"] for r in got.values()) and any(r["responsible_supervisor"] for r in got.values())
