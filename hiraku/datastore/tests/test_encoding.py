import codecs

import pytest

from hiraku.datastore.encoding import detect_encoding
from hiraku.datastore.errors import IngestError

TEXT = "番号,名称,所在地,備考\r\n1,髙松市役所,香川県高松市番町一丁目８番１５号,①㈱～テスト\r\n"


def write(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_real_cp932_file(shared_data):
    result = detect_encoding(shared_data / "localgovjp" / "localgovjp-2020-sjis.csv")
    assert result.encoding == "cp932"
    assert result.method == "strict"


def test_cp932_extra_characters(tmp_path):
    path = write(tmp_path, "a.csv", TEXT.encode("cp932"))
    assert detect_encoding(path).encoding == "cp932"
    # The plain Shift_JIS codec would reject these characters.
    with pytest.raises(UnicodeDecodeError):
        path.read_bytes().decode("shift_jis")


def test_cp932_split_across_every_chunk_boundary(tmp_path):
    path = write(tmp_path, "a.csv", (TEXT * 50).encode("cp932"))
    for size in (1, 2, 3, 7, 64):
        assert detect_encoding(path, chunk_size=size).encoding == "cp932"


def test_euc_jp(tmp_path, shared_data):
    text = (shared_data / "localgovjp" / "localgovjp-utf8.csv").read_text(encoding="utf-8")
    path = write(tmp_path, "a.csv", text.encode("euc_jp", errors="ignore"))
    assert detect_encoding(path).encoding == "euc_jp"


def test_short_kana_euc_jp_is_not_taken_for_cp932(tmp_path):
    data = "なまえ,かな\nたかまつ,ひらく\n".encode("euc_jp")
    data.decode("cp932")  # both codecs accept these bytes
    path = write(tmp_path, "a.csv", data)
    assert detect_encoding(path).encoding == "euc_jp"


def test_utf8_and_boms(tmp_path):
    assert detect_encoding(write(tmp_path, "a.csv", TEXT.encode("utf-8"))).encoding == "utf-8"
    bom = detect_encoding(write(tmp_path, "b.csv", TEXT.encode("utf-8-sig")))
    assert (bom.encoding, bom.method) == ("utf-8-sig", "bom")
    utf16 = detect_encoding(write(tmp_path, "c.csv", codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le")))
    assert utf16.encoding == "utf-16"


def test_takamatsu_csv(shared_data):
    assert detect_encoding(shared_data / "takamatsu-sample" / "hospital" / "data.csv").encoding == "utf-8"


def test_truncated_multibyte_character(tmp_path):
    data = TEXT.encode("cp932")
    path = write(tmp_path, "a.csv", data[: data.index("髙".encode("cp932")) + 1])
    with pytest.raises(IngestError) as exc:
        detect_encoding(path)
    assert exc.value.code == "truncated"


def test_other_single_byte_encoding_goes_to_detector(tmp_path):
    path = write(tmp_path, "a.csv", ("name,city\nJosé,Málaga\nFrançois,Orléans\n" * 20).encode("cp1252"))
    result = detect_encoding(path)
    assert result.method == "detector"
    assert "José" in path.read_bytes().decode(result.encoding)


@pytest.mark.parametrize("data,code", [
    (b"", "empty_file"),
    (b"\r\n\r\n", "empty_file"),
    (b"\x89PNG\r\n\x1a\n" + bytes(100), "binary_file"),
    (b"a,b\n1,\x00\x00\x01\x02", "binary_file"),
])
def test_not_text(tmp_path, data, code):
    with pytest.raises(IngestError) as exc:
        detect_encoding(write(tmp_path, "a.csv", data))
    assert exc.value.code == code


def test_sniffed_encoding_is_checked_against_the_whole_file(tmp_path, data_dir, monkeypatch):
    """ASCII up front and CP932 further down: the whole file decides, as before."""
    from hiraku.datastore import encoding, query
    from hiraku.datastore.ingest import ingest_file

    text = "id,name\r\n" + "".join(f"{i},facility{i}\r\n" for i in range(1, 200)) + "200,髙松市役所\r\n"
    path = write(tmp_path, "late.csv", text.encode("cp932"))
    monkeypatch.setattr(encoding, "SAMPLE_SIZE", 256)
    assert encoding.sniff_encoding(path).encoding == "utf-8"  # all the sample shows
    result = ingest_file(path, "late", data_dir)
    assert result.encoding == "cp932"
    assert query.fetch_rows(result.directory / result.table.file, limit=1, offset=199)[0]["name"] == "髙松市役所"


def test_sniff_encoding_of_a_small_file_is_detect_encoding(tmp_path):
    from hiraku.datastore.encoding import sniff_encoding

    path = write(tmp_path, "a.csv", TEXT.encode("cp932"))
    assert sniff_encoding(path) == detect_encoding(path)
    with pytest.raises(IngestError):
        sniff_encoding(write(tmp_path, "b.csv", b"\x89PNG\r\n\x1a\n" + bytes(100)))
