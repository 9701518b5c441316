"""Copying a byte range of a text file into UTF-8 staging files, fast and strictly.

Python's CP932 codec decodes about 80 MB/s and holds the GIL, which made
decoding alone take seconds for a large upload. Here CP932 is converted by the
C library's iconv in large chunks, in parallel threads over parts of the file
that start at line boundaries (``\\n`` never occurs inside a CP932, EUC-JP or
UTF-8 character). glibc's CP932 table maps every sequence exactly as Python's
codec does, but rejects a few that Python accepts (user-defined characters,
0x80, 0xA0, 0xFD–0xFF); such a sequence is decoded by Python's codec instead,
so the result is always identical to a strict Python decode and an invalid
byte is reported at its offset. UTF-8 is copied as is (DuckDB validates it
when it reads the copy); other encodings use Python's incremental decoder.

While copying, line breaks are counted with byte counts only (work per line
in Python would cost seconds): the number of lines is compared with the CSV
reader's record count, and bare CR line breaks, which Python's csv module
would read differently, are noticed. Optionally the output goes through awk,
which puts each line's number in front of it (see ``NUMBER_LINES``).
"""

from __future__ import annotations

import codecs
import ctypes
import ctypes.util
import errno
import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHUNK_SIZE = 4 << 20
# A smaller file is one part: threads would not pay, and every split may fall
# inside a quoted field that spans lines.
MIN_PART_BYTES = 4 << 20
ICONV_NAMES = {"cp932": b"CP932"}
COPY_ENCODINGS = {"utf-8", "utf-8-sig"}


class DecodeFailure(Exception):
    """The bytes are not valid in the encoding: at ``offset``, or cut short at the end."""

    def __init__(self, offset: int, truncated: bool = False):
        super().__init__(f"invalid byte at offset {offset}" if not truncated else "truncated")
        self.offset = offset
        self.truncated = truncated


@dataclass
class OutputChecks:
    """Facts about the UTF-8 output that decide whether the fast reader may be used."""

    lines: int = 0  # LF bytes, plus one for a last line without one
    carriage_returns: int = 0
    crlf: int = 0  # CR bytes followed by LF
    last_byte: int | None = None
    numbered: bool = False  # lines were prefixed with their number by awk (see NUMBER_LINES)
    empty_lines: int = 0  # lines awk left out (known only when numbered)
    continued_lines: int = 0  # lines inside a quoted field, not numbered (only when awk minded quotes)
    open_quote: bool = False  # the part ended inside a quoted field

    @property
    def bare_cr(self) -> bool:
        """Some CR is not followed by LF: Python's csv module ends a line there, awk does not.

        Judged by counts where a chunk has as many CRs as LFs, so as many bare
        CRs as LFs without CR in one chunk would pass (as old Mac and Unix line
        ends mixed in equal numbers).
        """
        return self.carriage_returns != self.crlf

    @property
    def mixed_line_ends(self) -> bool:
        """Some lines end in CRLF and some in LF alone, as when Excel writes a cell's line break in a CRLF file."""
        return 0 < self.crlf < self.lines - (self.last_byte not in (None, 0x0A))


class _Writer:
    """Writes the UTF-8 output and counts line breaks with C-speed byte counts only."""

    def __init__(self, out):
        self.out = out
        self.checks = OutputChecks()

    def feed(self, data: bytes) -> None:
        if data:
            self.out.write(data)
            line_feeds = data.count(b"\n")
            self.checks.lines += line_feeds
            split_pair = self.checks.last_byte == 0x0D and data[0] == 0x0A  # a CRLF across two chunks
            if b"\r" in data:
                carriage_returns = data.count(b"\r")
                self.checks.carriage_returns += carriage_returns
                # As many CRs as LFs in a chunk with no pair cut at its edges: every
                # line ends in CRLF, the usual case (counting pairs costs three times as much).
                whole = carriage_returns == line_feeds and not split_pair and data[-1] != 0x0D
                self.checks.crlf += carriage_returns if whole else data.count(b"\r\n")
            self.checks.crlf += split_pair
            self.checks.last_byte = data[-1]

    def close(self) -> OutputChecks:
        if self.checks.last_byte not in (None, 0x0A):
            self.checks.lines += 1
        return self.checks


