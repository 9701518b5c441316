"""The fast reader (DuckDB) and the Python reader must give the same table.

Every case is ingested twice: once as it comes (the fast path must take it)
and once with the fast path refused, so Python reads the rows. Types, values,
original text, row numbers and warnings must be identical. Columns are typed
by the same SQL either way; a second group of tests checks that typing from a
sample gives what classifying every cell gives.
"""

import datetime as dt

import pyarrow.parquet as pq
import pytest

from hiraku.datastore import coltypes, fastcsv, ingest, textstage, transcode
from hiraku.datastore.ingest import ingest_file


def crlf_cp932(text: str) -> bytes:
    return text.replace("\n", "\r\n").encode("cp932")


CASES = {
    "municipal.csv": crlf_cp932(
        "髙松市 施設一覧（令和5年4月1日現在）,,,,,,,\n"
        ",,,,,,,\n"
        "番号,施設名,緯度,経度,開設日,定員,駐車場,開始時間\n"
        "1,①番町会館,34.34,134.04,令和5年4月1日,\"1,200\",有,9:00\n"
        "2,㈱髙松ビル,34.35,134.05,H31.4.30,８００,無,９：３０\n"
        ",,,,,,,\n"
        "\n"
        "3,錦町集会所～別館,34.33,134.03,平成元年1月8日,-,有,10:00\n"
        "4,扇町会館,34.32,134.02,2023-04-01,△５,無,10:30\n"
        "※令和5年4月1日時点の情報です。\n"
        "※定員は目安です。\n"
    ),
    "bom.csv": "\ufeffid,name,when,amount\r\n1,a,2023/04/01 10:15:30,1.5\r\n\r\n2,b,2023/04/02,2\r\n3,c,R5.4.3 9:30,-3.25\r\n\r\n"
               .encode("utf-8"),
    "plain.tsv": "名称\t住所\t人数\t登録\nA\t高松市, 番町\t3\ttrue\nB\t高松市, 錦町\t4\tFALSE\n".encode(),
    "eucjp.csv": "なまえ,かず,ひづけ\nたかまつ,１,令和元年5月1日\nひらく,２,令和2年5月1日\n".encode("euc_jp"),
    "headerless.csv": b"1,34.1,134.2\n2,34.2,134.3\n3,34.3,134.4\n",
    "unnamed.csv": b"a,b,,d\n1,x,,4\n2,y,,5\n",
    "codes.csv": "コード,名称\n011002,札幌市\n012025,函館市\n".encode("cp932"),
    "multiline.csv": crlf_cp932(
        "番号,施設名,備考,定員\n"
        "1,①番町会館,\"第２・第４月曜日\n休館\",\"1,200\"\n"
        "2,㈱髙松ビル,\"空行を\n\nはさむ\"\"引用\"\"\",８００\n"
        ",,,\n"
        "\n"
        "3,錦町集会所～別館,１行,-\n"
        "4,扇町会館,\"b\"\"\n,c\",5\n"
    ),
    # Excel's line break (LF) inside header cells of a CRLF file.
    "header_break.csv": "番号,\"人口\n（人）\",\"面積\n（㎡）\"\r\n1,\"1,200\",3.5\r\n2,８００,4\r\n".encode("cp932"),
}


@pytest.fixture(autouse=True)
def keep_staged_text(monkeypatch):
    """Give every table result the text table it was typed from (original text and row numbers)."""
    real = ingest._finish_table

    def finish(con, table, *args, **kwargs):
        cursor = con.execute(f"SELECT * FROM {textstage.NAME} ORDER BY _id")
        names = [d[0] for d in cursor.description]
        text = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        result = real(con, table, *args, **kwargs)
        result.staged_text = text
        return result

    monkeypatch.setattr(ingest, "_finish_table", finish)


def table_summary(result):
    table = result.table
    # Files are written out of row order: readers order by _id.
    typed = pq.read_table(result.directory / table.file).sort_by("_id").to_pylist()
    text = table.staged_text
    return {
        "encoding": result.encoding, "delimiter": result.delimiter, "rows": table.row_count,
        "header_rows": table.header_rows, "columns": [c.as_dict() for c in table.columns],
        "warnings": [w.as_dict() for w in table.warnings], "typed": typed, "text": text,
    }


