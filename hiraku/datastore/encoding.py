"""Character-encoding detection for Japanese text tables.

Statistical detectors guess wrong on Shift_JIS and EUC-JP, and a wrong guess
means mojibake for every visitor. So the decision is made by strict decoding:

1. a byte-order mark decides (UTF-8, UTF-16);
2. otherwise every candidate (UTF-8, CP932, EUC-JP) decodes the *whole*
   stream incrementally and strictly; a candidate drops out at its first
   invalid byte. Multi-byte characters split across read chunks are handled
   by the incremental decoders;
3. when both CP932 and EUC-JP survive (possible for short kana-heavy EUC-JP
   text), the decoded text that looks more like ordinary Japanese wins;
4. only when no candidate survives is charset-normalizer consulted, and its
   answer is verified by another strict decode.

Bytes that cannot be text at all (NUL bytes, ZIP/OLE/PDF signatures) are
reported as binary before any of this.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass
from pathlib import Path

from django.utils.translation import gettext_lazy as _

from .errors import IngestError

CHUNK_SIZE = 1 << 20
SAMPLE_SIZE = 1 << 20
CANDIDATES = ("utf-8", "cp932", "euc_jp")

_SIGNATURES = (
    (b"PK\x03\x04", _("a ZIP archive (for example an .xlsx workbook)")),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", _("an old Excel (.xls) or password-protected Office file")),
    (b"%PDF", _("a PDF document")),
    (b"\x89PNG", _("a PNG image")),
    (b"\xff\xd8\xff", _("a JPEG image")),
    (b"GIF8", _("a GIF image")),
    (b"\x1f\x8b", _("a gzip archive")),
    (b"7z\xbc\xaf", _("a 7-Zip archive")),
    (b"Rar!", _("a RAR archive")),
)


@dataclass(frozen=True)
class EncodingResult:
    encoding: str  # a Python codec name usable with open()
    label: str  # what to show and store on the resource, e.g. "Shift_JIS (CP932)"
    method: str  # "bom", "strict" or "detector"


_LABELS = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp932": "Shift_JIS (CP932)",
    "euc_jp": "EUC-JP",
}


def sniff_binary(head: bytes) -> str | None:
    """A description of the binary format when ``head`` is not text, else None."""
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return None
    if b"\x00" in head:
        return _("a binary file")
    control = sum(1 for b in head if b < 0x20 and b not in (0x09, 0x0A, 0x0D, 0x0C, 0x1A))
    if head and control / len(head) > 0.01:
        return _("a binary file")
    return None


def _japanese_plausibility(text: str) -> float:
    """Score decoded text: ordinary Japanese scores high, mis-decoded bytes low.

    Mis-decoding EUC-JP as CP932 produces half-width katakana and rare
    ideographs in place of hiragana; ordinary text is rich in hiragana,
    full-width katakana, common punctuation and ASCII.
    """
    good = bad = 0
    for ch in text:
        o = ord(ch)
        if o < 0x80 or 0x3040 <= o <= 0x30FF or 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E:
            good += 1
        elif 0xFF61 <= o <= 0xFF9F:  # half-width katakana
            bad += 1
        elif 0x4E00 <= o <= 0x9FFF:
            good += 0.5
        else:
            bad += 1
    total = good + bad
    return good / total if total else 0.0


def detect_encoding(path: str | Path, chunk_size: int = CHUNK_SIZE) -> EncodingResult:
    """Decide the encoding of the file at ``path`` (see module docstring).

    Raises :class:`IngestError` for empty, binary, truncated or undecidable files.
    """
    path = Path(path)
    with path.open("rb") as fh:
        head = fh.read(8192)
    if not head.strip(b" \t\r\n\x1a"):
        raise IngestError("empty_file")
    kind = sniff_binary(head)
    if kind:
        raise IngestError("binary_file", kind=kind)

    if head.startswith(codecs.BOM_UTF8):
        return _verify(path, "utf-8-sig", "bom", chunk_size)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _verify(path, "utf-16", "bom", chunk_size)

    decoders = {name: codecs.getincrementaldecoder(name)(errors="strict") for name in CANDIDATES}
    samples = {name: [] for name in CANDIDATES}
    sample_budget = 256 * 1024
    truncated_only = set()
    offset = 0
    with path.open("rb") as fh:
        while decoders:
            chunk = fh.read(chunk_size)
            final = not chunk
            for name in list(decoders):
                try:
                    text = decoders[name].decode(chunk, final=final)
                except UnicodeDecodeError as exc:
                    del decoders[name]
                    # An incomplete multi-byte sequence at the very end: the
                    # bytes are right, the file is cut short.
                    if final and exc.reason.startswith(("unexpected end", "incomplete")):
                        truncated_only.add(name)
                    continue
                if sum(len(s) for s in samples[name]) < sample_budget:
                    samples[name].append(text)
            offset += len(chunk)
            if final:
                break

    survivors = [name for name in CANDIDATES if name in decoders]
    if survivors:
        if len(survivors) > 1 and "utf-8" not in survivors:
            # Both legacy codecs accept the bytes: prefer the natural reading.
            best = max(survivors, key=lambda n: _japanese_plausibility("".join(samples[n])))
        else:
            best = survivors[0]
        return EncodingResult(best, _LABELS[best], "strict")
    if truncated_only:
        raise IngestError("truncated", what=_("a multi-byte character"))
    return _fallback(path, chunk_size)


def sniff_encoding(path: str | Path, sample_size: int | None = None) -> EncodingResult | None:
    """The encoding :func:`detect_encoding` would choose, judged from the first ``sample_size`` bytes.

    For a file no longer than the sample this is exactly ``detect_encoding``
    (errors included). For a longer one the caller must still decode the rest
    strictly, and fall back to ``detect_encoding`` if that fails; None means no
    candidate decodes the sample.
    """
    path = Path(path)
    sample_size = sample_size or SAMPLE_SIZE
    if path.stat().st_size <= sample_size:
        return detect_encoding(path)
    with path.open("rb") as fh:
        sample = fh.read(sample_size)
    kind = sniff_binary(sample[:8192])
    if kind:
        raise IngestError("binary_file", kind=kind)
    if sample.startswith(codecs.BOM_UTF8):
        return EncodingResult("utf-8-sig", _LABELS["utf-8-sig"], "bom")
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingResult("utf-16", _LABELS["utf-16"], "bom")
    texts = {}
    for name in CANDIDATES:
        try:
            texts[name] = codecs.getincrementaldecoder(name)(errors="strict").decode(sample, final=False)
        except UnicodeDecodeError:
            continue
    if not texts:
        return None
    if len(texts) > 1 and "utf-8" not in texts:
        best = max(texts, key=lambda n: _japanese_plausibility(texts[n][:256 * 1024]))
    else:
        best = next(name for name in CANDIDATES if name in texts)
    return EncodingResult(best, _LABELS[best], "strict")


def _fallback(path: Path, chunk_size: int) -> EncodingResult:
    from charset_normalizer import from_path

    match = from_path(path).best()
    if match is None or not match.encoding:
        raise IngestError("unknown_encoding")
    name = codecs.lookup(match.encoding).name
    result = _verify(path, name, "detector", chunk_size)
    return result


def _verify(path: Path, encoding: str, method: str, chunk_size: int) -> EncodingResult:
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(chunk_size)
            try:
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                if not chunk:
                    raise IngestError("truncated", what=_("a multi-byte character")) from exc
                raise IngestError("decode_error", encoding=_LABELS.get(encoding, encoding),
                                  offset=offset + exc.start) from exc
            if not chunk:
                break
            offset += len(chunk)
    return EncodingResult(encoding, _LABELS.get(encoding, encoding), method)
