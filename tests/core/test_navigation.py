"""The menu and the account links of every page (base.html, core.context_processors)."""

import re

import pytest
from django.urls import reverse


def links(html: str) -> set[str]:
    return set(re.findall(r'(?:href|action)="([^"?#]+)"', html))


@pytest.mark.parametrize(
    ("role", "shown", "hidden"),
    [
        ("bureau_admin", ["kindergartens:list", "supervision:assignment-list", "accounts:user-list"], []),
        ("supervisor", ["kindergartens:list"], ["accounts:user-list"]),
        ("kg_staff", ["kindergartens:list"], ["accounts:user-list", "supervision:assignment-list"]),
    ],
)
def test_each_role_sees_its_menu_and_the_account_links(client, cast, role, shown, hidden):
    client.force_login(getattr(cast, role))
    html = client.get(reverse("accounts:profile")).content.decode()
    found = links(html)
    account = ["core:home", "accounts:profile", "accounts:password-change", "core:job-list", "accounts:logout"]
    for name in [*account, *shown]:
        assert reverse(name) in found, name
    for name in hidden:
        assert reverse(name) not in found, name
    assert f'<form method="post" action="{reverse("accounts:logout")}">' in html


def test_the_menu_follows_the_script_prefix():
    """Reversed once per prefix: a site mounted under /portal/ links under /portal/."""
    from django.urls import get_script_prefix, set_script_prefix

    from core.context_processors import url_of

    before = get_script_prefix()
    try:
        set_script_prefix("/portal/")
        assert url_of("kindergartens:list") == "/portal/kindergartens/"
        set_script_prefix("/")
        assert url_of("kindergartens:list") == "/kindergartens/"
    finally:
        set_script_prefix(before)


def test_signed_out_pages_have_no_menu(client):
    html = client.get(reverse("accounts:login")).content.decode()
    assert reverse("kindergartens:list") not in links(html)


def _menu_items(html: str) -> list[tuple[str, list[str]]]:
    """(label, links) of each top-menu item, in order: a link is an item of one."""
    nav = html.split('<ul class="navbar-nav me-auto">', 1)[1].split("</ul>\n      <ul", 1)[0]
    items = []
    for part in re.split(r'<li class="nav-item', nav)[1:]:
        if part.startswith(' dropdown"'):
            label = re.search(r'data-bs-toggle="dropdown"[^>]*>([^<]+)</a>', part).group(1)
            items.append((label, re.findall(r'class="dropdown-item[^"]*" href="([^"]+)"', part)))
        else:
            items.append(tuple(re.search(r'href="([^"]+)"[^>]*>([^<]+)</a>', part).group(2, 1)))
            items[-1] = (items[-1][0], [items[-1][1]])
    return items


def test_the_apps_pages_are_grouped_in_dropdowns(client, cast):
    """~30 pages for a bureau admin: one row of groups, each app's pages under its own heading."""
    client.force_login(cast.bureau_admin)
    items = _menu_items(client.get(reverse("accounts:profile")).content.decode())
    labels = [label for label, _links in items]
    assert labels[0] == "首页"
    assert len(items) <= 11, labels
    groups = dict(items)
    assert reverse("supervision:inspection-list") in groups["督导"]
    assert reverse("supervision:order-list") in groups["督导"]
    assert reverse("kindergartens:compliance") in groups["幼儿园"]
    assert reverse("staffing:expiring") in groups["教职工"]
    assert groups["账号管理"] == [reverse("accounts:user-list")]
    # every entry appears once
    every = [url for _label, urls in items for url in urls]
    assert len(every) == len(set(every))


def test_a_group_with_one_entry_for_this_user_is_a_plain_link(client, cast):
    from core.registry import menu_for

    items = {item.label: item.entries for item in menu_for(cast.supervisor)}
    assert items["月报"] == (("reports:home", "月报首页"),)  # the group's landing page: the group's name
    items = {item.label: item.entries for item in menu_for(cast.kg_staff)}
    assert items["整改通知"] == (("supervision:order-list", "整改通知"),)  # another page: its own name
    assert "督导" not in items


def test_the_current_page_is_marked_in_its_group(client, cast):
    client.force_login(cast.bureau_admin)
    html = client.get(reverse("staffing:expiring")).content.decode()
    assert f'class="dropdown-item active" href="{reverse("staffing:expiring")}" aria-current="page"' in html
    assert html.count('aria-current="page"') >= 1
    assert 'class="nav-link dropdown-toggle active"' in html


