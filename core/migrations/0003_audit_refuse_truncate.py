"""PostgreSQL: refuse TRUNCATE on core_auditentry too.

The row trigger of core 0002 refuses UPDATE and DELETE, but TRUNCATE fires no row triggers:
a BEFORE TRUNCATE statement trigger (the same function, which names the operation) closes it,
also for TRUNCATE ... CASCADE from a referenced table. The test suite empties tables with
TRUNCATE between transactional tests; its database backend (tests/postgresql_flush) switches
the table's triggers off inside that one flush transaction. SQLite has no TRUNCATE.
"""

from django.db import migrations

PG_FORWARD = """
DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;
CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION core_auditentry_append_only();
"""
PG_REVERSE = "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;"


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)


def reverse(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)


class Migration(migrations.Migration):
    dependencies = [("core", "0002_audit_append_only")]

    operations = [migrations.RunPython(forward, reverse)]
