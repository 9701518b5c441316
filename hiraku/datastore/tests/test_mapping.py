"""GeoJSON points from the latitude / longitude columns the ingestion recognised."""

from __future__ import annotations

import json

import pytest

from hiraku.datastore import geo, mapping
from hiraku.datastore.ingest import ingest_file

SHELTERS_CSV = (
    "名称,住所,緯度,経度,収容人数\n"
    "中央小学校,高松市番町1丁目,34.3389,134.0475,500\n"
    "<b>北部</b>公民館,高松市北町,34.3500,134.0500,\n"
    "座標未登録の施設,高松市,,,100\n"
    "仮登録,高松市,0,0,10\n"
    "南部体育館,高松市南町,34.3000,134.0400,800\n"
).encode()


@pytest.fixture
def shelters(data_dir, tmp_path):
    source = tmp_path / "shelters.csv"
    source.write_bytes(SHELTERS_CSV)
    result = ingest_file(source, "shelters", data_dir)
    return result.directory / result.table.file, [c.as_dict() for c in result.table.columns]


def test_coordinate_columns_come_from_the_roles():
    columns = [{"id": "名称"}, {"id": "経度", "role": "longitude"}, {"id": "緯度", "role": "latitude"}]
    assert geo.coordinate_columns(columns) == ("緯度", "経度")
    assert geo.coordinate_columns([{"id": "緯度", "role": "latitude"}]) is None


def test_points_carry_the_name_and_rows_come_whole_one_at_a_time(shelters):
    path, columns = shelters
    collection = mapping.points(path, columns)
    assert collection["type"] == "FeatureCollection"
    assert collection["total"] == 3 and collection["truncated"] is False
    first = collection["features"][0]
    assert first == {"type": "Feature", "id": 1, "geometry": {"type": "Point", "coordinates": [134.0475, 34.3389]},
                     "properties": {"name": "中央小学校"}}
    # Rows without coordinates or at 0,0 are left out; markup stays data (escaping is the page's job).
    assert [f["properties"]["name"] for f in collection["features"]] == ["中央小学校", "<b>北部</b>公民館", "南部体育館"]
    row = mapping.feature(path, columns, 2)
    assert row["id"] == 2 and row["geometry"]["coordinates"] == [134.05, 34.35]
    assert row["properties"] == {"_id": 2, "名称": "<b>北部</b>公民館", "住所": "高松市北町", "緯度": 34.35,
                                 "経度": 134.05, "収容人数": None}
    json.dumps(collection), json.dumps(row)  # every value is JSON-ready
    assert mapping.feature(path, columns, 3) is None  # no coordinates
    assert mapping.feature(path, columns, 99) is None


def test_a_point_without_text_is_unnamed(tmp_path, data_dir):
    source = tmp_path / "points.csv"
    source.write_bytes("緯度,経度,人数\n34.3389,134.0475,5\n".encode())
    result = ingest_file(source, "points", data_dir)
    collection = mapping.points(result.directory / result.table.file, [c.as_dict() for c in result.table.columns])
    assert collection["features"][0]["properties"] == {"name": None}


def test_limit_truncates(shelters):
    path, columns = shelters
    collection = mapping.points(path, columns, limit=2)
    assert len(collection["features"]) == 2 and collection["total"] == 3 and collection["truncated"] is True
    with pytest.raises(mapping.MapInputError):
        mapping.points(path, columns, limit=0)


def test_a_table_without_coordinates_is_an_input_error(shelters):
    path, columns = shelters
    with pytest.raises(mapping.MapInputError) as caught:
        mapping.points(path, [dict(c, role=None) for c in columns])
    assert caught.value.field == "columns"