# --- numbering lines with awk --------------------------------------------------

# Prefix every non-empty line with its number (within the part) and the
# delimiter, leave empty lines out and report how many. DuckDB then reads each
# record's line number from the file instead of numbering records with a
# window function, which would serialize its reader; doing this per line in
# Python costs seconds per million lines. A field spanning lines leaves fewer
# records than non-empty lines, which is how the reader notices it. Given the
# quote character ``q``, awk follows quoted fields instead (an odd number of
# quotes on a line opens or closes one; doubled quotes come in pairs; awk's
# split gives one piece more than there are quotes) and leaves the lines
# inside them as they are, so such a record keeps the number of the line it
# starts on, as Python's reader counts it. It also drops the CR
# of a CRLF that ends a record (one inside a quoted field is the field's), so
# records end in LF alone even where CRLF and LF are mixed, as in a CRLF file
# whose cells hold Excel's LF line breaks. That costs about a fifth more of
# awk's time, so it is only asked for when a field spans lines or line ends mix.
# Given an end mark ``s``, awk ends every record with one more field holding
# it, so the reader can tell which rows have fewer or more fields than the
# header (see ``fastcsv``).
NUMBER_LINES = r"""
BEGIN { end = s == "" ? "" : d s }
inside { continued++; n = split($0, parts, q); if (n > 1 && n % 2 == 0) { inside = 0; sub(/\r$/, ""); print $0 end } else print; next }
$0 == "" || $0 == "\r" { empty++; next }
q == "" && s == "" { print NR d $0; next }
q == "" { if (sub(/\r$/, "")) print NR d $0 end "\r"; else print NR d $0 end; next }
{ if (index($0, q) && split($0, parts, q) % 2 == 0) { inside = 1; print NR d $0 } else { sub(/\r$/, ""); print NR d $0 end } }
END { print "empty " empty + 0 " continued " continued + 0 " open " inside + 0 > "/dev/stderr" }
"""


def line_numberer() -> str | None:
    """The awk to number lines with, or None (the reader then numbers records itself).

    mawk (Debian's default awk) numbers lines about a third faster than gawk, which
    may be installed as ``awk`` beside it."""
    return shutil.which("mawk") or shutil.which("awk")


class _Numbered:
    """A writable pipe into awk, which writes the numbered lines to ``out``."""

    def __init__(self, awk: str, delimiter: str, quote: str, end_mark: str, out):
        self.process = subprocess.Popen(
            [awk, "-v", f"d={delimiter}", "-v", f"q={quote}", "-v", f"s={end_mark}", NUMBER_LINES],
            stdin=subprocess.PIPE, stdout=out,
            stderr=subprocess.PIPE, env={"LC_ALL": "C", "PATH": os.environ.get("PATH", "")})

    def write(self, data) -> None:
        self.process.stdin.write(data)

    def finish(self, checks: OutputChecks) -> None:
        """Wait for awk and record what it counted in ``checks``."""
        self.process.stdin.close()
        report = self.process.stderr.read().decode("utf-8", "replace").strip().split()
        if self.process.wait() != 0 or report[0::2] != ["empty", "continued", "open"]:
            raise OSError(f"awk failed: {' '.join(report)}")
        checks.empty_lines, checks.continued_lines, open_quote = (int(n) for n in report[1::2])
        checks.open_quote = bool(open_quote)
        checks.numbered = True

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


# --- iconv through ctypes (calls into C release the GIL) -----------------------

_libc = None


