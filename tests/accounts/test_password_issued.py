"""A one-time password is shown once, on a GET page after a redirect: a reload neither issues
another password nor shows the first one again."""

import re

from django.urls import reverse

from accounts.models import User


def issued_password(response) -> str | None:
    match = re.search(r'data-testid="issued-password">([^<]+)<', response.content.decode())
    return match.group(1) if match else None


def test_creating_an_account_redirects_to_a_page_showing_the_password_once(client, cast):
    client.force_login(cast.bureau_admin)
    data = {"username": "new_teacher", "full_name": "新老师", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}
    response = client.post(reverse("accounts:user-create"), data)
    user = User.objects.get(username="new_teacher")
    shown_at = reverse("accounts:user-password-issued", kwargs={"pk": user.pk})
    assert response.status_code == 302 and response["Location"] == shown_at
    assert issued_password(response) is None

    page = client.get(shown_at)
    assert page.status_code == 200
    assert "no-store" in page["Cache-Control"]
    password = issued_password(page)
    assert password and user.check_password(password)
    assert "账号已创建" in page.content.decode()

    # A reload: no password any more, and nothing issued anew.
    hash_before = User.objects.get(pk=user.pk).password
    again = client.get(shown_at, follow=True)
    assert again.redirect_chain == [(reverse("accounts:user-detail", kwargs={"pk": user.pk}), 302)]
    assert issued_password(again) is None and password not in again.content.decode()
    assert "初始密码只显示一次" in again.content.decode()
    assert User.objects.get(pk=user.pk).password == hash_before
    assert User.objects.filter(username="new_teacher").count() == 1
    assert password not in str(dict(client.session))


def test_resetting_a_password_redirects_and_shows_it_once(client, cast):
    client.force_login(cast.bureau_admin)
    url = reverse("accounts:user-reset-password", kwargs={"pk": cast.kg_staff.pk})
    response = client.post(url)
    shown_at = reverse("accounts:user-password-issued", kwargs={"pk": cast.kg_staff.pk})
    assert response.status_code == 302 and response["Location"] == shown_at
    page = client.get(shown_at)
    password = issued_password(page)
    assert "密码已重置" in page.content.decode()
    staff = User.objects.get(pk=cast.kg_staff.pk)
    assert staff.check_password(password) and staff.must_change_password
    assert issued_password(client.get(shown_at, follow=True)) is None
    assert User.objects.get(pk=cast.kg_staff.pk).password == staff.password


def test_the_password_of_one_account_is_never_shown_on_anothers_page(client, cast):
    client.force_login(cast.bureau_admin)
    client.post(reverse("accounts:user-reset-password", kwargs={"pk": cast.kg_staff.pk}))
    other = client.get(reverse("accounts:user-password-issued", kwargs={"pk": cast.kg_director.pk}))
    assert other.status_code == 302 and issued_password(other) is None
    # …and it is still there for the right account.
    mine = client.get(reverse("accounts:user-password-issued", kwargs={"pk": cast.kg_staff.pk}))
    assert issued_password(mine)


def test_only_the_issuing_administrator_session_sees_it(client, cast):
    client.force_login(cast.bureau_admin)
    client.post(reverse("accounts:user-reset-password", kwargs={"pk": cast.kg_staff.pk}))
    client.force_login(cast.bureau_staff)  # another session
    response = client.get(reverse("accounts:user-password-issued", kwargs={"pk": cast.kg_staff.pk}))
    assert response.status_code == 403
