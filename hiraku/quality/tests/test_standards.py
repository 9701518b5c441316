import json
import re
from itertools import islice
from pathlib import Path

import pytest

from hiraku.quality import standards as S

REPO_ROOT = Path(__file__).resolve().parents[3]
TAKAMATSU = REPO_ROOT.parent / "shared" / "data" / "takamatsu-sample"

STANDARD_IDS = {
    "public_facility", "cultural_property", "evacuation_space", "population_by_area_age", "preschool",
    "open_data_list", "public_wireless_lan", "aed", "care_service", "medical_institution", "tourist_facility",
    "event", "public_toilet", "fire_water_facility", "food_business",
}


def schema_files():
    return sorted(S.SCHEMA_DIR.glob("*.json"))


def raw_fields():
    for path in schema_files():
        doc = json.loads(path.read_text(encoding="utf-8"))
        for field in doc["fields"]:
            yield doc["name"], field


# --------------------------------------------------------------------------- the schema files

def test_one_schema_file_per_standard():
    assert {p.stem for p in schema_files()} == STANDARD_IDS


@pytest.mark.parametrize("path", schema_files(), ids=lambda p: p.stem)
def test_schema_file_is_valid_json_with_required_keys(path):
    doc = json.loads(path.read_text(encoding="utf-8"))
    for key in ("name", "title", "title_en", "filename_suffix", "fields"):
        assert doc.get(key), key
    assert doc["name"] == path.stem
    assert re.fullmatch(r"[a-z_]+", doc["filename_suffix"])
    names = [f["name"] for f in doc["fields"]]
    assert len(names) == len(set(names))
    for field in doc["fields"]:
        assert field["name"] and field["title_en"] and field["type"]
        assert {"level", "kind", "aliases"} <= set(field["hiraku"])


def test_field_type_kind_and_level_are_from_the_allowed_sets():
    for sid, field in raw_fields():
        where = f"{sid}.{field['name']}"
        ext = field["hiraku"]
        constraints = field.get("constraints", {})
        assert field["type"] in S.TYPES, where
        assert ext["level"] in S.LEVELS, where
        assert ext["kind"] is None or ext["kind"] in S.KINDS, where
        assert all(isinstance(a, str) and a for a in ext["aliases"]), where
        # ◎ means constraints.required, except 1-or-blank flags whose blank cell means "no"
        assert constraints.get("required", False) == (ext["level"] == "required" and ext["kind"] != "flag"), where
        if "pattern" in constraints:
            re.compile(constraints["pattern"])
        if ext["kind"] == "yes_no":
            assert constraints["enum"] == ["有", "無"], where
        if ext["kind"] == "flag":
            assert constraints["enum"] == ["1"], where
        if ext["kind"] == "count":
            assert field["type"] == "integer", where
        if ext["kind"] in ("latitude", "longitude"):
            assert field["type"] == "number", where
        if ext["kind"] == "time":
            assert field["type"] == "time" and re.fullmatch(constraints["pattern"], "09:30"), where
        if ext["kind"] == "lgcode":
            assert re.fullmatch(constraints["pattern"], "011002"), where


def test_totals_name_count_fields_of_the_same_standard():
    for std in S.all_standards():
        for f in std.fields:
            for part in f.total_of:
                assert f.kind == "count" and std.field(part).kind == "count", (std.id, f.name, part)


def test_no_header_names_two_fields_of_one_standard():
    for std in S.all_standards():
        seen = {}
        for f in std.fields:
            for key in f.keys:
                assert seen.setdefault(key, f.name) == f.name, (std.id, key, f.name, seen[key])


