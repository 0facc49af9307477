"""core.api.FastReadMixin gives exactly what DRF's own to_representation gives, field for field."""

import datetime
import decimal

import pytest
from rest_framework import serializers

from core.api import ChoiceLabelField, FastReadMixin
from kindergartens.api import with_api_relations
from kindergartens.models import Kindergarten, Nature
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


class _Tagged(FastReadMixin, serializers.Serializer):
    name = serializers.CharField()
    nature_label = ChoiceLabelField(Nature, source="nature")
    tag = serializers.SerializerMethodField()

    def get_tag(self, obj):
        return self.context["tag"]


def test_the_plan_is_kept_per_class_and_language_and_methods_run_on_the_serializer_at_hand(cast):
    """The plan is built once per class and language (no deep copy of the fields per request), yet a
    SerializerMethodField is the method of the serializer serialising now, with its own context."""
    from django.utils import translation

    from core.api import _fast_plans

    rows = [{"name": "甲园", "nature": "public"}, {"name": "乙园", "nature": "no-such"}]
    first = _Tagged(rows, many=True, context={"tag": "first"}).data
    second = _Tagged(rows, many=True, context={"tag": "second"}).data
    assert [r["tag"] for r in first] == ["first", "first"] and [r["tag"] for r in second] == ["second", "second"]
    assert [r["nature_label"] for r in first] == [str(Nature.PUBLIC.label), "no-such"]
    with translation.override("en"):
        _Tagged(rows, many=True, context={"tag": "en"}).data  # noqa: B018 - builds the English plan
    assert {language for cls, language in _fast_plans if cls is _Tagged} >= {"zh-hans", "en"}


def test_the_kept_plan_holds_no_request(cast, rf):
    from core.api import _fast_plans

    request = rf.get("/api/v1/kindergartens/")
    _fast_plans.clear()
    _Tagged([{"name": "甲园", "nature": "public"}], many=True, context={"tag": "x", "request": request}).data  # noqa: B018
    for (cls, _language), plan in _fast_plans.items():
        for _name, _attrs, represent, _method in plan:
            owner = getattr(represent, "__self__", None)
            root = getattr(owner, "root", None)
            assert root is None or "request" not in getattr(root, "_context", {}), cls
