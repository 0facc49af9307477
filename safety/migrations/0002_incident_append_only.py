"""Make incidents append-only in the database itself (as core 0002 does for the audit trail).

- ``safety_incidententry`` (the timeline): no UPDATE and, on PostgreSQL, no DELETE or TRUNCATE.
- ``safety_incident``: no DELETE or TRUNCATE on PostgreSQL; no UPDATE of the reported facts (kindergarten,
  district, times, deadlines, reporter, the late mark) anywhere; a moment once recorded (written,
  health, final, forwarded) is never changed or cleared. Only the summary the services keep from the
  timeline (kind, grade, numbers) and the first setting of those moments pass.

SQLite's DELETE is left to the application, as in core 0002: Django's test flush empties tables
with DELETE there. PostgreSQL's flush uses TRUNCATE: the test suite's backend (tests/postgresql_flush)
switches these tables' triggers off inside that one flush transaction, as for the audit table.
"""

from django.db import migrations

FIXED = (
    "kindergarten_id",
    "district_id",
    "occurred_at",
    "reported_at",
    "reported_by_id",
    "initial_deadline",
    "written_deadline",
    "health_deadline",
    "late",
)
ONCE = ("written_at", "health_reported_at", "final_at", "forwarded_city_at", "forwarded_government_at")


def _pg_changed() -> str:
    fixed = [f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in FIXED]
    once = [f"(OLD.{c} IS NOT NULL AND NEW.{c} IS DISTINCT FROM OLD.{c})" for c in ONCE]
    return " OR ".join(fixed + once)


def _sqlite_changed() -> str:
    fixed = [f"NEW.{c} IS NOT OLD.{c}" for c in FIXED]
    once = [f"(OLD.{c} IS NOT NULL AND NEW.{c} IS NOT OLD.{c})" for c in ONCE]
    return " OR ".join(fixed + once)


PG_FORWARD = f"""
CREATE OR REPLACE FUNCTION safety_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION '% is append-only (% refused)', TG_TABLE_NAME, TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS safety_incidententry_append_only ON safety_incidententry;
CREATE TRIGGER safety_incidententry_append_only BEFORE UPDATE OR DELETE ON safety_incidententry
    FOR EACH ROW EXECUTE FUNCTION safety_append_only();
DROP TRIGGER IF EXISTS safety_incident_no_delete ON safety_incident;
CREATE TRIGGER safety_incident_no_delete BEFORE DELETE ON safety_incident
    FOR EACH ROW EXECUTE FUNCTION safety_append_only();
DROP TRIGGER IF EXISTS safety_incident_facts_fixed ON safety_incident;
CREATE TRIGGER safety_incident_facts_fixed BEFORE UPDATE ON safety_incident
    FOR EACH ROW WHEN ({_pg_changed()}) EXECUTE FUNCTION safety_append_only();
DROP TRIGGER IF EXISTS safety_incidententry_no_truncate ON safety_incidententry;
CREATE TRIGGER safety_incidententry_no_truncate BEFORE TRUNCATE ON safety_incidententry
    FOR EACH STATEMENT EXECUTE FUNCTION safety_append_only();
DROP TRIGGER IF EXISTS safety_incident_no_truncate ON safety_incident;
CREATE TRIGGER safety_incident_no_truncate BEFORE TRUNCATE ON safety_incident
    FOR EACH STATEMENT EXECUTE FUNCTION safety_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS safety_incidententry_append_only ON safety_incidententry;
DROP TRIGGER IF EXISTS safety_incident_no_delete ON safety_incident;
DROP TRIGGER IF EXISTS safety_incident_facts_fixed ON safety_incident;
DROP TRIGGER IF EXISTS safety_incidententry_no_truncate ON safety_incidententry;
DROP TRIGGER IF EXISTS safety_incident_no_truncate ON safety_incident;
DROP FUNCTION IF EXISTS safety_append_only();
"""
SQLITE_FORWARD = [
    """CREATE TRIGGER IF NOT EXISTS safety_incidententry_no_update BEFORE UPDATE ON safety_incidententry
    BEGIN SELECT RAISE(ABORT, 'safety_incidententry is append-only (UPDATE refused)'); END;""",
    f"""CREATE TRIGGER IF NOT EXISTS safety_incident_facts_fixed BEFORE UPDATE ON safety_incident
    WHEN {_sqlite_changed()}
    BEGIN SELECT RAISE(ABORT, 'safety_incident is append-only (UPDATE of reported facts refused)'); END;""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS safety_incidententry_no_update;",
    "DROP TRIGGER IF EXISTS safety_incident_facts_fixed;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE, params=None)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_incidents_zero_reports_hazards")]

    operations = [migrations.RunPython(forward, reverse)]
