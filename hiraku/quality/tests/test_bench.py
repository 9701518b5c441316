"""The validation benchmark's file: standard-conformant, and every planted problem is found."""

from __future__ import annotations

import io

from hiraku.quality import bench
from hiraku.quality.checks import validate_file

# planted column -> the rule that must report it
EXPECTED = {
    "全国地方公共団体コード": "value.lgcode_five_digits",
    "利用開始時間": "value.time_format",
    "車椅子使用者用トイレ有無": "value.yes_no",
    "名称_カナ": "value.kana",
    "男性トイレ数（洋式）": "value.fullwidth",
    "女性トイレ総数": "number.unit",
    "swapped": "value.coordinates_swapped",
    "設置位置": "text.surrounding_spaces",
    "画像": "value.url",
    "所在地_番地以下": "value.excel_date",
}


def test_generated_file_plants_problems_that_are_found(tmp_path):
    path = tmp_path / "372013_public_toilet.csv"
    planted = bench.generate_csv(path, 5000, problem_rate=0.05)
    report = validate_file(path, lgcode="372013")
    assert report.standard["id"] == "public_toilet" and report.standard["confidence"] > 0.95
    assert report.standard["missing_required"] == [] and report.standard["unknown_headers"] == []
    counts = report.findings.counts
    for column, rule in EXPECTED.items():
        assert counts.get(rule, 0) == planted.get(column, 0), (column, rule)
    notes = counts.get("text.platform_dependent", 0) + counts.get("text.wareki_date", 0)
    assert notes == planted.get("備考", 0)
    assert counts.get("value.total", 0) <= planted.get("男性トイレ総数", 0)
    assert counts.get("value.id_duplicate", 0) >= 1


def test_clean_generated_file_has_no_findings_but_the_bom(tmp_path):
    path = tmp_path / "372013_public_toilet.csv"
    assert bench.generate_csv(path, 2000, problem_rate=0) == {}
    report = validate_file(path, lgcode="372013")
    assert dict(report.findings.counts) == {"file.bom": 1}


def test_run_reports_both_sizes(tmp_path):
    out = io.StringIO()
    results = bench.run(3000, out)
    assert [r["rows"] for r in results] == [3000]
    assert "rows/s" in out.getvalue() and results[0]["standard"] == "public_toilet"
