"""Agreements, confirmations, activities, plans and targets through the services: the rules of seed 004,
each refusal with its reason, every problem in one pass, and the life of an agreement."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import Notification
from kindergartens.models import Kindergarten, Status
from pairing import rules, services
from pairing.models import Activity, Agreement, Confirmation, Form, Mode, PairingFile
from tests.factories import UserFactory
from tests.pairing.helpers import PDF, agreement_fields, make_agreement
from tests.supervision.files import FAKE_JPEG, upload

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def _messages(exc: ValidationError) -> str:
    return " ".join(m for ms in exc.message_dict.values() for m in ms)


def _create(c, actor=None, helping=None, helped=None, **overrides):
    return services.agreement_create(
        actor=actor or c.kg_director,
        fields=agreement_fields(**overrides),
        helping_ids=[k.pk for k in (helping or [c.kg_a1])],
        helped_ids=[k.pk for k in (helped or [c.kg_b1])],
    )


# --- rules ------------------------------------------------------------------------------------------------


def test_an_agreement_of_18_months_is_refused_with_the_two_year_rule(pc):
    with pytest.raises(ValidationError) as exc:
        _create(pc, end_date=datetime.date(2027, 2, 28))
    text = _messages(exc.value)
    assert "约 17 个月，不足两年" in text and "2027年08月31日" in text and "帮扶不少于两年" in text
    assert not Agreement.objects.exists()


def test_two_years_to_the_day_before_is_enough(pc):
    assert rules.min_end_date(datetime.date(2024, 9, 1)) == datetime.date(2026, 8, 31)
    assert rules.min_end_date(datetime.date(2024, 2, 29)) == datetime.date(2026, 2, 27)
    agreement = _create(pc, start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2027, 8, 31))
    assert agreement.state == Agreement.State.DRAFT


@pytest.mark.parametrize("word", ["品牌费", "挂钩费"])
def test_a_text_mentioning_a_fee_is_refused_with_the_rule_quoted(pc, word):
    with pytest.raises(ValidationError) as exc:
        _create(pc, content=f"被帮扶园每年向帮扶园缴纳{word}两万元。")
    text = _messages(exc.value)
    assert f"“{word}”" in text
    assert "不得收取‘品牌费’，不得额外收取帮扶挂钩费" in text
    assert not Agreement.objects.exists()


def test_the_model_has_no_fee_field():
    names = {f.name for f in Agreement._meta.get_fields()}
    assert not any("fee" in n or "price" in n or "amount" in n for n in names)


def test_every_problem_is_reported_at_once(pc):
    with pytest.raises(ValidationError) as exc:
        _create(
            pc,
            helping=[pc.kg_a1, pc.kg_a2],
            helped=[pc.kg_a3, pc.kg_b1],
            end_date=datetime.date(2026, 3, 1),
            forms=[],
            goals="",
            rights_obligations="收取品牌费",
        )
    errors = exc.value.message_dict
    text = _messages(exc.value)
    assert "不足两年" in text and "帮扶形式" in text and "请填写帮扶目标与措施" in text
    assert "“一对多”或“多对一”" in text and "品牌费" in text
    assert {"end_date", "forms", "goals", "__all__"} <= set(errors)


def test_mode_one_needs_town_public_helping_a_village_private_one_in_the_same_township(pc):
    # kg_a2 (public) and kg_a3 (普惠性民办) are both in 西安镇 (220 村庄): allowed.
    ok = _create(pc, actor=pc.director_a2, helping=[pc.kg_a2], helped=[pc.kg_a3], mode=Mode.TOWN_PUBLIC)
    assert ok.mode == Mode.TOWN_PUBLIC
    # kg_a1 (public, 大洼街道 121) helping kg_a2 (public, another township): three reasons.
    with pytest.raises(ValidationError) as exc:
        _create(pc, helping=[pc.kg_a1], helped=[pc.kg_a2], mode=Mode.TOWN_PUBLIC)
    text = _messages(exc.value)
    assert "方式一的被帮扶园应为民办园：“西安镇中心幼儿园”是公办" in text
    assert "同一街道/乡镇" in text
    # The helped one must be rural (from the township's code).
    with pytest.raises(ValidationError) as exc:
        _create(pc, actor=pc.director_a2, helping=[pc.kg_a2], helped=[pc.kg_a1], mode=Mode.TOWN_PUBLIC)
    assert "城乡分类代码为 121（城镇）" in _messages(exc.value)


def test_mode_two_reads_the_stars_from_the_registry_level(pc):
    # kg_a1 is 五星级: it may help kg_a2 (二星级).
    assert _create(pc, helping=[pc.kg_a1], helped=[pc.kg_a2], mode=Mode.STARRED).mode == Mode.STARRED
    # kg_a2 is 二星级: it may not help under mode 2.
    with pytest.raises(ValidationError) as exc:
        _create(pc, actor=pc.director_a2, helping=[pc.kg_a2], helped=[pc.kg_a3], mode=Mode.STARRED)
    assert "应为四星级或五星级幼儿园：“西安镇中心幼儿园”在名录中为二星级" in _messages(exc.value)


def test_modes_one_and_two_stay_in_the_district_mode_three_crosses_it(pc):
    with pytest.raises(ValidationError) as exc:
        _create(pc, helping=[pc.kg_a1], helped=[pc.kg_b1], mode=Mode.STARRED)
    assert "应选择方式三" in _messages(exc.value)
    with pytest.raises(ValidationError) as exc:
        _create(pc, helping=[pc.kg_a1], helped=[pc.kg_a2], mode=Mode.CROSS_DISTRICT)
    assert "方式三为跨区域结对" in _messages(exc.value)
    with pytest.raises(ValidationError) as exc:
        _create(pc, helping=[pc.kg_a1], helped=[pc.kg_c1], mode=Mode.CROSS_DISTRICT)
    assert "同一市" in _messages(exc.value)


def test_one_to_many_and_many_to_one_are_allowed(pc):
    one_to_many = _create(pc, helping=[pc.kg_a1], helped=[pc.kg_b1, pc.kg_b2])
    many_to_one = _create(pc, helping=[pc.kg_a1, pc.kg_a2], helped=[pc.kg_b2])
    assert one_to_many.parties.count() == 3 and many_to_one.parties.count() == 3


def test_a_kindergarten_not_operating_cannot_be_paired(pc):
    Kindergarten.objects.filter(pk=pc.kg_b1.pk).update(status=Status.SUSPENDED)
    with pytest.raises(ValidationError) as exc:
        _create(pc)
    assert "“双台子区实验幼儿园”在名录中不是在办状态（停办）" in _messages(exc.value)


def test_a_director_drafts_only_agreements_of_their_own_kindergarten(pc):
    with pytest.raises(ValidationError, match="须包含本园"):
        _create(pc, actor=pc.kg_director, helping=[pc.kg_b2], helped=[pc.kg_b1])


# --- life of an agreement ---------------------------------------------------------------------------------


def _active_cross(pc, day=datetime.date(2025, 10, 1)):
    agreement = _create(pc)
    with time_machine.travel(datetime.datetime(day.year, day.month, day.day, 9, tzinfo=SHANGHAI), tick=False):
        services.agreement_submit(actor=pc.kg_director, agreement=agreement)
        services.agreement_confirm(actor=pc.bureau_staff, agreement=agreement)
        services.agreement_confirm(actor=pc.admin_b, agreement=agreement)
    agreement.refresh_from_db()
    return agreement


def test_a_cross_district_agreement_needs_both_bureaus(pc):
    agreement = _create(pc)
    services.agreement_submit(actor=pc.kg_director, agreement=agreement)
    services.agreement_confirm(actor=pc.bureau_staff, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.SUBMITTED and agreement.filed_at is None
    with pytest.raises(ValidationError, match="本区县已确认"):
        services.agreement_confirm(actor=pc.bureau_admin, agreement=agreement)
    outsider = UserFactory(role="bureau_staff", bureau=pc.district_c)
    with pytest.raises(PermissionDenied):
        services.agreement_confirm(actor=outsider, agreement=agreement)
    services.agreement_confirm(actor=pc.admin_b, agreement=agreement)
    agreement.refresh_from_db()
    assert agreement.filed_at is not None
    assert set(Confirmation.objects.filter(agreement=agreement).values_list("district_id", flat=True)) == {
        pc.district_a.pk,
        pc.district_b.pk,
    }


def test_confirmed_before_its_start_date_it_waits_then_starts_with_a_baseline(pc):
    agreement = _create(pc, start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2027, 8, 31))
    with time_machine.travel(datetime.datetime(2025, 8, 20, 9, tzinfo=SHANGHAI), tick=False):
        services.agreement_submit(actor=pc.kg_director, agreement=agreement)
        services.agreement_confirm(actor=pc.bureau_staff, agreement=agreement)
        services.agreement_confirm(actor=pc.admin_b, agreement=agreement)
        assert services.agreements_start_due() == 0
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.CONFIRMED
    with time_machine.travel(datetime.datetime(2025, 9, 1, 0, 30, tzinfo=SHANGHAI), tick=False):
        assert services.agreements_start_due() == 1
        assert services.agreements_start_due() == 0  # idempotent
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.ACTIVE
    assert agreement.baseline["on"] == "2025-09-01"
    assert agreement.baseline["kindergartens"][str(pc.kg_b1.pk)]["open_orders"] == 0


def test_return_sends_it_back_with_a_reason_and_the_confirmations_lapse(pc):
    agreement = _create(pc)
    services.agreement_submit(actor=pc.kg_director, agreement=agreement)
    services.agreement_confirm(actor=pc.bureau_staff, agreement=agreement)
    with pytest.raises(ValidationError):
        services.agreement_return(actor=pc.admin_b, agreement=agreement, reason=" ")
    services.agreement_return(actor=pc.admin_b, agreement=agreement, reason="请细化帮扶措施")
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.DRAFT and agreement.return_reason == "请细化帮扶措施"
    assert not agreement.confirmations.exists()


def test_end_early_needs_a_reason_and_completion_waits_for_the_end_date(pc):
    agreement = _active_cross(pc)
    with pytest.raises(ValidationError, match="尚未到期"):
        services.agreement_complete(actor=pc.bureau_staff, agreement=agreement)
    with pytest.raises(ValidationError):
        services.agreement_end_early(actor=pc.bureau_staff, agreement=agreement, reason="")
    services.agreement_end_early(actor=pc.bureau_staff, agreement=agreement, reason="被帮扶园停办")
    agreement.refresh_from_db()
    assert agreement.state == Agreement.State.ENDED and agreement.end_reason == "被帮扶园停办"
    other = _active_cross(pc)
    with time_machine.travel(datetime.datetime(2027, 9, 1, 9, tzinfo=SHANGHAI), tick=False):
        services.agreement_complete(actor=pc.bureau_staff, agreement=other)
    other.refresh_from_db()
    assert other.state == Agreement.State.COMPLETED


def _activity(**overrides):
    fields = {
        "date": datetime.date(2025, 10, 15),
        "form": Form.ON_SITE,
        "helping_people": 3,
        "helped_people": 8,
        "hours": Decimal("2.5"),
        "content": "入园指导",
    }
    fields.update(overrides)
    return fields


def test_either_side_logs_activities_with_evidence(pc):
    agreement = _active_cross(pc)
    with time_machine.travel(datetime.datetime(2025, 10, 20, 9, tzinfo=SHANGHAI), tick=False):
        a = services.activity_log(
            actor=pc.kg_director,
            agreement=agreement,
            fields=_activity(),
            uploads=[upload(PDF, "签到表.pdf", "application/pdf")],
        )
        b = services.activity_log(
            actor=pc.director_b1, agreement=agreement, fields=_activity(date=datetime.date(2025, 10, 18))
        )
    assert a.kindergarten_id == pc.kg_a1.pk and b.kindergarten_id == pc.kg_b1.pk
    assert a.files.get().content_type == "application/pdf"
    agreement.refresh_from_db()
    assert agreement.last_activity_on == datetime.date(2025, 10, 18)


def test_an_activity_is_checked_in_one_pass(pc):
    agreement = _active_cross(pc)
    at = time_machine.travel(datetime.datetime(2025, 10, 20, 9, tzinfo=SHANGHAI), tick=False)
    with at, pytest.raises(ValidationError) as exc:
        services.activity_log(
            actor=pc.kg_director,
            agreement=agreement,
            fields=_activity(date=datetime.date(2025, 11, 1), form=Form.ONLINE, content="收取挂钩费"),
            uploads=[upload(FAKE_JPEG, "照片.jpg", "image/jpeg")],
        )
    errors = exc.value.message_dict
    assert {"date", "form", "content", "files"} <= set(errors)
    assert not Activity.objects.exists() and not PairingFile.objects.exists()
    with pytest.raises(PermissionDenied):
        services.activity_log(actor=pc.director_a2, agreement=agreement, fields=_activity())


def test_the_signed_file_is_checked_by_content(pc):
    agreement = _create(pc)
    with pytest.raises(ValidationError, match="不是JPG、PNG 图片或 PDF 文件"):
        services.agreement_upload_signed(
            actor=pc.kg_director, agreement=agreement, uploads=[upload(FAKE_JPEG, "协议.pdf", "application/pdf")]
        )
    assert not PairingFile.objects.exists()
    [stored] = services.agreement_upload_signed(
        actor=pc.kg_director, agreement=agreement, uploads=[upload(PDF, "协议.pdf", "application/pdf")]
    )
    assert stored.kind == PairingFile.Kind.SIGNED and stored.content_type == "application/pdf"


def test_an_idle_agreement_is_flagged_once_to_both_bureaus(pc):
    agreement = _active_cross(pc)
    services.activity_log(actor=pc.kg_director, agreement=agreement, fields=_activity(date=datetime.date(2025, 10, 1)))
    day_44 = datetime.date(2025, 11, 14)
    day_45 = datetime.date(2025, 11, 15)
    assert services.agreements_flag_idle(day=day_44) == 0
    assert services.agreements_flag_idle(day=day_45) == 1
    assert services.agreements_flag_idle(day=day_45 + datetime.timedelta(days=1)) == 0  # once per idle spell
    recipients = set(Notification.objects.filter(title__contains="没有登记活动").values_list("recipient_id", flat=True))
    assert {pc.bureau_admin.pk, pc.bureau_staff.pk, pc.admin_b.pk} <= recipients
    assert pc.kg_director.pk not in recipients and pc.city_viewer.pk not in recipients
    # A new activity clears the flag.
    with time_machine.travel(datetime.datetime(2025, 11, 20, 9, tzinfo=SHANGHAI), tick=False):
        services.activity_log(
            actor=pc.kg_director, agreement=agreement, fields=_activity(date=datetime.date(2025, 11, 20))
        )
    agreement.refresh_from_db()
    assert agreement.idle_flagged_on is None


def test_the_idle_time_is_the_citys_setting(pc):
    agreement = _active_cross(pc)
    services.target_save(
        actor=pc.city_viewer, city=pc.city, year=2025, participants=10, rural_share=Decimal(40),
        plan_due=datetime.date(2025, 9, 5), agreements_due=datetime.date(2025, 10, 15), idle_days=30,
    )  # fmt: skip
    since = agreement.start_date
    assert services.agreements_flag_idle(day=since + datetime.timedelta(days=29)) == 0
    assert services.agreements_flag_idle(day=since + datetime.timedelta(days=30)) == 1


# --- plans --------------------------------------------------------------------------------------------------


def test_a_plan_keeps_its_figures_and_its_list_as_filed(pc):
    plan = services.plan_save(
        actor=pc.bureau_staff, district=pc.district_a, year=2025, helping_count=2, helped_count=3,
        helping_ids=[pc.kg_a1.pk], helped_ids=[pc.kg_a2.pk, pc.kg_a3.pk],
    )  # fmt: skip
    assert (plan.helping_count, plan.helped_count, plan.entries.count()) == (2, 3, 3)
    with pytest.raises(ValidationError, match="不属于本区县"):
        services.plan_save(
            actor=pc.bureau_staff, district=pc.district_a, year=2025, helping_count=1, helped_count=1,
            helping_ids=[pc.kg_b1.pk], helped_ids=[],
        )  # fmt: skip
    services.plan_submit(actor=pc.bureau_staff, plan=plan)
    with pytest.raises(ValidationError, match="已上报"):
        services.plan_save(
            actor=pc.bureau_staff, district=pc.district_a, year=2025, helping_count=1, helped_count=1,
            helping_ids=[], helped_ids=[],
        )  # fmt: skip


def test_make_agreement_helper_builds_parties(pc):
    agreement = make_agreement(pc.kg_a1, [pc.kg_b1, pc.kg_b2])
    assert agreement.parties.count() == 3
