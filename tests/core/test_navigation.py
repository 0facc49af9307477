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
