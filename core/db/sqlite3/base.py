"""Django's SQLite backend with the pinyin collation PostgreSQL has built in (core.collation).

The embedded default (``make run``, tests without DATABASE_URL) uses this engine, so name
columns declared ``db_collation="zh-Hans-x-icu"`` work on both databases: every new SQLite
connection gets a collation of that name, and the schema editor quotes the name (Django's
SQLite editor writes it bare, which a hyphenated name cannot be).
"""

from django.db.backends.sqlite3 import base, schema

from core.collation import PINYIN_COLLATION, compare, warm_up


class DatabaseSchemaEditor(schema.DatabaseSchemaEditor):
    def _collate_sql(self, collation):
        return "COLLATE " + self.quote_name(collation)


class DatabaseWrapper(base.DatabaseWrapper):
    SchemaEditorClass = DatabaseSchemaEditor

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        warm_up()  # pypinyin loaded before any statement can call the collation (core.collation.compare)
        connection.create_collation(PINYIN_COLLATION, compare)
        return connection
