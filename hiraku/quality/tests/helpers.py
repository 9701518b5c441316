"""Small builders for validation tests: CSV/XLSX files written into tmp_path."""

from __future__ import annotations

from pathlib import Path

from hiraku.quality.checks import validate_file
from hiraku.quality.standards import get_standard

TOILET = "public_toilet"


def toilet_header() -> list[str]:
    return [f.name for f in get_standard(TOILET).fields if not f.legacy]


def toilet_row(**values: str) -> list[str]:
    """A clean 公衆トイレ一覧 row; keyword arguments override fields by official name."""
    base = {
        "全国地方公共団体コード": "372013", "ID": "T0001", "地方公共団体名": "香川県高松市", "名称": "片原町公衆便所",
        "名称_カナ": "カタハラマチコウシュウベンジョ", "名称_英語": "Katahara-machi Public Toilet",
        "所在地_全国地方公共団体コード": "372013", "所在地_連結表記": "香川県高松市片原町9-9", "所在地_都道府県": "香川県",
        "所在地_市区町村": "高松市", "所在地_町字": "片原町", "所在地_番地以下": "9-9", "設置位置": "商店街南",
        "緯度": "34.34551", "経度": "134.05267", "男性トイレ総数": "2", "男性トイレ数（小便器）": "1",
        "男性トイレ数（洋式）": "1", "女性トイレ総数": "2", "女性トイレ数（洋式）": "2", "男女共用トイレ総数": "0",
        "バリアフリートイレ数": "1", "車椅子使用者用トイレ有無": "有", "乳幼児用設備設置トイレ有無": "無",
        "オストメイト設置トイレ有無": "無", "利用開始時間": "00:00", "利用終了時間": "24:00",
        "画像": "https://www.city.takamatsu.kagawa.jp/toilet/1.jpg", "画像_ライセンス": "CC BY 4.0",
    }
    base.update(values)
    return [base.get(name, "") for name in toilet_header()]


def csv_text(rows: list[list[str]], newline: str = "\r\n") -> str:
    def quote(value: str) -> str:
        if any(c in value for c in ',"\r\n'):
            return '"' + value.replace('"', '""') + '"'
        return value

    return "".join(",".join(quote(v) for v in row) + newline for row in rows)


def write_csv(directory: Path, rows: list[list[str]], name: str = "372013_public_toilet.csv",
              encoding: str = "utf-8", newline: str = "\r\n") -> Path:
    path = directory / name
    path.write_bytes(csv_text(rows, newline).encode(encoding))
    return path


def toilet_csv(directory: Path, *rows: dict, name: str = "372013_public_toilet.csv", **kwargs) -> Path:
    body = [toilet_row(**{"ID": f"T{i:04d}", **row}) for i, row in enumerate(rows or ({},), start=1)]
    return write_csv(directory, [toilet_header(), *body], name=name, **kwargs)


def write_xlsx(directory: Path, sheets: dict[str, list[list]], name: str = "data.xlsx", merges=None,
               formulas=None, image=False) -> Path:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for title, rows in sheets.items():
        ws = workbook.create_sheet(title)
        for row in rows:
            ws.append(row)
        for cell_range in (merges or {}).get(title, ()):
            ws.merge_cells(cell_range)
        for ref, formula in (formulas or {}).get(title, {}).items():
            ws[ref] = formula
        if image and title == next(iter(sheets)):
            from openpyxl.chart import BarChart, Reference

            chart = BarChart()
            chart.add_data(Reference(ws, min_col=1, min_row=1, max_row=2))
            ws.add_chart(chart, "H2")
    path = directory / name
    workbook.save(path)
    return path


def rules_of(report) -> dict[str, int]:
    return dict(report.findings.counts)


def findings_of(report, rule: str):
    return report.findings.by_rule(rule)


def check(path: Path, **kwargs):
    return validate_file(path, **kwargs)