def _iconv_lib():
    global _libc
    if _libc is None:
        lib = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        lib.iconv_open.restype = ctypes.c_void_p
        lib.iconv_open.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.iconv.restype = ctypes.c_size_t
        lib.iconv.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t),
                              ctypes.POINTER(ctypes.c_char_p), ctypes.POINTER(ctypes.c_size_t)]
        lib.iconv_close.argtypes = [ctypes.c_void_p]
        _libc = lib
    return _libc


def iconv_available(encoding: str) -> bool:
    name = ICONV_NAMES.get(encoding)
    if name is None:
        return False
    try:
        lib = _iconv_lib()
    except OSError:
        return False
    handle = lib.iconv_open(b"UTF-8", name)
    if handle in (None, ctypes.c_void_p(-1).value, 2**64 - 1):
        return False
    lib.iconv_close(handle)
    return True


def _python_char(data: bytes, encoding: str) -> tuple[bytes, int] | None:
    """(UTF-8, byte length) of the one character at the start of ``data`` if Python's codec accepts it."""
    for length in (1, 2):
        try:
            return data[:length].decode(encoding).encode("utf-8"), length
        except UnicodeDecodeError:
            continue
    return None


def _iconv_part(path: Path, encoding: str, start: int, end: int, writer: _Writer,
                done: list[int], final: bool) -> None:
    lib = _iconv_lib()
    handle = lib.iconv_open(b"UTF-8", ICONV_NAMES[encoding])
    inbuf = ctypes.create_string_buffer(CHUNK_SIZE + 2)
    outbuf = ctypes.create_string_buffer(CHUNK_SIZE * 3 + 16)  # a CP932 byte is at most 3 UTF-8 bytes
    in_view = memoryview(inbuf).cast("B")
    out_view = memoryview(outbuf).cast("B")
    base = ctypes.addressof(inbuf)
    failed = ctypes.c_size_t(-1).value
    try:
        with path.open("rb", buffering=0) as src:
            src.seek(start)
            position = start  # file offset of in_view[0]
            carry = 0
            while True:
                want = min(CHUNK_SIZE - carry, end - position - carry)
                got = src.readinto(in_view[carry:carry + want]) if want > 0 else 0
                total = carry + got
                at_end = position + total >= end
                if total == 0:
                    break
                consumed = 0
                while consumed < total:
                    in_ptr = ctypes.c_char_p(base + consumed)
                    in_left = ctypes.c_size_t(total - consumed)
                    out_ptr = ctypes.c_char_p(ctypes.addressof(outbuf))
                    out_left = ctypes.c_size_t(len(outbuf))
                    result = lib.iconv(handle, ctypes.byref(in_ptr), ctypes.byref(in_left), ctypes.byref(out_ptr),
                                       ctypes.byref(out_left))
                    code = ctypes.get_errno() if result == failed else 0
                    writer.feed(out_view[:len(outbuf) - out_left.value].tobytes())
                    consumed = total - in_left.value
                    if result != failed:
                        break
                    if code == errno.EINVAL and not at_end:
                        break  # a character continues in the next chunk
                    char = _python_char(in_view[consumed:min(consumed + 2, total)].tobytes(), encoding)
                    if char is None:
                        truncated = code == errno.EINVAL and final
                        raise DecodeFailure(position + consumed, truncated=truncated)
                    writer.feed(char[0])
                    consumed += char[1]
                carry = total - consumed
                if carry:
                    in_view[:carry] = in_view[consumed:total]
                position += consumed
                done[0] += consumed
                if at_end and not carry:
                    break
            if carry:
                raise DecodeFailure(position, truncated=final)
    finally:
        lib.iconv_close(handle)


def _copy_part(path: Path, start: int, end: int, writer: _Writer, done: list[int]) -> None:
    with path.open("rb", buffering=0) as src:
        src.seek(start)
        left = end - start
        while left > 0:
            data = src.read(min(CHUNK_SIZE, left))
            if not data:
                break
            writer.feed(data)
            left -= len(data)
            done[0] += len(data)


