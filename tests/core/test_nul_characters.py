"""A NUL character anywhere a view could hand it to the database is answered 400 with the reason
(core.middleware.NulCharacterMiddleware): PostgreSQL cannot store it, and a view reading request.POST
itself (a return reason) answered 500 on PostgreSQL."""

import json

from django.urls import reverse

from core.middleware import NUL_MESSAGE
from kindergartens.models import Kindergarten


def test_a_form_with_a_nul_is_refused_with_the_reason_and_nothing_changes(client, cast):
    client.force_login(cast.bureau_admin)
    kg = cast.kg_a1
    before = Kindergarten.objects.get(pk=kg.pk).name
    response = client.post(reverse("kindergartens:edit", args=[kg.pk]), {"name": "新名\x00字"})
    assert response.status_code == 400
    assert NUL_MESSAGE in response.content.decode()
    assert Kindergarten.objects.get(pk=kg.pk).name == before


def test_a_search_with_a_nul_is_refused(client, cast):
    client.force_login(cast.bureau_admin)
    response = client.get(reverse("kindergartens:list") + "?q=%00")
    assert response.status_code == 400 and NUL_MESSAGE in response.content.decode()
    assert client.get(reverse("kindergartens:list") + "?q=%E5%A4%A7").status_code == 200


def test_json_with_an_escaped_nul_is_refused_in_json(client, cast):
    client.force_login(cast.bureau_admin)
    body = json.dumps({"name": "a\u0000b"})
    response = client.post(reverse("api:kindergarten-list"), data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json() == {"detail": NUL_MESSAGE}


def test_multipart_bodies_are_left_to_the_forms(client, cast):
    """A file's bytes hold NULs by nature: the upload reaches its view (which answers for itself)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(cast.bureau_admin)
    upload = SimpleUploadedFile("名册.xlsx", b"PK\x03\x04\x00\x00junk", content_type="application/octet-stream")
    response = client.post(reverse("kindergartens:import"), {"file": upload})
    assert response.status_code != 400 or NUL_MESSAGE not in response.content.decode()
    assert response.status_code < 500
