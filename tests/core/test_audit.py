"""The audit trail records every write path, with its context, and cannot be altered."""

import re

import pytest
from celery import shared_task
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from accounts.models import User
from core.audit import audit_context, history_for
from core.models import AuditEntry
from kindergartens.models import Kindergarten, Nature, Township, UrbanRural
from kindergartens.services import kindergarten_update
from tests.factories import TownshipFactory


def entries_for(obj):
    return list(history_for(obj).order_by("id"))


def test_web_edit_records_actor_request_and_changes(client, cast):
    client.force_login(cast.bureau_staff)
    response = client.post(
        reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}),
        {
            "name": "大洼区第一幼儿园（东园）",
            "township": cast.town_a.pk,
            "nature": Nature.PRIVATE,
            "status": "operating",
            "schedule": "full_day",
            "capacity": 0,
        },
    )
    assert response.status_code == 302
    entry = entries_for(cast.kg_a1)[-1]
    assert entry.action == AuditEntry.Action.UPDATE
    assert entry.actor_id == cast.bureau_staff.pk
    assert entry.actor_label == "bureau_staff"
    assert entry.source == AuditEntry.Source.WEB
    assert entry.request_id == response["X-Request-ID"]
    assert entry.path == f"POST /kindergartens/{cast.kg_a1.pk}/edit/"
    assert entry.district_id == cast.district_a.pk
    assert entry.changes == {
        "name": ["大洼区第一幼儿园", "大洼区第一幼儿园（东园）"],
        "nature": ["public", "private"],
    }


def test_create_records_initial_values(cast):
    entry = entries_for(cast.kg_a1)[0]
    assert entry.action == AuditEntry.Action.CREATE
    assert entry.changes["name"] == [None, "大洼区第一幼儿园"]
    assert entry.changes["township_id"] == [None, cast.town_a.pk]


def test_queryset_update_records_each_row(cast):
    with audit_context(source="command", path="fix-natures", actor=cast.bureau_admin):
        count = Kindergarten.objects.filter(district=cast.district_a).update(nature=Nature.PRIVATE)
    assert count == 2
    for kg in (cast.kg_a1, cast.kg_a2):
        entry = entries_for(kg)[-1]
        assert entry.changes == {"nature": ["public", "private"]}
        assert entry.source == "command"
        assert entry.actor_id == cast.bureau_admin.pk
    assert entries_for(cast.kg_b1)[-1].action == "create"  # untouched rows get nothing


def test_bulk_create_and_bulk_update_are_recorded(cast):
    towns = Township.objects.bulk_create(
        [
            Township(district=cast.district_a, name="新开镇", urban_rural_code=UrbanRural.VILLAGE),
            Township(district=cast.district_a, name="唐家镇", urban_rural_code=UrbanRural.VILLAGE),
        ]
    )
    assert [e.action for t in towns for e in entries_for(t)] == ["create", "create"]
    for t in towns:
        t.urban_rural_code = UrbanRural.VILLAGE_CENTRE
    Township.objects.bulk_update(towns, ["urban_rural_code"])
    assert entries_for(towns[0])[-1].changes == {"urban_rural_code": ["220", "210"]}
    assert len(entries_for(towns[0])) == 2  # one create, one update: never recorded twice


def test_delete_records_a_snapshot(cast):
    town = Township.objects.create(district=cast.district_a, name="临时街道", urban_rural_code=UrbanRural.MAIN_URBAN)
    pk = town.pk
    town.delete()
    ct = ContentType.objects.get_for_model(Township)
    entry = AuditEntry.objects.filter(content_type=ct, object_id=str(pk)).order_by("-id").first()
    assert entry.action == "delete"
    assert entry.changes["name"] == ["临时街道", None]


def test_secrets_are_masked_and_last_login_alone_is_not_recorded(cast):
    user = User.objects.get(pk=cast.kg_staff.pk)
    before = len(entries_for(user))
    user.set_password("Another-pass-2026")
    user.save()
    entry = entries_for(user)[-1]
    assert entry.changes == {"password": ["***", "***"]}
    assert "Another" not in str(entry.changes)
    from django.utils import timezone

    user.last_login = timezone.now()
    user.save(update_fields=["last_login"])
    assert len(entries_for(user)) == before + 1


def test_services_outside_requests_have_no_actor_unless_given(cast):
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=Kindergarten.objects.get(pk=cast.kg_a2.pk),
        changes={
            "name": "西安镇中心幼儿园",
            "township": cast.town_a,
            "nature": Nature.PUBLIC,
            "collaboration_group": None,
        },
    )
    entry = entries_for(cast.kg_a2)[-1]
    assert entry.source == "system"
    assert entry.changes == {"township_id": [cast.village_a.pk, cast.town_a.pk]}


@shared_task(name="tests.rename_kindergarten")
def rename_kindergarten(pk: int, name: str, actor_id: int | None = None) -> None:
    Kindergarten.objects.filter(pk=pk).update(name=name)


def test_task_context_is_recorded(cast):
    result = rename_kindergarten.apply(
        kwargs={"pk": cast.kg_a1.pk, "name": "任务改名", "actor_id": cast.bureau_admin.pk}
    )
    entry = entries_for(cast.kg_a1)[-1]
    assert entry.source == "task"
    assert entry.path == "tests.rename_kindergarten"
    assert entry.request_id == result.id
    assert entry.actor_id == cast.bureau_admin.pk


def test_admin_edits_are_recorded_as_admin(client, cast):
    root = User.objects.create_superuser("root", "root@example.com", "Root-pass-2026")
    client.force_login(root)
    url = reverse("admin:kindergartens_township_change", args=[cast.town_a.pk])
    response = client.post(
        url, {"district": cast.district_a.pk, "name": "大洼街道（改）", "code": "", "urban_rural_code": "121"}
    )
    assert response.status_code == 302, response.content[:500]
    entry = entries_for(cast.town_a)[-1]
    assert entry.source == "admin"
    assert entry.actor_id == root.pk
    assert entry.changes == {"name": ["大洼街道", "大洼街道（改）"]}


