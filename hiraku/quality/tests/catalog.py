"""Catalog objects for the quality tests, made through the catalog services."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from hiraku.catalog import services as catalog

# A 公衆トイレ一覧 with known problems: a 5-digit local government code, a full-width digit,
# a date in the Japanese era (和暦) and the required column 設置位置 missing.
TOILETS_CSV = (
    "全国地方公共団体コード,ID,地方公共団体名,名称,所在地_連結表記,緯度,経度,男性トイレ総数,女性トイレ総数,"
    "バリアフリートイレ数,設置年月日\r\n"
    "37201,T001,香川県高松市,片原町公衆便所,香川県高松市片原町9-9,34.34551,134.05267,２,2,1,令和2年4月1日\r\n"
    "372013,T002,香川県高松市,中央公園トイレ,香川県高松市番町1丁目,34.3389,134.0475,1,1,0,2021-05-10\r\n"
).encode()
TOILETS_NAME = "372013_public_toilet.csv"

LONG_NOTES = ("高松市内の公衆トイレの一覧です。名称、所在地、緯度経度、男女別のトイレ数、バリアフリートイレの数を"
              "掲載しています。毎年4月1日時点の情報に更新します。")


def make_dataset(admin, name="toilets", *, private=False, **overrides):
    return catalog.create_dataset(admin, {
        "name": name, "title": "公衆トイレ一覧", "organization": "takamatsu-city", "notes": "", "tags": "",
        "groups": [], "license_id": "cc-by-4.0", "standard_type": "", "update_frequency": "IRREG",
        "state": "active", "private": private, **overrides,
    })


def upload(admin, dataset, capture, content=TOILETS_CSV, filename=TOILETS_NAME, name="トイレ"):
    with capture(execute=True):
        return catalog.add_resource(admin, dataset, {"name": name},
                                    files={"file": SimpleUploadedFile(filename, content)})
