"""Catalog objects for the datastore tests, made through the catalog services."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog import services as catalog

TOILETS_CSV = (
    "高松市 公衆トイレ一覧\r\n"
    "\r\n"
    "ID,名称,所在地,緯度,経度,男性トイレ総数,設置日,多目的トイレ\r\n"
    "1,髙松駅前トイレ,高松市浜ノ町1-1,34.3506,134.0467,３,令和2年4月1日,有\r\n"
    "2,中央公園トイレ,高松市番町1丁目,34.3389,134.0475,\"1,204\",R3.5.10,無\r\n"
    "3,栗林公園北門トイレ,高松市栗林町1丁目,34.3297,134.0441,2,H31.4.30,有\r\n"
).encode("cp932")


def make_dataset(admin, name="toilets", private=False):
    return catalog.create_dataset(admin, {
        "name": name, "title": "公衆トイレ", "organization": "takamatsu-city", "notes": "", "tags": "",
        "groups": [], "license_id": "cc-by-4.0", "standard_type": "", "update_frequency": "IRREG",
        "state": "active", "private": private,
    })


def upload(admin, dataset, content=TOILETS_CSV, filename="toilets.csv", capture=None):
    with capture(execute=True):
        return catalog.add_resource(admin, dataset, {"name": "トイレ"},
                                    files={"file": SimpleUploadedFile(filename, content)})
