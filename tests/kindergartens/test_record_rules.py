"""Rules of the kindergarten record that every path (page, API, Excel import, service) obeys.

- A change to 普惠性民办 takes effect on its recognition date (认定日期); another effective date is
  refused with a clear message, and a corrected recognition date moves the dated history with it.
- Status follows the life cycle 筹设 → 在办 → 整改/停办 → 注销; 注销 is final.
- Credit codes: positions 3–8 are a six-digit division code; known real codes are pinned.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEntry
from kindergartens import excel
from kindergartens.models import Kindergarten, KindergartenStatusChange, Nature, Status
from kindergartens.selectors import kindergartens_as_of, kindergartens_inclusive_on
from kindergartens.services import kindergarten_create, kindergarten_update, roster_preview
from kindergartens.services.records import STATUS_TRANSITIONS, status_transition_error
from kindergartens.validators import validate_credit_code
from tests.jobs import follow_job
from tests.kindergartens.fixtures_excel import build_roster, credit_code, row

D = datetime.date


def registered_2024(cast, name="阳光幼儿园", nature=Nature.PRIVATE, **fields):
    """A kindergarten registered on 2024-09-01, so March 2025 is inside its history."""
    return kindergarten_create(
        actor=None,
        name=name,
        district=cast.district_a,
        township=cast.town_a,
        nature=nature,
        effective_date=D(2024, 9, 1),
        **fields,
    )


def nature_on(kg, day):
    return kindergartens_as_of(Kindergarten.objects.filter(pk=kg.pk), day).get().nature_on


def inclusive_in(kg, month_end):
    return kindergartens_inclusive_on(Kindergarten.objects.filter(pk=kg.pk), month_end).exists()


def nature_rows(kg):
    return list(
        KindergartenStatusChange.objects.filter(kindergarten=kg, attribute="nature")
        .order_by("effective_date", "recorded_at", "id")
        .values_list("value", "effective_date")
    )


def snapshot(kg):
    stored = Kindergarten.objects.get(pk=kg.pk)
    return (
        stored.nature,
        stored.status,
        stored.inclusive_recognised_on,
        KindergartenStatusChange.objects.filter(kindergarten=kg).count(),
        AuditEntry.objects.count(),
    )


# --- 普惠性民办 takes effect on the recognition date ------------------------------------------------


def test_service_change_without_effective_date_takes_the_recognition_date(cast):
    kg = registered_2024(cast)
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=kg,
        changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2025, 3, 15)},
    )
    assert nature_rows(kg)[-1] == ("inclusive_private", D(2025, 3, 15))
    assert inclusive_in(kg, D(2025, 3, 31))  # 普惠 in March 2025 (judged at the month's end)
    assert not inclusive_in(kg, D(2025, 2, 28))
    assert nature_on(kg, D(2025, 3, 14)) == "private" and nature_on(kg, D(2025, 3, 15)) == "inclusive_private"
    assert Kindergarten.objects.get(pk=kg.pk).nature == "inclusive_private"


def test_an_effective_date_before_the_recognition_is_refused_and_nothing_is_saved(cast):
    kg = registered_2024(cast)
    before = snapshot(kg)
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=kg,
            changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2025, 3, 20)},
            effective_date=D(2025, 3, 1),
        )
    message = exc.value.message_dict["effective_date"][0]
    assert "2025-03-01" in message and "2025-03-20" in message and "认定" in message
    assert snapshot(kg) == before


def test_the_matching_effective_date_is_accepted(cast):
    kg = registered_2024(cast)
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=kg,
        changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2025, 3, 20)},
        effective_date=D(2025, 3, 20),
    )
    assert nature_rows(kg)[-1] == ("inclusive_private", D(2025, 3, 20))


def test_page_takes_the_recognition_date_and_refuses_a_mismatch(client, cast):
    kg = registered_2024(cast)
    client.force_login(cast.bureau_staff)
    url = reverse("kindergartens:edit", kwargs={"pk": kg.pk})
    form = {
        "name": kg.name,
        "township": kg.township_id,
        "nature": "inclusive_private",
        "inclusive_recognised_on": "2025-03-20",
        "status": kg.status,
        "schedule": kg.schedule,
        "capacity": kg.capacity,
    }
    before = snapshot(kg)
    response = client.post(url, {**form, "effective_date": "2025-03-01"})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "2025-03-20" in errors["effective_date"][0]
    assert snapshot(kg) == before
    response = client.post(url, {**form, "inclusive_recognised_on": "2025-03-15"})
    assert response.status_code == 302
    assert inclusive_in(kg, D(2025, 3, 31))


def test_api_takes_the_recognition_date_and_refuses_a_mismatch(client, cast):
    kg = registered_2024(cast)
    client.force_login(cast.bureau_staff)
    url = reverse("api:kindergarten-detail", kwargs={"pk": kg.pk})
    before = snapshot(kg)
    response = client.patch(
        url,
        {"nature": "inclusive_private", "inclusive_recognised_on": "2025-03-20", "effective_date": "2025-03-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert "2025-03-20" in response.json()["effective_date"][0]
    assert snapshot(kg) == before
    response = client.patch(
        url,
        {"nature": "inclusive_private", "inclusive_recognised_on": "2025-03-15"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert inclusive_in(kg, D(2025, 3, 31))


def test_import_takes_the_recognition_date(cast):
    from kindergartens.services import roster_import_apply

    kg = registered_2024(cast, credit_code=credit_code(7))
    data = build_roster(
        [
            row(
                7,
                name=kg.name,
                nature="普惠性民办",
                inclusive_recognised_on=D(2025, 3, 15),
                sponsor="民办",
            )
        ]
    )
    preview = roster_preview(actor=cast.bureau_staff, data=data, filename="名册.xlsx")
    assert preview.problems == []
    roster_import_apply(actor=cast.bureau_staff, roster_import=preview.roster_import)
    assert inclusive_in(kg, D(2025, 3, 31))
    assert not inclusive_in(kg, D(2025, 2, 28))


def test_registering_as_inclusive_before_the_recognition_is_refused(cast):
    with pytest.raises(ValidationError) as exc:
        kindergarten_create(
            actor=None,
            name="新园",
            district=cast.district_a,
            township=cast.town_a,
            nature=Nature.INCLUSIVE_PRIVATE,
            inclusive_recognised_on=D(2025, 5, 1),
            effective_date=D(2025, 3, 1),
        )
    assert "晚于登记生效日期" in exc.value.message_dict["inclusive_recognised_on"][0]
    assert not Kindergarten.objects.filter(name="新园").exists()


def test_recognised_before_the_registration_here_counts_from_the_registration_on(cast):
    """The cast's kindergartens were registered today as 公办; recognised as 普惠性民办 back in 2023."""
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=cast.kg_a1,
        changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2023, 9, 1)},
    )
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    assert kg.nature == "inclusive_private"  # the registration's nature does not override it
    assert nature_rows(kg)[0] == ("inclusive_private", D(2023, 9, 1))


