"""The one text analyzer every search backend uses, at index and at query time.

Text is NFKC-normalised (full-width ＡＥＤ → AED, half-width ｶﾅ → カナ) and
case-folded. Latin, digit and other alphabetic words are kept whole. Runs of
Japanese script (kanji, hiragana, katakana) have no spaces between words, so
they are indexed as overlapping character bigrams followed by the run's single
characters: a query of two or more characters becomes a phrase of bigrams,
and a one-character query (駅) matches a unigram. The unigrams after each run
also keep bigram phrases from spilling over into the next run.

The output is space-separated tokens that SQLite FTS5 (`unicode61`) and
PostgreSQL (`to_tsvector('simple', …)`) both split on spaces unchanged.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Kanji (with extensions and compatibility ideographs), hiragana, katakana,
# the prolonged sound mark and iteration marks.
_CJK = (
    "\u3005-\u3007\u3041-\u3096\u309d-\u309f\u30a1-\u30fa\u30fc-\u30ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
)
_TOKEN = re.compile(rf"([{_CJK}]+)|([^\W_{_CJK}]+)")


def normalize(text: str) -> str:
    """NFKC then case folding: the canonical form every comparison uses."""
    return unicodedata.normalize("NFKC", text or "").casefold()


@dataclass(frozen=True)
class Segment:
    """A run of one script inside a normalised word."""

    text: str
    is_cjk: bool


def segments(text: str) -> list[Segment]:
    return [
        Segment(match.group(0), match.group(1) is not None)
        for match in _TOKEN.finditer(normalize(text))
    ]


def bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> list[str]:
    tokens: list[str] = []
    for segment in segments(text):
        if segment.is_cjk:
            tokens.extend(bigrams(segment.text))
            tokens.extend(segment.text)
        else:
            tokens.append(segment.text)
    return tokens


def index_text(*texts: str) -> str:
    """Analyzer output for a document field, ready to store in the index."""
    return " ".join(token for text in texts for token in index_tokens(text))


# A query is an AND of terms; each term is a phrase (tokens that must be adjacent).
Phrase = tuple[str, ...]


def query_phrases(query: str) -> list[Phrase]:
    """The phrases a query must all match (words are ANDed).

    A word mixing scripts ("AED設置") is split into its runs, each of which
    must match; runs of two or more Japanese characters become bigram phrases.
    """
    phrases: list[Phrase] = []
    for segment in segments(query):
        if segment.is_cjk and len(segment.text) > 1:
            phrase: Phrase = tuple(bigrams(segment.text))
        else:
            phrase = (segment.text,)
        if phrase not in phrases:
            phrases.append(phrase)
    return phrases


def normalized_query(query: str) -> str:
    """A canonical spelling of the query, for cache keys and logs."""
    return " ".join(" ".join(phrase) for phrase in query_phrases(query))
