"""挂牌督导公示: a supervisor chooses to publish name, photo and work phone on the public pages of
the kindergartens assigned to them; nothing is shown unless published."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from supervision.models import SupervisorSign
from supervision.services import supervisor_assignment_end
from supervision.signs import public_sign_for, sign_update
from tests.supervision.files import FAKE_JPEG, JPEG, PDF, PNG, upload


def _public(client, kg):
    return client.get(reverse("public:kindergarten", args=[kg.pk])).content.decode()


def test_nothing_is_shown_until_the_supervisor_publishes(client, cast):
    assert "挂牌督导" not in _public(client, cast.kg_a1)
    sign_update(actor=cast.supervisor, published=False, work_phone="0427-1234567", photo=upload())
    assert public_sign_for(cast.kg_a1) is None
    assert "0427-1234567" not in _public(client, cast.kg_a1)
    sign = SupervisorSign.objects.get()
    assert client.get(reverse("public_signs:photo", args=[sign.pk])).status_code == 404


def test_a_published_sign_shows_name_photo_and_phone_on_the_assigned_kindergartens_only(client, cast):
    sign = sign_update(actor=cast.supervisor, published=True, work_phone="0427-1234567", photo=upload(JPEG, "我.jpg"))
    page = _public(client, cast.kg_a1)
    assert "挂牌督导" in page and cast.supervisor.display_name in page and "0427-1234567" in page
    photo_url = reverse("public_signs:photo", args=[sign.pk])
    assert photo_url in page
    photo = client.get(photo_url)
    assert photo.status_code == 200 and photo["Content-Type"] == "image/jpeg" and photo.content == JPEG
    assert photo["X-Content-Type-Options"] == "nosniff"
    # kg_a2 has another (or no) responsible supervisor: not this sign
    assert "0427-1234567" not in _public(client, cast.kg_a2)


def test_unpublishing_or_ending_the_assignment_hides_it(client, cast):
    from django.core.cache import cache

    sign = sign_update(actor=cast.supervisor, published=True, work_phone="0427-1234567", photo=upload())
    sign_update(actor=cast.supervisor, published=False, work_phone="0427-1234567")
    cache.clear()  # the public pages are cached for five minutes
    assert "0427-1234567" not in _public(client, cast.kg_a1)
    assert client.get(reverse("public_signs:photo", args=[sign.pk])).status_code == 404
    sign_update(actor=cast.supervisor, published=True, work_phone="0427-1234567")
    supervisor_assignment_end(actor=cast.bureau_admin, assignment=cast.assignment_a1)
    cache.clear()
    assert public_sign_for(cast.kg_a1) is None
    assert client.get(reverse("public_signs:photo", args=[sign.pk])).status_code == 404


@pytest.mark.parametrize(
    ("data", "name"), [(FAKE_JPEG, "照片.jpg"), (PDF, "照片.pdf"), (b"", "空.png")], ids=["fake", "pdf", "empty"]
)
def test_a_photo_is_checked_from_its_content_and_a_refusal_changes_nothing(cast, data, name):
    sign_update(actor=cast.supervisor, published=True, work_phone="0427-1234567")
    with pytest.raises(ValidationError):
        sign_update(actor=cast.supervisor, published=False, work_phone="110", photo=upload(data, name, "image/jpeg"))
    sign = SupervisorSign.objects.get()
    assert sign.published and sign.work_phone == "0427-1234567" and not sign.photo


def test_a_bad_phone_is_refused_in_chinese(cast):
    with pytest.raises(ValidationError) as exc:
        sign_update(actor=cast.supervisor, published=True, work_phone="call me")
    assert "工作电话" in str(exc.value.message_dict)
    assert not SupervisorSign.objects.exists()


@pytest.mark.parametrize("who", ["bureau_admin", "bureau_staff", "kg_director", "city_viewer", "no_scope"])
def test_only_supervisors_have_a_sign(cast, who):
    with pytest.raises(PermissionDenied):
        sign_update(actor=getattr(cast, who), published=True)
    assert not SupervisorSign.objects.exists()


def test_the_page_saves_the_choice_with_a_photo_and_removes_it(client, cast):
    client.force_login(cast.supervisor)
    page = client.get(reverse("supervision:sign")).content.decode()
    assert "挂牌公示" in page and cast.kg_a1.name in page
    response = client.post(
        reverse("supervision:sign"), {"published": "on", "work_phone": "0427 7654321", "photo": upload(PNG)}
    )
    assert response.status_code == 302
    sign = SupervisorSign.objects.get(supervisor=cast.supervisor)
    assert sign.published and sign.photo_type == "image/png" and sign.work_phone == "0427 7654321"
    stored = sign.photo.name
    assert sign.photo.storage.exists(stored)
    response = client.post(reverse("supervision:sign"), {"published": "on", "work_phone": "", "remove_photo": "on"})
    assert response.status_code == 302
    sign.refresh_from_db()
    assert not sign.photo and sign.work_phone == ""
    refused = client.post(reverse("supervision:sign"), {"work_phone": "", "photo": upload(FAKE_JPEG, "x.jpg")})
    assert refused.status_code == 200 and "不是" in refused.content.decode()
    sign.refresh_from_db()
    assert sign.published  # the refused post changed nothing


def test_the_public_page_spends_one_query_on_the_sign(client, cast):
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url = reverse("public:kindergarten", args=[cast.kg_a1.pk])
    with CaptureQueriesContext(connection) as without:
        client.get(url)
    sign_update(actor=cast.supervisor, published=True, work_phone="0427-1234567", photo=upload())
    cache.clear()
    with CaptureQueriesContext(connection) as with_sign:
        assert "0427-1234567" in client.get(url).content.decode()
    assert len(with_sign) == len(without)
