"""violation_record / violation_set_published / annual_inspection_record."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from kindergartens.models import AnnualInspection, Violation
from kindergartens.services import annual_inspection_record, today, violation_record, violation_set_published


def record(cast, actor=None, **overrides):
    args = {
        "kindergarten": cast.kg_a1,
        "occurred_on": datetime.date(2025, 3, 2),
        "description": "超额招生",
        "penalty": "责令限期整改",
        "published": False,
        **overrides,
    }
    return violation_record(actor=actor or cast.bureau_staff, **args)


def test_bureau_records_a_violation_with_who_recorded_it(cast):
    violation = record(cast, description="  超额招生 ")
    assert (violation.description, violation.recorded_by, violation.published) == ("超额招生", cast.bureau_staff, False)
    entry = AuditEntry.objects.get(content_type__model="violation", object_id=str(violation.pk))
    assert entry.district_id == cast.district_a.pk


@pytest.mark.parametrize("role", ["city_viewer", "supervisor", "kg_director", "kg_staff", "admin_b"])
def test_only_the_bureau_records_findings(cast, role):
    user = getattr(cast, role)
    with pytest.raises(PermissionDenied):
        record(cast, actor=user)
    with pytest.raises(PermissionDenied):
        annual_inspection_record(actor=user, kindergarten=cast.kg_a1, year=2025, result="pass")
    violation = record(cast)
    with pytest.raises(PermissionDenied):
        violation_set_published(actor=user, violation=violation, published=True)
    assert Violation.objects.get(pk=violation.pk).published is False
    assert not AnnualInspection.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "errors"),
    [
        ({"occurred_on": None}, {"occurred_on": ["请填写查处日期。"]}),
        ({"description": " ", "penalty": ""}, {"description": ["请填写违规情形。"], "penalty": ["请填写处理结果。"]}),
    ],
)
def test_bad_violation_is_refused_in_chinese(cast, overrides, errors):
    with pytest.raises(ValidationError) as exc:
        record(cast, **overrides)
    assert exc.value.message_dict == errors
    assert not Violation.objects.exists()


def test_violation_cannot_be_dated_in_the_future(cast):
    with pytest.raises(ValidationError) as exc:
        record(cast, occurred_on=today() + datetime.timedelta(days=1))
    assert exc.value.message_dict == {"occurred_on": ["查处日期不能晚于今天。"]}
    assert record(cast, occurred_on=today()).occurred_on == today()


def test_publish_and_withdraw(cast):
    violation = record(cast)
    violation_set_published(actor=cast.bureau_admin, violation=violation, published=True)
    assert Violation.objects.get(pk=violation.pk).published is True
    entries = AuditEntry.objects.count()
    violation_set_published(actor=cast.bureau_admin, violation=violation, published=True)  # no change, no entry
    assert AuditEntry.objects.count() == entries
    violation_set_published(actor=cast.bureau_admin, violation=violation, published=False)
    entry = AuditEntry.objects.filter(content_type__model="violation", object_id=str(violation.pk)).latest("id")
    assert entry.changes == {"published": [True, False]}


def test_annual_inspection_one_row_per_year_corrected_in_place(cast):
    first = annual_inspection_record(actor=cast.bureau_staff, kindergarten=cast.kg_a1, year=2024, result="basic")
    again = annual_inspection_record(
        actor=cast.bureau_admin, kindergarten=cast.kg_a1, year=2024, result="pass", published=False
    )
    assert again.pk == first.pk
    row = AnnualInspection.objects.get(kindergarten=cast.kg_a1, year=2024)
    assert (row.result, row.published, row.recorded_by) == ("pass", False, cast.bureau_admin)
    assert AnnualInspection.objects.filter(kindergarten=cast.kg_a1).count() == 1
    entry = AuditEntry.objects.filter(content_type__model="annualinspection", object_id=str(row.pk)).latest("id")
    assert entry.changes["result"] == ["basic", "pass"]


@pytest.mark.parametrize(
    ("year", "result", "errors"),
    [
        (1999, "pass", {"year": ["年度应在 2000 年至今年之间。"]}),
        (None, "pass", {"year": ["年度应在 2000 年至今年之间。"]}),
        (2024, "excellent", {"result": ["请选择年检结果。"]}),
    ],
)
def test_bad_annual_inspection_is_refused_in_chinese(cast, year, result, errors):
    with pytest.raises(ValidationError) as exc:
        annual_inspection_record(actor=cast.bureau_staff, kindergarten=cast.kg_a1, year=year, result=result)
    assert exc.value.message_dict == errors
    assert not AnnualInspection.objects.exists()


def test_next_year_cannot_be_recorded_yet(cast):
    with pytest.raises(ValidationError):
        annual_inspection_record(actor=cast.bureau_staff, kindergarten=cast.kg_a1, year=today().year + 1, result="pass")