def _codec_part(path: Path, encoding: str, start: int, end: int, writer: _Writer, done: list[int],
                final: bool) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    with path.open("rb") as src:
        src.seek(start)
        position = start
        while True:
            data = src.read(min(CHUNK_SIZE, end - position))
            last = not data
            try:
                text = decoder.decode(data, final=last)
            except UnicodeDecodeError as exc:
                if last:
                    raise DecodeFailure(position, truncated=final) from exc
                raise DecodeFailure(position + exc.start) from exc
            writer.feed(text.encode("utf-8"))
            position += len(data)
            done[0] += len(data)
            if last:
                break


def split_at_lines(path: Path, start: int, end: int, parts: int) -> list[tuple[int, int]]:
    """Up to ``parts`` ranges covering [start, end), each beginning at a line start."""
    bounds = [start]
    with path.open("rb") as fh:
        for k in range(1, parts):
            fh.seek(start + (end - start) * k // parts)
            fh.readline()
            cut = fh.tell()
            if bounds[-1] < cut < end:
                bounds.append(cut)
    bounds.append(end)
    return list(zip(bounds, bounds[1:], strict=False))


def to_utf8(path: Path, encoding: str, start: int, end: int, dest_dir: Path, *,
            file_size: int, workers: int = 2, number_lines: str | None = None, delimiter: str = ",",
            quote: str | None = None, end_mark: str = "", first_line: bytes = b"",
            progress: Callable[[int], None] | None = None) -> tuple[list[Path], list[OutputChecks]]:
    """Write bytes [start, end) of ``path`` as UTF-8 part files in ``dest_dir``, in order.

    With ``number_lines`` (an awk, see :func:`line_numberer`) every non-empty
    line is prefixed with its number within its part and ``delimiter``; with
    ``quote`` too, only lines that start a record; with ``end_mark``, every
    record ends in one more field holding it (see ``NUMBER_LINES``).
    ``first_line`` starts every part; it is not counted in the checks.
    Raises :class:`DecodeFailure` when the bytes are not valid in ``encoding``.
    """
    if encoding in COPY_ENCODINGS or iconv_available(encoding):
        ranges = split_at_lines(path, start, end, max(1, min(workers, (end - start) // MIN_PART_BYTES)))
    else:
        ranges = [(start, end)]
    outputs = [dest_dir / f"utf8-{i}.csv" for i in range(len(ranges))]
    checks: list[OutputChecks | None] = [None] * len(ranges)
    done = [[0] for _ in ranges]
    errors: list[BaseException | None] = [None] * len(ranges)

    def work(i: int) -> None:
        lo, hi = ranges[i]
        final = hi >= file_size
        numbered = None
        try:
            with outputs[i].open("wb") as out:
                out.write(first_line)
                out.flush()  # before awk writes to the same file
                if number_lines:
                    numbered = _Numbered(number_lines, delimiter, quote or "", end_mark, out)
                writer = _Writer(numbered or out)
                if encoding in COPY_ENCODINGS:
                    _copy_part(path, lo, hi, writer, done[i])
                elif iconv_available(encoding):
                    _iconv_part(path, encoding, lo, hi, writer, done[i], final)
                else:
                    _codec_part(path, encoding, lo, hi, writer, done[i], final)
                checks[i] = writer.close()
                if numbered:
                    numbered.finish(checks[i])
        except BaseException as exc:  # re-raised in the calling thread
            errors[i] = exc
            if numbered:
                numbered.kill()

    threads = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(len(ranges))]
    for thread in threads:
        thread.start()
    for thread in threads:
        while thread.is_alive():
            thread.join(0.5)
            if progress:
                progress(sum(d[0] for d in done))
    failures = [e for e in errors if e is not None]
    if failures:
        # The earliest invalid byte is the one to report.
        decode = [e for e in failures if isinstance(e, DecodeFailure)]
        raise min(decode, key=lambda e: e.offset) if decode else failures[0]
    return outputs, checks
