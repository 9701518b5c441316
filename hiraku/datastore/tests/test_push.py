"""datastore_create / _upsert / _delete: tables pushed through the API."""

from __future__ import annotations

import pytest

from hiraku.api.tests.helpers import call_get, error_of, result_of
from hiraku.api.tests.test_write_actions import post, token_for
from hiraku.catalog.models import Resource
from hiraku.datastore.models import DatastoreTable

from .factories import make_dataset

FIELDS = [{"id": "施設ID", "type": "text"}, {"id": "名称", "type": "text"}, {"id": "定員", "type": "int"},
          {"id": "開設日", "type": "date"}, {"id": "緯度", "type": "numeric"}]
ROWS = [{"施設ID": "A-1", "名称": "中央保育所", "定員": 90, "開設日": "1975-04-01", "緯度": 34.34},
        {"施設ID": "A-2", "名称": "東保育所", "定員": "60", "開設日": "1980-04-01", "緯度": 34.31}]


@pytest.fixture
def token(city):
    return token_for(city)


@pytest.fixture
def pushed(client, city, token, django_capture_on_commit_callbacks):
    dataset = make_dataset(city, "nurseries")
    with django_capture_on_commit_callbacks(execute=True):
        result = result_of(post(client, "datastore_create", token, resource={"package_id": dataset.name,
                                                                             "name": "保育所"},
                                fields=FIELDS, records=ROWS, primary_key="施設ID"))
    return result["resource_id"]


def rows(client, resource_id, **params):
    return result_of(call_get(client, "datastore_search", resource_id=resource_id, **params))


def test_create_makes_a_resource_and_a_typed_table(client, pushed):
    resource = Resource.objects.get(pk=pushed)
    assert resource.url.endswith(f"/datastore/dump/{pushed}")
    result = rows(client, pushed, sort="定員")
    assert [r["名称"] for r in result["records"]] == ["東保育所", "中央保育所"]
    assert {f["id"]: f["type"] for f in result["fields"]}["開設日"] == "date"
    package = result_of(call_get(client, "package_show", id="nurseries"))
    assert package["resources"][0]["datastore_active"] is True


def test_upsert_insert_update(client, token, pushed):
    result_of(post(client, "datastore_upsert", token, resource_id=pushed,
                   records=[{"施設ID": "A-2", "定員": 75}, {"施設ID": "A-3", "名称": "西保育所", "定員": 45}]))
    result = rows(client, pushed)
    assert [(r["施設ID"], r["定員"]) for r in result["records"]] == [("A-1", 90), ("A-2", 75), ("A-3", 45)]
    assert result["records"][1]["名称"] == "東保育所"  # fields not given keep their values
    error = error_of(post(client, "datastore_upsert", token, resource_id=pushed, method="insert",
                          records=[{"施設ID": "A-1", "名称": "重複"}]), 409, "Validation Error")
    assert "records" in error
    error_of(post(client, "datastore_upsert", token, resource_id=pushed, method="update",
                  records=[{"施設ID": "Z-9", "定員": 1}]), 409, "Validation Error")
    error_of(post(client, "datastore_upsert", token, resource_id=pushed, records=[{"施設ID": "A-1", "定員": "多い"}]),
             409, "Validation Error")
    error_of(post(client, "datastore_upsert", token, resource_id=pushed, records=[{"存在しない": 1}]),
             409, "Validation Error")
    assert rows(client, pushed)["total"] == 3  # failed calls changed nothing


def test_delete_rows_then_table(client, token, pushed):
    result_of(post(client, "datastore_delete", token, resource_id=pushed, filters={"施設ID": "A-1"}))
    assert [r["施設ID"] for r in rows(client, pushed)["records"]] == ["A-2"]
    result_of(post(client, "datastore_delete", token, resource_id=pushed))
    assert not DatastoreTable.objects.filter(resource_id=pushed).exists()
    error_of(call_get(client, "datastore_search", resource_id=pushed), 404, "Not Found Error")


def test_records_delete_keeps_the_table(client, token, pushed):
    """CKAN 2.10's datastore_records_delete: filters are required, and {} empties the table without dropping it."""
    error = error_of(post(client, "datastore_records_delete", token, resource_id=pushed), 409, "Validation Error")
    assert "filters" in error
    result_of(post(client, "datastore_records_delete", token, resource_id=pushed, filters={"施設ID": "A-1"}))
    assert [r["施設ID"] for r in rows(client, pushed)["records"]] == ["A-2"]
    result_of(post(client, "datastore_records_delete", token, resource_id=pushed, filters={}))
    emptied = rows(client, pushed)
    assert emptied["total"] == 0 and "施設ID" in [f["id"] for f in emptied["fields"]]
    result_of(post(client, "datastore_upsert", token, resource_id=pushed, records=ROWS[:1]))
    assert rows(client, pushed)["total"] == 1


def test_push_needs_permission_and_force(client, city, django_user_model, pushed, toilets):
    stranger = django_user_model.objects.create_user("stranger", "s@example.jp", "pw-stranger-01")
    error_of(post(client, "datastore_upsert", token_for(stranger), resource_id=pushed, records=ROWS),
             403, "Authorization Error")
    error_of(post(client, "datastore_upsert", None, resource_id=pushed, records=ROWS), 403, "Authorization Error")
    admin = token_for(city)
    error = error_of(post(client, "datastore_delete", admin, resource_id=str(toilets.pk), filters={"ID": 1}),
                     409, "Validation Error")
    assert "force" in error
    result_of(post(client, "datastore_delete", admin, resource_id=str(toilets.pk), filters={"ID": 1}, force=True))
    assert rows(client, str(toilets.pk))["total"] == 2


def test_create_rejects_bad_fields(client, city, token):
    dataset = make_dataset(city, "broken")
    error = error_of(post(client, "datastore_create", token, resource={"package_id": dataset.name},
                          fields=[{"id": "x", "type": "geometry"}]), 409, "Validation Error")
    assert "fields" in error
    assert not Resource.objects.filter(dataset=dataset).exists()
