"""Trigram indexes for the search over a call's applications (case workers' list and jury panel).

The search (`applications.selectors.search_applications`) is `icontains` over the title, the case number and the
lead municipality's name: a substring, which no B-tree index serves. On PostgreSQL Django writes `icontains` as
`UPPER("col"::text) LIKE UPPER('%…%')`; a GIN index with `gin_trgm_ops` on exactly that expression serves it
(tests/applications/test_list_indexes.py checks the plan).

PostgreSQL only, so the operations are RunPython guarded by the vendor instead of `Meta.indexes`: SQLite (the demo)
has no pg_trgm, and an index on an expression with an operator class cannot be declared in a model for one vendor
only. The migration state is left unchanged, so the autodetector does not know these indexes and
`makemigrations --check` stays clean; they are listed in docs/performance.md ("Lists at the floor").

The municipality's index is created here, not in an `accounts` migration: its only reader is this search, so it
comes and goes with the other two, and a new `accounts` migration could collide with concurrent work on accounts'
models (two 0007s to merge). The dependency on accounts' latest migration lets the table reach its final shape
first.

pg_trgm is a trusted extension from PostgreSQL 13 on: the database owner may create it, no superuser needed. If it
is already installed (e.g. by the DBA), nothing is created. Reversing drops the indexes but keeps the extension: it
may predate this migration or serve other objects, and dropping it needs its owner. (Not Django's
`TrigramExtension`: its forward step skips other vendors, its backward step does not — it queries `pg_extension`,
which fails on SQLite — and it drops the extension.)
"""

from django.db import migrations

INDEXES = [
    ("application_title_trgm", "applications_application", "title"),
    ("application_case_number_trgm", "applications_application", "case_number"),
    ("municipality_name_trgm", "accounts_municipality", "name"),
]


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, table, column in INDEXES:
        # The expression is the one Django generates for `icontains`, else the planner cannot use the index.
        schema_editor.execute(f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" '
                              f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)')


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _table, _column in INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0006_used_assertion'),
        ('applications', '0005_list_indexes'),
    ]

    operations = [
        migrations.RunPython(create_indexes, drop_indexes, elidable=False),
    ]
