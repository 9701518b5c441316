"""Ingestion benchmark: a municipal-style CP932 CSV from upload to typed query.

``run(rows, stdout)`` generates a deterministic 20-column table as city
offices publish it (Shift_JIS with CP932 extras, CRLF, 和暦 dates, full-width
digits, thousands separators, 有/無), ingests it into a scratch data
directory and runs a query that relies on the typed columns. It is meant to
be called by ``hiraku bench ingest --rows N``.
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

HEADER = [
    "ID", "施設番号", "名称", "名称カナ", "所在地", "緯度", "経度", "開設日", "更新日", "開始時間",
    "定員", "面積", "駐車場", "電話番号", "利用者数", "収支", "登録日時", "備考", "市区町村コード", "URL",
]
_WARDS = ["番町", "錦町", "髙松町", "瓦町", "扇町", "松島町", "屋島西町", "香西本町", "仏生山町", "庵治町"]
_KINDS = [("公園", "コウエン"), ("図書館", "トショカン"), ("保育所", "ホイクショ"), ("集会所", "シュウカイショ"),
          ("避難所", "ヒナンジョ"), ("公衆便所", "コウシュウベンジョ")]
_NOTES = ["", "①第２・第４月曜日休館", "㈱髙松サービスが管理", "9時～17時", "年末年始（12月29日～1月3日）休み",
          "駐輪場あり", "―"]
_FW = str.maketrans("0123456789", "０１２３４５６７８９")


def _wareki(day: dt.date, style: int) -> str:
    if day >= dt.date(2019, 5, 1):
        era, short, year = "令和", "R", day.year - 2018
    else:
        era, short, year = "平成", "H", day.year - 1988
    if style == 0:
        return f"{era}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{short}{year}.{day.month}.{day.day}"


def generate_csv(path: Path, rows: int, seed: int = 37201) -> int:
    """Write the benchmark CSV (CP932, CRLF) row by row; returns its size in bytes."""
    rng = random.Random(seed)
    base = dt.date(1970, 1, 1)
    with path.open("w", encoding="cp932", newline="") as fh:
        fh.write(",".join(HEADER) + "\r\n")
        for i in range(1, rows + 1):
            kind, kana = _KINDS[i % len(_KINDS)]
            ward = _WARDS[i % len(_WARDS)]
            opened = base + dt.timedelta(days=rng.randrange(0, 20000))
            updated = dt.date(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 3600))
            stamp = dt.datetime(2020, 1, 1) + dt.timedelta(minutes=rng.randrange(0, 2_000_000))
            note = _NOTES[i % len(_NOTES)]
            balance = rng.randrange(-500_000, 500_000)
            fields = [
                str(i),
                f"{i:07d}",
                f"{ward}{kind}{i}",
                f"{kana}{i}",
                f"香川県高松市{ward}{str(rng.randrange(1, 40)).translate(_FW)}番{rng.randrange(1, 30)}号",
                f"{34.15 + rng.random() * 0.3:.6f}",
                f"{133.9 + rng.random() * 0.3:.6f}",
                opened.isoformat(),
                _wareki(updated, i % 2),
                f"{rng.randrange(6, 11)}:{rng.choice(('00', '30'))}",
                f'"{rng.randrange(0, 2_000_000):,}"',
                f"{rng.randrange(1000, 9_999_999) / 100:.2f}",
                rng.choice(("有", "無")),
                f"087-{rng.randrange(800, 900)}-{rng.randrange(0, 10000):04d}",
                str(rng.randrange(0, 5000)).translate(_FW),
                f"△{-balance}" if balance < 0 else str(balance),
                stamp.strftime("%Y/%m/%d %H:%M:%S"),
                note,
                "372013",
                f"https://www.city.takamatsu.kagawa.jp/facility/{i}.html",
            ]
            fh.write(",".join(fields) + "\r\n")
    return path.stat().st_size


def run(rows: int, stdout: TextIO | None = None) -> dict:
    """Generate, ingest and query ``rows`` rows; print a summary and return the figures."""
    from .ingest import ingest_file
    from .query import open_table
    from .query import run as run_query

    out = stdout or sys.stdout
    with tempfile.TemporaryDirectory(prefix="hiraku-bench-") as scratch:
        scratch_path = Path(scratch)
        source = scratch_path / "facilities.csv"
        t0 = time.perf_counter()
        size = generate_csv(source, rows)
        t1 = time.perf_counter()
        result = ingest_file(source, "bench", scratch_path / "data", format="csv")
        t2 = time.perf_counter()
        table = result.table
        with open_table(result.directory / table.file) as con:
            _, answer = run_query(con, (
                'SELECT count(*), sum("定員"), min("更新日"), count(*) FILTER (WHERE "駐車場"), '
                'avg("緯度"), sum("収支") FROM data'
            ))
        t3 = time.perf_counter()
        types = {c.id: c.type for c in table.columns}
    ingest_seconds = t2 - t1
    queryable_seconds = t3 - t1
    figures = {
        "rows": rows,
        "bytes": size,
        "encoding": result.encoding,
        "generate_seconds": round(t1 - t0, 3),
        "ingest_seconds": round(ingest_seconds, 3),
        "query_seconds": round(t3 - t2, 3),
        "upload_to_queryable_seconds": round(queryable_seconds, 3),
        "rows_per_second": round(rows / queryable_seconds) if queryable_seconds else None,
        "row_count": table.row_count,
        "query_count": answer[0][0],
        "types": types,
    }
    out.write(
        f"ingest {rows:,} rows ({size / 1e6:.1f} MB, {result.encoding_label}): "
        f"upload→queryable {queryable_seconds:.2f} s = {figures['rows_per_second']:,} rows/s "
        f"(ingest {ingest_seconds:.2f} s, first query {t3 - t2:.3f} s)\n"
    )
    return figures
