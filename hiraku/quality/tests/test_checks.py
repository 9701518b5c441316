"""The validation engine on small synthetic files: one test (or more) per rule, positive and negative."""

from __future__ import annotations

import json

import pytest

from hiraku.quality.checks import DatasetMeta, validate_file
from hiraku.quality.rules import RULES

from .helpers import (
    check,
    findings_of,
    rules_of,
    toilet_csv,
    toilet_header,
    toilet_row,
    write_csv,
    write_xlsx,
)


def test_a_clean_standard_file_has_no_warnings_or_errors(tmp_path):
    report = check(toilet_csv(tmp_path, {}, {"名称": "天神前公衆便所"}), lgcode="372013")
    assert report.readable
    assert report.standard["id"] == "public_toilet"
    assert report.standard["confidence"] > 0.9
    counts = report.findings.severity_counts()
    assert counts["error"] == 0 and counts["warning"] == 0, rules_of(report)
    assert report.exit_status == 0
    assert report.stars.stars == 3
    assert report.file.encoding == "utf-8" and report.file.line_endings == "CRLF"
    assert report.rows_checked == 2


def test_report_is_json_serialisable_in_both_languages(tmp_path):
    report = check(toilet_csv(tmp_path, {"全国地方公共団体コード": "37201"}))
    data = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    finding = next(f for f in data["findings"] if f["rule"] == "value.lgcode_five_digits")
    assert finding["row"] == 2 and finding["column"] == "全国地方公共団体コード"
    assert finding["value"] == "37201" and finding["replacement"] == "372013" and finding["autofix"]
    assert finding["severity"] == "error"
    assert "372013" in finding["fix"]["ja"] and "372013" in finding["fix"]["en"]
    assert finding["message"]["ja"] != finding["message"]["en"]
    assert data["summary"]["rules"]["value.lgcode_five_digits"] == 1
    assert data["stars"]["stars"] == 3 and data["stars"]["explanation"]["ja"]
    assert data["file"]["sheets"][0]["header_rows"] == [1]


# --- file level -------------------------------------------------------------------------------------------

def test_cp932_is_reported_with_a_fix_to_utf8(tmp_path):
    report = check(toilet_csv(tmp_path, {}, encoding="cp932"))
    assert findings_of(report, "file.encoding")[0].params["encoding"] == "Shift_JIS (CP932)"
    assert findings_of(report, "file.encoding")[0].autofix
    assert report.readable


def test_utf8_without_bom_is_not_reported(tmp_path):
    report = check(toilet_csv(tmp_path, {}))
    assert "file.encoding" not in rules_of(report) and "file.bom" not in rules_of(report)
    assert not report.file.bom


def test_bom_is_information(tmp_path):
    report = check(toilet_csv(tmp_path, {}, encoding="utf-8-sig"))
    assert rules_of(report)["file.bom"] == 1 and report.file.bom
    assert report.exit_status == 0


def test_mixed_line_endings_ignore_breaks_inside_quoted_cells(tmp_path):
    rows = [toilet_header(), toilet_row(備考="一行目\n二行目")]
    report = check(write_csv(tmp_path, rows))
    assert "file.line_endings_mixed" not in rules_of(report)
    assert report.file.line_endings == "CRLF"
    path = tmp_path / "mixed.csv"
    path.write_bytes(b"a,b,c\r\n1,2,3\n4,5,6\r\n")
    report = check(path)
    assert findings_of(report, "file.line_endings_mixed")[0].params == {"crlf": 2, "lf": 1, "cr": 0}


def test_bare_cr_line_endings(tmp_path):
    path = tmp_path / "mac.csv"
    path.write_bytes(b"a,b,c\r1,2,3\r4,5,6\r")
    assert rules_of(check(path))["file.line_endings_cr"] == 1


def test_tab_separated_csv(tmp_path):
    path = tmp_path / "tabs.csv"
    path.write_text("名前\t数\t備考\n公園\t3\tx\n", encoding="utf-8")
    report = check(path)
    assert report.file.delimiter == "\t"
    assert findings_of(report, "file.delimiter")[0].params["delimiter"] == "TAB"
    assert "file.delimiter" not in rules_of(check(path, format="tsv"))


