"""Vendor-specific search structures: the text index and the facet rows.

SQLite: an FTS5 table over the analyzer output (rowid = document id).
PostgreSQL: a weighted tsvector column on the document table with a GIN index.
Both: facet rows (document, field, value) keyed for counting by document and
for filtering by value.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE search_fts USING fts5(title, tags, body, tokenize='unicode61 remove_diacritics 2')",
    "CREATE TABLE search_doc_facet (doc_id INTEGER NOT NULL, field INTEGER NOT NULL, value_id INTEGER NOT NULL,"
    " PRIMARY KEY (doc_id, field, value_id)) WITHOUT ROWID",
    "CREATE INDEX search_doc_facet_by_value ON search_doc_facet (value_id, doc_id)",
]
SQLITE_BACKWARD = ["DROP TABLE search_doc_facet", "DROP TABLE search_fts"]

POSTGRES_FORWARD = [
    "ALTER TABLE search_searchdocument ADD COLUMN tsv tsvector",
    "CREATE INDEX search_doc_tsv ON search_searchdocument USING gin (tsv)",
    "CREATE TABLE search_doc_facet (doc_id bigint NOT NULL, field smallint NOT NULL, value_id bigint NOT NULL,"
    " PRIMARY KEY (doc_id, field, value_id))",
    "CREATE INDEX search_doc_facet_by_value ON search_doc_facet (value_id, doc_id)",
]
POSTGRES_BACKWARD = ["DROP TABLE search_doc_facet", "ALTER TABLE search_searchdocument DROP COLUMN tsv"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        statements = statements_by_vendor.get(schema_editor.connection.vendor)
        if statements is None:
            raise RuntimeError(f"Search has no backend for the {schema_editor.connection.vendor} database.")
        for statement in statements:
            schema_editor.execute(statement)

    return run


def create_generation_row(apps, schema_editor):
    apps.get_model("search", "IndexGeneration").objects.get_or_create(id=1)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
        migrations.RunPython(create_generation_row, migrations.RunPython.noop),
    ]