def test_a_recognition_date_overridden_by_a_later_nature_change_is_refused(cast):
    kg = registered_2024(cast)
    kindergarten_update(
        actor=cast.bureau_staff, kindergarten=kg, changes={"nature": Nature.PUBLIC}, effective_date=D(2025, 6, 1)
    )
    kg = Kindergarten.objects.get(pk=kg.pk)
    kindergarten_update(actor=cast.bureau_staff, kindergarten=kg, changes={"nature": Nature.PRIVATE})
    kg = Kindergarten.objects.get(pk=kg.pk)
    before = snapshot(kg)
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=kg,
            changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2025, 3, 1)},
        )
    assert "2025-06-01" in exc.value.message_dict["inclusive_recognised_on"][0]
    assert snapshot(kg) == before


@pytest.mark.parametrize(
    ("new", "inclusive_on", "not_inclusive_on"),
    [
        (D(2025, 2, 1), D(2025, 2, 1), D(2025, 1, 31)),  # moved earlier
        (D(2025, 4, 10), D(2025, 4, 10), D(2025, 4, 9)),  # moved later
    ],
)
def test_correcting_the_recognition_date_moves_the_history(cast, new, inclusive_on, not_inclusive_on):
    kg = registered_2024(cast)
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=kg,
        changes={"nature": Nature.INCLUSIVE_PRIVATE, "inclusive_recognised_on": D(2025, 3, 15)},
    )
    kg = Kindergarten.objects.get(pk=kg.pk)
    rows_before = KindergartenStatusChange.objects.count()
    kindergarten_update(actor=cast.bureau_staff, kindergarten=kg, changes={"inclusive_recognised_on": new})
    assert KindergartenStatusChange.objects.count() > rows_before  # appended, never rewritten
    assert nature_on(kg, inclusive_on) == "inclusive_private"
    assert nature_on(kg, not_inclusive_on) == "private"
    assert Kindergarten.objects.get(pk=kg.pk).nature == "inclusive_private"


