"""`hiraku validate`: output formats, languages and exit statuses, and input that is not a table."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from django.utils.translation import gettext

from hiraku.quality.checks import validate_file

from .helpers import rules_of, toilet_csv, write_csv, write_xlsx


def run(*args) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("validate", *[str(a) for a in args], stdout=out)
        status = 0
    except SystemExit as exc:
        status = exc.code
    return status, out.getvalue()


def test_clean_file_exits_0_and_prints_japanese(tmp_path):
    status, text = run(toilet_csv(tmp_path, {}), "--lgcode", "372013")
    assert status == 0
    assert "標準データセット: 公衆トイレ一覧（public_toilet）" in text
    assert "結果: エラー 0 件" in text


def test_errors_exit_1_and_english_on_request(tmp_path):
    path = toilet_csv(tmp_path, {"全国地方公共団体コード": "37201"})
    status, text = run(path, "--lang", "en")
    assert status == 1
    assert "[Error] value.lgcode_five_digits" in text
    assert "Add the check digit: 372013. (can be fixed automatically)" in text
    status, text = run(path)
    assert status == 1 and "[エラー] value.lgcode_five_digits" in text and "検査数字を付けてください: 372013" in text


def test_warnings_alone_exit_0(tmp_path):
    status, _ = run(toilet_csv(tmp_path, {"備考": "①清掃中"}))
    assert status == 0


def test_json_output_is_the_report(tmp_path):
    path = toilet_csv(tmp_path, {"利用開始時間": "9:00"})
    status, text = run(path, "--format", "json", "--lgcode", "372013")
    data = json.loads(text)
    assert status == 1
    assert data["standard"]["id"] == "public_toilet"
    assert data["summary"]["rules"] == {"value.time_format": 1}
    finding = data["findings"][0]
    assert finding["replacement"] == "09:00" and finding["row"] == 2 and finding["column"] == "利用開始時間"
    assert set(finding["message"]) == {"ja", "en"}
    direct = validate_file(path, lgcode="372013").as_dict()
    assert data["findings"] == direct["findings"] and data["file"] == direct["file"]


def test_forced_standard_and_show_all(tmp_path):
    rows = [["名称", "住所", "設置位置", "利用開始時間"]] + [["便所", "高松市", "北", "9:00"] for _ in range(8)]
    path = write_csv(tmp_path, rows, name="x.csv")
    status, text = run(path, "--standard", "public_toilet", "--show", "0", "--lang", "en")
    assert status == 1 and "chosen" in text
    assert text.count("09:00") >= 8 and "more" not in text.split("value.time_format")[1].split("[")[0]
    _, text = run(path, "--standard", "public_toilet", "--show", "2", "--lang", "en")
    assert "… and 6 more" in text


def test_invalid_options(tmp_path):
    path = toilet_csv(tmp_path, {})
    with pytest.raises(CommandError):
        call_command("validate", str(path), "--lgcode", "372014")
    with pytest.raises(CommandError):
        call_command("validate", str(path), "--standard", "no_such_standard")
    with pytest.raises(CommandError):
        call_command("validate", str(path), "--bbox", "1,2,3")


def test_bbox_and_license_options(tmp_path):
    path = toilet_csv(tmp_path, {"緯度": "43.06", "経度": "141.35"})
    status, text = run(path, "--bbox", "133.9,34.1,134.3,34.5", "--license", "other-closed", "--format", "json")
    data = json.loads(text)
    assert "value.coordinate_outside_area" in data["summary"]["rules"]
    assert "file.license_not_open" in data["summary"]["rules"]
    assert data["stars"]["stars"] == 0 and status == 1


# --- input that is not a table: a report, exit status 2, never a traceback -----------------------------------

def _unreadable(path, rule):
    status, text = run(path, "--format", "json")
    data = json.loads(text)
    assert status == 2, data["summary"]
    assert not data["readable"]
    assert rule in data["summary"]["rules"], data["summary"]["rules"]
    status, text = run(path)
    with translation.override("ja"):
        assert status == 2 and gettext("The file could not be read as a table.") in text
    return data


def test_missing_file(tmp_path):
    _unreadable(tmp_path / "nothing.csv", "file.unreadable")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    _unreadable(path, "file.empty")
    path.write_bytes(b"\r\n  \r\n")
    _unreadable(path, "file.empty")


def test_binary_file_named_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_bytes(bytes(range(256)) * 40)
    _unreadable(path, "file.binary")


def test_pdf_is_a_document(tmp_path):
    path = tmp_path / "list.pdf"
    path.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    data = _unreadable(path, "file.binary")
    assert data["stars"]["stars"] == 1


def test_html_error_page_saved_as_csv(tmp_path):
    path = tmp_path / "download.csv"
    path.write_text("<!DOCTYPE html>\n<html><body><h1>500 Internal Server Error</h1></body></html>\n",
                    encoding="utf-8")
    _unreadable(path, "file.html")


def test_old_xls_and_broken_xlsx(tmp_path):
    xls = tmp_path / "old.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    data = _unreadable(xls, "file.unreadable")
    assert data["file"]["format"] == "xls"
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    _unreadable(broken, "file.unreadable")
    plain_zip = tmp_path / "data.xlsx"
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    _unreadable(plain_zip, "file.unreadable")


def test_undecodable_text(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("名称,数\n公園,1\n".encode() + "広場,2\n".encode("cp932") + "森,3\n".encode("euc_jp"))
    status, text = run(path, "--format", "json")
    assert status in (0, 1, 2)  # charset detection may still find a reading; it never crashes
    json.loads(text)


def test_unclosed_quote(tmp_path):
    path = tmp_path / "quote.csv"
    path.write_text('名称,数,備考\n公園,1,"閉じていない\n広場,2,x\n', encoding="utf-8")
    _unreadable(path, "file.unreadable")


def test_prose_is_not_a_table(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("これは表ではありません。\n説明の文章です。\n", encoding="utf-8")
    status, text = run(path, "--format", "json")
    data = json.loads(text)
    assert status in (0, 1) and data["readable"]
    assert data["standard"] is None


def test_workbook_with_empty_sheets_and_no_table(tmp_path):
    path = write_xlsx(tmp_path, {"表紙": [], "空": []}, name="empty.xlsx")
    data = _unreadable(path, "file.no_table")
    assert data["summary"]["rules"]["structure.empty_sheet"] == 2
    path = write_xlsx(tmp_path, {"表紙": [], "データ": [["名称", "数"], ["公園", 1]]}, name="one.xlsx")
    report = validate_file(path)
    assert report.readable and rules_of(report)["structure.empty_sheet"] == 1
    assert [s.table for s in report.file.sheets] == [False, True]


def test_a_thousand_sheets(tmp_path):
    sheets = {f"S{i}": [["名称", "数"], [f"公園{i}", i]] for i in range(1000)}
    path = write_xlsx(tmp_path, sheets, name="many.xlsx")
    status, text = run(path, "--format", "json")
    data = json.loads(text)
    assert status == 0
    assert data["summary"]["rules"]["file.too_many_sheets"] == 1
    assert data["file"]["sheet_count"] == 1000 and len(data["file"]["sheets"]) == 100


def test_huge_cells(tmp_path):
    path = tmp_path / "huge.csv"
    path.write_text("名称,備考\n公園," + "あ" * 2_000_000 + "\n広場,x\n", encoding="utf-8")
    status, text = run(path, "--format", "json")
    data = json.loads(text)
    assert status == 0 and data["readable"] and data["summary"]["rows_checked"] == 2
    assert all(len(f["value"] or "") <= 80 for f in data["findings"])
    too_big = tmp_path / "too_big.csv"
    too_big.write_text("名称,備考\n公園," + "x" * (17 * 1024 * 1024) + "\n", encoding="utf-8")
    _unreadable(too_big, "file.unreadable")


def test_ods_workbook_is_checked(tmp_path):
    from hiraku.datastore.tests.test_workbooks import write_ods

    path = tmp_path / "372013_public_toilet.ods"
    write_ods(path, {"便所": [["名称", "所在地_連結表記", "設置位置", "利用開始時間"], ["片原町公衆便所", "高松市片原町", "南", "9:00"]]})
    status, text = run(path, "--format", "json", "--standard", "public_toilet")
    data = json.loads(text)
    assert status == 1 and data["readable"] and data["file"]["format"] == "ods"
    assert data["summary"]["rules"]["value.time_format"] == 1
    assert data["findings"][0]["sheet"] == "便所" or any(f["sheet"] == "便所" for f in data["findings"])
    assert data["stars"]["stars"] == 3
