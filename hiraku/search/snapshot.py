"""A per-process columnar copy of the search index: hit sets as boolean masks
over the documents, facet counts as one bincount, result pages without SQL sorting.

Why: at 300,000 datasets a common word (統計, 一覧, 位置情報) matches 40 % of the
catalog; counting its facets and ranking its hits in SQL walks every hit on each
request (hundreds of ms). Here the parts a request combines are fetched once per
process and index generation, and combining them takes milliseconds.

Every part comes from the SQL the plain path runs, so both give the same answers
(a test runs the same queries both ways):

- the visibility rule, compiled from `catalog.permissions` exactly as for SQL;
- the text match of each phrase, and its bm25 score: FTS5 scores an AND of
  phrases as the sum of each phrase's score, computed with index-wide statistics,
  so a sum of cached per-phrase scores is the query's bm25;
- facet values from `search_doc_facet_list`;
- the sort orders, read from SQL with the same ORDER BY.

A snapshot serves one index generation. When the generation changes, the next
search starts building a new one in a background thread and is answered by SQL
until it is ready; small catalogs (below HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS) keep
the SQL path, which is fast enough there.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db import connections, transaction

from .analyzer import Phrase
from .models import FacetValue, IndexGeneration, SearchDocument

logger = logging.getLogger(__name__)

DOC = SearchDocument._meta.db_table
# Below this share of the catalog, a hit set's facet entries are gathered per hit
# instead of masking every entry of the catalog (measured faster up to about 60 %).
_GATHER_BELOW = 0.5
_CACHE_ENTRIES = 256


@dataclass(frozen=True)
class CompiledQuery:
    """What a search combines, in the form the snapshot needs."""

    visibility_sql: str
    visibility_params: tuple
    phrases: tuple[Phrase, ...]
    value_ids: tuple[int, ...]  # facet filters: every value must be present
    other_conditions: bool  # conditions only SQL can evaluate (date ranges)


def _nbytes(value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, tuple):
        return sum(_nbytes(item) for item in value)
    return 0


class _Lru(OrderedDict):
    """Least recently used entries, bounded by count and by the bytes of their arrays."""

    def __init__(self, limit: int = _CACHE_ENTRIES, max_bytes: int = 64 * 2**20):
        super().__init__()
        self.limit = limit
        self.max_bytes = max_bytes
        self.bytes = 0
        self.lock = threading.Lock()

    def get_or_compute(self, key, compute):
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
        value = compute()  # outside the lock: two threads may compute the same value once each
        with self.lock:
            if key not in self:
                self[key] = value
                self.bytes += _nbytes(value)
            while len(self) > 1 and (len(self) > self.limit or self.bytes > self.max_bytes):
                _key, dropped = self.popitem(last=False)
                self.bytes -= _nbytes(dropped)
        return value


def parse_ids(text: str | None) -> np.ndarray:
    """Comma-separated integers (a group_concat) as an int64 array."""
    if not text:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


class IndexSnapshot:
    def __init__(self, using: str, generation: int, doc_ids: np.ndarray, entry_offsets: np.ndarray,
                 entry_values: np.ndarray, value_names: dict[int, tuple[int, str]]):
        self.using = using
        self.generation = generation
        self.doc_ids = doc_ids  # SearchDocument.id, ascending: a document's position is its index here
        self.entry_offsets = entry_offsets  # facet entries of the document at p: entry_offsets[p]:entry_offsets[p+1]
        self.entry_values = entry_values
        self.entry_docs = np.repeat(np.arange(len(doc_ids), dtype=np.int32), np.diff(entry_offsets))
        self.value_limit = int(entry_values.max()) + 1 if len(entry_values) else 1
        self.value_names = value_names  # FacetValue id -> (field code, value)
        # Each process holds at most about 200 MB of these at 300,000 datasets.
        self._visible = _Lru(32, max_bytes=16 * 2**20)
        self._phrases = _Lru(max_bytes=96 * 2**20)
        self._values = _Lru(max_bytes=32 * 2**20)
        self._orders = _Lru(16, max_bytes=32 * 2**20)
        self._hits = _Lru(8, max_bytes=4 * 2**20)

    @property
    def size(self) -> int:
        return len(self.doc_ids)

    # --- Building -------------------------------------------------------------------------

    @classmethod
    def build(cls, using: str) -> IndexSnapshot:
        connection = connections[using]
        with transaction.atomic(using=using), connection.cursor() as cursor:
            # One read transaction: the generation, documents and facet lists are of the same state.
            cursor.execute(f"SELECT value FROM {IndexGeneration._meta.db_table} WHERE id = 1")
            row = cursor.fetchone()
            generation = row[0] if row else 0
            cursor.execute(f"SELECT group_concat(id) FROM {DOC}")
            doc_ids = np.sort(parse_ids(cursor.fetchone()[0]))
            cursor.execute("SELECT doc_id, value_ids FROM search_doc_facet_list ORDER BY doc_id")
            rows = cursor.fetchall()
            names = {pk: (field, value) for pk, field, value in
                     FacetValue.objects.using(using).values_list("id", "field", "value")}
        listed = np.fromiter((doc_id for doc_id, _text in rows), dtype=np.int64, count=len(rows))
        lengths = np.fromiter((text.count(",") + 1 if text else 0 for _doc_id, text in rows), dtype=np.int64,
                              count=len(rows))
        values = parse_ids(",".join(text for _doc_id, text in rows if text)).astype(np.int32)
        per_document = np.zeros(len(doc_ids), dtype=np.int64)
        per_document[np.searchsorted(doc_ids, listed)] = lengths
        offsets = np.zeros(len(doc_ids) + 1, dtype=np.int64)
        np.cumsum(per_document, out=offsets[1:])
        return cls(using, generation, doc_ids, offsets, values, names)

    # --- Parts, fetched once per snapshot -------------------------------------------------

    def _locate(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(positions, held): each id's position, and whether the snapshot holds that id at all."""
        found = np.minimum(np.searchsorted(self.doc_ids, ids), max(self.size - 1, 0))
        held = self.doc_ids[found] == ids if self.size else np.zeros(len(ids), dtype=bool)
        return found, held

    def positions(self, ids: np.ndarray) -> np.ndarray:
        """Positions of these document ids; ids the snapshot does not hold are left out."""
        found, held = self._locate(ids)
        return found[held]

    def _mask(self, positions: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[positions] = True
        return mask

    def _ids(self, sql: str, params) -> np.ndarray:
        with connections[self.using].cursor() as cursor:
            cursor.execute(f"SELECT group_concat(id) FROM ({sql})", list(params))
            return parse_ids(cursor.fetchone()[0])

    def visible(self, query: CompiledQuery) -> tuple[np.ndarray, int, dict[int, int]]:
        """The mask of documents the caller may see, with their count and facet counts."""
        def compute():
            mask = self._mask(self.positions(self._ids(
                f"SELECT {DOC}.id AS id FROM {DOC} WHERE {query.visibility_sql}", query.visibility_params)))
            return mask, *self.count_and_facets(mask)
        return self._visible.get_or_compute((query.visibility_sql, query.visibility_params), compute)

    def phrase(self, phrase: Phrase, search_backend) -> tuple[np.ndarray, np.ndarray]:
        """Positions of the documents matching a phrase, and each one's bm25 for it."""
        def compute():
            ids, scores = search_backend.phrase_scores(self.using, phrase)
            found, held = self._locate(ids)
            return found[held], scores[held]
        return self._phrases.get_or_compute(phrase, compute)

    def value_mask(self, value_id: int) -> np.ndarray:
        return self._values.get_or_compute(
            value_id, lambda: self._mask(self.entry_docs[self.entry_values == value_id]))

    def order(self, sort_sql: str) -> np.ndarray:
        """Every document's position in the order of this ORDER BY clause."""
        return self._orders.get_or_compute(sort_sql, lambda: self.positions(
            self._ids(f"SELECT {DOC}.id AS id FROM {DOC} ORDER BY {sort_sql}", ())))

    # --- Answering ------------------------------------------------------------------------

    def hits(self, query: CompiledQuery, search_backend) -> np.ndarray:
        """The mask of the query's hits (shared: callers must not change it)."""
        mask, _count, _counts = self.visible(query)
        if not query.phrases and not query.value_ids:
            return mask

        def compute():
            combined = mask.copy()
            for phrase in query.phrases:
                combined &= self._mask(self.phrase(phrase, search_backend)[0])
            for value_id in query.value_ids:
                combined &= self.value_mask(value_id)
            return combined
        # Kept briefly: the counts and the page of one request both need it.
        return self._hits.get_or_compute(query, compute)

    def count_and_facets(self, mask: np.ndarray) -> tuple[int, dict[int, int]]:
        count = int(np.count_nonzero(mask))
        return count, self._tally(mask, count)

    def _tally(self, mask: np.ndarray, count: int) -> dict[int, int]:
        """Facet entries per value over the documents in `mask` (`count` of them)."""
        if count < _GATHER_BELOW * self.size:
            # Each hit's entries: its start plus 0, 1, … (arange minus the entries of earlier hits).
            hit_positions = np.flatnonzero(mask)
            starts = self.entry_offsets[hit_positions]
            lengths = self.entry_offsets[hit_positions + 1] - starts
            before = np.cumsum(lengths) - lengths
            selected = self.entry_values[np.arange(int(lengths.sum())) + np.repeat(starts - before, lengths)]
        else:
            selected = self.entry_values[mask[self.entry_docs]]
        tally = np.bincount(selected, minlength=self.value_limit)
        present = np.flatnonzero(tally)
        return dict(zip(present.tolist(), tally[present].tolist(), strict=True))

    def count_and_facets_for(self, query: CompiledQuery, search_backend) -> tuple[int, dict[int, int]]:
        visible, visible_count, visible_counts = self.visible(query)
        if not query.phrases and not query.value_ids:
            return visible_count, dict(visible_counts)
        mask = self.hits(query, search_backend)
        count = int(np.count_nonzero(mask))
        if count <= visible_count // 2:
            return count, self._tally(mask, count)
        # Most of what the caller sees: count the fewer documents left out and subtract.
        left_out = self._tally(visible & ~mask, visible_count - count)
        return count, {value: n - left_out.get(value, 0) for value, n in visible_counts.items()
                       if n > left_out.get(value, 0)}

    def page_by_relevance(self, query: CompiledQuery, search_backend, tiebreak_sql: str,
                          start: int, rows: int) -> np.ndarray:
        """Document ids of one page, best bm25 first, ties by `tiebreak_sql` (as the SQL path orders)."""
        hit_positions = np.flatnonzero(self.hits(query, search_backend))
        wanted = start + rows
        if rows <= 0 or start >= len(hit_positions):
            return np.empty(0, dtype=np.int64)
        scores = np.zeros(self.size)
        for phrase in query.phrases:
            positions, phrase_scores = self.phrase(phrase, search_backend)
            scores[positions] += phrase_scores
        hit_scores = scores[hit_positions]
        if wanted < len(hit_positions):
            # Keep every hit scoring as well as the page's last one, ties included, then sort those.
            cutoff = np.partition(hit_scores, wanted - 1)[wanted - 1]
            keep = hit_scores <= cutoff
            hit_positions, hit_scores = hit_positions[keep], hit_scores[keep]
        rank = self.tiebreak_rank(tiebreak_sql)
        ordered = hit_positions[np.lexsort((rank[hit_positions], hit_scores))]
        return self.doc_ids[ordered[start:wanted]]

    def tiebreak_rank(self, sort_sql: str) -> np.ndarray:
        def compute():
            rank = np.empty(self.size, dtype=np.int64)
            order = self.order(sort_sql)
            rank[order] = np.arange(len(order))
            return rank
        return self._orders.get_or_compute(("rank", sort_sql), compute)

    def page_in_live_order(self, query: CompiledQuery, search_backend, join_sql: str, order_sql: str,
                           start: int, rows: int) -> np.ndarray:
        """One page in an order that changes without index writes (popularity), read from SQL now."""
        mask = self.hits(query, search_backend)
        hit_count = int(np.count_nonzero(mask))
        wanted = start + rows
        if rows <= 0 or start >= hit_count:
            return np.empty(0, dtype=np.int64)
        ordered_sql = f"SELECT {DOC}.id AS id FROM {DOC}{join_sql}"
        # Both ways cost about the same per row read (the join): SQL sorting every hit reads the
        # hits, walking the whole order reads about 2·wanted/density rows. Take the fewer.
        if hit_count * hit_count <= 2 * wanted * self.size:
            hit_ids = ",".join(map(str, self.doc_ids[mask].tolist()))
            return self._ids(f"{ordered_sql} WHERE {DOC}.id IN (SELECT value FROM json_each(%s))"
                             f" ORDER BY {order_sql} LIMIT %s OFFSET %s", (f"[{hit_ids}]", rows, start))
        found: list[np.ndarray] = []
        have, offset = 0, 0
        # Enough rows that the expected number of hits among them fills the page twice over.
        chunk = max(1024, 2 * wanted * self.size // hit_count)
        while have < wanted:
            ids = self._ids(f"{ordered_sql} ORDER BY {order_sql} LIMIT %s OFFSET %s", (chunk, offset))
            if not len(ids):
                break
            positions = self.positions(ids)
            positions = positions[mask[positions]]
            found.append(positions)
            have += len(positions)
            offset += chunk
            chunk *= 2
        return self.doc_ids[np.concatenate(found)[start:wanted]] if found else np.empty(0, dtype=np.int64)

    def page_in_order(self, query: CompiledQuery, search_backend, sort_sql: str, start: int,
                      rows: int) -> np.ndarray:
        order = self.order(sort_sql)
        in_page = order[self.hits(query, search_backend)[order]]
        return self.doc_ids[in_page[start:start + max(rows, 0)]]



# --- One snapshot per database alias and process ------------------------------------------

_current: dict[str, IndexSnapshot | int] = {}  # alias -> snapshot, or the generation found too small
_building: dict[str, int] = {}
_started_at: dict[str, float] = {}
# During bulk writes (a harvest) every write changes the generation: build at most this often.
REBUILD_INTERVAL_SECONDS = 10.0
_registry_lock = threading.Lock()


def snapshot_for(search_backend, generation: int, warm=None) -> IndexSnapshot | None:
    """The snapshot of this index generation if it is ready; otherwise None (answer by SQL),
    after starting to build it when the catalog is large enough to need one.

    `warm(snapshot)` is called on a new snapshot before it is used, to fetch the parts the
    triggering search needs (its visibility, the default order) outside the request path."""
    mode = getattr(settings, "HIRAKU_SEARCH_SNAPSHOT", "background")
    if mode == "off" or not search_backend.supports_snapshot:
        return None
    using = search_backend.using
    current = _current.get(using)
    if isinstance(current, IndexSnapshot) and current.generation == generation:
        return current
    if current == generation:
        return None  # too small for a snapshot at this generation
    if mode != "inline" and (_building.get(using) is not None
                             or time.monotonic() - _started_at.get(using, -math.inf) < REBUILD_INTERVAL_SECONDS):
        return None  # one build at a time, and a pause between builds while the index keeps changing
    with connections[using].cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {DOC}")
        documents = cursor.fetchone()[0]
    if documents < getattr(settings, "HIRAKU_SEARCH_SNAPSHOT_MIN_DOCS", 20000):
        _current[using] = generation
        return None
    if mode == "inline":
        snapshot = _built(using, warm)
        _current[using] = snapshot
        return snapshot if snapshot.generation == generation else None
    with _registry_lock:
        if _building.get(using) is not None:
            return None
        _building[using] = generation
        _started_at[using] = time.monotonic()
    threading.Thread(target=_build_in_background, args=(using, generation, warm), daemon=True,
                     name="hiraku-search-snapshot").start()
    return None


def _built(using: str, warm) -> IndexSnapshot:
    snapshot = IndexSnapshot.build(using)
    if warm is not None:
        warm(snapshot)
    return snapshot


def _build_in_background(using: str, generation: int, warm=None) -> None:
    try:
        _current[using] = _built(using, warm)
    except Exception:
        logger.exception("Building the search snapshot failed; searches keep using SQL")
    finally:
        with _registry_lock:
            _building.pop(using, None)
        connections[using].close()


def forget_snapshots() -> None:
    """Drop every snapshot of this process (tests, and after a database is replaced)."""
    with _registry_lock:
        _current.clear()
        _building.clear()
        _started_at.clear()
