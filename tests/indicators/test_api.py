"""The indicators API: figures per district and month with numerator and denominator, scoped."""

from django.urls import reverse
from rest_framework.test import APIClient

from indicators.models import ResidentChildren
from indicators.services import today
from kindergartens.models import KindergartenClass


def _get(user, **params):
    client = APIClient()
    client.force_authenticate(user)
    return client.get(reverse("api:indicator-figures"), params)


def test_district_figures_with_parts(cast):
    KindergartenClass.objects.filter(kindergarten=cast.kg_a1).update(children=30)
    day = today()
    ResidentChildren.objects.create(
        district=cast.district_a, township=cast.town_a, year=day.year, children=100, source="police", source_date=day
    )
    response = _get(cast.bureau_staff)
    assert response.status_code == 200
    [row] = response.json()
    assert row["district_name"] == "大洼区" and row["month"] == f"{day:%Y-%m}"
    gross = next(i for i in row["indicators"] if i["code"] == "gross-enrolment")
    # kg_a1 30 + kg_a2 20 (the cast's classes) over 100 residents of 大洼街道 (西安镇 not entered)
    assert (gross["numerator"], gross["denominator"], gross["value"]) == (50, 100, 50.0)
    assert gross["display"] == "50.0%"


def test_city_gets_each_district_and_months(cast):
    response = _get(cast.city_viewer, months=3)
    names = {(r["district_name"], r["month"]) for r in response.json()}
    assert {n for n, _m in names} == {"大洼区", "双台子区"} and len(names) == 6


def test_scope(cast):
    assert _get(cast.bureau_staff, district=cast.district_b.pk).status_code == 404
    assert _get(cast.supervisor).status_code == 403
    assert _get(cast.city_viewer, district=cast.district_c.pk).status_code == 404


def test_no_data_is_null_not_zero(cast):
    response = _get(cast.bureau_staff)
    gross = next(i for i in response.json()[0]["indicators"] if i["code"] == "gross-enrolment")
    assert gross["value"] is None and gross["display"] == "暂无数据"
