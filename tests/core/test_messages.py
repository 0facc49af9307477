"""Every message a user can meet is Chinese, in one register (您).

Django's zh_Hans catalogs miss some of 5.2's messages (the minimum password length came out in
English) and use the familiar "you"; locale/zh_Hans overrides them. These tests render each form's
errors (login, password change, forced change, account create and edit) and find no English
sentence and no familiar "you".
"""

import gettext
import re
from pathlib import Path

import pytest
from django.urls import reverse

from accounts.services import user_reset_password
from tests.factories import TEST_PASSWORD

ROOT = Path(__file__).resolve().parents[2]
LOCALE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES"
NI = "\u4f60"  # the familiar "you"; the portal says 您
# Three or more English words in a row: a sentence that was not translated.
ENGLISH = re.compile(r"[A-Za-z]{2,}(?:[ ,'’-]+[A-Za-z]{2,}){2,}")


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    html = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", html)


def assert_chinese(response):
    assert response.status_code in (200, 403, 429), response.status_code
    text = visible_text(response.content.decode())
    assert not ENGLISH.findall(text), ENGLISH.findall(text)
    assert NI not in text


def errors_of(response) -> list[str]:
    form = response.context["form"]
    return [message for messages in form.errors.values() for message in messages]


# --- the catalogs --------------------------------------------------------------------------


def _po_entries(path: Path) -> dict:
    """msgid (or (msgid, plural index)) -> msgstr of a .po file; enough of the format for ours."""
    entries, key, current, fields = {}, None, None, {}

    def flush():
        if "msgid" in fields and fields["msgid"]:
            if "msgid_plural" in fields:
                for name, value in fields.items():
                    if name.startswith("msgstr["):
                        entries[(fields["msgid"], int(name[7:-1]))] = value
            else:
                entries[fields["msgid"]] = fields.get("msgstr", "")

    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or not line.strip():
            if line.strip() == "" and fields:
                flush()
                fields = {}
            continue
        if line.startswith('"'):
            fields[current] += eval(line)  # noqa: S307  (a quoted .po string of our own file)
            continue
        key, _, value = line.partition(" ")
        current = key
        fields[key] = eval(value)  # noqa: S307
    flush()
    return entries


@pytest.mark.parametrize("domain", ["django", "djangojs"])
def test_compiled_catalogs_match_their_sources(domain):
    entries = _po_entries(LOCALE / f"{domain}.po")
    with (LOCALE / f"{domain}.mo").open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)._catalog
    compiled = {k: v for k, v in compiled.items() if k != ""}
    assert compiled == entries, f"run: msgfmt --check -o {domain}.mo {domain}.po"
    assert all(NI not in value for value in entries.values())


def test_the_project_never_says_ni():
    """Templates, Python (also tests: a message a test expects is one users see) and the catalogs."""
    offenders = []
    for pattern in ("templates/**/*.html", "**/*.py", "locale/**/*.po", "static/js/**/*.js"):
        for path in ROOT.glob(pattern):
            if any(part in (".venv", "node_modules", "vendor") for part in path.parts):
                continue
            if NI in path.read_text(encoding="utf-8", errors="ignore"):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


# --- the forms -----------------------------------------------------------------------------


def test_login_errors(client, cast):
    assert_chinese(client.post(reverse("accounts:login"), {}))
    response = client.post(reverse("accounts:login"), {"username": "bureau_staff", "password": "wrong"})
    assert_chinese(response)
    assert errors_of(response)
    cast.kg_staff.is_active = False
    cast.kg_staff.save()
    assert_chinese(client.post(reverse("accounts:login"), {"username": "kg_staff", "password": TEST_PASSWORD}))
    for _ in range(5):
        response = client.post(reverse("accounts:login"), {"username": "bureau_staff", "password": "wrong"})
    assert response.status_code == 429
    assert_chinese(response)


