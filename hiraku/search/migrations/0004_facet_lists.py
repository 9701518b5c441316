"""Each document's facet value ids as one short row, for counting the facets of large hit sets.

Counting through ``search_doc_facet`` groups one row per (document, value): 1.1
million rows for a word found in 128,000 of 300,000 datasets. One row per
document, read once and counted in process, is several times cheaper. Filled
from the existing facet rows, so no index rebuild is needed.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE TABLE search_doc_facet_list (doc_id INTEGER PRIMARY KEY, value_ids TEXT NOT NULL)",
    "INSERT INTO search_doc_facet_list SELECT doc_id, group_concat(value_id, ',') FROM search_doc_facet"
    " GROUP BY doc_id",
]
POSTGRES_FORWARD = [
    "CREATE TABLE search_doc_facet_list (doc_id bigint PRIMARY KEY, value_ids text NOT NULL)",
    "INSERT INTO search_doc_facet_list SELECT doc_id, string_agg(value_id::text, ',') FROM search_doc_facet"
    " GROUP BY doc_id",
]
BACKWARD = ["DROP TABLE search_doc_facet_list"]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor[schema_editor.connection.vendor]:
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("search", "0003_stored_package")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": BACKWARD, "postgresql": BACKWARD}),
        ),
    ]
