"""Validation benchmark: a standard 公衆トイレ一覧 CSV with realistic problems, validated end to end.

``hiraku bench validate [--rows N]`` writes a deterministic public_toilet
CSV (UTF-8 with BOM, CRLF, the 39 official columns) in scratch space, with
about one row in a hundred carrying a problem people really make: 5-digit
codes, 9:00 instead of 09:00, ○ for 有, half-width katakana, full-width
digits, 「3基」 in a count, swapped coordinates, totals below their parts,
duplicate IDs, ① in notes, a 和暦 date in a note, spaces after values.
It then runs :func:`validate_file` on 100,000 rows and on N rows (default
1,000,000) and reports the wall and CPU time and rows per second of each
(CPU time, which includes Arrow's reader threads, is the steadier figure on a
shared machine).
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from pathlib import Path
from typing import TextIO

PUBLISHER = "372013"
_WARDS = [("番町一丁目", "バンチョウイッチョウメ"), ("錦町二丁目", "ニシキマチニチョウメ"), ("瓦町一丁目", "カワラマチイッチョウメ"),
          ("屋島西町", "ヤシマニシマチ"), ("香西本町", "コウザイホンマチ"), ("仏生山町", "ブッショウザンチョウ"),
          ("庵治町", "アジチョウ"), ("塩江町安原上", "シオノエチョウヤスハラカミ")]
_PLACES = [("公園", "コウエン", "Park"), ("駅前広場", "エキマエヒロバ", "Station Square"),
           ("港", "ミナト", "Port"), ("海水浴場", "カイスイヨクジョウ", "Beach"), ("運動公園", "ウンドウコウエン", "Sports Park")]
_POSITIONS = ["公園北側", "駐車場横", "管理棟1階", "広場東", "入口付近"]
_NOTES = ["", "", "", "冬季は17:00まで", "清掃時間 9:00～9:30 は利用不可", "多目的シート有"]


def _row(i: int, rng: random.Random) -> list[str]:
    ward, ward_kana = _WARDS[i % len(_WARDS)]
    place, place_kana, place_en = _PLACES[i % len(_PLACES)]
    lat = 34.15 + rng.random() * 0.3
    lon = 133.95 + rng.random() * 0.25
    men_small, men_jp, men_west = rng.randrange(0, 4), rng.randrange(0, 2), rng.randrange(0, 3)
    women_jp, women_west = rng.randrange(0, 3), rng.randrange(0, 4)
    shared_jp, shared_west = 0, rng.randrange(0, 2)
    number = f"{rng.randrange(1, 40)}-{rng.randrange(1, 30)}"
    name = f"{ward}{place}公衆トイレ{i}"
    return [
        PUBLISHER, f"T{i:08d}", "香川県高松市", name, f"{ward_kana}{place_kana}コウシュウトイレ",
        f"{place_en} Public Toilet {i}", PUBLISHER, "", f"香川県高松市{ward}{number}", "香川県", "高松市", ward,
        number, "", _POSITIONS[i % len(_POSITIONS)], f"{lat:.6f}", f"{lon:.6f}", "", "",
        str(men_small + men_jp + men_west), str(men_small), str(men_jp), str(men_west),
        str(women_jp + women_west), str(women_jp), str(women_west),
        str(shared_jp + shared_west), str(shared_jp), str(shared_west), str(rng.randrange(0, 2)),
        rng.choice(("有", "無")), rng.choice(("有", "無")), rng.choice(("有", "無")),
        "07:00", rng.choice(("21:00", "22:00", "24:00")), "",
        f"https://www.city.takamatsu.kagawa.jp/toilet/{i}.jpg", "CC BY 4.0", _NOTES[i % len(_NOTES)],
    ]


# (column name, how a person breaks the value); one applies to about 1 % of rows.
_PROBLEMS = (
    ("全国地方公共団体コード", lambda v, i: "37201"),
    ("利用開始時間", lambda v, i: "7:00"),
    ("車椅子使用者用トイレ有無", lambda v, i: "○"),
    ("名称_カナ", lambda v, i: "ｺｳｼｭｳﾄｲﾚ"),
    ("男性トイレ数（洋式）", lambda v, i: "２"),
    ("女性トイレ総数", lambda v, i: "3基"),
    ("緯度", None),  # swapped with 経度
    ("男性トイレ総数", lambda v, i: "0"),
    ("ID", lambda v, i: f"T{max(1, i - 1):08d}"),
    ("備考", lambda v, i: "①清掃中は使用不可"),
    ("備考", lambda v, i: "令和6年4月1日"),
    ("設置位置", lambda v, i: v + " "),
    ("画像", lambda v, i: "www.city.takamatsu.kagawa.jp/toilet.jpg"),
    ("所在地_番地以下", lambda v, i: "2024-01-01"),
)


def generate_csv(path: Path, rows: int, seed: int = 372013, problem_rate: float = 0.01) -> dict[str, int]:
    """Write the benchmark CSV; returns how many rows received each kind of problem."""
    from .standards import get_standard

    standard = get_standard("public_toilet")
    header = [f.name for f in standard.fields if not f.legacy]
    index = {name: i for i, name in enumerate(header)}
    rng = random.Random(seed)
    planted: dict[str, int] = {}
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        fh.write(",".join(header) + "\r\n")
        for i in range(1, rows + 1):
            row = _row(i, rng)
            if rng.random() < problem_rate:
                column, breaker = _PROBLEMS[rng.randrange(len(_PROBLEMS))]
                c = index[column]
                if breaker is None:
                    lat, lon = index["緯度"], index["経度"]
                    row[lat], row[lon] = row[lon], row[lat]
                    planted["swapped"] = planted.get("swapped", 0) + 1
                else:
                    row[c] = breaker(row[c], i)
                    planted[column] = planted.get(column, 0) + 1
            fh.write(",".join(_quote(v) for v in row) + "\r\n")
    return planted


def _quote(value: str) -> str:
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def _load() -> str:
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def run(rows: int, stdout: TextIO, *, seed: int = 372013, keep: bool = False) -> list[dict]:
    from .checks import validate_file

    results = []
    with tempfile.TemporaryDirectory(prefix="hiraku-bench-validate-") as scratch:
        for n in sorted({min(rows, 100_000), rows}):
            path = Path(scratch) / f"{PUBLISHER}_public_toilet.csv"
            started = time.perf_counter()
            planted = generate_csv(path, n, seed=seed)
            generated = time.perf_counter() - started
            size = path.stat().st_size
            load_before = _load()
            started, cpu_started = time.perf_counter(), time.process_time()
            report = validate_file(path, lgcode=PUBLISHER)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu_started
            summary = report.as_dict()["summary"]
            result = {"rows": n, "bytes": size, "seconds": seconds, "cpu_seconds": cpu, "rows_per_second": n / seconds,
                      "generate_seconds": generated, "load_before": load_before, "load_after": _load(),
                      "findings": summary["findings"], "rules": summary["rules"], "planted": planted,
                      "standard": (report.standard or {}).get("id")}
            results.append(result)
            stdout.write(f"{n:>9,} rows  {size / 1e6:7.1f} MB  validate {seconds:6.2f} s (CPU {cpu:6.2f} s)  "
                         f"{n / seconds:>9,.0f} rows/s  findings {summary['findings']:,}  "
                         f"(load {load_before} → {result['load_after']})\n")
            if keep:
                kept = Path(tempfile.gettempdir()) / f"hiraku-bench-validate-{n}.csv"
                path.replace(kept)
                stdout.write(f"  kept {kept}\n")
    return results


def add_arguments(parser) -> None:
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of the large run (default 1,000,000)")
    parser.add_argument("--seed", type=int, default=372013)
    parser.add_argument("--keep", action="store_true", help="keep the generated CSV files in the temp folder")


def main(options: dict, stdout: TextIO) -> None:
    results = run(options["rows"], stdout, seed=options["seed"], keep=options.get("keep", False))
    large = results[-1]
    stdout.write("findings by rule ({:,} rows): {}\n".format(large["rows"], ", ".join(
        f"{rule} {n:,}" for rule, n in sorted(large["rules"].items()))))
