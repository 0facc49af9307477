"""What a clerk sees on the registry pages: the small things the registry review found."""

from pathlib import Path

from django.conf import settings
from django.urls import reverse

LIST = reverse("kindergartens:list")


def test_a_directors_one_row_list_has_no_filter_bar(client, cast):
    client.force_login(cast.kg_director)
    html = client.get(LIST).content.decode()
    assert 'role="search"' not in html and cast.kg_a1.name in html
    client.force_login(cast.bureau_staff)
    assert 'role="search"' in client.get(LIST).content.decode()


def test_the_search_box_is_wide_enough_for_its_placeholder(client, cast):
    client.force_login(cast.bureau_staff)
    html = client.get(LIST).content.decode()
    assert 'class="flex-grow-1 filter-search"' in html
    css = (Path(settings.BASE_DIR) / "static/css/app.css").read_text()
    assert ".filter-search { min-width: 20rem; }" in css


def test_the_as_of_view_says_which_columns_are_today(client, cast):
    import datetime

    from kindergartens.services import kindergarten_create

    kindergarten_create(
        actor=None,
        name="老园",
        district=cast.district_a,
        township=cast.town_a,
        nature="public",
        effective_date=datetime.date(2024, 9, 1),
    )
    client.force_login(cast.bureau_staff)
    html = client.get(LIST, {"as_of": "2025-03"}).content.decode()
    assert "显示的是当前数据" in html
    assert html.count("（当前）") >= 4  # 等级, 学位数, 在园幼儿, 责任督学
    assert "（当前）" not in client.get(LIST).content.decode()


def test_favicon(client, cast):
    client.force_login(cast.bureau_staff)
    html = client.get(LIST).content.decode()
    assert 'rel="icon"' in html and "favicon.svg" in html
    response = client.get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
    assert (Path(settings.BASE_DIR) / "static/favicon.svg").read_text().startswith("<svg")


def test_district_is_shown_by_name_not_the_bureau(client, cast):
    client.force_login(cast.kg_director)
    html = client.get(reverse("kindergartens:detail", kwargs={"pk": cast.kg_a1.pk})).content.decode()
    assert "大洼区</dd>" in html and "大洼区教育局</dd>" not in html