def test_loaded_interface():
    standards = S.all_standards()
    assert {s.id for s in standards} == STANDARD_IDS
    assert S.all_standards() is not standards  # callers get their own list
    toilet = S.get_standard("public_toilet")
    assert toilet.title == "公衆トイレ一覧" and toilet.filename_suffix == "public_toilet"
    total = toilet.field("男性トイレ総数")
    assert isinstance(total, S.StandardField)
    assert total.level == "recommended" and total.kind == "count" and total.type == "integer"
    assert total.total_of == ("男性トイレ数（小便器）", "男性トイレ数（和式）", "男性トイレ数（洋式）")
    assert toilet.field("名称").level == "required"
    assert toilet.field("車椅子使用者用トイレ有無").enum == ("有", "無")
    assert toilet.field("全国地方公共団体コード").pattern == "^[0-9]{6}$"
    assert "多機能トイレ数" in toilet.field("バリアフリートイレ数").aliases
    assert toilet.field("都道府県名").legacy
    assert S.get_standard("evacuation_space").field("災害種別_津波").kind == "flag"
    with pytest.raises(KeyError):
        S.get_standard("no_such_standard")
    with pytest.raises(KeyError):
        toilet.field("no such field")


def test_a_broken_schema_is_refused(tmp_path):
    doc = json.loads((S.SCHEMA_DIR / "aed.json").read_text(encoding="utf-8"))
    doc["fields"][0]["hiraku"]["kind"] = "colour"
    path = tmp_path / "aed.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="kind"):
        S.load_standard(path)
    doc["fields"][0]["hiraku"]["kind"] = "lgcode"
    doc["fields"][1]["hiraku"]["aliases"].append("全国地方公共団体コード")
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="both"):
        S.load_standard(path)


# --------------------------------------------------------------------------- header names

@pytest.mark.parametrize("a, b", [
    ("名称（カナ）", "名称(カナ)"),
    ("名称＿英語", "名称_英語"),
    ("男性トイレ数（小便器）", "男性トイレ数(小便器)"),
    ("連絡先備考（その他、SNSなど）", "連絡先備考(その他,SNSなど)"),
    ("telephone\u3000number", "telephoneNumber"),
    ("ＵＲＬ", "url"),
    ("緯 度", "緯度"),
    ("所在地\n_連結表記", "所在地_連結表記"),
    ("0～4歳の男性", "0-4歳の男性"),
    ("0〜4歳の男性", "0－4歳の男性"),
    ("対象となる町会・自治会", "対象となる町会･自治会"),
    ("\ufeff全国地方公共団体コード", "全国地方公共団体コード"),
    ("№", "NO"),
    ("No.", "no"),
    ("名称*", "名称"),
])
def test_normalize_header_equates_variants(a, b):
    assert S.normalize_header(a) == S.normalize_header(b)


def test_normalize_header_keeps_distinct_names_apart():
    assert S.normalize_header("センター") == "センター"  # the long-vowel mark is not a separator
    assert S.normalize_header("名称_カナ") != S.normalize_header("名称_英語")
    assert S.normalize_header("男性トイレ数（和式）") != S.normalize_header("男性トイレ数（洋式）")
    assert S.normalize_header(None) == "" and S.normalize_header("  ") == ""


@pytest.mark.parametrize("sid, header, official", [
    ("public_toilet", "多機能トイレ数", "バリアフリートイレ数"),
    ("public_toilet", "住所", "所在地_連結表記"),
    ("public_toilet", "方書", "建物名等(方書)"),
    ("public_toilet", "NO", "ID"),
    ("public_toilet", "都道府県コード又は市区町村コード", "全国地方公共団体コード"),
    ("public_toilet", "名称_英字", "名称_英語"),
    ("evacuation_space", "名称_英語", "名称_英字"),
    ("evacuation_space", "災害種別_崖崩れ､土石流及び地滑り", "災害種別_崖崩れ、土石流及び地滑り"),
    ("aed", "設置位置", "設置位置"),
    ("event", "問い合わせ先（市の担当課）", "連絡先名称"),
    ("population_by_area_age", "0～4歳の男性", "0-4歳の男性"),
    ("population_by_area_age", "全国地方公共団体コード", "都道府県コード又は市区町村コード"),
])
def test_resolve_by_alias(sid, header, official):
    assert S.get_standard(sid).resolve(header).name == official


