"""kindergarten_create / kindergarten_update and the GB 32100 credit code: validation in Chinese,
nothing half-saved, status and nature kept as dated history, audit entries written."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from kindergartens.models import Kindergarten, KindergartenStatusChange, Level, Nature, Status
from kindergartens.services import kindergarten_create, kindergarten_update
from kindergartens.validators import credit_code_check_char, normalise_credit_code, validate_credit_code

SHANGHAI = zoneinfo.ZoneInfo("Asia/Shanghai")


def valid_code(first17: str) -> str:
    return first17 + credit_code_check_char(first17)


# Real-shaped codes: 52 = 民办非企业单位 (private kindergartens), 12 = 事业单位 (public ones), 211100 = 盘锦.
CODE_PRIVATE = valid_code("52211100MJ0000001")
CODE_PUBLIC = valid_code("12211100461234567")


def fresh(kg) -> Kindergarten:
    return Kindergarten.objects.get(pk=kg.pk)


def history(kg, attribute):
    return list(
        KindergartenStatusChange.objects.filter(kindergarten=kg, attribute=attribute)
        .order_by("effective_date", "recorded_at", "id")
        .values_list("value", "effective_date")
    )


# --- GB 32100 -----------------------------------------------------------------------------------


def test_check_character_of_known_codes():
    assert CODE_PRIVATE == "52211100MJ0000001E"
    assert CODE_PUBLIC == "12211100461234567D"
    # The check character can itself be a letter or a digit; 0 when the weighted sum is a multiple of 31.
    for code in (CODE_PRIVATE, CODE_PUBLIC, valid_code("91211100MA0Y12345")):
        validate_credit_code(code)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("52211100MJ0000001F", "统一社会信用代码校验位不正确，请核对后重新填写。"),
        ("52211100MJ000000", "统一社会信用代码应为 18 位（现为 16 位）。"),
        ("52211100MJ0000OO1E", "统一社会信用代码含有不允许的字符：O（只能是数字和除 I、O、S、V、Z 外的大写字母）。"),
    ],
)
def test_bad_credit_codes_are_refused_in_chinese(value, message):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(value)
    assert exc.value.messages == [message]


def test_codes_are_normalised_before_checking():
    assert normalise_credit_code(" 52211100 mj0000001e ") == CODE_PRIVATE


# --- create ------------------------------------------------------------------------------------


def test_create_starts_the_dated_history_and_normalises_the_code(cast):
    kg = kindergarten_create(
        actor=cast.bureau_staff,
        name="  盘锦市民办阳光幼儿园 ",
        district=cast.district_a,
        township=cast.town_a,
        nature=Nature.INCLUSIVE_PRIVATE,
        inclusive_recognised_on=datetime.date(2024, 9, 1),
        credit_code=CODE_PRIVATE.lower(),
        effective_date=datetime.date(2024, 9, 1),
    )
    assert kg.name == "盘锦市民办阳光幼儿园"
    assert kg.credit_code == CODE_PRIVATE
    assert history(kg, "status") == [("operating", datetime.date(2024, 9, 1))]
    assert history(kg, "nature") == [("inclusive_private", datetime.date(2024, 9, 1))]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"township": "town_b"}, {"township": ["街道/乡镇不属于该区县。"]}),
        ({"nature": Nature.INCLUSIVE_PRIVATE}, {"inclusive_recognised_on": ["普惠性民办幼儿园须填写普惠性认定日期。"]}),
        ({"credit_code": "52211100MJ0000001F"}, {"credit_code": ["统一社会信用代码校验位不正确，请核对后重新填写。"]}),
        ({"name": "大洼区第一幼儿园"}, {"name": ["本区县已有同名的幼儿园。"]}),
    ],
)
def test_create_refuses_bad_records_and_saves_nothing(cast, fields, errors):
    if fields.get("township") == "town_b":
        fields["township"] = cast.town_b
    kindergartens, changes, entries = (
        Kindergarten.objects.count(),
        KindergartenStatusChange.objects.count(),
        AuditEntry.objects.count(),
    )
    args = {"name": "新园", "district": cast.district_a, "township": cast.town_a, "nature": Nature.PUBLIC, **fields}
    with pytest.raises(ValidationError) as exc:
        kindergarten_create(actor=cast.bureau_staff, **args)
    assert exc.value.message_dict == errors
    assert Kindergarten.objects.count() == kindergartens
    assert KindergartenStatusChange.objects.count() == changes
    assert AuditEntry.objects.count() == entries


def test_a_credit_code_belongs_to_one_kindergarten(cast):
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"credit_code": CODE_PUBLIC})
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a2, changes={"credit_code": CODE_PUBLIC})
    assert exc.value.message_dict == {"credit_code": ["该统一社会信用代码已登记在另一所幼儿园名下。"]}
    assert fresh(cast.kg_a2).credit_code == ""


# --- update ------------------------------------------------------------------------------------


def test_update_needs_the_change_right(cast):
    for user in (cast.kg_director, cast.supervisor, cast.city_viewer, None):
        with pytest.raises(PermissionDenied):
            kindergarten_update(actor=user, kindergarten=cast.kg_a1, changes={"capacity": 10})
    assert fresh(cast.kg_a1).capacity == 0


def test_update_writes_changed_fields_and_one_audit_entry(cast):
    before = AuditEntry.objects.filter(object_id=str(cast.kg_a1.pk), content_type__model="kindergarten").count()
    changed = kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        changes={"name": "大洼区第一幼儿园", "capacity": 360, "has_parent_committee": True},
    )
    assert changed == ["capacity", "has_parent_committee"]
    entries = AuditEntry.objects.filter(object_id=str(cast.kg_a1.pk), content_type__model="kindergarten")
    assert entries.count() == before + 1
    assert entries.latest("id").changes == {"capacity": [0, 360], "has_parent_committee": [False, True]}
    assert kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"capacity": 360}) == []


def test_status_change_is_dated_and_nothing_is_overwritten(cast):
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        kg = kindergarten_create(
            actor=None,
            name="历史园",
            district=cast.district_a,
            township=cast.town_a,
            nature=Nature.PUBLIC,
            effective_date=datetime.date(2020, 9, 1),
        )
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=kg,
            changes={"status": Status.RECTIFYING},
            effective_date=datetime.date(2025, 3, 15),
            note="限期整改通知书",
        )
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=kg,
            changes={"status": Status.OPERATING},
            effective_date=datetime.date(2025, 5, 1),
        )
    assert history(kg, "status") == [
        ("operating", datetime.date(2020, 9, 1)),
        ("rectifying", datetime.date(2025, 3, 15)),
        ("operating", datetime.date(2025, 5, 1)),
    ]
    row = KindergartenStatusChange.objects.get(kindergarten=kg, value="rectifying")
    assert (row.recorded_by, row.note) == (cast.bureau_staff, "限期整改通知书")
    assert fresh(kg).status == Status.OPERATING


def test_back_dated_change_does_not_override_a_later_one(cast):
    """A closure in effect since May stays current when a March rectification is recorded afterwards."""
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        kg = kindergarten_create(
            actor=None,
            name="补登园",
            district=cast.district_a,
            township=cast.town_a,
            nature=Nature.PRIVATE,
            effective_date=datetime.date(2020, 9, 1),
        )
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=kg,
            changes={"status": Status.SUSPENDED},
            effective_date=datetime.date(2025, 5, 1),
        )
        changed = kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=kg,
            changes={"status": Status.RECTIFYING},
            effective_date=datetime.date(2025, 3, 1),
        )
    assert changed == ["status"]
    assert fresh(kg).status == Status.SUSPENDED
    assert ("rectifying", datetime.date(2025, 3, 1)) in history(kg, "status")


def test_future_change_waits_and_is_validated(cast):
    with time_machine.travel(datetime.datetime(2025, 6, 10, 9, 0, tzinfo=SHANGHAI), tick=False):
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a2,
            changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": datetime.date(2025, 7, 1)},
        )  # recognised from 1 July: the nature changes on that day
        kg = fresh(cast.kg_a2)
        assert kg.nature == Nature.PUBLIC  # not yet
        assert kg.inclusive_recognised_on == datetime.date(2025, 7, 1)
        with pytest.raises(ValidationError) as exc:
            kindergarten_update(
                actor=cast.bureau_staff,
                kindergarten=kg,
                changes={"status": "bogus"},
                effective_date=datetime.date(2025, 8, 1),
            )
        assert exc.value.message_dict == {"status": ["办园状态无效。"]}
        with pytest.raises(ValidationError) as exc:
            kindergarten_update(
                actor=cast.bureau_staff,
                kindergarten=cast.kg_a1,
                changes={"nature": Nature.INCLUSIVE_PRIVATE},
                effective_date=datetime.date(2025, 8, 1),
            )
        assert exc.value.message_dict == {"inclusive_recognised_on": ["普惠性民办幼儿园须填写普惠性认定日期。"]}
    assert not KindergartenStatusChange.objects.filter(value__in=["bogus"]).exists()
    assert history(cast.kg_a1, "nature")[-1][0] == "public"


def test_failed_update_saves_nothing(cast):
    entries = AuditEntry.objects.count()
    changes = KindergartenStatusChange.objects.count()
    with pytest.raises(ValidationError):
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=cast.kg_a1,
            changes={"status": Status.CLOSED, "township": cast.town_b, "capacity": 99},
        )
    kg = fresh(cast.kg_a1)
    assert (kg.status, kg.township_id, kg.capacity) == (Status.OPERATING, cast.town_a.pk, 0)
    assert (AuditEntry.objects.count(), KindergartenStatusChange.objects.count()) == (entries, changes)


def test_level_must_be_of_the_kindergartens_province(cast):
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"level": cast.level_bj})
    assert exc.value.message_dict == {"level": ["该等级不属于本省的等级体系。"]}
    kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"level": cast.level_ln})
    assert fresh(cast.kg_a1).level == cast.level_ln
    assert Level.objects.get(pk=cast.level_ln.pk).province == "辽宁省"


def test_update_refuses_an_actor_with_the_role_but_not_the_scope(cast):
    import pytest
    from django.core.exceptions import PermissionDenied

    from kindergartens.services import kindergarten_update

    with pytest.raises(PermissionDenied):
        kindergarten_update(actor=cast.admin_b, kindergarten=cast.kg_a1, changes={"capacity": 999})
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.capacity == 0
