"""The kindergarten record page shows supervision's links (core.registry's "kindergarten-actions"
slot), and the lists they open show that kindergarten only."""

import pytest
from django.urls import reverse

from supervision.rectification import order_issue


def _issue(cast, kg, description="消防通道堆放杂物"):
    return order_issue(
        actor=cast.bureau_staff,
        kindergarten=kg,
        source_kind="manual",
        source_label="督导发现",
        description=description,
        severity="major",
    )


def _record(client, user, kg):
    client.force_login(user)
    response = client.get(reverse("kindergartens:detail", args=[kg.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_supervisor_sees_links_and_the_open_order_count(client, cast):
    _issue(cast, cast.kg_a1)
    _issue(cast, cast.kg_a1, "围墙破损")
    _issue(cast, cast.kg_a2)  # another kindergarten's order is not counted
    page = _record(client, cast.supervisor, cast.kg_a1)
    pk = cast.kg_a1.pk
    assert 'data-testid="kindergarten-supervision-links"' in page
    assert f"{reverse('supervision:inspection-list')}?kindergarten={pk}" in page
    assert f"{reverse('supervision:selfcheck-list')}?kindergarten={pk}" in page
    assert f"{reverse('supervision:order-list')}?kindergarten={pk}&amp;show=open" in page
    assert 'data-testid="open-order-count">2<' in page
    assert reverse("supervision:inspection-create", args=[pk]) in page
    assert reverse("supervision:order-create", args=[pk]) in page
    assert reverse("supervision:selfcheck-create", args=[pk]) not in page


def test_director_may_start_a_self_check_but_not_issue_orders(client, cast):
    page = _record(client, cast.kg_director, cast.kg_a1)
    assert reverse("supervision:selfcheck-create", args=[cast.kg_a1.pk]) in page
    assert reverse("supervision:order-create", args=[cast.kg_a1.pk]) not in page
    assert reverse("supervision:inspection-create", args=[cast.kg_a1.pk]) not in page


def test_city_viewer_only_reads(client, cast):
    page = _record(client, cast.city_viewer, cast.kg_a1)
    assert f"{reverse('supervision:inspection-list')}?kindergarten={cast.kg_a1.pk}" in page
    for name in ("supervision:inspection-create", "supervision:order-create", "supervision:selfcheck-create"):
        assert reverse(name, args=[cast.kg_a1.pk]) not in page


@pytest.mark.parametrize("list_name", ["supervision:order-list"])
def test_the_linked_order_list_shows_that_kindergarten_only(client, cast, list_name):
    _issue(cast, cast.kg_a1, "甲园的问题")
    _issue(cast, cast.kg_a2, "乙园的问题")
    client.force_login(cast.bureau_staff)
    page = client.get(reverse(list_name), {"kindergarten": cast.kg_a1.pk}).content.decode()
    assert "甲园的问题" in page and "乙园的问题" not in page
    assert "仅显示：大洼区第一幼儿园" in page
    # a kindergarten outside the scope (or junk) does not filter and reveals nothing
    other = client.get(reverse(list_name), {"kindergarten": cast.kg_c1.pk}).content.decode()
    assert "甲园的问题" in other and "乙园的问题" in other and "仅显示" not in other
    junk = client.get(reverse(list_name), {"kindergarten": "1x"})
    assert junk.status_code == 200


def test_inspection_and_selfcheck_lists_filter_by_kindergarten(client, cast):
    from tests.matrix_supervision import make_object

    make_object("inspection_submitted", cast.kg_a1, cast)
    make_object("inspection_submitted", cast.kg_a2, cast)
    make_object("selfcheck_submitted", cast.kg_a1, cast)
    make_object("selfcheck_submitted", cast.kg_a2, cast)
    client.force_login(cast.bureau_staff)
    for name in ("supervision:inspection-list", "supervision:selfcheck-list"):
        page = client.get(reverse(name), {"kindergarten": cast.kg_a2.pk}).content.decode()
        assert "西安镇中心幼儿园" in page and "大洼区第一幼儿园" not in page, name
        assert f'name="kindergarten" value="{cast.kg_a2.pk}"' in page
