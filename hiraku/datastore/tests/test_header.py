from hiraku.datastore.header import detect_header, make_column_ids


def test_title_rows_above_header():
    rows = [
        ["高松市の人口（令和5年4月1日現在）"],
        [None, None, None, "単位：人"],
        ["地区", "世帯数", "男", "女"],
        ["番町", "1,200", "1100", "1300"],
        ["錦町", "800", "700", "900"],
        ["扇町", "600", "500", "650"],
    ]
    info = detect_header(rows)
    assert info.title_rows == [0, 1]
    assert info.header_rows == [2]
    assert info.names == ["地区", "世帯数", "男", "女"]
    assert info.data_start == 3


def test_two_row_header_is_joined():
    rows = [
        ["地区", "人口", "人口", "世帯"],
        [None, "男", "女", "世帯数"],
        ["番町", "1100", "1300", "1200"],
        ["錦町", "700", "900", "800"],
        ["扇町", "500", "650", "600"],
    ]
    info = detect_header(rows)
    assert info.header_rows == [0, 1]
    assert info.names == ["地区", "人口 / 男", "人口 / 女", "世帯 / 世帯数"]


def test_all_text_table_has_single_header_row():
    rows = [["名称", "分類"], ["アイロン", "破砕ごみ"], ["空き缶", "缶・びん"]]
    info = detect_header(rows)
    assert info.header_rows == [0] and info.data_start == 1


def test_headerless_numeric_table():
    rows = [["1", "34.1", "134.2"], ["2", "34.2", "134.3"], ["3", "34.3", "134.4"]]
    info = detect_header(rows)
    assert not info.has_header and info.data_start == 0


def test_column_ids_are_unique_and_safe():
    assert make_column_ids(["名称", "名称", "", "_id", "ＡＢＣ"]) == ["名称", "名称_2", "column_3", "id", "ABC"]
    assert len(make_column_ids(["x" * 100])[0]) == 63
