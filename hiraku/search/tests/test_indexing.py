"""Index writes: once per transaction, never for rolled-back changes."""

from __future__ import annotations

import pytest
from django.db import transaction

from hiraku.catalog import services
from hiraku.catalog.models import Group


@pytest.mark.django_db
class TestIndexOncePerTransaction:
    def test_update_indexes_the_dataset_once(self, catalog, index_calls):
        dataset = catalog.add("once", title="図書館一覧", tags="文化, 施設", groups=[Group.objects.get(name="bosai")])
        catalog.add_resource(dataset, "CSV")
        index_calls.clear()
        data = services.dataset_form_data(dataset)
        data.update(title="美術館一覧", tags="文化, 美術", groups=[Group.objects.get(name="kotsu")])
        catalog.run(services.update_dataset, catalog.admin, dataset, data)
        assert index_calls == [[dataset.pk]]

    def test_create_indexes_once(self, catalog, index_calls):
        dataset = catalog.add("created", title="公園", tags="緑地, 公園", groups=[Group.objects.get(name="bosai")])
        # Once for the creating transaction, once more when the first quality score is stored
        # after it commits (its own transaction): the grade is a facet.
        assert index_calls == [[dataset.pk], [dataset.pk]]

    def test_several_datasets_are_indexed_in_one_batch(self, catalog, index_calls):
        first, second = catalog.add("first", title="一"), catalog.add("second", title="二")
        index_calls.clear()
        group = Group.objects.get(name="kotsu")

        def change_both():
            with transaction.atomic():
                first.groups.add(group)
                second.groups.add(group)
                first.save()

        catalog.run(change_both)
        assert index_calls == [[first.pk, second.pk]]

    def test_rolled_back_transaction_indexes_nothing(self, catalog, index_calls):
        dataset = catalog.add("kept", title="避難所")
        index_calls.clear()
        data = services.dataset_form_data(dataset)
        data.update(title="変更")

        def fail():
            with transaction.atomic():
                services.update_dataset(catalog.admin, dataset, data)
                raise RuntimeError("abort")

        with pytest.raises(RuntimeError):
            catalog.run(fail)
        assert index_calls == []
        # The next transaction is indexed normally.
        catalog.run(services.update_dataset, catalog.admin, dataset, services.dataset_form_data(dataset))
        assert index_calls == [[dataset.pk]]

    def test_rolled_back_savepoint_does_not_lose_later_changes(self, catalog, index_calls):
        first, second = catalog.add("sp-first", title="一"), catalog.add("sp-second", title="二")
        index_calls.clear()

        def work():
            with transaction.atomic():
                try:
                    with transaction.atomic():
                        first.save()
                        raise RuntimeError("inner")
                except RuntimeError:
                    pass
                second.save()

        catalog.run(work)
        assert index_calls == [[second.pk]]
