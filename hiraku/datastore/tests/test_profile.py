"""Column profiles: types, counts, ranges and frequent values, cached beside the table version."""

from __future__ import annotations

import json

import pytest

from hiraku.datastore import profile
from hiraku.datastore.ingest import ingest_file

FACILITIES_CSV = (
    "番号,名称,区分,定員,面積,開設日,バリアフリー\n"
    "1,中央公民館,公民館,120,350.5,2001-04-01,有\n"
    "2,北部公民館,公民館,80,210.25,1998-10-01,無\n"
    "3,市立図書館,図書館,,980.0,2010-07-15,有\n"
    "4,南部公民館,公民館,80,,2015-04-01,有\n"
    "5,こども図書館,図書館,40,120.75,,無\n"
).encode()


@pytest.fixture
def facilities(data_dir, tmp_path):
    source = tmp_path / "facilities.csv"
    source.write_bytes(FACILITIES_CSV)
    result = ingest_file(source, "facilities", data_dir)
    return result.directory / result.table.file


def by_id(columns):
    return {c["id"]: c for c in columns}


def test_profile_describes_every_column(facilities):
    columns = profile.profile_table(facilities)
    assert [c["id"] for c in columns] == ["番号", "名称", "区分", "定員", "面積", "開設日", "バリアフリー"]
    cols = by_id(columns)
    capacity = cols["定員"]
    assert (capacity["type"], capacity["count"], capacity["nulls"], capacity["distinct"]) == ("int", 4, 1, 3)
    assert (capacity["min"], capacity["max"], capacity["mean"]) == (40, 120, 80.0)
    assert capacity["top"][0] == {"value": 80, "count": 2}
    area = cols["面積"]
    assert area["type"] == "numeric" and area["min"] == 120.75 and area["max"] == 980
    assert area["mean"] == pytest.approx((350.5 + 210.25 + 980 + 120.75) / 4)
    opened = cols["開設日"]
    assert (opened["type"], opened["min"], opened["max"], opened["nulls"]) == ("date", "1998-10-01", "2015-04-01", 1)
    assert opened["mean"] is None


def test_top_values_are_most_frequent_first_ties_in_value_order(facilities):
    cols = by_id(profile.profile_table(facilities))
    assert cols["区分"]["top"] == [{"value": "公民館", "count": 3}, {"value": "図書館", "count": 2}]
    assert cols["区分"]["min"] is None and cols["区分"]["mean"] is None  # text has no range
    assert len(cols["名称"]["top"]) == profile.TOP_VALUES
    assert cols["バリアフリー"]["type"] == "bool"
    assert cols["バリアフリー"]["top"] == [{"value": True, "count": 3}, {"value": False, "count": 2}]


def test_profile_is_cached_as_json_beside_the_version(facilities):
    cached = facilities.with_name("v1.profile.json")
    assert profile.cache_path(facilities) == cached
    assert not cached.exists()
    first = profile.profile_table(facilities)
    stored = json.loads(cached.read_text(encoding="utf-8"))
    assert stored["format"] == profile.PROFILE_FORMAT and stored["columns"] == first
    # The cache answers from then on; no temporary files are left behind.
    stored["columns"][0]["distinct"] = 999
    cached.write_text(json.dumps(stored), encoding="utf-8")
    assert profile.profile_table(facilities)[0]["distinct"] == 999
    assert profile.profile_table(facilities, use_cache=False)[0]["distinct"] == 5
    assert sorted(p.name for p in facilities.parent.glob("*.tmp")) == []


def test_damaged_or_old_cache_is_recomputed(facilities):
    cached = profile.cache_path(facilities)
    cached.write_text("{not json", encoding="utf-8")
    assert by_id(profile.profile_table(facilities))["定員"]["count"] == 4
    cached.write_text(json.dumps({"format": 0, "columns": []}), encoding="utf-8")
    assert len(profile.profile_table(facilities)) == 7
    assert json.loads(cached.read_text(encoding="utf-8"))["format"] == profile.PROFILE_FORMAT


def test_other_sheets_have_their_own_cache_file(tmp_path):
    assert profile.cache_path(tmp_path / "v3.t2.parquet") == tmp_path / "v3.t2.profile.json"