def test_login_in_an_english_browser_is_still_chinese(client, cast):
    response = client.post(reverse("accounts:login"), {}, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert_chinese(response)
    errors = errors_of(response)
    assert len(errors) == 2 and all("必填" in error for error in errors)


PASSWORD_CASES = [
    ({}, None),  # every field missing
    ({"old_password": "wrong", "new_password1": "Xk9#vT2!pQ7z", "new_password2": "Xk9#vT2!pQ7z"}, "原密码不正确"),
    ({"new_password1": "Ab1", "new_password2": "Ab1"}, "密码太短，至少需要 10 个字符。"),
    ({"new_password1": "12345678901234", "new_password2": "12345678901234"}, "密码不能全是数字。"),
    ({"new_password1": "password123", "new_password2": "password123"}, "该密码过于常见，请换一个。"),
    ({"new_password1": "bureau_staff1", "new_password2": "bureau_staff1"}, "密码与用户名太相似，请换一个。"),
    ({"new_password1": "Xk9#vT2!pQ7z", "new_password2": "Xk9#vT2!pQ7y"}, "两次输入的新密码不一致。"),
    ({"new_password1": TEST_PASSWORD, "new_password2": TEST_PASSWORD}, "新密码不能与当前密码相同。"),
]


@pytest.mark.parametrize(("data", "message"), PASSWORD_CASES)
def test_password_change_errors(client, cast, data, message):
    client.force_login(cast.bureau_staff)
    page = client.get(reverse("accounts:password-change"))
    assert_chinese(page)  # labels and the validators' help texts
    body = {"old_password": TEST_PASSWORD, **data} if data else {}
    response = client.post(reverse("accounts:password-change"), body)
    assert_chinese(response)
    if message:
        assert any(message in error for error in errors_of(response)), errors_of(response)


@pytest.mark.parametrize(("data", "message"), PASSWORD_CASES[2:7])
def test_forced_password_change_errors(client, cast, data, message):
    password = user_reset_password(actor=cast.bureau_admin, user=cast.bureau_staff)
    client.post(reverse("accounts:login"), {"username": "bureau_staff", "password": password})
    response = client.post(reverse("accounts:password-change"), {"old_password": password, **data})
    assert_chinese(response)
    assert any(message in error for error in errors_of(response)), errors_of(response)
    response = client.post(
        reverse("accounts:password-change"),
        {"old_password": password, "new_password1": password, "new_password2": password},
    )
    assert_chinese(response)
    assert "新密码不能与管理员发放的初始密码相同，请设置您自己的密码。" in errors_of(response)


ACCOUNT_CASES = [
    {"username": "", "full_name": "", "role": ""},
    {"username": "bad name!", "full_name": "某人", "role": "kg_staff"},
    {"username": "ok_name", "full_name": "某人", "role": "kg_staff", "phone": "call me", "email": "not-an-email"},
    {"username": "ok_name", "full_name": "某人", "role": "bureau_staff"},
    {"username": "ok_name", "full_name": "某人", "role": "city_viewer"},
    {"username": "ok_name", "full_name": "某人", "role": "kg_staff", "kindergarten": "999999"},
    {"username": "x" * 200, "full_name": "某" * 60, "role": "kg_staff"},
]


@pytest.mark.parametrize("data", ACCOUNT_CASES)
def test_account_create_errors(client, cast, data):
    client.force_login(cast.bureau_admin)
    assert_chinese(client.get(reverse("accounts:user-create")))
    response = client.post(reverse("accounts:user-create"), data)
    assert response.status_code == 200
    assert_chinese(response)
    assert errors_of(response)


def test_account_create_duplicate_username(client, cast):
    client.force_login(cast.bureau_admin)
    data = {"username": "KG_STAFF", "full_name": "某人", "role": "kg_staff", "kindergarten": cast.kg_a1.pk}
    response = client.post(reverse("accounts:user-create"), data)
    assert_chinese(response)
    assert response.context["form"].errors == {"username": ["该用户名已被使用。"]}


@pytest.mark.parametrize("data", ACCOUNT_CASES[1:])
def test_account_edit_errors(client, cast, data):
    client.force_login(cast.bureau_admin)
    url = reverse("accounts:user-edit", kwargs={"pk": cast.kg_staff.pk})
    assert_chinese(client.get(url))
    response = client.post(url, data)
    assert response.status_code == 200
    assert_chinese(response)
    assert errors_of(response)


def test_account_form_errors_sit_under_their_own_field_once(client, cast):
    client.force_login(cast.bureau_admin)
    data = {"username": "ok_name", "full_name": "某人", "role": "kg_staff", "kindergarten": cast.kg_b1.pk}
    errors = client.post(reverse("accounts:user-create"), data).context["form"].errors
    assert errors == {"kindergarten": ["所选项无效，请重新选择。"]}
    data = {"username": "ok_name", "full_name": "某" * 51, "role": "bureau_staff", "bureau": cast.district_a.pk}
    errors = client.post(reverse("accounts:user-create"), data).context["form"].errors
    assert errors == {"full_name": ["最多 50 个字符（当前 51 个）。"]}
