"""Supervision records in the Django admin: a staff bureau admin sees their district's, read-only;
another district's are 404 like missing ids; evidence files are not linked from the admin."""

import pytest
from django.urls import reverse

from tests.matrix_supervision import make_object, make_template_object


@pytest.fixture
def staff_admin(client, cast):
    cast.bureau_admin.is_staff = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    return client


@pytest.mark.parametrize(
    ("model", "kind"),
    [
        ("rectificationorder", "order"),
        ("inspection", "inspection"),
        ("selfcheck", "selfcheck_submitted"),
        ("evidencefile", "evidence"),
    ],
)
def test_kindergarten_records_are_scoped_and_read_only(staff_admin, cast, model, kind):
    own = make_object(kind, cast.kg_a1, cast)
    foreign = make_object(kind, cast.kg_b1, cast)
    response = staff_admin.get(reverse(f"admin:supervision_{model}_changelist"))
    assert response.status_code == 200
    assert {row.pk for row in response.context["cl"].result_list} == {own.pk}
    for pk in (foreign.pk, 999999):
        assert staff_admin.get(reverse(f"admin:supervision_{model}_change", args=[pk])).status_code == 404
    page = staff_admin.get(reverse(f"admin:supervision_{model}_change", args=[own.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert staff_admin.get(reverse(f"admin:supervision_{model}_add")).status_code == 403


def test_evidence_files_are_served_only_through_the_checked_page(staff_admin, cast):
    evidence = make_object("evidence", cast.kg_a1, cast)
    page = staff_admin.get(reverse("admin:supervision_evidencefile_change", args=[evidence.pk])).content.decode()
    assert evidence.file.name not in page and evidence.file.url not in page


@pytest.mark.parametrize(("model", "kind"), [("randomdraw", "draw"), ("checklisttemplate", "template")])
def test_district_records_are_scoped(staff_admin, cast, model, kind):
    own = make_template_object(kind, cast.district_a)
    foreign = make_template_object(kind, cast.district_b)
    response = staff_admin.get(reverse(f"admin:supervision_{model}_changelist"))
    shown = {row.pk for row in response.context["cl"].result_list}
    assert own.pk in shown and foreign.pk not in shown
    assert staff_admin.get(reverse(f"admin:supervision_{model}_change", args=[foreign.pk])).status_code == 404
