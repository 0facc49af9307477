"""The roster's services: hiring (one person per city), moves keep history, refusals (blacklist,
record check, employed elsewhere), the principal as one fact with the registry, late filing,
misconduct, reveals of the full ID number, and the ID number kept out of the audit trail."""

import datetime

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import AuditEntry
from kindergartens.models import Kindergarten
from kindergartens.services import filing_approve, filing_submit, kindergarten_update
from staffing.models import Employment, IdReveal, Misconduct, Person, Post, RecordCheck, Sanction
from staffing.services import (
    employment_end,
    id_number_reveal,
    misconduct_record,
    person_rehire,
    person_update,
    record_check_add,
)
from tests.staffing.helpers import NOW, hire, id_number

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_hire_creates_the_person_with_derived_facts(cast):
    employment = hire(cast.kg_director, cast.kg_a1, 123)
    person = employment.person
    assert person.city == cast.city
    assert person.gender == "male" and person.birth_date == datetime.date(1990, 3, 7)
    assert person.id_masked == "110101********" + id_number(123)[-4:]
    assert employment.kindergarten == cast.kg_a1 and employment.leave_date is None


def test_the_full_number_never_reaches_the_audit_trail(cast):
    number = id_number(123)
    person = hire(cast.kg_director, cast.kg_a1, 123).person
    entries = AuditEntry.objects.filter(object_id=str(person.pk), content_type__model="person")
    assert entries.exists()
    for entry in AuditEntry.objects.all():
        text = str(entry.changes) + entry.object_repr
        assert number not in text and number[6:14] not in text
    create = entries.get(action="create")
    assert create.changes["id_masked"][1] == person.id_masked
    assert create.changes["id_number"][1] == "***"


def test_errors_do_not_repeat_the_number(cast):
    hire(cast.kg_director, cast.kg_a1, 123)
    with pytest.raises(ValidationError) as exc:
        hire(cast.director_a2, cast.kg_a2, 123)
    assert id_number(123) not in str(exc.value)


def test_one_person_per_city_and_a_move_keeps_history(cast):
    first = hire(cast.bureau_staff, cast.kg_a1, 123)
    with pytest.raises(ValidationError, match="仍在其他幼儿园在职"):
        hire(cast.bureau_staff, cast.kg_a2, 123)
    employment_end(actor=cast.kg_director, employment=first, leave_date=datetime.date(2026, 2, 28), reason="调动")
    second = hire(cast.bureau_staff, cast.kg_a2, 123, hire_date=datetime.date(2026, 3, 1))
    assert second.person_id == first.person_id
    assert Person.objects.count() == 1
    assert list(
        Employment.objects.filter(person=first.person).order_by("hire_date").values_list("kindergarten_id", flat=True)
    ) == [
        cast.kg_a1.pk,
        cast.kg_a2.pk,
    ]
    # The same number in another city is another person record.
    hire(cast.director_c1, cast.kg_c1, 123)
    assert Person.objects.filter(id_hash=first.person.id_hash).count() == 2


def test_a_different_name_for_a_known_number_is_refused(cast):
    first = hire(cast.kg_director, cast.kg_a1, 123, name="张三")
    employment_end(actor=cast.kg_director, employment=first, leave_date=datetime.date(2026, 3, 1))
    with pytest.raises(ValidationError, match="姓名不一致"):
        hire(cast.director_a2, cast.kg_a2, 123, name="李四")


def test_outsiders_and_read_only_roles_cannot_hire(cast):
    for actor in (cast.kg_staff, cast.supervisor, cast.city_viewer, cast.director_a2, cast.admin_b, cast.no_scope):
        with pytest.raises(PermissionDenied):
            hire(actor, cast.kg_a1, 123)
    assert not Person.objects.exists() and not Employment.objects.exists()