def ingest_both_ways(path, data_dir, monkeypatch):
    taken = []
    real = fastcsv.ingest

    def spy(*args, **kwargs):
        result = real(*args, **kwargs)
        taken.append(True)
        return result

    monkeypatch.setattr(fastcsv, "ingest", spy)
    fast = ingest_file(path, "fast", data_dir)
    assert taken, "the fast path did not take the file"

    def refuse(*args, **kwargs):
        raise fastcsv.NotRegular("refused for the test")

    monkeypatch.setattr(fastcsv, "ingest", refuse)
    slow = ingest_file(path, "slow", data_dir)
    return table_summary(fast), table_summary(slow)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_and_python_readers_agree(name, tmp_path, data_dir, monkeypatch):
    path = tmp_path / name
    path.write_bytes(CASES[name])
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow


def test_municipal_case_details(tmp_path, data_dir, monkeypatch):
    path = tmp_path / "municipal.csv"
    path.write_bytes(CASES["municipal.csv"])
    fast, _ = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast["rows"] == 4 and fast["header_rows"] == [3]
    assert [r["_row"] for r in fast["text"]] == [4, 5, 8, 9]
    assert [r["_id"] for r in fast["typed"]] == [1, 2, 3, 4]
    assert [r["定員"] for r in fast["typed"]] == [1200, 800, None, -5]
    assert fast["typed"][3]["開設日"] == dt.date(2023, 4, 1)
    notes = next(w for w in fast["warnings"] if w["code"] == "footnote_rows_skipped")
    assert notes["rows"] == [10, 11]


