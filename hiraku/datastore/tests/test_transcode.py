"""The fast transcoder must give exactly what a strict Python decode gives."""

import pytest

from hiraku.datastore import transcode


def every_cp932_character() -> bytes:
    """Every single- and double-byte sequence Python's CP932 codec accepts, one per line."""
    found = []
    for first in range(256):
        candidates = [bytes([first])] + [bytes([first, second]) for second in range(256)]
        for sequence in candidates:
            try:
                text = sequence.decode("cp932")
            except UnicodeDecodeError:
                continue
            if len(text) == 1 and text not in "\r\n":
                found.append(sequence)
                if len(sequence) == 1:
                    break
    return b"\n".join(found) + b"\n"


def transcoded(tmp_path, data: bytes, encoding: str) -> tuple[bytes, list]:
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    out = tmp_path / "out"
    out.mkdir(exist_ok=True)
    parts, checks = transcode.to_utf8(path, encoding, 0, len(data), out, file_size=len(data))
    return b"".join(p.read_bytes() for p in parts), checks


@pytest.mark.skipif(not transcode.iconv_available("cp932"), reason="no iconv CP932 converter")
def test_iconv_cp932_matches_python_for_every_character(tmp_path):
    data = every_cp932_character()
    output, checks = transcoded(tmp_path, data, "cp932")
    assert output == data.decode("cp932").encode("utf-8")
    assert sum(c.lines for c in checks) == data.count(b"\n")


@pytest.mark.parametrize("encoding", ["cp932", "euc_jp", "utf-8"])
def test_chunk_and_part_boundaries(tmp_path, monkeypatch, encoding):
    monkeypatch.setattr(transcode, "CHUNK_SIZE", 7)  # characters split across every read
    monkeypatch.setattr(transcode, "MIN_PART_BYTES", 100)
    text = "".join(f"{i},髙松市①番町,△{i},令和5年4月1日\r\n" for i in range(200))
    if encoding == "euc_jp":
        text = text.replace("髙", "高").replace("①", "1")
    data = text.encode(encoding)
    output, checks = transcoded(tmp_path, data, encoding)
    assert output == text.encode("utf-8")
    assert sum(c.lines for c in checks) == 200 and not any(c.bare_cr for c in checks)


def test_invalid_byte_is_reported_at_its_offset(tmp_path):
    good = "名称,住所\n髙松,番町\n".encode("cp932")
    with pytest.raises(transcode.DecodeFailure) as exc:
        transcoded(tmp_path, good + b"\x81\x20\n", "cp932")
    assert exc.value.offset == len(good) and not exc.value.truncated
    with pytest.raises(transcode.DecodeFailure) as exc:
        transcoded(tmp_path, good + b"\x81", "cp932")
    assert exc.value.truncated


def test_bare_cr_is_noticed(tmp_path):
    _, checks = transcoded(tmp_path, b"a,b\r1,2\r\n", "utf-8")
    assert any(c.bare_cr for c in checks)


@pytest.mark.skipif(transcode.line_numberer() is None, reason="no awk")
def test_awk_numbers_lines_and_leaves_empty_ones_out(tmp_path):
    data = "a,b\r\n髙,1\r\n\r\n\"x\",2\r\n".encode("cp932")
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    parts, checks = transcode.to_utf8(path, "cp932", 0, len(data), tmp_path, file_size=len(data), workers=1,
                                      number_lines=transcode.line_numberer(), delimiter="\t")
    assert parts[0].read_bytes() == "1\ta,b\r\n2\t髙,1\r\n4\t\"x\",2\r\n".encode()
    assert checks[0].numbered and checks[0].lines == 4 and checks[0].empty_lines == 1


@pytest.mark.skipif(transcode.line_numberer() is None, reason="no awk")
def test_awk_minding_quotes_numbers_only_the_lines_that_start_a_record(tmp_path):
    # Records end in LF alone; CRLF inside a quoted field stays.
    data = b'a,b\r\n1,"x\r\n\r\ny"\r\n\r\n2,"p""q"\n3,"open\r\n'
    path = tmp_path / "in.csv"
    path.write_bytes(data)
    parts, checks = transcode.to_utf8(path, "utf-8", 0, len(data), tmp_path, file_size=len(data), workers=1,
                                      number_lines=transcode.line_numberer(), delimiter=",", quote='"',
                                      first_line=b"0,,\n")
    assert parts[0].read_bytes() == b'0,,\n1,a,b\n2,1,"x\r\n\r\ny"\n6,2,"p""q"\n7,3,"open\r\n'
    assert (checks[0].lines, checks[0].empty_lines, checks[0].continued_lines, checks[0].open_quote) == (7, 1, 2, True)


@pytest.mark.parametrize("chunk_size", [1, 2, 3, 7, 1 << 20])
@pytest.mark.parametrize(("data", "bare_cr", "mixed"), [
    (b"a,b\r\n1,2\r\n\r\n", False, False),
    (b"a,b\n1,2\n", False, False),
    (b'a,b\r\n1,"x\ny"\r\n2,z\n', False, True),  # Excel's cell line break in a CRLF file
    (b"a,b\r1,2\r\n", True, False),
    (b"a,b\r\n1,2\r", True, False),
])
def test_line_ends_are_judged_whatever_the_chunks(tmp_path, monkeypatch, chunk_size, data, bare_cr, mixed):
    monkeypatch.setattr(transcode, "CHUNK_SIZE", chunk_size)
    _, checks = transcoded(tmp_path, data, "utf-8")
    assert (checks[0].bare_cr, checks[0].mixed_line_ends) == (bare_cr, mixed)