def test_a_person_with_a_record_cannot_be_employed(cast):
    employment = hire(cast.kg_director, cast.kg_a1, 123)
    record_check_add(
        actor=cast.kg_director,
        person=employment.person,
        kind=RecordCheck.Kind.YEARLY,
        checked_on=datetime.date(2026, 3, 1),
        result=RecordCheck.Result.RECORD,
    )
    employment_end(actor=cast.kg_director, employment=employment, leave_date=datetime.date(2026, 3, 2))
    with pytest.raises(ValidationError) as exc:
        person_rehire(
            actor=cast.kg_director,
            person=employment.person,
            kindergarten=cast.kg_a1,
            post=Post.TEACHER,
            post_type="not_established",
            hire_date=datetime.date(2026, 3, 10),
        )
    # the import's words (staffing.imports): that the person may not be hired and whom to ask
    assert exc.value.messages == ["该人员不得录用。如有疑问，请联系大洼区教育局。"]
    assert Employment.objects.filter(leave_date__isnull=True).count() == 0


def test_blacklisted_people_are_refused_everywhere_with_only_a_contact(cast):
    employment = hire(cast.director_b1, cast.kg_b1, 123)
    misconduct_record(
        actor=cast.admin_b,
        person=employment.person,
        occurred_on=datetime.date(2026, 1, 5),
        decided_on=datetime.date(2026, 2, 1),
        description="体罚幼儿，情节严重",
        sanction=Sanction.DISMISSAL,
        veto=True,
    )
    employment_end(
        actor=cast.director_b1, employment=employment, leave_date=datetime.date(2026, 2, 1), check_rights=True
    )
    for actor, kg in ((cast.kg_director, cast.kg_a1), (cast.director_c1, cast.kg_c1)):
        with pytest.raises(ValidationError) as exc:
            hire(actor, kg, 123, name="另一个名字")
        message = exc.value.message_dict["id_number"][0]
        assert message == "该人员不得录用。如有疑问，请联系双台子区教育局。"
        assert "体罚" not in message and "开除" not in message and "实验幼儿园" not in message
        assert "黑名单" not in message
    assert Employment.objects.filter(leave_date__isnull=True).count() == 0


def test_only_the_bureau_records_misconduct_and_sanctions_last_as_the_rule_says(cast):
    person = hire(cast.kg_director, cast.kg_a1, 123).person
    for actor in (cast.kg_director, cast.supervisor, cast.city_viewer, cast.admin_b):
        with pytest.raises(PermissionDenied):
            misconduct_record(
                actor=actor,
                person=person,
                occurred_on=datetime.date(2026, 1, 1),
                decided_on=datetime.date(2026, 1, 31),
                description="x",
                sanction=Sanction.WARNING,
            )
    expected = {
        Sanction.WARNING: datetime.date(2026, 7, 31),
        Sanction.DEMERIT: datetime.date(2027, 1, 31),
        Sanction.DEMOTION: datetime.date(2028, 1, 31),
        Sanction.DISMISSAL: None,
    }
    for sanction, until in expected.items():
        record = misconduct_record(
            actor=cast.bureau_staff,
            person=person,
            occurred_on=datetime.date(2026, 1, 1),
            decided_on=datetime.date(2026, 1, 31),
            description="辱骂幼儿",
            sanction=sanction,
        )
        assert record.sanction_until == until and record.district == cast.district_a
    assert Misconduct.objects.count() == 4


def test_teacher_changes_filed_late_on_the_registry_rule(cast):
    on_time = hire(cast.kg_director, cast.kg_a1, 1, hire_date=datetime.date(2026, 2, 16))
    late = hire(cast.kg_director, cast.kg_a1, 2, hire_date=datetime.date(2026, 2, 15))
    cook = hire(cast.kg_director, cast.kg_a1, 3, hire_date=datetime.date(2025, 1, 1), post=Post.COOK)
    assert (on_time.hire_filed_late, late.hire_filed_late, cook.hire_filed_late) == (False, True, False)
    left = employment_end(actor=cast.kg_director, employment=late, leave_date=datetime.date(2026, 2, 15))
    assert left.leave_filed_late