def test_menu_groups_order_and_unregistered_groups():
    from core import registry

    saved_menu, saved_groups = dict(registry._menu), dict(registry._groups)
    try:
        registry._menu.clear()
        registry._groups.clear()
        registry.register_menu_group(key="b", label="乙组", order=20)
        registry.register_menu_entry(url_name="x:1", label="一", order=3, visible=lambda u: True, group="b")
        registry.register_menu_entry(url_name="x:2", label="二", order=1, visible=lambda u: True, group="b")
        registry.register_menu_entry(url_name="x:3", label="三", order=10, visible=lambda u: True)
        registry.register_menu_entry(url_name="x:4", label="四", order=30, visible=lambda u: True, group="nobody")
        registry.register_menu_entry(url_name="x:5", label="五", order=5, visible=lambda u: False, group="b")
        menu = registry.menu_for(object())
        assert [(item.label, item.entries) for item in menu] == [
            ("三", (("x:3", "三"),)),
            ("乙组", (("x:2", "二"), ("x:1", "一"))),
            ("四", (("x:4", "四"),)),
        ]
        registry.register_menu_entry(url_name="x:1", label="一", order=3, visible=lambda u: False, group="b")
        assert [item.label for item in registry.menu_for(object())] == [
            "三",
            "乙组",
            "四",
        ]  # b's first page: the group's name
        registry.register_menu_entry(url_name="x:2", label="二", order=1, visible=lambda u: False, group="b")
        registry.register_menu_entry(url_name="x:1", label="一", order=3, visible=lambda u: True, group="b")
        assert [item.label for item in registry.menu_for(object())] == [
            "三",
            "一",
            "四",
        ]  # not the first page: its own name
    finally:
        registry._menu.clear()
        registry._menu.update(saved_menu)
        registry._groups.clear()
        registry._groups.update(saved_groups)


@pytest.mark.parametrize("group", ["safety", "pairing", "supervision"])
def test_an_apps_own_address_opens_its_first_page_in_the_users_menu(client, cast, group):
    from core.registry import group_entries_for

    for role in ("city_viewer", "bureau_staff", "supervisor", "kg_director", "kg_staff"):
        user = getattr(cast, role)
        client.force_login(user)
        response = client.get(f"/{group}/")
        assert response.status_code == 302, (group, role)
        first = reverse(group_entries_for(user, group)[0])
        assert response["Location"] == first and first != f"/{group}/", (group, role)
        assert client.get(first).status_code == 200, (group, role, first)
    client.force_login(cast.no_scope)
    refused = client.get(f"/{group}/")
    assert refused.status_code == 403 and "权限" in refused.content.decode()


def test_an_index_never_hides_an_apps_own_root_page():
    """A group's index is a core route placed before the apps' URLs: an app that answers its own root
    (reports, indicators, staffing) must not ask for one, or its page would be unreachable."""
    from django.urls import resolve

    from core.registry import group_indexes

    for prefix, key in group_indexes().items():
        assert resolve(f"/{prefix}").url_name == f"group-{key}"
        app = __import__(f"{key}.urls", fromlist=["urlpatterns"])
        assert not [p for p in app.urlpatterns if str(p.pattern) == ""], key


def test_the_kept_menu_is_what_the_template_renders_for_each_user_and_page(client, cast, monkeypatch):
    """core_menu keeps each distinct menu's HTML: it must be what the template renders now, for this
    user and this page (roles do not share a menu, the current page is marked per page)."""
    from django.template import loader

    from core.templatetags import core_menu

    core_menu._kept.clear()
    rendered = []
    real = core_menu.render_to_string

    def counting(name, context):
        rendered.append(name)
        return real(name, context)

    monkeypatch.setattr(core_menu, "render_to_string", counting)
    menus = {}
    for role in ("bureau_admin", "kg_staff", "bureau_admin"):
        client.force_login(getattr(cast, role))
        for name in ("kindergartens:list", "accounts:profile", "kindergartens:list"):
            response = client.get(reverse(name))
            html = response.content.decode()
            expected = loader.render_to_string("snippets/main_menu.html", {"nav": response.context["nav"]})
            assert expected.strip() and expected in html
            menus[(role, name)] = expected
    assert len(rendered) == 4  # (two roles) x (two pages): each rendered once
    assert menus[("bureau_admin", "kindergartens:list")] != menus[("bureau_admin", "accounts:profile")]
    assert reverse("accounts:user-list") in menus[("bureau_admin", "accounts:profile")]
    assert reverse("accounts:user-list") not in menus[("kg_staff", "accounts:profile")]
    assert 'aria-current="page"' in menus[("kg_staff", "kindergartens:list")]


def test_the_view_reads_the_user_itself_not_a_lazy_wrapper(client, cast):
    from accounts.models import User

    client.force_login(cast.bureau_admin)
    response = client.get(reverse("kindergartens:list"))
    assert type(response.wsgi_request.user) is User
    assert response.wsgi_request.user.pk == cast.bureau_admin.pk