@pytest.mark.parametrize("name, ok", [
    ("372013_public_toilet.csv", True),
    ("372013_public_toilet_20260401.csv", True),
    ("public_toilet.csv", False),
    ("372013_toilet.csv", False),
    ("01__372013_public_toilet.csv", False),
    ("372013_public_toilet.xlsx", False),
])
def test_file_name_convention(tmp_path, name, ok):
    report = check(toilet_csv(tmp_path, {}, name="upload.csv"), filename=name, lgcode="372013")
    assert ("file.name" not in rules_of(report)) is ok


def test_file_name_with_another_code(tmp_path):
    report = check(toilet_csv(tmp_path, {}, name="131075_public_toilet.csv"), lgcode="372013")
    assert findings_of(report, "file.name_lgcode")[0].params == {"found": "131075", "expected": "372013"}


def test_licence_is_only_checked_with_dataset_metadata(tmp_path):
    path = toilet_csv(tmp_path, {})
    assert "file.license_missing" not in rules_of(check(path))
    report = check(path, dataset={"license_id": ""})
    assert rules_of(report)["file.license_missing"] == 1
    assert report.stars.stars == 0 and report.exit_status == 1
    closed = check(path, dataset=DatasetMeta(license_id="other-closed"))
    assert rules_of(closed)["file.license_not_open"] == 1
    ok = check(path, dataset={"license_id": "cc-by-4.0"})
    assert "file.license_missing" not in rules_of(ok) and ok.stars.stars == 3


def test_dataset_declared_standard_and_organisation_code_are_used(tmp_path):
    path = write_csv(tmp_path, [["名称", "緯度", "経度"], ["公園", "34.3", "134.0"]], name="x.csv")
    report = check(path, dataset={"standard_type": "public_toilet", "lgcode": "372013"})
    assert report.standard["id"] == "public_toilet" and report.standard["forced"]
    assert "standard.missing_required_column" in rules_of(report)


# --- structure --------------------------------------------------------------------------------------------

def test_title_rows_above_the_header(tmp_path):
    rows = [["高松市の公衆トイレ一覧"], ["令和6年4月1日現在"], toilet_header(), toilet_row()]
    report = check(write_csv(tmp_path, rows))
    finding = findings_of(report, "structure.title_rows")[0]
    assert finding.row == 1 and finding.params == {"count": 2, "header_row": 3}
    assert report.standard["id"] == "public_toilet"
    assert report.file.sheets[0].header_rows == [3]


def test_blank_rows_above_the_header(tmp_path):
    path = tmp_path / "blank_top.csv"
    path.write_text("\n\n名称,数,備考\n公園,1,x\n", encoding="utf-8")
    report = check(path)
    assert findings_of(report, "structure.header_not_first_row")[0].params["header_row"] == 3


def test_multi_row_header_in_a_workbook(tmp_path):
    rows = [["地区", "人口", "人口", "世帯数"], [None, "男", "女", None], ["番町", 10, 12, 9], ["錦町", 11, 13, 8]]
    report = check(write_xlsx(tmp_path, {"人口": rows}, merges={"人口": ["B1:C1"]}))
    header = findings_of(report, "structure.multi_row_header")[0]
    assert header.params["count"] == 2 and header.params["example"] == "人口_男"
    merged = findings_of(report, "structure.merged_cells")[0]
    assert merged.params["range"] == "B1:C1" and merged.row == 1
    assert report.stars.stars == 2


def test_blank_rows_and_columns_for_layout(tmp_path):
    rows = [["", "名称", "数", "備考"], ["", "公園", "1", "x"], ["", "", "", ""], ["", "広場", "2", "y"]]
    report = check(write_csv(tmp_path, rows, name="layout.csv"))
    assert [f.row for f in findings_of(report, "structure.blank_row")] == [3]
    assert findings_of(report, "structure.blank_column")[0].column_number == 1
    assert "header.blank" not in rules_of(report)


