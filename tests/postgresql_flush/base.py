"""PostgreSQL backend for the test suite only (config.settings.test): Django's own, except that the
flush between transactional tests may empty the audit table.

core_auditentry refuses TRUNCATE by trigger (core 0003), and Django's test flush truncates every
table. Inside the flush's one transaction the table's triggers are switched off and on again, so
no other session ever sees them off. Production uses Django's backend unchanged.
"""

from django.db.backends.postgresql import base
from django.db.backends.postgresql.operations import DatabaseOperations as PostgresOperations

AUDIT_TABLE = "core_auditentry"


class DatabaseOperations(PostgresOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        sql = super().sql_flush(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
        if sql and AUDIT_TABLE in tables:
            return [
                f"ALTER TABLE {AUDIT_TABLE} DISABLE TRIGGER USER;",
                *sql,
                f"ALTER TABLE {AUDIT_TABLE} ENABLE TRIGGER USER;",
            ]
        return sql


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations
