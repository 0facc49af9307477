"""The OpenAPI schema: valid, free of warnings, served to signed-in users only."""

import yaml
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats

from kindergartens.services import RECORD_FIELDS


def test_schema_is_valid_without_warnings(tmp_path, db):
    # --fail-on-warn turns every drf-spectacular warning (an unguessable serializer, an
    # untyped method field…) into an error, so the docs never silently degrade.
    reset_generator_stats()  # the counter is process-wide; start from zero
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    schema = yaml.safe_load(out.read_text())
    paths = schema["paths"]
    assert "/api/v1/kindergartens/{id}/history/" in paths
    assert set(paths["/api/v1/users/{id}/"]) == {"get", "patch"}  # no put, no delete
    assert set(paths["/api/v1/supervisor-assignments/{id}/"]) == {"get"}
    assert "security" not in paths["/api/v1/auth/token/"]["post"]  # obtaining a token needs no credentials


def _schema(tmp_path) -> dict:
    reset_generator_stats()
    out = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
    return yaml.safe_load(out.read_text())


def test_schema_describes_the_registry(tmp_path, db):
    schema = _schema(tmp_path)
    paths, components = schema["paths"], schema["components"]["schemas"]
    methods = {path: set(operations) - {"parameters"} for path, operations in paths.items()}
    assert methods["/api/v1/kindergartens/{id}/"] == {"get", "put", "patch"}
    assert methods["/api/v1/kindergartens/{id}/status-history/"] == {"get"}
    assert methods["/api/v1/kindergartens/{id}/classes/"] == {"get", "post"}
    assert methods["/api/v1/classes/{id}/"] == {"get", "patch"}  # no put, no delete
    assert methods["/api/v1/classes/{id}/deactivate/"] == {"post"}
    assert "/api/v1/classes/" not in paths  # classes are listed under their kindergarten
    assert methods["/api/v1/change-filings/"] == {"get", "post"}
    assert methods["/api/v1/change-filings/{id}/"] == {"get"}  # filings move only through their steps
    for step in ("approve", "return", "resubmit"):
        assert methods[f"/api/v1/change-filings/{{id}}/{step}/"] == {"post"}

    record = set(components["Kindergarten"]["properties"])
    assert set(RECORD_FIELDS) | {"enrolled", "class_count", "as_of", "responsible_supervisor"} <= record
    assert set(components["KindergartenUpdateRequest"]["required"]) == set(RECORD_FIELDS)
    assert set(components["KindergartenUpdateRequest"]["properties"]) == {*RECORD_FIELDS, "effective_date"}
    assert "required" not in components["PatchedKindergartenUpdateRequest"]

    filters = {p["name"] for p in paths["/api/v1/kindergartens/"]["get"]["parameters"]}
    assert {"district", "township", "collaboration_group", "level", "nature", "status", "search", "as_of"} <= filters
    filing_filters = {p["name"] for p in paths["/api/v1/change-filings/"]["get"]["parameters"]}
    assert {"state", "kindergarten"} <= filing_filters
    # Lists are paginated, like every other list.
    for path in (
        "/api/v1/kindergartens/{id}/status-history/",
        "/api/v1/kindergartens/{id}/classes/",
        "/api/v1/change-filings/",
    ):
        ref = paths[path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.rsplit("/", 1)[1].startswith("Paginated"), path
    detail = components["FilingDetail"]["properties"]
    assert {"diff", "events", "proposed", "original"} <= set(detail)


def test_schema_and_docs_for_signed_in_users(client, cast):
    client.force_login(cast.kg_staff)
    reset_generator_stats()
    schema = client.get(reverse("api:schema"))
    assert schema.status_code == 200
    assert not GENERATOR_STATS, "generating the schema for a request warned"
    assert b"/api/v1/kindergartens/" in schema.content

    docs = client.get(reverse("api:docs"))
    assert docs.status_code == 200
    assert b"swagger-ui" in docs.content
    # The split view loads its initialiser as a script file, so script-src stays 'self' only.
    csp = docs["Content-Security-Policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    script = client.get(reverse("api:docs"), {"script": ""})
    assert script.status_code == 200
    assert b"SwaggerUIBundle" in script.content


def test_schema_and_docs_refuse_anonymous(client, cast):
    response = client.get(reverse("api:schema"))
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    # The docs are a page: a signed-out visitor is sent to the login page, and back afterwards.
    response = client.get(reverse("api:docs"))
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:login')}?next={reverse('api:docs')}"
