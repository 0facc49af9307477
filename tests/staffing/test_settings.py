"""教职工管理设置: the bureau admin changes the district's training requirement (audited, with history),
bureau staff read it, the roster follows the new requirement; certificate requirements shown read-only."""

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from staffing.models import StaffingPolicy
from tests.staffing.helpers import NOW, hire

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_admin_changes_the_training_requirement_and_the_roster_follows(client, cast):
    hire(cast.kg_director, cast.kg_a1, 1)
    client.force_login(cast.bureau_admin)
    page = client.get(reverse("staffing:policy")).content.decode()
    assert 'value="360"' in page and "园长岗位培训合格证书" in page and "全体教职工" in page
    response = client.post(reverse("staffing:policy"), {"training_hours": "240", "training_years": "4"})
    assert response.status_code == 302
    policy = StaffingPolicy.objects.get(district=cast.district_a)
    assert (policy.training_hours, policy.training_years) == (240, 4)
    assert AuditEntry.objects.filter(content_type__model="staffingpolicy", object_id=str(policy.pk)).exists()
    history = client.get(reverse("staffing:policy-history")).content.decode()
    assert "240" in history and "五年培训学时要求" in history
    client.force_login(cast.kg_director)
    roster = client.get(reverse("staffing:roster", args=[cast.kg_a1.pk])).content.decode()
    assert "0.0 / 240" in roster


def test_bad_values_are_refused_and_nothing_changes(client, cast):
    client.force_login(cast.bureau_admin)
    response = client.post(reverse("staffing:policy"), {"training_hours": "0", "training_years": "11"})
    assert response.status_code == 200 and not StaffingPolicy.objects.exists()


def test_bureau_staff_read_but_may_not_change(client, cast):
    client.force_login(cast.bureau_staff)
    page = client.get(reverse("staffing:policy")).content.decode()
    assert "每名教师每 5 年应完成 360 学时" in page and "save-policy" not in page
    assert client.post(reverse("staffing:policy"), {"training_hours": "10", "training_years": "5"}).status_code == 403
    assert not StaffingPolicy.objects.exists()


def test_another_districts_change_does_not_touch_this_one(client, cast):
    client.force_login(cast.admin_b)
    client.post(reverse("staffing:policy"), {"training_hours": "100", "training_years": "5"})
    assert StaffingPolicy.objects.get().district == cast.district_b
    client.force_login(cast.bureau_admin)
    assert 'value="360"' in client.get(reverse("staffing:policy")).content.decode()