def test_principal_hired_on_the_roster_is_the_registrys_principal(cast):
    employment = hire(
        cast.kg_director, cast.kg_a1, 5, post=Post.PRINCIPAL, name="王园长", hire_date=datetime.date(2025, 8, 1)
    )
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    assert (kg.principal_name, kg.principal_since) == ("王园长", datetime.date(2025, 8, 1))
    with pytest.raises(ValidationError, match="已有在任园长"):
        hire(cast.kg_director, cast.kg_a1, 6, post=Post.PRINCIPAL)
    person_update(actor=cast.kg_director, person=employment.person, changes={"name": "王丽"})
    assert Kindergarten.objects.get(pk=kg.pk).principal_name == "王丽"
    employment_end(actor=cast.kg_director, employment=employment, leave_date=datetime.date(2026, 3, 1))
    kg = Kindergarten.objects.get(pk=kg.pk)
    assert (kg.principal_name, kg.principal_since) == ("", None)


def test_registry_principal_change_moves_the_roster(cast):
    old = hire(cast.kg_director, cast.kg_a1, 5, post=Post.PRINCIPAL, name="王园长", hire_date=datetime.date(2024, 8, 1))
    vice = hire(cast.kg_director, cast.kg_a1, 7, post=Post.VICE_PRINCIPAL, name="李副园长")
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    kindergarten_update(
        actor=cast.bureau_staff,
        kindergarten=kg,
        changes={"principal_name": "李副园长", "principal_since": datetime.date(2026, 3, 1)},
    )
    old.refresh_from_db()
    vice.refresh_from_db()
    assert old.leave_date == datetime.date(2026, 2, 28)
    assert vice.leave_date == datetime.date(2026, 2, 28)
    new = Employment.objects.get(kindergarten=kg, post=Post.PRINCIPAL, leave_date__isnull=True)
    assert new.person_id == vice.person_id and new.hire_date == datetime.date(2026, 3, 1)


def test_registry_principal_through_an_approved_filing_and_a_date_correction(cast):
    principal = hire(
        cast.kg_director, cast.kg_a1, 5, post=Post.PRINCIPAL, name="王园长", hire_date=datetime.date(2025, 8, 1)
    )
    kg = Kindergarten.objects.get(pk=cast.kg_a1.pk)
    # The cast's open filing would block a new one: approve it first.
    filing_approve(actor=cast.bureau_staff, filing=cast.filing_a1)
    filing = filing_submit(
        actor=cast.kg_director,
        kindergarten=kg,
        proposed={"principal_since": "2025-07-01"},
        effective_date=datetime.date(2025, 7, 1),
    )
    filing_approve(actor=cast.bureau_staff, filing=filing)
    principal.refresh_from_db()
    assert principal.hire_date == datetime.date(2025, 7, 1) and principal.leave_date is None


def test_reveal_is_for_the_bureau_and_the_own_director_and_recorded(cast):
    person = hire(cast.kg_director, cast.kg_a1, 123).person
    for user in (cast.kg_director, cast.bureau_staff, cast.bureau_admin):
        assert id_number_reveal(user=user, person=person) == id_number(123)
    assert IdReveal.objects.filter(person=person).count() == 3
    for user in (cast.kg_staff, cast.supervisor, cast.city_viewer, cast.director_a2, cast.admin_b):
        with pytest.raises(PermissionDenied):
            id_number_reveal(user=user, person=person)
    assert IdReveal.objects.filter(person=person).count() == 3
    # Each reveal is itself in the audit trail.
    assert AuditEntry.objects.filter(content_type__model="idreveal", action="create").count() == 3


def test_person_lookups_use_the_keyed_hash(cast):
    person = hire(cast.kg_director, cast.kg_a1, 123).person
    from staffing.idcard import keyed_hash

    assert person.id_hash == keyed_hash(id_number(123))
    assert Person.objects.filter(id_hash=keyed_hash(id_number(123).lower())).get() == person
