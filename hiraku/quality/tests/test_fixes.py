"""Automatic fixes: the planned changes on synthetic files, the written CSV, and a real Takamatsu file."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from hiraku.quality.checks import validate_file
from hiraku.quality.fixes import plan_fix, write_fixed_csv

from .helpers import toilet_header, toilet_row, write_csv, write_xlsx

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "data" / "takamatsu-sample"


def changes_of(plan) -> list[tuple]:
    return [(c.row, c.column, c.old, c.new, c.rules) for c in plan.changes]


def read_written(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


@pytest.fixture
def messy(tmp_path):
    header = ["住所" if h == "所在地_連結表記" else h for h in toilet_header()]
    rows = [
        ["公衆トイレ一覧（令和6年4月1日現在）"],
        [],
        header,
        toilet_row(**{"全国地方公共団体コード": "37201", "名称": "ｶﾀﾊﾗ便所", "男性トイレ総数": "２"}),
        [""] * len(header),
        toilet_row(ID="T0002", 設置位置="令和5年4月1日"),
    ]
    return write_csv(tmp_path, rows)


def test_plan_lists_exactly_the_fixable_changes(messy):
    plan = plan_fix(messy, lgcode="372013")
    assert plan.readable and not plan.is_empty
    assert changes_of(plan) == [
        (4, "全国地方公共団体コード", "37201", "372013", ("value.lgcode_five_digits",)),
        (4, "名称", "ｶﾀﾊﾗ便所", "カタハラ便所", ("text.halfwidth_kana",)),
        (4, "男性トイレ総数", "２", "2", ("value.fullwidth",)),
        (6, "設置位置", "令和5年4月1日", "2023-04-01", ("text.wareki_date",)),
    ]
    assert [(r.column_number, r.old, r.new) for r in plan.header_renames] == [(9, "住所", "所在地_連結表記")]
    assert plan.header == toilet_header()
    assert plan.removed_rows == [1, 2, 5]
    assert plan.counts["structure.blank_row"] == 1 and plan.counts["value.fullwidth"] == 1
    assert "structure.title_rows" in plan.rewrite
    assert plan.data_rows == 2
    change = plan.changes[1]
    assert change.reason_ja == "半角カタカナ" and change.reason_en == "Half-width katakana"


def test_written_csv_is_excel_friendly_and_checks_cleaner(messy, tmp_path):
    plan = plan_fix(messy, lgcode="372013")
    target = tmp_path / "fixed.csv"
    digest = write_fixed_csv(plan, target)
    raw = target.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and digest.startswith("sha256:")
    assert raw.count(b"\r\n") == 3 and b"\n" not in raw.replace(b"\r\n", b"")
    rows = read_written(target)
    assert rows[0] == toilet_header()
    assert rows[1][0] == "372013" and rows[1][3] == "カタハラ便所"
    assert rows[2][toilet_header().index("設置位置")] == "2023-04-01"
    before = validate_file(messy, lgcode="372013")
    after = validate_file(target, lgcode="372013", filename="372013_public_toilet.csv")
    assert len(after.findings) < len(before.findings)
    for rule in ("value.lgcode_five_digits", "text.halfwidth_kana", "value.fullwidth", "text.wareki_date",
                 "structure.title_rows", "structure.blank_row", "header.variant"):
        assert rule in before.findings.counts and rule not in after.findings.counts, rule
    assert after.file.encoding in ("utf-8", "utf-8-sig") and after.file.bom


def test_a_clean_file_gives_an_empty_plan(tmp_path):
    path = write_csv(tmp_path, [toilet_header(), toilet_row()])
    plan = plan_fix(path, lgcode="372013")
    assert plan.readable and plan.is_empty
    assert plan.changes == [] and plan.header_renames == [] and plan.counts == {}


def test_unfixable_findings_are_listed_and_left_alone(tmp_path):
    # Kanji cannot be turned into a kana reading, nor a word into a latitude.
    path = write_csv(tmp_path, [toilet_header(), toilet_row(名称_カナ="片原町", 緯度="北のほう")])
    plan = plan_fix(path, lgcode="372013")
    assert plan.changes == []
    left = {u.rule for u in plan.unfixed}
    assert "value.kana" in left and "value.coordinate_format" in left
    rows = list(plan.rows())
    assert rows[1][toilet_header().index("名称_カナ")] == "片原町"


def test_several_fixes_in_one_cell_are_combined(tmp_path):
    path = write_csv(tmp_path, [toilet_header(), toilet_row(設置位置=" ｶﾀﾊﾗ① ")])
    plan = plan_fix(path, lgcode="372013")
    (change,) = plan.changes
    assert change.old == " ｶﾀﾊﾗ① " and change.new == "カタハラ(1)"
    assert set(change.rules) == {"text.halfwidth_kana", "text.platform_dependent", "text.surrounding_spaces"}


def test_header_variants_and_spacing(tmp_path):
    header = toilet_header()
    header[header.index("名称")] = " 名称 "
    header[header.index("緯度")] = "latitude"
    path = write_csv(tmp_path, [header, toilet_row()])
    plan = plan_fix(path, lgcode="372013")
    assert plan.header == toilet_header()
    renamed = {(r.old, r.new) for r in plan.header_renames}
    assert (" 名称 ", "名称") in renamed and ("latitude", "緯度") in renamed
    assert plan.changes == []


def test_workbook_with_title_rows_and_blank_column(tmp_path):
    header = toilet_header()
    sheet = [["公衆トイレ一覧"], [None], [None, *header], [None, *toilet_row(男性トイレ総数="３")]]
    path = write_xlsx(tmp_path, {"一覧": sheet, "メモ": [["説明", "値"], ["a", "b"]]},
                      name="372013_public_toilet.xlsx")
    plan = plan_fix(path, lgcode="372013")
    assert plan.sheet == "一覧" and plan.readable
    assert plan.removed_columns == [1]
    assert changes_of(plan) == [(4, "男性トイレ総数", "３", "3", ("value.fullwidth",))]
    rows = list(plan.rows())
    assert rows[0] == header and len(rows) == 2 and rows[1][header.index("男性トイレ総数")] == "3"
    assert "file.not_csv" in plan.rewrite


def test_shift_jis_file_is_rewritten_as_utf8(tmp_path):
    path = write_csv(tmp_path, [toilet_header(), toilet_row()], encoding="cp932")
    plan = plan_fix(path, lgcode="372013")
    assert plan.rewrite == ["file.encoding"] and not plan.is_empty
    target = tmp_path / "out.csv"
    write_fixed_csv(plan, target)
    assert read_written(target)[1] == toilet_row()


def test_unreadable_file_gives_an_unreadable_plan(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"%PDF-1.4 not a table")
    plan = plan_fix(path)
    assert not plan.readable and list(plan.rows()) == []
    with pytest.raises(ValueError):
        write_fixed_csv(plan, tmp_path / "out.csv")


def test_many_rows_are_planned_and_written(tmp_path):
    body = [toilet_row(ID=f"T{i:05d}", 男性トイレ総数="２" if i % 100 == 0 else "2") for i in range(5000)]
    path = write_csv(tmp_path, [toilet_header(), *body])
    plan = plan_fix(path, lgcode="372013")
    assert len(plan.changes) == 50 and plan.data_rows == 5000
    target = tmp_path / "out.csv"
    write_fixed_csv(plan, target)
    assert len(read_written(target)) == 5001


@pytest.mark.skipif(not (SAMPLES / "public_toilet" / "data.csv").exists(), reason="Takamatsu samples not present")
@pytest.mark.parametrize("name", ["public_toilet/data.csv", "public_toilet/data.xlsx"])
def test_real_takamatsu_file_plans(tmp_path, name):
    plan = plan_fix(SAMPLES / name, lgcode="372013")
    assert plan.readable
    target = tmp_path / "out.csv"
    write_fixed_csv(plan, target)
    rows = read_written(target)
    assert len(rows) == plan.data_rows + 1 and rows[0] == plan.header
