"""Hand-written SQL inside an ORM query, naming the outer query's columns through the ORM.

Building a Django expression tree of correlated subqueries and compiling it costs more CPU than
PostgreSQL spends running it: the registry list's "status and nature on a past day" filter (four
subqueries) took 1.6 ms to build and 1.5 ms to compile on every request, against 0.35 ms for the
rest of the list's query. ``SQLTemplate`` is a fixed piece of SQL (a ``str.format`` template, its
values as ``%s`` parameters) whose ``{name}`` slots are the outer query's columns, given as ``F()``:
the ORM resolves and compiles those (so the right table alias comes out, also when the whole query
becomes a subquery and its tables are relabelled), and nothing else is built per request.

- The template's own tables need aliases no Django query uses (Django's are the table names,
  ``T<n>``, ``U<n>``, ``V<n>``…): give them a prefix of their own, e.g. ``kg_sc``.
- ``%`` meaning itself is written ``%%``, braces ``{{ }}`` (the template goes through ``format``).
- Dates and times among the parameters are adapted per database (core.db.params) when compiled.
- A ``BooleanField`` output makes it a condition: ``qs.filter(SQLTemplate(...))``, in a ``Q``.
"""

from __future__ import annotations

from django.db.models import Expression, F

from core.db.params import adapt


class SQLTemplate(Expression):
    def __init__(self, template: str, params=(), *, output_field, **columns: F) -> None:
        super().__init__(output_field=output_field)
        self.template = template
        self.params = tuple(params)
        self.names = tuple(columns)
        self.columns = list(columns.values())

    def __repr__(self) -> str:
        return f"SQLTemplate({self.template!r}, {self.params!r})"

    def get_source_expressions(self):
        return self.columns

    def set_source_expressions(self, exprs):
        self.columns = list(exprs)

    def as_sql(self, compiler, connection):
        refs, params = {}, []
        for name, column in zip(self.names, self.columns, strict=True):
            sql, column_params = compiler.compile(column)
            if column_params:  # a column is a column: nothing to interleave with the template's own
                raise ValueError(f"SQLTemplate: {{{name}}} compiled with parameters")
            refs[name] = sql
        params.extend(adapt(connection, value) for value in self.params)
        return self.template.format(**refs), params
