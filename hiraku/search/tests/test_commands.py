from io import StringIO

import pytest
from django.core.management import call_command

from hiraku.catalog.models import Dataset
from hiraku.search.models import SearchDocument
from hiraku.search.service import SearchQuery, search


@pytest.mark.django_db
def test_rebuild_index_command_indexes_rows_written_without_signals(catalog):
    catalog.add("seed", title="保育所一覧")
    seed = Dataset.objects.get(name="seed")
    Dataset.objects.bulk_create([
        Dataset(name=f"bulk-{n}", title=f"保育所 {n}", organization_id=seed.organization_id) for n in range(3)
    ])
    assert search(SearchQuery(q="保育所")).count == 1
    out = StringIO()
    call_command("rebuild_index", stdout=out)
    assert "4" in out.getvalue()
    assert SearchDocument.objects.count() == 4
    assert search(SearchQuery(q="保育所")).count == 4
