"""reports.access: who sees which submissions (404 outside), who may do what (403 inside)."""

import pytest
from django.http import Http404

from core.access import require  # noqa: F401 - the 403 helper the access functions use
from reports.access import report_types_visible_to, submission_get_for_user, submissions_visible_to
from reports.models import Submission
from reports.services import submissions_open
from tests.reports.conftest import FEB


@pytest.fixture
def opened(feb_open, at):
    with at(2025, 3, 1, 2, 0, 0):
        submissions_open(report_type=feb_open.district_type, month=FEB)
    return feb_open


def _names(user):
    return sorted(
        str(s) for s in submissions_visible_to(user).select_related("report_type", "kindergarten", "district")
    )


def test_scope_by_role(opened):
    c = opened
    a1, a2 = f"{c.kg_a1.name} 2025年02月幼儿园月报", f"{c.kg_a2.name} 2025年02月幼儿园月报"
    b1 = f"{c.kg_b1.name} 2025年02月幼儿园月报"
    dist_a, dist_b = "大洼区 2025年02月区县学前教育督导月报", "双台子区 2025年02月区县学前教育督导月报"
    assert _names(c.kg_director) == [a1] and _names(c.kg_staff) == [a1]
    assert _names(c.supervisor) == [a1]
    assert _names(c.bureau_staff) == sorted([a1, a2, dist_a])
    assert _names(c.bureau_admin) == sorted([a1, a2, dist_a])
    assert _names(c.city_viewer) == sorted([a1, a2, b1, dist_a, dist_b])
    assert _names(c.no_scope) == []


def test_get_for_user_404_outside_403_inside(opened):
    from django.core.exceptions import PermissionDenied

    c = opened
    a1 = Submission.objects.get(kindergarten=c.kg_a1)
    b1 = Submission.objects.get(kindergarten=c.kg_b1)
    assert submission_get_for_user(c.kg_director, a1.pk, action="submit") == a1
    with pytest.raises(Http404):
        submission_get_for_user(c.kg_director, b1.pk)
    with pytest.raises(Http404):
        submission_get_for_user(c.bureau_staff, b1.pk)
    with pytest.raises(PermissionDenied):
        submission_get_for_user(c.kg_staff, a1.pk, action="submit")
    with pytest.raises(PermissionDenied):
        submission_get_for_user(c.city_viewer, a1.pk, action="review")
    with pytest.raises(Http404):
        submission_get_for_user(c.no_scope, a1.pk)


def test_report_types_by_role(opened):
    c = opened
    assert list(report_types_visible_to(c.kg_director).values_list("code", flat=True)) == ["kg-monthly"]
    assert list(report_types_visible_to(c.supervisor).values_list("code", flat=True)) == ["kg-monthly"]
    assert list(report_types_visible_to(c.city_viewer).values_list("code", flat=True)) == [
        "kg-monthly",
        "district-monthly",
    ]
    assert not report_types_visible_to(c.no_scope).exists()
