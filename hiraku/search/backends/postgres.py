"""Scale-out backend: PostgreSQL tsvector ('simple' configuration) over the same
analyzer output, weighted A/B/C and ranked with ts_rank, with a GIN index."""

from __future__ import annotations

from ..analyzer import Phrase
from ..documents import IndexedDocument
from .base import DOC, SearchBackend

_TSVECTOR = (
    "setweight(to_tsvector('simple', %s), 'A') || setweight(to_tsvector('simple', %s), 'B')"
    " || setweight(to_tsvector('simple', %s), 'C')"
)


def tsquery_sql(phrases: list[Phrase]) -> tuple[str, list]:
    """All phrases ANDed; each phrase's tokens must be adjacent (<->)."""
    sql = " && ".join(["phraseto_tsquery('simple', %s)"] * len(phrases))
    return f"({sql})", [" ".join(phrase) for phrase in phrases]


class PostgresBackend(SearchBackend):
    vendor = "postgresql"

    def clear_text_index(self, cursor) -> None:
        # The tsvector lives on the document rows, which the rebuild deletes anyway.
        pass

    def delete_text_rows(self, cursor, doc_ids: list[int]) -> None:
        pass

    def write_text_rows(self, cursor, rows: list[tuple[int, IndexedDocument]]) -> None:
        cursor.executemany(
            f"UPDATE {DOC} SET tsv = {_TSVECTOR} WHERE id = %s",
            [(d.title_text, d.tags_text, d.body_text, doc_id) for doc_id, d in rows],
        )

    def match_condition(self, phrases: list[Phrase]) -> tuple[str, list]:
        tsquery, params = tsquery_sql(phrases)
        return f"{DOC}.tsv @@ {tsquery}", params

    def relevance_page_sql(self, phrases: list[Phrase], where: str, params: list) -> tuple[str, list]:
        tsquery, tsquery_params = tsquery_sql(phrases)
        sql = (
            f"SELECT {DOC}.dataset_id FROM {DOC} WHERE {where}"
            f" ORDER BY ts_rank({DOC}.tsv, {tsquery}) DESC, {DOC}.modified DESC, {DOC}.dataset_id ASC"
        )
        return sql, [*params, *tsquery_params]

    def after_rebuild(self, cursor) -> None:
        cursor.execute(f"ANALYZE {DOC}")
        cursor.execute("ANALYZE search_doc_facet")