def test_filename_suffix_matching():
    toilet = S.get_standard("public_toilet")
    assert S.filename_matches(toilet, "372013_public_toilet.csv")
    assert S.filename_matches(toilet, "/data/372013_public_toilet.xlsx")
    assert not S.filename_matches(toilet, "public_toilets.csv")
    assert not S.filename_matches(toilet, None)
    assert S.filename_matches(S.get_standard("evacuation_space"), "01__431001_evacuation_space.csv")
    assert S.filename_matches(S.get_standard("population_by_area_age"), "382019_population_20260401.csv")
    assert S.filename_matches(S.get_standard("food_business"), "232025_food_business_all.csv")


# --------------------------------------------------------------------------- synthetic headers

NEW_TOILET = [
    "全国地方公共団体コード", "ID", "地方公共団体名", "名称", "名称_カナ", "名称_英語", "所在地_全国地方公共団体コード", "町字ID",
    "所在地_連結表記", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下", "建物名等(方書)", "設置位置", "緯度",
    "経度", "高度の種別", "高度の値", "男性トイレ総数", "男性トイレ数（小便器）", "男性トイレ数（和式）", "男性トイレ数（洋式）",
    "女性トイレ総数", "女性トイレ数（和式）", "女性トイレ数（洋式）", "男女共用トイレ総数", "男女共用トイレ数（和式）",
    "男女共用トイレ数（洋式）", "バリアフリートイレ数", "車椅子使用者用トイレ有無", "乳幼児用設備設置トイレ有無",
    "オストメイト設置トイレ有無", "利用開始時間", "利用終了時間", "利用可能時間特記事項", "画像", "画像_ライセンス", "備考",
]
OLD_TOILET = [
    "都道府県コード又は市区町村コード", "NO", "都道府県名", "市区町村名", "名称", "名称_カナ", "名称_英語", "住所", "方書", "設置位置",
    "緯度", "経度", "男性トイレ総数", "男性トイレ数(小便器)", "男性トイレ数(和式)", "男性トイレ数(洋式)", "女性トイレ総数",
    "女性トイレ数(和式)", "女性トイレ数(洋式)", "男女共用トイレ総数", "男女共用トイレ数(和式)", "男女共用トイレ数(洋式)",
    "多機能トイレ数", "車椅子使用者用トイレ有無", "乳幼児用設備設置トイレ有無", "オストメイト設置トイレ有無", "利用開始時間",
    "利用終了時間", "利用可能時間特記事項", "画像", "画像_ライセンス", "備考",
]


def test_new_official_toilet_sheet_is_public_toilet():
    assert len(NEW_TOILET) == 39
    found = S.detect(NEW_TOILET)
    assert found.standard.id == "public_toilet"
    assert found.confidence > 0.9
    assert found.unknown_headers == [] and found.missing_required == [] and found.missing_recommended == []
    assert all(header == official for header, official in found.mapping.items())


def test_old_recommended_toilet_sheet_is_public_toilet():
    assert len(OLD_TOILET) == 32
    found = S.detect(OLD_TOILET)
    assert found.standard.id == "public_toilet"
    assert found.confidence > 0.9
    assert found.unknown_headers == [] and found.missing_required == []
    assert found.mapping["多機能トイレ数"] == "バリアフリートイレ数"
    assert found.mapping["住所"] == "所在地_連結表記"
    assert found.mapping["方書"] == "建物名等(方書)"
    assert found.mapping["NO"] == "ID"
    assert found.mapping["都道府県コード又は市区町村コード"] == "全国地方公共団体コード"
    assert found.mapping["男性トイレ数(小便器)"] == "男性トイレ数（小便器）"
    # the structured address columns only exist in the new sheet
    assert "所在地_町字" in found.missing_recommended


def test_new_evacuation_sheet_is_evacuation_space():
    headers = [f.name for f in S.get_standard("evacuation_space").fields if not f.legacy]
    assert len(headers) == 39
    found = S.detect(headers)
    assert found.standard.id == "evacuation_space" and found.confidence > 0.9


