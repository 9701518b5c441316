"""Spatial selections: rows near a point (nearest first, with their distance), within a radius, inside a box."""

from __future__ import annotations

import json
import math

import pytest

from hiraku.api.tests.helpers import call_get, call_post, error_of, result_of
from hiraku.api.tests.test_write_actions import post, token_for
from hiraku.datastore import mapping, search, spatial
from hiraku.datastore.ingest import ingest_file
from hiraku.datastore.models import DatastoreTable

from .factories import make_dataset

# 髙松駅前 is the point asked about below; 中央公園 lies about 1.3 km south of it and 栗林公園 about 2.3 km.
STATION = "34.3506,134.0467"


def rows_near(client, resource_id, **params):
    return result_of(call_get(client, "datastore_search", resource_id=str(resource_id), **params))


# --- parameters -------------------------------------------------------------------


@pytest.mark.parametrize("value", ["34.3506,134.0467", " 34.3506 , 134.0467 ", [34.3506, 134.0467],
                                   ["34.3506", "134.0467"], {"lat": 34.3506, "lon": 134.0467},
                                   {"latitude": 34.3506, "longitude": 134.0467}])
def test_a_point_is_latitude_then_longitude_in_any_spelling(value):
    assert spatial.parse(near=value).near == (34.3506, 134.0467)


def test_a_box_is_west_south_east_north():
    assert spatial.parse(bbox="133.9,34.2,134.2,34.4").bbox == (133.9, 34.2, 134.2, 34.4)
    assert spatial.parse(bbox=[133.9, 34.2, 134.2, 34.4]).bbox == (133.9, 34.2, 134.2, 34.4)
    assert spatial.parse() is None and spatial.parse(near="", radius="", bbox="") is None


@pytest.mark.parametrize(("params", "field_name"), [
    ({"near": "高松駅"}, "near"), ({"near": "34.35"}, "near"), ({"near": "134.0467,34.3506,0"}, "near"),
    ({"near": "95,134"}, "near"), ({"near": "nan,134"}, "near"), ({"near": {"lat": 34}}, "near"),
    ({"near": [True, 134]}, "near"), ({"near": STATION, "radius": "-5"}, "radius"),
    ({"near": STATION, "radius": "1km"}, "radius"), ({"radius": "500"}, "radius"),
    ({"bbox": "133.9,34.2,134.2"}, "bbox"), ({"bbox": "134.2,34.2,133.9,34.4"}, "bbox"),
    ({"bbox": "133.9,34.4,134.2,34.2"}, "bbox"), ({"bbox": "133.9,-91,134.2,34.2"}, "bbox"),
])
def test_unreadable_parameters_name_themselves(params, field_name):
    with pytest.raises(spatial.SpatialInputError) as caught:
        spatial.parse(**params)
    assert caught.value.field == field_name


def test_distances_are_great_circle_metres(data_dir, tmp_path):
    """A degree along a meridian or the equator is 2πR/360 = 111,194.9 m on the mean sphere, the pole πR/2 away."""
    source = tmp_path / "points.csv"
    source.write_bytes("名称,緯度,経度\n北,35,134\n東,0,1\n極,90,0\n".encode())
    result = ingest_file(source, "points", data_dir)
    path = result.directory / result.table.file
    coordinates = ("緯度", "経度")
    one_degree = round(2 * math.pi * spatial.EARTH_RADIUS_M / 360, 1)
    found = search.search(path, search.SearchRequest(spatial=spatial.parse(near="34,134")), coordinates)
    assert found.rows[0][1:] == ("北", 35, 134, one_degree)
    found = search.search(path, search.SearchRequest(spatial=spatial.parse(near="0.000001,0")), coordinates)
    east = dict((row[1], row[-1]) for row in found.rows)["東"]
    assert east == pytest.approx(one_degree, abs=0.2)
    quarter_circle = math.pi * spatial.EARTH_RADIUS_M / 2
    assert dict((row[1], row[-1]) for row in found.rows)["極"] == pytest.approx(quarter_circle, abs=1)


# --- datastore_search -----------------------------------------------------------------


def test_near_lists_rows_nearest_first_with_their_distance(client, toilets):
    result = rows_near(client, toilets.pk, near=STATION)
    assert [r["名称"] for r in result["records"]] == ["髙松駅前トイレ", "中央公園トイレ", "栗林公園北門トイレ"]
    distances = [r["_distance"] for r in result["records"]]
    assert distances[0] == 0
    assert 1290 < distances[1] < 1320 and 2300 < distances[2] < 2350
    assert result["fields"][-1] == {"id": "_distance", "type": "numeric"}
    assert result["total"] == 3


