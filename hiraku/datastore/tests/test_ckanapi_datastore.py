"""The real ckanapi client drives the DataStore of a running server: upload, search, SQL, push, dump."""

from __future__ import annotations

import urllib.request

import ckanapi
import pytest

from hiraku.accounts import tokens
from hiraku.catalog.models import Organization

from .factories import TOILETS_CSV, make_dataset


@pytest.fixture
def site(transactional_db, live_server, settings, tmp_path, django_user_model):
    settings.MEDIA_ROOT = tmp_path / "files"
    settings.DATA_DIR = tmp_path / "data"
    admin = django_user_model.objects.create_superuser("admin", "admin@example.jp", "pw-admin-0001")
    Organization.objects.create(name="takamatsu-city", title="高松市", lgcode="372013")
    make_dataset(admin, "toilets")
    token = tokens.api_token_create(admin, admin, "tests")[1]
    with ckanapi.RemoteCKAN(live_server.url, apikey=token) as remote:
        yield remote


def test_upload_then_query_with_ckanapi(site, tmp_path):
    path = tmp_path / "toilets.csv"
    path.write_bytes(TOILETS_CSV)
    with path.open("rb") as upload:
        resource = site.action.resource_create(package_id="toilets", name="公衆トイレ", upload=upload)
    rid = resource["id"]
    assert site.action.datastore_status(resource_id=rid)["status"] == "done"
    assert site.action.resource_show(id=rid)["datastore_active"] is True
    found = site.action.datastore_search(resource_id=rid, filters={"多目的トイレ": True}, sort="ID desc")
    assert [r["名称"] for r in found["records"]] == ["栗林公園北門トイレ", "髙松駅前トイレ"]
    assert site.action.datastore_search(resource_id=rid, q="中央")["total"] == 1
    grouped = site.action.datastore_search_sql(sql=f'SELECT count(*) AS n FROM "{rid}" WHERE "設置日" >= \'2021-01-01\'')
    assert grouped["records"] == [{"n": 1}]
    with pytest.raises(ckanapi.errors.ValidationError):
        site.action.datastore_search_sql(sql="SELECT * FROM read_text('/etc/hostname')")
    with pytest.raises(ckanapi.errors.NotFound):
        site.action.datastore_search(resource_id="0193b2c4-7a1e-7cc2-9d1a-3f5b7e2a1c00")
    with urllib.request.urlopen(f"{site.address}/datastore/dump/{rid}?format=csv&bom=true") as response:
        assert response.read().decode("utf-8-sig").splitlines()[1].startswith("1,1,髙松駅前トイレ")


def test_push_a_table_with_ckanapi(site):
    created = site.action.datastore_create(resource={"package_id": "toilets", "name": "清掃記録"},
                                           fields=[{"id": "トイレID", "type": "int"}, {"id": "清掃日", "type": "date"}],
                                           records=[{"トイレID": 1, "清掃日": "2026-11-01"}], primary_key=["トイレID"])
    rid = created["resource_id"]
    site.action.datastore_upsert(resource_id=rid, records=[{"トイレID": 1, "清掃日": "2026-11-20"},
                                                           {"トイレID": 2, "清掃日": "2026-11-21"}])
    records = site.action.datastore_search(resource_id=rid)["records"]
    assert [(r["トイレID"], r["清掃日"]) for r in records] == [(1, "2026-11-20"), (2, "2026-11-21")]
    site.action.datastore_delete(resource_id=rid, filters={"トイレID": 2})
    assert site.action.datastore_search(resource_id=rid)["total"] == 1
    assert site.action.datastore_info(id=rid)["meta"]["versions"][0]["changes"]["removed"] == 1
