"""The Django admin is scoped like the portal: a staff bureau admin sees their district, read-only."""

from django.urls import reverse

from accounts.models import User
from core.models import AuditEntry


def test_staff_bureau_admin_sees_only_their_district(client, cast):
    cast.bureau_admin.is_staff = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    response = client.get(reverse("admin:kindergartens_kindergarten_changelist"))
    assert response.status_code == 200
    shown = {kg.pk for kg in response.context["cl"].result_list}
    assert shown == {cast.kg_a1.pk, cast.kg_a2.pk}
    # A foreign kindergarten is 404, exactly like an id that does not exist (no redirect with a
    # "does not exist" message, which told the two apart for other views), on every object view.
    for view in ("change", "history"):
        for pk in (cast.kg_b1.pk, cast.kg_c1.pk, 999999):
            response = client.get(reverse(f"admin:kindergartens_kindergarten_{view}", args=[pk]))
            assert response.status_code == 404, (view, pk)
    response = client.get(reverse("admin:accounts_user_change", args=[cast.director_b1.pk]))
    assert response.status_code == 404
    # Read-only: the change form of an own kindergarten has no save button, a POST changes nothing.
    url = reverse("admin:kindergartens_kindergarten_change", args=[cast.kg_a1.pk])
    client.post(url, {"name": "改名", "district": cast.district_a.pk, "township": cast.town_a.pk, "nature": "public"})
    cast.kg_a1.refresh_from_db()
    assert cast.kg_a1.name == "大洼区第一幼儿园"
    assert client.get(reverse("admin:kindergartens_kindergarten_add")).status_code == 403


def test_staff_bureau_admin_sees_only_their_districts_audit_entries(client, cast):
    cast.bureau_admin.is_staff = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    response = client.get(reverse("admin:core_auditentry_changelist"))
    assert response.status_code == 200
    districts = {e.district_id for e in response.context["cl"].result_list}
    assert districts == {cast.district_a.pk}
    entry = AuditEntry.objects.filter(district_id=cast.district_a.pk).first()
    assert client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_staff_flag_alone_does_not_open_the_admin(client, cast):
    cast.bureau_staff.is_staff = True
    cast.bureau_staff.save()
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_superuser_sees_everything_but_cannot_touch_audit_entries(client, cast):
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026")
    client.force_login(root)
    response = client.get(reverse("admin:kindergartens_kindergarten_changelist"))
    assert {kg.pk for kg in response.context["cl"].result_list} == {
        cast.kg_a1.pk,
        cast.kg_a2.pk,
        cast.kg_b1.pk,
        cast.kg_c1.pk,
    }
    entry = AuditEntry.objects.first()
    response = client.get(reverse("admin:core_auditentry_change", args=[entry.pk]))
    assert response.status_code == 200
    assert b'name="_save"' not in response.content


def _view_on_site(obj) -> str:
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(type(obj))
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_view_on_site_answers_404_outside_the_scoped_admins_district(client, cast):
    """Django's "view on site" shortcut (/admin/r/<type>/<id>/) must not reveal which ids exist elsewhere."""
    cast.bureau_admin.is_staff = True
    cast.bureau_admin.save()
    client.force_login(cast.bureau_admin)
    own = client.get(_view_on_site(cast.kg_a1))
    assert own.status_code == 302 and own["Location"].endswith(cast.kg_a1.get_absolute_url())
    for foreign in (cast.kg_b1, cast.kg_c1):
        assert client.get(_view_on_site(foreign)).status_code == 404
    missing = _view_on_site(cast.kg_a1).replace(f"/{cast.kg_a1.pk}/", "/999999/")
    assert client.get(missing).status_code == 404
    assert client.get(_view_on_site(cast.kg_a1).replace(f"/{cast.kg_a1.pk}/", "/abc/")).status_code == 404
    # Models the scoped admin has no list of at all: 404 too, whatever the id.
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=cast.bureau_staff)
    assert client.get(_view_on_site(token)).status_code == 404


def test_view_on_site_for_a_superuser_is_djangos(client, cast):
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026")
    client.force_login(root)
    response = client.get(_view_on_site(cast.kg_b1))
    assert response.status_code == 302 and response["Location"].endswith(cast.kg_b1.get_absolute_url())