def test_blank_header_over_data_is_an_error(tmp_path):
    rows = [["名称", "", "備考"], ["公園", "1", "x"]]
    report = check(write_csv(tmp_path, rows, name="noname.csv"))
    assert findings_of(report, "header.blank")[0].column_number == 2
    assert report.exit_status == 1


def test_duplicate_header_names(tmp_path):
    rows = [["名称", "数", "数"], ["公園", "1", "2"]]
    report = check(write_csv(tmp_path, rows, name="dup.csv"))
    found = findings_of(report, "header.duplicate")
    assert len(found) == 1 and found[0].column_number == 3 and found[0].params["count"] == 2


def test_spaces_and_line_breaks_in_header_names(tmp_path):
    rows = [["名　称", "telephone\u3000number", "備考\n欄", "English name"], ["公園", "087", "x", "Park"]]
    report = check(write_csv(tmp_path, rows, name="spaces.csv"))
    fixes = {f.value: f.replacement for f in findings_of(report, "header.spacing")}
    assert fixes == {"名　称": "名称", "telephone\u3000number": "telephone number", "備考\n欄": "備考欄"}


def test_second_table_after_a_gap_and_notes_below(tmp_path):
    rows = [["名称", "数", "備考"], ["公園", "1", "x"], ["", "", ""], ["表2 施設別"], ["名称", "数", "備考"],
            ["広場", "2", "y"]]
    report = check(write_csv(tmp_path, rows, name="two.csv"))
    assert [f.row for f in findings_of(report, "structure.multiple_tables")] == [4, 5]
    rows = [["名称", "数", "備考"], ["公園", "1", "x"], ["広場", "2", "y"], ["※ 数は令和6年4月1日現在"], ["資料：公園緑地課"]]
    report = check(write_csv(tmp_path, rows, name="notes.csv"))
    assert [f.row for f in findings_of(report, "structure.notes_below")] == [4, 5]
    assert report.file.sheets[0].data_rows == 2


