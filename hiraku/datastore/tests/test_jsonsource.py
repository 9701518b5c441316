import json

import pytest

from hiraku.datastore.errors import IngestError
from hiraku.datastore.jsonsource import read_rows


def write(tmp_path, document, name="data.json"):
    path = tmp_path / name
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def test_list_of_objects_with_uneven_keys(tmp_path):
    rows = list(read_rows(write(tmp_path, [{"名称": "髙松駅", "定員": 10}, {"名称": "瓦町", "備考": {"a": 1}}])))
    assert rows == [(1, ["名称", "定員", "備考"]), (2, ["髙松駅", "10", None]), (3, ["瓦町", None, '{"a": 1}'])]


def test_ckan_dump_shape(tmp_path):
    document = {"fields": [{"id": "_id"}, {"id": "名称"}], "records": [[1, "公園"], [2, True]]}
    assert list(read_rows(write(tmp_path, document))) == [(1, ["_id", "名称"]), (2, ["1", "公園"]),
                                                           (3, ["2", "true"])]


def test_geojson_points_become_coordinates(tmp_path):
    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [134.0467, 34.3506]},
         "properties": {"名称": "高松駅"}},
        {"type": "Feature", "geometry": {"type": "LineString", "coordinates": [[134, 34], [134.1, 34.1]]},
         "properties": {"名称": "道"}},
    ]}
    header, first, second = read_rows(write(tmp_path, document, "points.geojson"))
    assert header == (1, ["名称", "経度", "緯度", "geometry"])
    assert first[1][:3] == ["高松駅", "134.0467", "34.3506"]
    assert second[1][3].startswith('{"type": "LineString"')


@pytest.mark.parametrize("content, code", [(b"{broken", "malformed_json"), (b'{"a": 1}', "no_table"),
                                           (b"\xff\xfe\x00", "decode_error"), (b"[1, 2]", "no_table")])
def test_bad_json_is_reported(tmp_path, content, code):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(IngestError) as caught:
        list(read_rows(path))
    assert caught.value.code == code


def test_geojson_ingests_as_a_typed_table_with_coordinates(tmp_path, data_dir):
    from hiraku.datastore.ingest import ingest_file

    document = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [134.0467, 34.3506]},
         "properties": {"名称": "高松駅", "収容人数": 120, "開設日": "2020-04-01"}},
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [134.0475, 34.3389]},
         "properties": {"名称": "中央公園", "収容人数": 80, "開設日": "2021-05-10"}},
    ]}
    result = ingest_file(write(tmp_path, document, "hinan.geojson"), "hinan", data_dir)
    columns = {c.id: c for c in result.table.columns}
    assert result.table.row_count == 2
    assert columns["収容人数"].type == "integer" and columns["開設日"].type == "date"
    assert (columns["緯度"].role, columns["経度"].role) == ("latitude", "longitude")
