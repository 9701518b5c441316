"""Real municipal files: every Takamatsu sample validates, and the problems visible in them are reported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hiraku.quality.checks import validate_file

REPO = Path(__file__).resolve().parents[3]
TAKAMATSU = REPO.parent / "shared" / "data" / "takamatsu-sample"
SAMPLES = sorted(p for p in TAKAMATSU.glob("*/*") if p.suffix in (".csv", ".xlsx")) if TAKAMATSU.is_dir() else []


@pytest.fixture
def takamatsu(shared_dir) -> Path:
    return shared_dir / "data" / "takamatsu-sample"


def found(report, rule: str) -> list[tuple]:
    return [(f.row, f.column, f.value, f.replacement) for f in report.findings.by_rule(rule)]


@pytest.mark.parametrize("path", SAMPLES, ids=[f"{p.parent.name}/{p.name}" for p in SAMPLES])
def test_every_sample_validates(shared_dir, path):
    report = validate_file(path)
    assert report.readable, report.findings.counts
    data = json.loads(json.dumps(report.as_dict(), ensure_ascii=False))
    assert data["summary"]["rows_checked"] > 0
    assert data["stars"]["stars"] == (3 if path.suffix == ".csv" else 2)
    for finding in data["findings"]:
        assert finding["message"]["ja"] and finding["message"]["en"]


def test_public_toilet_csv(takamatsu):
    report = validate_file(takamatsu / "public_toilet" / "data.csv", lgcode="372013")
    assert report.file.encoding == "utf-8" and not report.file.bom and report.file.line_endings == "CRLF"
    assert report.standard["id"] == "public_toilet" and report.standard["confidence"] > 0.9
    # IMI-style English headers and the old 多機能トイレ数 are recognised, and renaming is proposed.
    variants = {f.value: f.replacement for f in report.findings.by_rule("header.variant")}
    assert variants["fullNameInKana"] == "名称_カナ"
    assert variants["multifunctionalRestroom"] == "バリアフリートイレ数"
    assert variants["iamgeLicense"] == "画像_ライセンス"
    assert [f.value for f in report.findings.by_rule("header.unknown")] == ["#property"]
    # prefCode holds the 5-digit JIS code: the check digit is missing in every row.
    assert report.findings.counts["value.lgcode_five_digits"] == 169
    assert found(report, "value.lgcode_five_digits")[0] == (2, "prefCode", "37201", "372013")
    assert report.findings.counts["standard.required_value_missing"] == 133
    assert {f.column for f in report.findings.by_rule("standard.required_value_missing")} == {"installationPosition"}
    assert {f.params["field"] for f in report.findings.by_rule("standard.missing_recommended_column")} == {
        "所在地_全国地方公共団体コード", "所在地_都道府県", "所在地_市区町村", "所在地_町字", "所在地_番地以下"}
    assert found(report, "file.name")[0][3] == "372013_public_toilet.csv"
    # The Excel version holds the same table: a proprietary format, and the standard asks for CSV.
    xlsx = validate_file(takamatsu / "public_toilet" / "data.xlsx")
    assert xlsx.findings.counts["value.lgcode_five_digits"] == 169 and "file.not_csv" in xlsx.findings.counts


def test_hospital_files(takamatsu):
    report = validate_file(takamatsu / "hospital" / "data.csv")
    assert report.standard["id"] == "medical_institution"
    assert found(report, "header.spacing")[0][2:] == ("telephone\u3000number", "telephone number")
    assert (3, "name", "かがわ総合リハビリテーション病院\u3000", "かがわ総合リハビリテーション病院") in found(
        report, "text.surrounding_spaces")
    assert ("19（休床中）", None) in {f[2:] for f in found(report, "number.note")}
    assert {f[2] for f in found(report, "value.enum")} >= {"歯科"}  # 医療機関の種類 is 病院/有床診療所/無床診療所
    dated = validate_file(takamatsu / "hospital" / "date.xlsx")
    assert (3, "referenceObject") in {f[:2] for f in found(dated, "value.url")}
    assert found(dated, "value.url")[0][2].count("http") == 2
    assert ("西高松脳外科･内科クリニック", "西高松脳外科・内科クリニック") in {f[2:] for f in found(dated, "text.halfwidth_kana")}


def test_cultural_property(takamatsu):
    report = validate_file(takamatsu / "cultural_property" / "data.xlsx")
    assert report.standard["id"] == "cultural_property"
    zero = found(report, "value.coordinate_zero")
    assert zero[0] == (2, "latitude", "0, 0", "") and report.findings.counts["value.coordinate_zero"] > 100
    assert (123, "name") in {f[:2] for f in found(report, "text.platform_dependent_unmapped")}  # 賴
    assert "2013-09-26、2020-10-09" in {f[2] for f in found(report, "value.date_format")}


def test_evacuation_space_flags(takamatsu):
    report = validate_file(takamatsu / "evacuation_space" / "data.xlsx")
    assert report.standard["id"] == "evacuation_space"
    flags = {(f.value, f.replacement) for f in report.findings.by_rule("value.flag")}
    assert ("○", "1") in flags and ("△", None) in flags
    assert "指定避難所との重複" in report.standard["missing_required"]


def test_events(takamatsu):
    report = validate_file(takamatsu / "events" / "data.xlsx")
    assert report.standard["id"] == "event"
    assert found(report, "text.platform_dependent")[0][:4] == (1, "№", "№", "No")
    assert (2, "開始時間", "09:00:00", "09:00") in found(report, "value.time_format")
    assert (3, "開始時間", "9：00", "09:00") in found(report, "value.time_format")
    assert (20, "定員", "12名", "12") in found(report, "number.unit")
    assert report.findings.counts["text.line_break"] > 50
    assert "2019-08-05" not in {f[3] for f in found(report, "value.date_format")}  # 8月5日 has no year


def test_population_dates_and_codes(takamatsu):
    report = validate_file(takamatsu / "population" / "0066_201812.xlsx")
    assert report.standard["id"] == "population_by_area_age"
    # 12/1/2018 is month-first here, but a single value cannot tell: no replacement is guessed.
    assert found(report, "value.date_format")[0] == (2, "surveyDate", "12/1/2018", None)
    assert report.findings.counts["value.lgcode_five_digits"] == 235


def test_wareki_years_in_the_tax_table(takamatsu):
    report = validate_file(takamatsu / "city_tax_settlement_status_r2" / "0097.xlsx")
    assert report.standard is None and "standard.not_detected" in report.findings.counts
    assert found(report, "text.wareki_year")[0] == (2, "year", "令和6年度", "2024年度")


def test_survey_sheet_layout(takamatsu):
    report = validate_file(takamatsu / "Well-Being-results" / "0112.xlsx")
    header = report.findings.by_rule("structure.multi_row_header")[0]
    assert header.params["count"] == 2 and header.sheet == "回答データ"
    assert report.findings.by_rule("structure.blank_column")[0].column_number == 1
    assert report.file.sheets[0].header_rows == [1, 2]


def test_generic_checks_without_a_standard(takamatsu):
    polling = validate_file(takamatsu / "polling_place_list" / "data.xlsx")
    assert polling.standard is None
    assert (2, "startTime", "7:00", "07:00") in found(polling, "value.time_format")
    tsunami = validate_file(takamatsu / "tsunami_evacuation_building" / "data.csv")
    assert (73, "latitude", "34.329139 ", "34.329139") in found(tsunami, "text.surrounding_spaces")
    assert "value.coordinate_format" not in tsunami.findings.counts


def test_small_issues_in_other_files(takamatsu):
    aed = validate_file(takamatsu / "aed_location" / "data.xlsx")
    assert (372, "address", "髙松市朝日町二丁目17番3号", None) in found(aed, "text.platform_dependent_unmapped")
    nursery = validate_file(takamatsu / "nursery_school" / "data.xlsx")
    assert (56, "endTime", "26:00", None) in found(nursery, "value.time_format")
    assert found(nursery, "value.url_not_ascii")[0][3].startswith("https://kagawa-colorful.com/hoikusyo/%E3")
    tourist = validate_file(takamatsu / "tourist_facilities" / "data.xlsx")
    assert (35, "address", "高松市国分寺町国分353ｰ1", "高松市国分寺町国分353-1") in found(tourist, "text.halfwidth_kana")


def test_a_real_shift_jis_file(shared_dir):
    report = validate_file(shared_dir / "data" / "localgovjp" / "localgovjp-2020-sjis.csv")
    assert report.file.encoding == "cp932"
    assert report.findings.by_rule("file.encoding")[0].params["encoding"] == "Shift_JIS (CP932)"