def test_radius_box_sort_filters_and_fields_combine(client, toilets):
    within = rows_near(client, toilets.pk, near=STATION, radius="1500")
    assert [r["名称"] for r in within["records"]] == ["髙松駅前トイレ", "中央公園トイレ"]
    assert within["total"] == 2
    boxed = rows_near(client, toilets.pk, bbox="134.04,34.33,134.05,34.345")
    assert [r["名称"] for r in boxed["records"]] == ["中央公園トイレ"]
    assert "_distance" not in boxed["records"][0]  # no point, no distance
    by_id = rows_near(client, toilets.pk, near=STATION, sort="ID desc", fields="名称,_distance")
    assert [list(r) for r in by_id["records"]] == [["名称", "_distance"]] * 3
    assert [r["名称"] for r in by_id["records"]] == ["栗林公園北門トイレ", "中央公園トイレ", "髙松駅前トイレ"]
    farthest = rows_near(client, toilets.pk, near=STATION, sort="_distance desc", limit=1,
                         filters='{"多目的トイレ": true}')
    assert [r["名称"] for r in farthest["records"]] == ["栗林公園北門トイレ"] and farthest["total"] == 2
    posted = result_of(call_post(client, "datastore_search", resource_id=str(toilets.pk),
                                 near={"lat": 34.3506, "lon": 134.0467}, radius=10, records_format="lists",
                                 fields=["ID", "_distance"]))
    assert posted["records"] == [[1, 0.0]]


def test_spatial_bad_input_is_a_validation_error_in_the_callers_language(client, toilets):
    rid = str(toilets.pk)
    error = error_of(call_get(client, "datastore_search", resource_id=rid, near="高松駅"), 409, "Validation Error")
    assert error["near"] == ["Must be a latitude and a longitude in degrees, e.g. 34.3428,134.0466"]
    error = error_of(call_get(client, "datastore_search", resource_id=rid, radius="500"), 409, "Validation Error")
    assert "radius" in error
    error = error_of(call_get(client, "datastore_search", resource_id=rid, bbox="1,2,3"), 409, "Validation Error")
    assert "bbox" in error
    error = error_of(client.get("/api/3/action/datastore_search", {"resource_id": rid, "near": "91,0"},
                                HTTP_ACCEPT_LANGUAGE="ja"), 409, "Validation Error")
    assert error["near"] == ["緯度は -90 から 90、経度は -180 から 180 の範囲で指定してください。"]


def test_a_table_without_coordinates_says_so(client, city, django_capture_on_commit_callbacks):
    from .factories import upload

    resource = upload(city, make_dataset(city, "counts"), content="区,人数\n番町,5\n".encode(), filename="c.csv",
                      capture=django_capture_on_commit_callbacks)
    error = error_of(call_get(client, "datastore_search", resource_id=str(resource.pk), near=STATION),
                     409, "Validation Error")
    assert error["near"] == ["The table has no latitude and longitude columns."]


# --- downloads, maps and pushed tables ------------------------------------------------------


def test_dump_of_the_rows_near_a_point(client, toilets):
    response = client.get(f"/datastore/dump/{toilets.pk}", {"near": STATION, "radius": "1500",
                                                             "fields": "名称,_distance"})
    assert response.status_code == 200
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert lines[0] == "名称,_distance" and lines[1] == "髙松駅前トイレ,0.0" and lines[2].startswith("中央公園トイレ,13")
    geojson = client.get(f"/datastore/dump/{toilets.pk}", {"bbox": "134.04,34.33,134.05,34.345", "format": "geojson"})
    features = json.loads(b"".join(geojson.streaming_content))["features"]
    assert [f["properties"]["名称"] for f in features] == ["中央公園トイレ"]
    bad = client.get(f"/datastore/dump/{toilets.pk}", {"near": STATION, "radius": "far"})
    assert bad.status_code == 400 and bad.content.decode().startswith("radius: ")


def test_map_points_follow_a_box(data_dir, tmp_path):
    source = tmp_path / "points.csv"
    source.write_bytes("名称,緯度,経度\n駅,34.3506,134.0467\n公園,34.3389,134.0475\n".encode())
    result = ingest_file(source, "points", data_dir)
    columns = [c.as_dict() for c in result.table.columns]
    selection = search.SearchRequest(spatial=spatial.parse(bbox="134.04,34.33,134.05,34.345"))
    collection = mapping.points(result.directory / result.table.file, columns, selection=selection)
    assert [f["properties"]["name"] for f in collection["features"]] == ["公園"] and collection["total"] == 1


def test_pushed_tables_get_coordinate_roles(client, city, django_capture_on_commit_callbacks):
    dataset = make_dataset(city, "aed")
    fields = [{"id": "設置場所", "type": "text"}, {"id": "lat", "type": "numeric"}, {"id": "lon", "type": "numeric"}]
    records = [{"設置場所": "市役所", "lat": 34.3403, "lon": 134.0434},
               {"設置場所": "高松駅", "lat": 34.3506, "lon": 134.0467}]
    with django_capture_on_commit_callbacks(execute=True):
        created = result_of(post(client, "datastore_create", token_for(city),
                                 resource={"package_id": dataset.name, "name": "AED"}, fields=fields, records=records))
    table = DatastoreTable.objects.get(resource_id=created["resource_id"])
    assert {c["id"]: c["role"] for c in table.columns()} == {"設置場所": None, "lat": "latitude", "lon": "longitude"}
    nearest = rows_near(client, created["resource_id"], near=STATION, limit=1)
    assert nearest["records"][0]["設置場所"] == "高松駅"