def test_ragged_and_short_rows(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text("名称,数,備考\n公園,1,x,余分\n広場,2\n森,3,z,\n", encoding="utf-8")
    report = check(path)
    assert [f.row for f in findings_of(report, "structure.ragged_row")] == [2]
    assert [f.row for f in findings_of(report, "structure.short_row")] == [3]


def test_formulas_and_drawings_in_a_workbook(tmp_path):
    rows = [["名称", "数"], ["公園", 1], ["広場", 2], ["計", None]]
    path = write_xlsx(tmp_path, {"Sheet1": rows}, formulas={"Sheet1": {"B4": "=SUM(B2:B3)"}}, image=True)
    report = check(path)
    formula = findings_of(report, "structure.formulas")[0]
    assert formula.params["cell"] == "B4" and formula.row == 4 and formula.column == "数"
    assert rules_of(report)["structure.objects"] == 1


def test_no_header_row(tmp_path):
    rows = [["公園", "1", "2"], ["広場", "3", "4"], ["森", "5", "6"]]
    report = check(write_csv(tmp_path, rows, name="noheader.csv"))
    assert rules_of(report)["structure.no_header"] == 1


# --- cell notation ----------------------------------------------------------------------------------------

def test_platform_dependent_characters(tmp_path):
    report = check(toilet_csv(tmp_path, {"備考": "①清掃中㈱高松", "名称": "髙松公衆便所", "設置位置": "Ⅱ号館"}))
    fixes = {f.value: f.replacement for f in findings_of(report, "text.platform_dependent")}
    assert fixes == {"①清掃中㈱高松": "(1)清掃中(株)高松", "Ⅱ号館": "II号館"}
    assert findings_of(report, "text.platform_dependent_unmapped")[0].params["chars"] == "髙"
    clean = check(toilet_csv(tmp_path, {"備考": "≒ と ∵ は JIS X 0208 の文字"}, name="clean.csv"))
    assert "text.platform_dependent" not in rules_of(clean)


def test_halfwidth_katakana_anywhere(tmp_path):
    report = check(toilet_csv(tmp_path, {"備考": "ｶﾞｲﾄﾞ付き"}))
    assert findings_of(report, "text.halfwidth_kana")[0].replacement == "ガイド付き"


def test_wareki_dates_and_years(tmp_path):
    rows = [["名称", "開設日", "年度", "備考"], ["公園", "令和5年4月1日", "令和6年度", "令和8年度も開催します"],
            ["広場", "H31.4.30", "2024年度（令和6年度）", ""]]
    report = check(write_csv(tmp_path, rows, name="wareki.csv"))
    assert {f.value: f.replacement for f in findings_of(report, "text.wareki_date")} == {
        "令和5年4月1日": "2023-04-01", "H31.4.30": "2019-04-30"}
    assert {f.value: f.replacement for f in findings_of(report, "text.wareki_year")} == {"令和6年度": "2024年度"}


def test_line_breaks_spaces_and_excel_errors(tmp_path):
    report = check(toilet_csv(tmp_path, {"備考": "一行目\n二行目", "設置位置": "駅前 ", "名称_英語": "#N/A"}))
    assert rules_of(report)["text.line_break"] == 1
    assert findings_of(report, "text.surrounding_spaces")[0].replacement == "駅前"
    assert rules_of(report)["text.excel_error"] == 1


@pytest.mark.parametrize("value, rule, replacement", [
    ("5人", "number.unit", "5"),
    ("1,234円", "number.unit", "1234"),
    ("1,234", "number.thousands_separator", "1234"),
    ("▲1,000", "number.triangle_negative", "-1000"),
    ("約20", "number.note", None),
    ("120※1", "number.note", None),
    ("19（休床中）", "number.note", None),
    ("１２３", "value.fullwidth", "123"),
])
def test_numbers_written_with_decoration(tmp_path, value, rule, replacement):
    rows = [["地区", "数"], ["番町", "10"], ["錦町", "20"], ["瓦町", "30"], ["扇町", value]]
    report = check(write_csv(tmp_path, rows, name="numbers.csv"))
    found = findings_of(report, rule)
    assert len(found) == 1 and found[0].value == value and found[0].replacement == replacement
    assert found[0].row == 5


def test_text_columns_are_not_taken_for_numbers(tmp_path):
    rows = [["地区", "説明"], ["番町", "駐車場あり"], ["錦町", "2階"], ["瓦町", "087-861-2500"], ["扇町", "-"]]
    report = check(write_csv(tmp_path, rows, name="text.csv"))
    assert not [r for r in rules_of(report) if r.startswith("number.")]


# --- values of standard fields ------------------------------------------------------------------------------

@pytest.mark.parametrize("value, rule, replacement", [
    ("37201", "value.lgcode_five_digits", "372013"),
    ("11002", "value.lgcode_leading_zero", "011002"),
    ("372014", "value.lgcode_check_digit", None),
    ("３７２０１３", "value.fullwidth", "372013"),
    ("高松市", "value.lgcode_format", None),
])
def test_local_government_codes(tmp_path, value, rule, replacement):
    report = check(toilet_csv(tmp_path, {"全国地方公共団体コード": value}))
    found = findings_of(report, rule)
    assert len(found) == 1 and found[0].replacement == replacement


def test_publisher_code_must_match_the_organisation(tmp_path):
    report = check(toilet_csv(tmp_path, {"全国地方公共団体コード": "372021", "所在地_全国地方公共団体コード": "372021"}),
                   lgcode="372013")
    found = findings_of(report, "value.lgcode_mismatch")
    assert len(found) == 1 and found[0].column == "全国地方公共団体コード"
    assert "value.lgcode_mismatch" not in rules_of(check(toilet_csv(tmp_path, {}, name="ok.csv"), lgcode="372013"))


def test_prefecture_codes_are_known(tmp_path):
    report = check(toilet_csv(tmp_path, {"全国地方公共団体コード": "370002"}))
    assert not [r for r in rules_of(report) if r.startswith("value.lgcode")]


@pytest.mark.parametrize("lat, lon, rule", [
    ("0", "0", "value.coordinate_zero"),
    ("134.05267", "34.34551", "value.coordinates_swapped"),
    ("51.5", "-0.12", "value.coordinate_outside_japan"),
    ("北緯34.3", "134.0", "value.coordinate_format"),
    ("３４．３", "134.0", "value.fullwidth"),
])
def test_coordinates(tmp_path, lat, lon, rule):
    report = check(toilet_csv(tmp_path, {"緯度": lat, "経度": lon}))
    assert rules_of(report).get(rule) == 1, rules_of(report)


def test_coordinates_far_from_the_municipality_or_outside_a_box(tmp_path):
    sapporo = {"緯度": "43.06", "経度": "141.35"}
    report = check(toilet_csv(tmp_path, {}, sapporo), lgcode="372013")
    found = findings_of(report, "value.coordinate_outside_area")
    assert [f.row for f in found] == [3] and "高松市" in found[0].params["area"]
    report = check(toilet_csv(tmp_path, {}, sapporo, name="box.csv"), bbox=(141.0, 42.0, 142.0, 44.0))
    assert [f.row for f in findings_of(report, "value.coordinate_outside_area")] == [2]


@pytest.mark.parametrize("value, replacement", [("9:00", "09:00"), ("９：００", "09:00"), ("9時", "09:00"),
                                                ("09:00:00", "09:00"), ("終日", None), ("25:00", None)])
def test_times(tmp_path, value, replacement):
    report = check(toilet_csv(tmp_path, {"利用開始時間": value}))
    found = findings_of(report, "value.time_format")
    assert len(found) == 1 and found[0].replacement == replacement


@pytest.mark.parametrize("value, rule, replacement", [
    ("2024-04-01", None, None),
    ("2024/4/1", "value.date_format", "2024-04-01"),
    ("令和6年4月1日", "text.wareki_date", "2024-04-01"),
    ("4/13/2024", "value.date_format", "2024-04-13"),
    ("4/5/2024", "value.date_format", None),
    ("2024-02-30", "value.date_format", None),
])
def test_dates(tmp_path, value, rule, replacement):
    rows = [["名称", "名称_カナ", "文化財分類", "文化財指定日"], ["国分寺本堂", "コクブンジホンドウ", "重要文化財", value]]
    report = check(write_csv(tmp_path, rows, name="382019_cultural_property.csv"), standard="cultural_property")
    dated = [f for rule_id in ("value.date_format", "text.wareki_date") for f in findings_of(report, rule_id)]
    if rule is None:
        assert dated == []
    else:
        assert [(f.rule, f.replacement) for f in dated] == [(rule, replacement)]


@pytest.mark.parametrize("value, replacement", [("○", "有"), ("あり", "有"), ("なし", "無"), ("×", "無"), ("不明", None)])
def test_yes_no_vocabulary(tmp_path, value, replacement):
    report = check(toilet_csv(tmp_path, {"オストメイト設置トイレ有無": value}))
    found = findings_of(report, "value.yes_no")
    assert len(found) == 1 and found[0].replacement == replacement


@pytest.mark.parametrize("value, replacement", [("○", "1"), ("0", ""), ("×", ""), ("△", None)])
def test_flags(tmp_path, value, replacement):
    header = ["名称", "所在地_連結表記", "災害種別_洪水", "災害種別_地震", "指定避難所との重複"]
    rows = [header, ["日新小学校", "香川県高松市瀬戸内町18-2", value, "1", ""]]
    report = check(write_csv(tmp_path, rows, name="372013_evacuation_space.csv"), standard="evacuation_space")
    found = findings_of(report, "value.flag")
    assert len(found) == 1 and found[0].replacement == replacement
    assert "standard.required_value_missing" not in rules_of(report)  # an empty flag means "no"


def test_kana_fields(tmp_path):
    report = check(toilet_csv(tmp_path, {"名称_カナ": "たかまつ"}, {"名称_カナ": "ﾀｶﾏﾂ"}, {"名称_カナ": "高松"}))
    found = findings_of(report, "value.kana")
    assert [f.replacement for f in found] == ["タカマツ", "タカマツ", None]
    assert [f.autofix for f in found] == [True, True, False]
    assert "text.halfwidth_kana" not in rules_of(report)


def test_ids_unique_and_alphanumeric(tmp_path):
    report = check(toilet_csv(tmp_path, {"ID": "A1"}, {"ID": "A2"}, {"ID": "A1"}, {"ID": "Ａ３"}, {"ID": "番号4"}))
    duplicate = findings_of(report, "value.id_duplicate")
    assert [(f.row, f.params["first_row"]) for f in duplicate] == [(4, 2)]
    assert findings_of(report, "value.fullwidth")[0].replacement == "A3"
    assert rules_of(report)["value.id_format"] == 1


def test_urls_and_english_names(tmp_path):
    report = check(toilet_csv(
        tmp_path, {"画像": "http://a.example.jp/http://a.example.jp/x.jpg"}, {"画像": "www.city.example.jp/a.jpg"},
        {"画像": "https://例え.jp/画像.jpg"}, {"名称_英語": "片原町 Toilet"}))
    assert rules_of(report)["value.url"] == 2
    assert findings_of(report, "value.url_not_ascii")[0].replacement.startswith("https://xn--")
    assert rules_of(report)["value.name_en"] == 1


def test_counts_and_totals(tmp_path):
    report = check(toilet_csv(
        tmp_path, {"男性トイレ総数": "1", "男性トイレ数（小便器）": "1", "男性トイレ数（洋式）": "1"},
        {"女性トイレ総数": "3基"}, {"バリアフリートイレ数": "-1"}, {"バリアフリートイレ数": "なし"}))
    total = findings_of(report, "value.total")[0]
    assert total.row == 2 and total.params["total"] == "1" and total.params["sum"] == "2"
    assert findings_of(report, "number.unit")[0].replacement == "3"
    assert rules_of(report)["value.negative"] == 1 and rules_of(report)["value.not_a_number"] == 1


def test_excel_turned_an_address_into_a_date(tmp_path):
    report = check(toilet_csv(tmp_path, {"所在地_番地以下": "2024-01-01"}, {"所在地_番地以下": "45292"}))
    found = findings_of(report, "value.excel_date")
    assert [f.params["guess"] for f in found] == ["1-1", "1-1"]


def test_enum_and_pattern_fields(tmp_path):
    report = check(toilet_csv(tmp_path, {"高度の種別": "階"}, {"高度の種別": "標高 "}, {"町字ID": "0008-001"},
                              {"町字ID": "8-1"}))
    assert rules_of(report)["value.enum"] == 1
    assert rules_of(report)["value.pattern"] == 1


def test_required_columns_and_values(tmp_path):
    header = [h for h in toilet_header() if h != "設置位置"]
    rows = [header, [v for h, v in zip(toilet_header(), toilet_row(名称=""), strict=True) if h != "設置位置"]]
    report = check(write_csv(tmp_path, rows), standard="public_toilet")
    assert [f.params["field"] for f in findings_of(report, "standard.missing_required_column")] == ["設置位置"]
    assert [f.row for f in findings_of(report, "standard.required_value_missing")] == [2]


def test_header_variants_map_to_the_standard(tmp_path):
    header = ["都道府県コード又は市区町村コード", "NO", "名称", "名称_カナ", "住所", "設置位置", "latitude", "longitude"]
    rows = [header, ["372013", "1", "片原町公衆便所", "カタハラマチ", "香川県高松市片原町9-9", "南", "34.3", "134.0"]]
    report = check(write_csv(tmp_path, rows), standard="public_toilet")
    variants = {f.value: f.replacement for f in findings_of(report, "header.variant")}
    assert variants["latitude"] == "緯度" and variants["住所"] == "所在地_連結表記"


# --- bad input --------------------------------------------------------------------------------------------

def test_caps_keep_the_total(tmp_path):
    rows = [{"利用開始時間": "9:00"} for _ in range(30)]
    report = validate_file(toilet_csv(tmp_path, *rows), max_per_rule=10)
    assert len(findings_of(report, "value.time_format")) == 10
    assert report.findings.counts["value.time_format"] == 30
    assert report.as_dict()["summary"]["truncated"] == {"value.time_format": 20}


def test_every_rule_has_texts_in_both_languages():
    from django.utils import translation

    for rule in RULES.values():
        texts = [rule.title, rule.message] + ([rule.fix] if rule.fix is not None else [])
        for text in texts:
            with translation.override("en"):
                english = str(text)
            with translation.override("ja"):
                japanese = str(text)
            assert english and japanese and english != japanese, (rule.id, english)


def test_blank_row_between_header_and_data(tmp_path):
    rows = [["名称", "数", "備考"], ["", "", ""], ["公園", "1", "x"], ["広場", "2", "y"]]
    report = check(write_csv(tmp_path, rows, name="gap.csv"))
    assert [f.row for f in findings_of(report, "structure.blank_row")] == [2]


# --- the columnar read and its fall-back ------------------------------------------------------------------

def _spy_columnar(monkeypatch):
    from hiraku.quality import checks

    calls = []
    original = checks.TableChecker._scan_arrow

    def spy(self, *args):
        result = original(self, *args)
        calls.append(result)
        return result

    monkeypatch.setattr(checks.TableChecker, "_scan_arrow", spy)
    return calls


def test_regular_csv_is_read_by_columns(tmp_path, monkeypatch):
    calls = _spy_columnar(monkeypatch)
    rows = [{"利用開始時間": "9:00" if i == 70 else "07:00", "ID": f"T{i}"} for i in range(100)]
    report = check(toilet_csv(tmp_path, *rows))
    assert calls == [True]
    assert [f.row for f in findings_of(report, "value.time_format")] == [72]


@pytest.mark.parametrize("late_line, rule, row", [
    ("", "structure.blank_row", 62),
    (",,,,,,", "structure.blank_row", 62),
    ("※ 令和6年4月1日現在", "structure.notes_below", 62),
    ("a,b,c," + ",".join(["x"] * 45), "structure.ragged_row", 62),
])
def test_irregular_rows_after_the_first_rows_fall_back_to_the_row_reader(tmp_path, monkeypatch, late_line, rule,
                                                                           row):
    calls = _spy_columnar(monkeypatch)
    lines = toilet_csv(tmp_path, *[{"ID": f"T{i}"} for i in range(60)]).read_text(encoding="utf-8").splitlines()
    lines.insert(61, late_line)
    path = tmp_path / "late.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    report = check(path)
    assert calls == [False]
    assert [f.row for f in findings_of(report, rule)] == [row]
    assert report.rows_checked in (60, 61)


def test_quoted_line_breaks_use_the_row_reader(tmp_path, monkeypatch):
    calls = _spy_columnar(monkeypatch)
    report = check(toilet_csv(tmp_path, {"備考": "一行目\n二行目"}, {"利用開始時間": "9:00"}))
    assert calls == []
    assert [f.row for f in findings_of(report, "value.time_format")] == [4]  # the record starts on line 4


def test_cp932_csv_is_read_by_columns(tmp_path, monkeypatch):
    calls = _spy_columnar(monkeypatch)
    report = check(toilet_csv(tmp_path, {}, {"名称_カナ": "ﾀｶﾏﾂ"}, encoding="cp932"))
    assert calls == [True]
    assert findings_of(report, "value.kana")[0].replacement == "タカマツ"


def test_control_characters(tmp_path):
    report = check(toilet_csv(tmp_path, {"備考": "清掃\x0b中"}))
    assert findings_of(report, "text.control_characters")[0].replacement == "清掃中"


def test_an_age_range_turned_into_a_date(tmp_path):
    rows = [["名称", "対象年齢"], ["教室", "1-3"], ["講座", "2026-01-03"]]
    found = findings_of(check(write_csv(tmp_path, rows, name="ages.csv")), "value.excel_date")
    assert [(f.row, f.params["guess"]) for f in found] == [(3, "1-3")]


def test_an_internal_failure_becomes_a_finding(tmp_path, monkeypatch):
    from hiraku.quality import checks

    def broken(self):
        raise RuntimeError("boom")

    monkeypatch.setattr(checks.TableChecker, "run", broken)
    report = check(toilet_csv(tmp_path, {}))
    assert not report.readable and report.exit_status == 2
    assert "RuntimeError: boom" in findings_of(report, "file.unreadable")[0].params["detail"]