@pytest.mark.parametrize("sid", sorted(STANDARD_IDS))
def test_every_full_sheet_detects_as_itself(sid):
    headers = [f.name for f in S.get_standard(sid).fields if not f.legacy]
    found = S.detect(headers)
    assert found is not None and found.standard.id == sid


def test_shared_columns_alone_are_no_standard_but_the_file_name_decides():
    headers = ["名称", "住所", "緯度", "経度", "電話番号", "URL"]
    assert S.detect(headers) is None
    found = S.detect(headers, filename="130001_public_facility.csv")
    assert found.standard.id == "public_facility" and found.filename_match
    assert S.detect(headers, filename="130001_public_toilet.csv") is None  # the toilet columns are missing


def test_toilet_count_columns_count_against_other_standards():
    ranked = S.rank(NEW_TOILET)
    assert ranked[0].standard.id == "public_toilet"
    assert all(d.confidence < 0.5 for d in ranked[1:])


def test_rank_and_detect_edge_cases():
    assert S.rank([]) == [] and S.detect([]) is None
    assert S.rank(["", None, "  "]) == []
    assert S.detect(NEW_TOILET, minimum=1.01) is None
    ranked = S.rank(OLD_TOILET)
    assert [d.confidence for d in ranked] == sorted((d.confidence for d in ranked), reverse=True)
    payload = S.detect(OLD_TOILET).as_dict()
    json.dumps(payload, ensure_ascii=False)
    assert payload["standard"] == "public_toilet"
    assert set(payload) >= {"confidence", "mapping", "missing_required", "missing_recommended", "unknown_headers"}


# --------------------------------------------------------------------------- real Takamatsu files

def read_header(path: Path) -> list[str]:
    from hiraku.datastore import delimited, encoding, header, xlsx

    if path.suffix == ".csv":
        enc = encoding.detect_encoding(path).encoding
        dialect = delimited.sniff_dialect(delimited.read_sample(path, enc))
        rows = [r for _, r in islice(delimited.iter_rows(path, enc, dialect), 40)]
    else:
        rows = []
        for sheet in xlsx.open_sheets(path):
            rows = [r for _, r in islice(sheet.rows, 40)]
            break
    rows = [r for r in rows if any(c is not None and str(c).strip() for c in r)]
    return header.detect_header(rows).names


@pytest.fixture
def takamatsu():
    if not TAKAMATSU.is_dir():
        pytest.skip("shared sample data is not next to the repository")
    return TAKAMATSU


