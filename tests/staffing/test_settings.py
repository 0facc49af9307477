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


# --- the district's certificate requirements ----------------------------------------------------------


def _requirements_body(extra: dict[str, list[str]] | None = None, everyone: set[str] = frozenset()) -> dict:
    """The form as the defaults fill it, with ``extra`` posts added per kind code."""
    from staffing.models import CertificateKind

    body = {}
    for kind in CertificateKind.objects.all():
        body[f"posts_{kind.pk}"] = [*kind.required_for, *(extra or {}).get(kind.code, [])]
        if kind.for_all_posts or kind.code in everyone:
            body[f"all_{kind.pk}"] = "on"
    return body


def test_the_district_admin_makes_cooks_need_a_guard_licence_in_the_district_only(client, cast):
    from staffing import selectors
    from staffing.models import Employment, Post

    cook_a = hire(cast.kg_director, cast.kg_a1, 11, post=Post.COOK)
    cook_b = hire(cast.director_b1, cast.kg_b1, 12, post=Post.COOK)
    client.force_login(cast.bureau_admin)
    page = client.get(reverse("staffing:certificate-requirements")).content.decode()
    assert "保安员证" in page and "全市默认" in page
    response = client.post(
        reverse("staffing:certificate-requirements"), _requirements_body({"guard_licence": ["cook"]})
    )
    assert response.status_code == 302
    policy = StaffingPolicy.objects.get(district=cast.district_a)
    assert list(policy.certificate_requirements.values()) == [{"posts": ["cook", "guard"], "all": False}]
    # the district's missing list, roster flags and rates follow; district B keeps the defaults
    on = selectors.today()
    employments = list(selectors.missing_certificates(Employment.objects.all(), on=on))
    missing = selectors.missing_names(employments, on=on)
    assert "保安员证" in missing[cook_a.pk] and "保安员证" not in missing[cook_b.pk]
    rates_a = {r["post"]: r for r in selectors.holding_rates(Employment.objects.filter(pk=cook_a.pk), on=on)}
    rates_b = {r["post"]: r for r in selectors.holding_rates(Employment.objects.filter(pk=cook_b.pk), on=on)}
    assert ("保安员证", 0) in rates_a["炊事员"]["kinds"] and ("保安员证", 0) not in rates_b["炊事员"]["kinds"]
    merged = {r["post"]: r for r in selectors.holding_rates(Employment.objects.all(), on=on)}
    assert merged["炊事员"]["total"] == 2 and ("保安员证", 0) in merged["炊事员"]["kinds"]
    client.force_login(cast.kg_director)
    roster = client.get(reverse("staffing:roster", args=[cast.kg_a1.pk])).content.decode()
    assert "保安员证" in roster
    # the pages of each district's bureau (their district given to the figures) and the city viewer's
    for user, listed in ((cast.bureau_staff, True), (cast.admin_b, False), (cast.city_viewer, True)):
        client.force_login(user)
        missing_page = client.get(reverse("staffing:expiring"), {"window": "missing"}).content.decode()
        rates_page = client.get(reverse("staffing:rates")).content.decode()
        assert ("保安员证" in missing_page) is listed, user
        assert ("保安员证 0" in rates_page) is listed, user
    # the policy page marks the change; the history reads as Chinese
    client.force_login(cast.bureau_staff)
    settings_page = client.get(reverse("staffing:policy")).content.decode()
    assert "本区县调整" in settings_page and "炊事员、保安员" in settings_page
    history = client.get(reverse("staffing:policy-history")).content.decode()
    assert "保安员证：炊事员、保安员" in history and "guard" not in history


def test_setting_the_defaults_back_stores_nothing_and_bad_posts_are_refused(client, cast):
    from staffing.models import CertificateKind

    client.force_login(cast.bureau_admin)
    url = reverse("staffing:certificate-requirements")
    client.post(url, _requirements_body({"guard_licence": ["cook"]}))
    assert client.post(url, _requirements_body()).status_code == 302
    assert StaffingPolicy.objects.get().certificate_requirements == {}
    kind = CertificateKind.objects.get(code="guard_licence")
    bad = _requirements_body()
    bad[f"posts_{kind.pk}"] = ["astronaut"]
    response = client.post(url, bad)
    assert response.status_code == 200 and "岗位无效，请重新选择。" in response.content.decode()
    assert StaffingPolicy.objects.get().certificate_requirements == {}


def test_everyone_needs_a_certificate_when_the_district_says_so(cast):
    from staffing import selectors
    from staffing.models import CertificateKind, Post
    from staffing.services import certificate_requirements_update

    kind = CertificateKind.objects.get(code="food_worker")
    certificate_requirements_update(
        actor=cast.bureau_admin, district=cast.district_a, requirements={kind.pk: (True, [])}
    )
    teacher = hire(cast.kg_director, cast.kg_a1, 21, post=Post.TEACHER)
    teacher = type(teacher).objects.select_related("kindergarten").get(pk=teacher.pk)
    assert "食品从业人员健康证明" in selectors.missing_names([teacher], on=selectors.today())[teacher.pk]


def test_only_the_district_admin_changes_the_requirements(client, cast):
    client.force_login(cast.bureau_staff)
    url = reverse("staffing:certificate-requirements")
    assert client.get(url).status_code == 403
    assert client.post(url, _requirements_body({"guard_licence": ["cook"]})).status_code == 403
    client.force_login(cast.admin_b)
    client.post(url, _requirements_body({"guard_licence": ["cook"]}))
    assert StaffingPolicy.objects.get().district == cast.district_b
