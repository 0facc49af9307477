"""PostgreSQL backend for the test suite only (config.settings.test): the portal's own
(core.db.postgresql), except that the flush between transactional tests may empty the append-only
tables (the audit trail, incidents).

core_auditentry refuses TRUNCATE by trigger (core 0003), and Django's test flush truncates every
table. Inside the flush's one transaction the table's triggers are switched off and on again, so
no other session ever sees them off. Production uses core.db.postgresql unchanged.
"""

from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

from core.db.postgresql import base

AUDIT_TABLE = "core_auditentry"
# Tables whose triggers refuse TRUNCATE (core 0003, safety 0002).
APPEND_ONLY_TABLES = (AUDIT_TABLE, "safety_incident", "safety_incidententry")


class DatabaseOperations(PostgresOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        guarded = [t for t in APPEND_ONLY_TABLES if t in tables]
        if sql and guarded:
            return [
                *(f"ALTER TABLE {t} DISABLE TRIGGER USER;" for t in guarded),
                *sql,
                *(f"ALTER TABLE {t} ENABLE TRIGGER USER;" for t in guarded),
            ]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):  # the portal's own (core.db.postgresql), as in production
    ops_class = DatabaseOperations