# --- the life cycle -------------------------------------------------------------------------------

ALLOWED = {
    ("preparing", "operating"),
    ("preparing", "closed"),
    ("operating", "rectifying"),
    ("operating", "suspended"),
    ("rectifying", "operating"),
    ("rectifying", "suspended"),
    ("rectifying", "closed"),
    ("suspended", "operating"),
    ("suspended", "closed"),
}


@pytest.mark.parametrize("old", Status.values)
@pytest.mark.parametrize("new", Status.values)
def test_transition_table(old, new):
    error = status_transition_error(old, new)
    if old == new or (old, new) in ALLOWED:
        assert error is None
    else:
        assert error and error.startswith("办园状态不能从") and "。" in error
    assert {(o, n) for o, targets in STATUS_TRANSITIONS.items() for n in targets} == ALLOWED


def _closed(cast):
    kg = registered_2024(cast, nature=Nature.PUBLIC)
    for status, day in ((Status.SUSPENDED, D(2025, 1, 10)), (Status.CLOSED, D(2025, 2, 1))):
        kindergarten_update(
            actor=cast.bureau_staff,
            kindergarten=Kindergarten.objects.get(pk=kg.pk),
            changes={"status": status},
            effective_date=day,
        )
    return Kindergarten.objects.get(pk=kg.pk)


def test_closed_is_final_in_the_service(cast):
    kg = _closed(cast)
    before = snapshot(kg)
    for status in (Status.OPERATING, Status.PREPARING, Status.SUSPENDED):
        with pytest.raises(ValidationError) as exc:
            kindergarten_update(actor=cast.bureau_staff, kindergarten=kg, changes={"status": status})
        assert "注销是最终状态" in exc.value.message_dict["status"][0]
    assert snapshot(kg) == before


def test_closed_is_final_on_the_page_and_in_the_api(client, cast):
    kg = _closed(cast)
    before = snapshot(kg)
    client.force_login(cast.bureau_staff)
    response = client.post(
        reverse("kindergartens:edit", kwargs={"pk": kg.pk}),
        {
            "name": kg.name,
            "township": kg.township_id,
            "nature": kg.nature,
            "status": "operating",
            "schedule": kg.schedule,
            "capacity": kg.capacity,
        },
    )
    assert response.status_code == 200
    assert "注销是最终状态" in response.context["form"].errors["status"][0]
    response = client.patch(
        reverse("api:kindergarten-detail", kwargs={"pk": kg.pk}),
        {"status": "operating"},
        content_type="application/json",
    )
    assert response.status_code == 400 and "注销是最终状态" in response.json()["status"][0]
    assert snapshot(kg) == before


