"""The OpenAPI schema: valid, free of warnings, served to signed-in users only."""

import yaml
from django.core.management import call_command
from django.urls import reverse
from drf_spectacular.drainage import GENERATOR_STATS, reset_generator_stats


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
    assert client.get(reverse("api:schema")).status_code == 403
    assert client.get(reverse("api:docs")).status_code == 403
