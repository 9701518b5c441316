"""Embedded default: SQLite FTS5 over the analyzer output, ranked with bm25."""

from __future__ import annotations

import numpy as np
from django.db import connections

from ..analyzer import Phrase
from ..documents import IndexedDocument
from .base import DOC, SearchBackend, _chunks

# bm25 column weights: title (and URL name) above tags and themes above the description.
BM25_WEIGHTS = "10.0, 4.0, 1.0"
CREATE_FTS = "CREATE VIRTUAL TABLE search_fts USING fts5(title, tags, body, tokenize='unicode61 remove_diacritics 2')"


def fts_match_expression(phrases: list[Phrase]) -> str:
    """FTS5 query: every phrase must match. Tokens are word characters only, so quoting is safe."""
    return " AND ".join('"' + " ".join(phrase) + '"' for phrase in phrases)


class SqliteBackend(SearchBackend):
    vendor = "sqlite"
    supports_snapshot = True

    def clear_text_index(self, cursor) -> None:
        # Recreating is far faster than deleting every row's postings one by one.
        cursor.execute("DROP TABLE IF EXISTS search_fts")
        cursor.execute(CREATE_FTS)

    def delete_text_rows(self, cursor, doc_ids: list[int]) -> None:
        for chunk in _chunks(doc_ids):
            cursor.execute(f"DELETE FROM search_fts WHERE rowid IN ({','.join(['%s'] * len(chunk))})", chunk)

    def write_text_rows(self, cursor, rows: list[tuple[int, IndexedDocument]]) -> None:
        cursor.executemany(
            "INSERT INTO search_fts (rowid, title, tags, body) VALUES (%s, %s, %s, %s)",
            [(doc_id, d.title_text, d.tags_text, d.body_text) for doc_id, d in rows],
        )

    def match_condition(self, phrases: list[Phrase]) -> tuple[str, list]:
        return (f"{DOC}.id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH %s)",
                [fts_match_expression(phrases)])

    def relevance_page_sql(self, phrases: list[Phrase], where: str, params: list) -> tuple[str, list]:
        sql = (
            f"SELECT {DOC}.dataset_id FROM search_fts JOIN {DOC} ON {DOC}.id = search_fts.rowid"
            f" WHERE search_fts MATCH %s AND {where}"
            f" ORDER BY bm25(search_fts, {BM25_WEIGHTS}), {DOC}.modified DESC, {DOC}.dataset_id ASC"
        )
        return sql, [fts_match_expression(phrases), *params]

    def phrase_scores(self, using: str, phrase: Phrase):
        # bm25 of one phrase uses index-wide statistics, and FTS5 scores an AND of phrases as
        # the sum of its phrases' scores: the snapshot adds these up to rank a query.
        with connections[using].cursor() as cursor:
            cursor.execute(f"SELECT rowid, bm25(search_fts, {BM25_WEIGHTS}) FROM search_fts WHERE search_fts MATCH %s",
                           [fts_match_expression([phrase])])
            rows = cursor.fetchall()
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        scores = np.fromiter((row[1] for row in rows), dtype=np.float64, count=len(rows))
        return ids, scores

    def after_rebuild(self, cursor) -> None:
        # Merge the index segments written in batches: fewer b-trees to probe per query.
        cursor.execute("INSERT INTO search_fts (search_fts) VALUES ('optimize')")
        cursor.execute("PRAGMA optimize")