def test_import_preview_lists_a_refused_transition(cast):
    kg = _closed(cast)
    kindergarten_update(actor=None, kindergarten=kg, changes={"credit_code": credit_code(8)}, check_rights=False)
    data = build_roster([row(8, name=kg.name, status="在办"), row(9, status="在办", nature="公办")])
    preview = roster_preview(actor=cast.bureau_staff, data=data, filename="名册.xlsx")
    assert [(p.row, p.column) for p in preview.problems] == [(2, excel.COLUMN_BY_FIELD["status"].header)]
    assert "注销是最终状态" in preview.problems[0].message


def test_operating_must_be_suspended_before_it_is_closed(cast):
    kg = registered_2024(cast, nature=Nature.PUBLIC)
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(actor=cast.bureau_staff, kindergarten=kg, changes={"status": Status.CLOSED})
    assert "须先停办" in exc.value.message_dict["status"][0]


def test_a_back_dated_change_must_lead_on_to_the_later_one(cast):
    """停办 from 2025-05-01 is recorded; a back-dated 注销 on 2025-04-01 would be followed by 停办."""
    kg = registered_2024(cast, nature=Nature.PUBLIC)
    kindergarten_update(
        actor=cast.bureau_staff, kindergarten=kg, changes={"status": Status.SUSPENDED}, effective_date=D(2025, 5, 1)
    )
    kg = Kindergarten.objects.get(pk=kg.pk)
    kindergarten_update(
        actor=cast.bureau_staff, kindergarten=kg, changes={"status": Status.RECTIFYING}, effective_date=D(2025, 3, 1)
    )  # 在办 → 整改 (2025-03) → 停办 (2025-05): fine
    kg = Kindergarten.objects.get(pk=kg.pk)
    with pytest.raises(ValidationError) as exc:
        kindergarten_update(
            actor=cast.bureau_staff, kindergarten=kg, changes={"status": Status.CLOSED}, effective_date=D(2025, 4, 1)
        )
    assert "2025-05-01" in exc.value.message_dict["status"][0]


def test_registered_today_cannot_jump_to_closed_on_the_same_day(cast):
    with pytest.raises(ValidationError):
        kindergarten_update(actor=cast.bureau_staff, kindergarten=cast.kg_a1, changes={"status": Status.CLOSED})


# --- credit codes ---------------------------------------------------------------------------------

# Codes published by the companies themselves (国家企业信用信息公示系统), not made by the code under test.
KNOWN_VALID = [
    "914403001922038216",  # 华为技术有限公司
    "9144030071526726XG",  # 腾讯科技（深圳）有限公司
    "91330100716105852F",  # 阿里巴巴（中国）有限公司
    "91110000802100433B",  # 北京百度网讯科技有限公司
    "91110108551385082Q",  # 小米科技有限责任公司
    # Check character 0: 5·1+2·3+2·9+1·27+1·19+1·26+0·16+4·17+M(21)·20+J(18)·29+K(19)·28 = 1643 = 53·31.
    "52211104MJ000000K0",
]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_are_valid(code):
    validate_credit_code(code)


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("91AB0000600037341A", "第 3–8 位"),  # the review's example
        ("9100000071526726XG", "第 3–8 位"),  # 00 is no province
        ("52211104MJ000000K1", "校验位"),  # one off the check character 0
        ("52211104MJ000000KA", "校验位"),
    ],
)
def test_bad_codes_are_refused_with_the_reason(code, fragment):
    with pytest.raises(ValidationError) as exc:
        validate_credit_code(code)
    assert fragment in exc.value.messages[0]


def test_upload_with_a_bad_division_code_names_the_cell(client, cast):
    client.force_login(cast.bureau_staff)
    data = build_roster([row(1, credit_code="91AB0000600037341A")])
    file = SimpleUploadedFile("名册.xlsx", data, content_type=excel.XLSX_CONTENT_TYPE)
    response = follow_job(client, client.post(reverse("kindergartens:import"), {"file": file}))
    assert "第 3–8 位" in response.content.decode()