def test_entries_cannot_be_changed_or_removed_through_the_orm(cast):
    entry = entries_for(cast.kg_a1)[0]
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(object_repr="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(PermissionError):
        entry.delete()
    entry.object_repr = "x"
    with pytest.raises(PermissionError):
        entry.save()


def test_database_refuses_updates_to_entries(cast):
    entry = entries_for(cast.kg_a1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET object_repr = 'forged' WHERE id = %s", [entry.pk])
    entry.refresh_from_db()
    assert entry.object_repr == "大洼区第一幼儿园"


def test_database_refuses_deletes_on_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite keeps DELETE for the test flush; the application refuses it (see migration core 0002)")
    entry = entries_for(cast.kg_a1)[0]
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM core_auditentry WHERE id = %s", [entry.pk])
    assert AuditEntry.objects.filter(pk=entry.pk).exists()


def test_database_refuses_truncate_on_postgresql(cast):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has no TRUNCATE")
    count = AuditEntry.objects.count()
    assert count > 0
    for statement in ("TRUNCATE core_auditentry", "TRUNCATE django_content_type CASCADE"):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            # Fire the test transaction's deferred foreign-key checks first: PostgreSQL refuses to
            # truncate a table with pending trigger events before our trigger would even run.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(statement)
    assert AuditEntry.objects.count() == count


@pytest.mark.django_db(transaction=True)
def test_the_test_suites_flush_still_empties_the_audit_table():
    """The flush after this transactional test must not be refused (tests/postgresql_flush)."""
    TownshipFactory(name="临时街道")
    assert AuditEntry.objects.exists()


def test_history_page_shows_labelled_changes(client, cast, django_assert_max_num_queries):
    kindergarten_update(
        actor=cast.bureau_admin,
        kindergarten=Kindergarten.objects.get(pk=cast.kg_a1.pk),
        changes={
            "name": "大洼区第一幼儿园",
            "township": cast.town_a,
            "nature": Nature.PRIVATE,
            "collaboration_group": None,
        },
    )
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:history", kwargs={"pk": cast.kg_a1.pk}))
    assert response.status_code == 200
    html = response.content.decode()
    assert "办园性质" in html and "非普惠性民办" in html and "公办" in html


def test_history_page_query_count_does_not_grow(client, cast):
    from django.test.utils import CaptureQueriesContext

    client.force_login(cast.bureau_staff)
    url = reverse("kindergartens:history", kwargs={"pk": cast.kg_a1.pk})
    # Each count after a change and a warm-up request: a change rebuilds the cached user and the
    # kept list totals (core.cache), which is not what this test measures.
    Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(name="改名")
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(20):
        Kindergarten.objects.filter(pk=cast.kg_a1.pk).update(name=f"改名{i}")
    client.get(url)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


def test_kindergarten_history_includes_its_supervisor_assignments(client, cast):
    from supervision.services import supervisor_assign

    supervisor_assign(actor=cast.bureau_admin, kindergarten=cast.kg_a1, supervisor=cast.supervisor2)
    client.force_login(cast.bureau_staff)
    response = client.get(reverse("kindergartens:history", kwargs={"pk": cast.kg_a1.pk}))
    entries = list(response.context["page"].object_list)
    models = {e.content_type.model for e in entries}
    assert {"kindergarten", "supervisorassignment"} <= models
    assert "责任督学指派" in response.content.decode()


# --- the request part: client address and request id -----------------------------------------


def _edit(client, cast, **headers):
    client.force_login(cast.bureau_staff)
    response = client.post(
        reverse("kindergartens:edit", kwargs={"pk": cast.kg_a1.pk}),
        {"name": "大洼区第一幼儿园（东园）", "township": cast.town_a.pk, "nature": Nature.PUBLIC, "status": "operating"}
        | {"schedule": "full_day", "capacity": 0},
        **headers,
    )
    assert response.status_code == 302
    return response, entries_for(cast.kg_a1)[-1]


def test_behind_the_proxy_the_client_address_is_recorded(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    _response, entry = _edit(client, cast, REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7")
    assert entry.ip == "203.0.113.7"


def test_without_a_proxy_x_forwarded_for_is_not_believed(client, cast, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _response, entry = _edit(client, cast, REMOTE_ADDR="198.51.100.3", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert entry.ip == "198.51.100.3"


@pytest.mark.parametrize(
    ("supplied", "stored"),
    [
        ("0F1E2D3C-4B5A-6978-8796-A5B4C3D2E1F0", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
        ("0f1e2d3c4b5a69788796a5b4c3d2e1f0", "0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
    ],
)
def test_a_uuid_request_id_is_kept_in_one_form(client, cast, supplied, stored):
    response, entry = _edit(client, cast, HTTP_X_REQUEST_ID=supplied)
    assert entry.request_id == stored
    assert response["X-Request-ID"] == stored


@pytest.mark.parametrize(
    "supplied",
    ["deploy-check-1", "<script>alert(1)</script>", "a" * 64, "0f1e2d3c4b5a69788796a5b4c3d2e1f0z", "' OR 1=1 --"],
)
def test_any_other_request_id_is_replaced(client, cast, supplied):
    response, entry = _edit(client, cast, HTTP_X_REQUEST_ID=supplied)
    assert entry.request_id != supplied
    assert re.fullmatch(r"[0-9a-f]{32}", entry.request_id)
    assert response["X-Request-ID"] == entry.request_id