STANDARD_FILES = [
    ("public_toilet/data.csv", "public_toilet", {
        "totalMensRestroom": "男性トイレ総数", "smallMensRestroom": "男性トイレ数（小便器）",
        "multifunctionalRestroom": "バリアフリートイレ数", "wheelchairRestroom": "車椅子使用者用トイレ有無",
        "installationPosition": "設置位置", "address": "所在地_連結表記", "iamgeLicense": "画像_ライセンス",
        "startTime": "利用開始時間", "prefCode": "全国地方公共団体コード"}),
    ("public_toilet/data.xlsx", "public_toilet", {
        "totalWomanRestroom": "女性トイレ総数", "anInfantRestroom": "乳幼児用設備設置トイレ有無",
        "fullNameInKana": "名称_カナ", "katagaki": "建物名等(方書)"}),
    ("aed_location/data.xlsx", "aed", {
        "installationPosition": "設置位置", "equipmentForChildren": "小児対応設備の有無", "name": "名称",
        "latitude": "緯度", "availableDate": "利用可能曜日", "endTime": "終了時間"}),
    ("public_wireless_lan/data.xlsx", "public_wireless_lan", {
        "ssid": "SSID", "installer": "設置者", "area": "提供エリア", "fullNameInRomaji": "名称_英語",
        "referenceObject": "URL", "identification": "ID"}),
    ("evacuation_space/data.xlsx", "evacuation_space", {
        "sedimentDisaster": "災害種別_崖崩れ、土石流及び地滑り", "tunami": "災害種別_津波",
        "stormSurge": "災害種別_高潮", "inundation": "災害種別_内水氾濫", "elevation": "標高",
        "capacity": "想定収容人数", "residentsAssociation": "対象となる町会・自治会"}),
    ("cultural_property/data.xlsx", "cultural_property", {
        "classification": "文化財分類", "category": "種類", "culturalPropertyDate": "文化財指定日",
        "member": "員数（数）", "descriptionEng": "説明_英語", "owner": "所有者等"}),
    ("tourist_facilities/data.xlsx", "tourist_facility", {
        "basicPrice": "料金(基本)", "detailPrice": "料金(詳細)", "description": "説明",
        "parkingInformation": "駐車場情報", "access": "アクセス方法"}),
    ("events/data.xlsx", "event", {
        "行事名": "イベント名", "開催日": "開始日", "場所名称": "場所名称", "開始時間": "開始時間", "料金": "料金(基本)",
        "問い合わせ先（市の担当課）": "連絡先名称", "TEL": "連絡先電話番号", "№": "ID"}),
    ("hospital/date.xlsx", "medical_institution", {
        "medicalSubjects": "診療科目", "numberOfBeds": "病床数", "fax\u3000number": "FAX番号",
        "overtimeResponse": "時間外における対応"}),
    ("nursery_school/data.xlsx", "preschool", {
        "certifiedType": "種別", "acceptedAge": "受入年齢", "temporaryKeeping": "一時預かりの有無",
        "capacity": "収容定員"}),
    ("population/0066_201812.xlsx", "population_by_area_age", {
        "surveyDate": "調査年月日", "regionName": "地域名", "totalPopulation": "総人口", "man1": "0-4歳の男性",
        "woman18": "85歳以上の女性"}),
    ("open_data_list/0099.xlsx", "open_data_list", {
        "dataName": "データ名称", "format": "データ形式", "category": "分類", "apiSupport": "API対応有無"}),
]


@pytest.mark.parametrize("relpath, sid, expected", STANDARD_FILES, ids=[f[0] for f in STANDARD_FILES])
def test_takamatsu_standard_files_are_detected(takamatsu, relpath, sid, expected):
    headers = read_header(takamatsu / relpath)
    found = S.detect(headers)
    assert found is not None, S.rank(headers)[:3]
    assert found.standard.id == sid
    for header, official in expected.items():
        assert found.mapping[header] == official, header
    assert "#property" in found.unknown_headers or "#property" not in headers


def test_takamatsu_evacuation_reports_what_is_missing(takamatsu):
    found = S.detect(read_header(takamatsu / "evacuation_space/data.xlsx"))
    assert "指定避難所との重複" in found.missing_required
    assert {"flood_L2", "jurisdiction"} <= set(found.unknown_headers)


NON_STANDARD_DIRS = [
    "city_tax_settlement_status_r2", "number_of_births_and_deaths", "Well-Being-results", "future_population_data",
    "garbage_collection_date", "garbage_separation_list", "fire_station", "park", "library", "primary_school",
    "polling_place_list", "tsunami_evacuation_building",
]


@pytest.mark.parametrize("dirname", NON_STANDARD_DIRS)
def test_takamatsu_non_standard_tables_claim_no_standard(takamatsu, dirname):
    files = sorted(p for p in (takamatsu / dirname).iterdir() if p.suffix in (".csv", ".xlsx"))
    assert files
    for path in files:
        headers = read_header(path)
        assert S.detect(headers) is None, (path.name, [d.as_dict()["confidence"] for d in S.rank(headers)[:1]])


def test_every_catalog_standard_type_names_a_standard():
    from hiraku.catalog.standards import STANDARD_TYPES

    assert {slug: S.get_standard(slug).title for slug, _ja, _en in STANDARD_TYPES} == {
        slug: ja for slug, ja, _en in STANDARD_TYPES}