@pytest.mark.parametrize("data", [
    'a,b\n1,"two\nlines"\n',  # the last record spans lines
    'a,b\n1,x\n\n2,"three\n\nlines"\n3,z\n',  # beside an empty line and with one inside
    'a,b\n1,"x\n"\n,\n2,"\ny"\n',  # a break at a field's either end, a blank row between
])
def test_small_files_with_line_breaks_in_fields_agree(data, tmp_path, data_dir, monkeypatch):
    path = tmp_path / "a.csv"
    path.write_text(data, encoding="utf-8", newline="")
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("data", [
    "a,b,c\n1,2,3\n4,5,6,7\n",  # ragged row
    "a,b,c\n1,2,3\n4,5\n7,8,9,,,,,,,,,,,\n",  # more empty fields than the reader takes
    "a,b\r1,2\r3,4\r",  # bare CR line breaks
    'a,b\n1, "x"\n',  # blank before a quote
    'a,b\n' + '1,x\n' * 100 + '2,"never\nclosed\n3,z\n',  # a quoted field open at the end, past the head
    'a,b\n1,"x\ny"\n2,5"型\n3,z\n',  # a field spanning lines and a quote inside an unquoted field
])
def test_irregular_files_are_left_to_python(data, tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(data, encoding="utf-8", newline="")
    with pytest.raises(fastcsv.NotRegular):
        read_fast(path, tmp_path)


def read_fast(path, tmp_path):
    from hiraku.datastore import delimited
    from hiraku.datastore.encoding import sniff_encoding

    enc = sniff_encoding(path)
    dialect = delimited.sniff_dialect(delimited.read_sample(path, enc.encoding), prefer=",")
    work = tmp_path / "work"
    work.mkdir(exist_ok=True)
    with ingest._duckdb(work) as con:
        return fastcsv.ingest(path, enc, dialect, con, work, ingest.PARQUET_OPTIONS, ingest.column_ids,
                              lambda *a: None)


@pytest.mark.parametrize("name", ["municipal.csv", "bom.csv", "plain.tsv"])
def test_without_awk_records_are_numbered_by_position(name, tmp_path, data_dir, monkeypatch):
    monkeypatch.setattr(transcode, "line_numberer", lambda: None)
    path = tmp_path / name
    path.write_bytes(CASES[name].replace(b"\r\n\r\n", b"\r\n").replace(b"\n\n", b"\n"))
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow
    empty_line = tmp_path / "empty.csv"
    empty_line.write_text("a,b\n1,2\n\n3,4\n", encoding="utf-8")
    with pytest.raises(fastcsv.NotRegular):  # positions would no longer be line numbers
        read_fast(empty_line, tmp_path)


def wide_mixed_csv(rows: int) -> str:
    lines = ["id,count,amount,day,stamp,flag,code,late_text,fw,grows"]
    for i in range(1, rows + 1):
        count = f"{i * 10:,}" if i % 7 else ("-" if i % 2 else f"△{i}")
        amount = f"{i}.{i % 100:02d}" if i % 5 else str(i)
        day = "2023-04-01" if i % 3 == 0 else ("令和5年4月2日" if i % 3 == 1 else "R5.4.3")
        stamp = "2023/04/01 10:15:30" if i % 4 else "2023-04-01"
        flag = "有" if i % 2 else "無"
        code = f"{i:05d}"
        late = str(i) if i != rows - 3 else "約40"
        fw = str(i).translate(str.maketrans("0123456789", "０１２３４５６７８９")) if i % 2 else str(i)
        grows = f"{i}.{i % 10}" if i < rows // 2 else f"{i * 1000}.{i % 1000:03d}"  # more digits later
        lines.append(",".join([str(i), f'"{count}"', amount, day, stamp, flag, code, late, fw, grows]))
    return "\n".join(lines) + "\n"


def test_sampled_typing_matches_full_classification(tmp_path, data_dir, monkeypatch):
    path = tmp_path / "wide.csv"
    path.write_text(wide_mixed_csv(300), encoding="utf-8")
    full = table_summary(ingest_file(path, "full", data_dir))  # 300 rows: within the sample
    monkeypatch.setattr(coltypes, "SAMPLE_ROWS", 20)
    sampled = table_summary(ingest_file(path, "sampled", data_dir))
    assert sampled == full
    types = {c["id"]: c["type"] for c in full["columns"]}
    assert types == {"id": "integer", "count": "integer", "amount": "decimal", "day": "date", "stamp": "datetime",
                     "flag": "boolean", "code": "text", "late_text": "text", "fw": "integer", "grows": "decimal"}
    assert next(c for c in full["columns"] if c["id"] == "grows")["arrow_type"] == "decimal128(9, 3)"
    fallback = next(w for w in full["warnings"] if w["code"] == "type_fallback")
    assert fallback["column"] == "late_text" and fallback["row"] == 298


def test_clean_large_table_is_typed_in_one_pass(tmp_path, data_dir, monkeypatch):
    path = tmp_path / "clean.csv"
    path.write_text("id,amount,day\n" + "".join(f"{i},{i}.5,2023-04-{i % 28 + 1:02d}\n" for i in range(1, 400)),
                    encoding="utf-8")
    monkeypatch.setattr(coltypes, "SAMPLE_ROWS", 20)
    calls = []
    real = coltypes.type_columns
    monkeypatch.setattr(coltypes, "type_columns", lambda *a, **k: calls.append(k) or real(*a, **k))
    result = ingest_file(path, "clean", data_dir)
    assert len(calls) == 1 and not calls[0].get("check_all")  # the sample's guess held
    assert [c.type for c in result.table.columns] == ["integer", "decimal", "date"]


def test_impossible_date_beyond_the_sample_makes_the_column_text(tmp_path, data_dir, monkeypatch):
    rows = [f"{i},2023-04-{i % 28 + 1:02d}" for i in range(1, 300)] + ["300,2023-02-30"]
    path = tmp_path / "dates.csv"
    path.write_text("id,day\n" + "\n".join(rows) + "\n", encoding="utf-8")
    full = table_summary(ingest_file(path, "full", data_dir))
    monkeypatch.setattr(coltypes, "SAMPLE_ROWS", 20)
    sampled = table_summary(ingest_file(path, "sampled", data_dir))
    assert sampled == full
    assert [c["type"] for c in full["columns"]] == ["integer", "text"]


@pytest.mark.parametrize("name", ["municipal.csv", "bom.csv", "multiline.csv"])
def test_tables_too_large_for_memory_are_staged_in_parquet_with_the_same_result(name, tmp_path, data_dir,
                                                                                 monkeypatch):
    monkeypatch.setattr(textstage, "MEMORY_TEXT_BYTES", 0)
    in_memory = []
    real = textstage.stage
    monkeypatch.setattr(textstage, "stage", lambda con, sql, work, memory, options: in_memory.append(memory)
                        or real(con, sql, work, memory, options))
    path = tmp_path / name
    path.write_bytes(CASES[name])
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow
    assert in_memory and not any(in_memory)


def test_staged_text_changes_form_and_is_dropped(tmp_path):
    import duckdb

    con = duckdb.connect()
    textstage.stage(con, "SELECT 1 AS _id, 1 AS _row, 'a' AS v", tmp_path, True, ingest.PARQUET_OPTIONS)
    textstage.stage(con, f"SELECT _id + 1 AS _id, _row, v FROM {textstage.NAME}", tmp_path, False,
                    ingest.PARQUET_OPTIONS)
    assert con.execute(f"SELECT * FROM {textstage.NAME}").fetchall() == [(2, 1, "a")]
    textstage.stage(con, f"SELECT _id + 1 AS _id, _row, v FROM {textstage.NAME}", tmp_path, True,
                    ingest.PARQUET_OPTIONS)
    assert con.execute(f"SELECT * FROM {textstage.NAME}").fetchall() == [(3, 1, "a")]
    textstage.drop(con)
    assert con.execute("SELECT count(*) FROM information_schema.tables").fetchone() == (0,)


def test_quoted_line_breaks_keep_the_line_their_record_starts_on(tmp_path, data_dir, monkeypatch):
    path = tmp_path / "multiline.csv"
    path.write_bytes(CASES["multiline.csv"])
    fast, _ = ingest_both_ways(path, data_dir, monkeypatch)
    assert [r["_row"] for r in fast["text"]] == [2, 4, 9, 10]
    assert fast["text"][1]["備考"] == '空行を\r\n\r\nはさむ"引用"'
    assert [r["定員"] for r in fast["typed"]] == [1200, 800, None, 5]


def test_a_quote_inside_an_unquoted_field_does_not_look_like_a_line_break(tmp_path, data_dir, monkeypatch):
    quotes = []
    real = transcode.to_utf8
    monkeypatch.setattr(transcode, "to_utf8", lambda *a, **k: quotes.append(k.get("quote")) or real(*a, **k))
    path = tmp_path / "inches.csv"
    path.write_text('品名,大きさ\nテレビ,32"型\nモニター,24"\n', encoding="utf-8")
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow and quotes == [None]
    assert [r["大きさ"] for r in fast["typed"]] == ['32"型', '24"']


@pytest.mark.parametrize("first_break_row", [3, 300])
def test_a_line_break_past_the_sample_makes_the_reader_read_again_minding_quotes(first_break_row, tmp_path, data_dir,
                                                                                  monkeypatch):
    monkeypatch.setattr(fastcsv, "HEAD_BYTES", 2000)  # about 200 rows
    quotes = []
    real = transcode.to_utf8
    monkeypatch.setattr(transcode, "to_utf8", lambda *a, **k: quotes.append(k.get("quote")) or real(*a, **k))
    lines = ["番号,名称,備考"] + [f"{i},施設{i},なし" for i in range(1, 400)]
    lines[first_break_row] = f'{first_break_row},施設,"第２月曜日\n休館"'
    path = tmp_path / "late.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow and fast["rows"] == 399
    assert quotes == (['"'] if first_break_row < 200 else [None, '"'])
    assert [r["_row"] for r in fast["text"]][first_break_row - 1:first_break_row + 1] == \
        [first_break_row + 1, first_break_row + 3]


def test_a_split_inside_a_quoted_field_is_transcoded_again_in_one_part(tmp_path, data_dir, monkeypatch):
    # One record whose quoted field spans most of the file: the transcoder's split falls inside it.
    monkeypatch.setattr(transcode, "MIN_PART_BYTES", 1000)
    calls = []
    real = transcode.to_utf8
    monkeypatch.setattr(transcode, "to_utf8", lambda *a, **k: calls.append(k.get("workers", 2)) or real(*a, **k))
    note = "\n".join(f"行{i}" for i in range(2000))
    path = tmp_path / "long.csv"
    path.write_text(f'id,note\n1,"{note}"\n2,x\n', encoding="utf-8")
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow and calls == [2, 1]
    assert [r["note"] for r in fast["typed"]] == [note, "x"]


def random_table_with_line_breaks(seed: int) -> tuple[str, str]:
    """A regular CSV (every record has every field) full of quoted line breaks (LF, CRLF or both),
    blank rows and empty lines."""
    import random

    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n"])
    cells = [
        lambda: str(rng.randint(-999, 99999)),
        lambda: rng.choice(["髙松", "①番町", "㈱ひらく", "～別館", "abc", "有", "無"]),
        lambda: "",
        lambda: '"' + rng.choice(["a,b", '引用""符', "", "x"]) + '"',
        lambda: '"' + rng.choice(["第２月曜日", "", '""']) + rng.choice(["\n", "\r\n", "\n\n", newline + newline])
        + rng.choice(["休館", "", "9:00,10:00"]) + '"',
    ]
    lines = ["番号,名称,備考"]
    for number in range(1, rng.randint(20, 80)):
        roll = rng.random()
        if roll < 0.05:
            lines.append(",,")  # a blank row
        elif roll < 0.1:
            lines.append("")  # an empty line
        else:
            lines.append(",".join([str(number), rng.choice(cells)(), rng.choice(cells)()]))
    lines.append(f"{number + 1},last,end")
    # In some files a few records end in the other line end, as Python's csv module allows.
    other = {"\n": "\r\n", "\r\n": "\n"}[newline] if rng.random() < 0.3 else newline
    text = "".join(line + (other if rng.random() < 0.1 else newline) for line in lines)
    return text, rng.choice(["utf-8", "cp932"])


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_with_line_breaks_read_the_same_both_ways(seed, tmp_path, data_dir, monkeypatch):
    text, encoding = random_table_with_line_breaks(seed)
    # Small parts and samples, so splits fall inside fields and breaks lie past the sample.
    monkeypatch.setattr(transcode, "MIN_PART_BYTES", 200)
    monkeypatch.setattr(fastcsv, "HEAD_BYTES", [100, 400, 1 << 20][seed % 3])
    path = tmp_path / "random.csv"
    path.write_bytes(text.encode(encoding))
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow


def random_uneven_table(seed: int) -> tuple[str, str]:
    """A CSV whose rows often have fewer fields than the header, or more that are empty."""
    import random

    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n"])
    cells = [lambda: str(rng.randint(-999, 99999)), lambda: rng.choice(["髙松", "①番町", "有", "無", " "]),
             lambda: "", lambda: '"' + rng.choice(["a,b", '引用""符', ""]) + '"', lambda: "2024-04-01"]
    width = rng.randint(3, 6)
    lines = [",".join(f"列{i}" for i in range(width))]
    for number in range(1, rng.randint(20, 80)):
        fields = [str(number)] + [rng.choice(cells)() for _ in range(width - 1)]
        roll = rng.random()
        if roll < 0.25:
            fields = fields[:rng.randint(1, width - 1)]  # a short row
        elif roll < 0.35:
            fields += [rng.choice(["", " "]) for _ in range(rng.randint(1, 4))]  # empty fields beyond the header
        elif roll < 0.4:
            fields = [""] * rng.randint(1, width + 2)  # a blank row, short or long
        elif roll < 0.43:
            fields = []  # an empty line
        lines.append(",".join(fields))
    lines.append(",".join([str(number + 1)] * width))
    if rng.random() < 0.3:
        lines.append("※ 注記")  # a note row below the table
    return "".join(line + newline for line in lines), rng.choice(["utf-8", "cp932"])


@pytest.mark.parametrize("seed", range(30))
def test_random_uneven_tables_read_the_same_both_ways(seed, tmp_path, data_dir, monkeypatch):
    text, encoding = random_uneven_table(seed)
    monkeypatch.setattr(transcode, "MIN_PART_BYTES", 200)
    path = tmp_path / "uneven.csv"
    path.write_bytes(text.encode(encoding))
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow


def test_short_rows_are_read_fast_and_reported(tmp_path, data_dir, monkeypatch):
    path = tmp_path / "short.csv"
    path.write_text("名称,区分,人数\r\n甲,小学校,10\r\n乙,公民館\r\n丙\r\n丁,中学校,30,,\r\n", encoding="cp932")
    calls = []
    real = fastcsv._ingest
    monkeypatch.setattr(fastcsv, "_ingest", lambda *a, **k: calls.append(k.get("uneven", False)) or real(*a, **k))
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow and calls == [False]  # the first rows show it: read uneven at once
    assert [(w["code"], w["rows"]) for w in fast["warnings"]] == [("short_rows", [3, 4])]
    assert [(r["名称"], r["人数"]) for r in fast["typed"]] == [("甲", 10), ("乙", None), ("丙", None), ("丁", 30)]


def test_a_cell_holding_the_end_mark_is_left_to_python(tmp_path):
    path = tmp_path / "mark.csv"
    # Deep in the file: a control character near the start makes it a binary file.
    path.write_text("a,b,c\n" + "1,2,3\n" * 5000 + f"4,{fastcsv.END_MARK}\n", encoding="utf-8")
    with pytest.raises(fastcsv.NotRegular, match="end mark"):
        read_fast(path, tmp_path)


def random_uneven_table_with_line_breaks(seed: int) -> tuple[str, str]:
    """Quoted line breaks (LF, CRLF or both) together with rows that have fewer fields than the header."""
    import random

    rng = random.Random(seed)
    newline = rng.choice(["\n", "\r\n"])
    cells = [lambda: str(rng.randint(-999, 99999)), lambda: rng.choice(["髙松", "有", ""]),
             lambda: '"' + rng.choice(["第２月曜日", ""]) + rng.choice(["\n", "\r\n"]) + rng.choice(["休館", "9:00,10:00"]) + '"']
    lines = ["番号,名称,備考,区分"]
    for number in range(1, rng.randint(20, 60)):
        fields = [str(number)] + [rng.choice(cells)() for _ in range(3)]
        if rng.random() < 0.3:
            fields = fields[:rng.randint(1, 3)]
        lines.append(",".join(fields))
    lines.append(f"{number + 1},last,end,x")
    return "".join(line + newline for line in lines), rng.choice(["utf-8", "cp932"])


@pytest.mark.parametrize("seed", range(20))
def test_random_uneven_tables_with_line_breaks_read_the_same_both_ways(seed, tmp_path, data_dir, monkeypatch):
    text, encoding = random_uneven_table_with_line_breaks(seed)
    monkeypatch.setattr(transcode, "MIN_PART_BYTES", 200)
    monkeypatch.setattr(fastcsv, "HEAD_BYTES", [100, 1 << 20][seed % 2])
    path = tmp_path / "uneven-breaks.csv"
    path.write_bytes(text.encode(encoding))
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow


@pytest.mark.parametrize("ending", [
    '9,"最後の行\n改行あり",x\n',  # a line break in the last row's field
    '9,"最後の行\r\n改行あり",x\r\n\r\n※注記\r\n',  # and a note row below it
    '9,x,"改行\n"\n※注記\n※注記2\n',  # the break ends the field
    '9,"※注記のような\n行",x\n',  # the line after the break looks like a note
])
def test_line_breaks_in_the_last_rows_stay_on_the_fast_reader(ending, tmp_path, data_dir, monkeypatch):
    path = tmp_path / "ending.csv"
    path.write_bytes(("番号,名称,区分\n" + "".join(f"{n},施設{n},a\n" for n in range(1, 9)) + ending).encode("cp932"))
    fast, slow = ingest_both_ways(path, data_dir, monkeypatch)
    assert fast == slow and fast["rows"] == 9
