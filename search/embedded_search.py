"""The embedded backend's search: full text (tantivy, BM25), semantic and hybrid, all
trimmed to the caller's permission sets before anything is counted, ranked or shown.

Full text asks tantivy for the page, the exact total and the facets in one trimmed query
(`fulltext_query.trimmed`). Semantic and hybrid search keep only the scores of the caller's
visible documents and read every kept row through the visibility and filter SQL
(`embedded_semantic`), so vectors are trimmed exactly like text.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from typing import Any

import numpy as np
import tantivy
from tantivy import Order

from aktenlotse.core.visibility import sql_condition
from aktenlotse.search import completion, spelling
from aktenlotse.search.backend import BackendError, Hit, Hits, Query
from aktenlotse.search.backend_common import (
    NOTICE_NO_VECTORS,
    QueryPlan,
    hit_snippet,
    plan_query,
)
from aktenlotse.search.embedded_ann import ann_side
from aktenlotse.search.embedded_base import MSG_QUERY_FAILED, EmbeddedIndexFile
from aktenlotse.search.embedded_completion import ReadableTerms, readable_completions, readable_spellings
from aktenlotse.search.embedded_ranking import (
    facets,
    hybrid_matches,
    keyword_facets,
    page,
    semantic_matches,
)
from aktenlotse.search.embedded_semantic import MATCH_COLUMNS, Semantic, semantic_side
from aktenlotse.search.folder_facet import folder_children
from aktenlotse.search.fulltext_facets import aggregated_facets, folder_field
from aktenlotse.search.fulltext_query import (
    WORDS,
    all_matches,
    excluded_query,
    filter_queries,
    match_count,
    rowids_of,
    text_query,
    token_query,
    trimmed,
)
from aktenlotse.search.query_parser import ParsedQuery, parse_query
from aktenlotse.search.snippets import SCAN_CHARS

# The columns of a shown document that become the `Hit` fields of the same names.
_HIT_COLUMNS = ("id", "path", "title", "source", "display_path", "file_type", "size", "modified", "kind", "extra")
# A shown document: the head of its text (for the snippet) and its `Hit` fields by name.
_PageRow = tuple[str | None, dict[str, Any]]


class EmbeddedSearch(EmbeddedIndexFile):
    """Every trimmed read that runs a query."""

    def parse(self, text: str) -> ParsedQuery:
        """The parsed form of a raw query (what `search` runs)."""
        return parse_query(text, self.analyzer)

    def search(self, query: Query, principals: Sequence[str]) -> Hits:
        """Search trimmed to `principals` in the query's mode (fulltext, semantic,
        hybrid); never raises for odd query text. Semantic and hybrid need `query.vector`
        and fall back to full text (with a notice) without it or without stored vectors."""
        plan = plan_query(query, principals, self.analyzer)
        parsed, notices, mode = plan.parsed, plan.notices, plan.mode
        if not plan.principals:
            return Hits(total=0, hits=[], facets={}, notices=notices)
        schema = self._fulltext.schema
        words = None if plan.browse else text_query(schema, parsed)
        try:
            connection = self._connection()
            visible_sets = self._visible_sets(connection, plan.principals)
            trimmed_words = trimmed(
                schema,
                words,
                visible_sets,
                filter_queries(schema, query),
                excluded_query(schema, parsed),
                self._fulltext.pending(connection),
            )
            semantic = None
            if mode != "fulltext":
                semantic = self._semantic(connection, query, parsed, visible_sets)
                if semantic is None:
                    notices.append(NOTICE_NO_VECTORS)
                    mode = "fulltext"
            if mode == "fulltext":
                if words is None and not plan.browse:
                    return Hits(total=0, hits=[], facets={}, notices=notices)
                sort = "date" if plan.browse else query.sort
                return self._fulltext_page(connection, plan, query, trimmed_words, visible_sets, sort)
            assert semantic is not None
            return self._vector_page(connection, plan, query, words, trimmed_words, visible_sets, mode, semantic)
        except (sqlite3.Error, ValueError) as error:  # ValueError: tantivy refused the query
            raise BackendError(MSG_QUERY_FAILED) from error

    def _fulltext_page(
        self,
        connection: sqlite3.Connection,
        plan: QueryPlan,
        query: Query,
        trimmed_words: tantivy.Query,
        visible_sets: list[str],
        sort: str,
    ) -> Hits:
        """Full text: the page, the exact total and the facets, all from tantivy (the
        cost follows the page and the number of matches, never the index)."""
        searcher = self._fulltext.searcher()
        limit = max(plan.limit, 1)  # tantivy wants a page of at least one; cut below
        if sort == "date":
            found = searcher.search(
                trimmed_words, limit, count=True, order_by_field="modified", offset=plan.offset, order=Order.Desc
            )
            scores = [0.0] * len(found.hits)
        else:
            found = searcher.search(trimmed_words, limit, count=True, offset=plan.offset)
            scores = [float(score) for score, _ in found.hits]
        rowids = rowids_of(searcher, found)
        shown = [(rowid, -score) for rowid, score in zip(rowids, scores, strict=True)][: plan.limit]
        rows = self._page_rows(connection, [m[0] for m in shown], visible_sets)
        counted = aggregated_facets(searcher, trimmed_words, query.folder) if query.facets else {}
        if query.facets and folder_field(query.folder) is None:
            counted["folder"] = self._deep_folder_facet(connection, searcher, trimmed_words, query.folder)
        hits = self._hits(plan, shown, rows, {}, {}, set())
        return Hits(total=match_count(found), hits=hits, facets=counted, notices=plan.notices)

    def _deep_folder_facet(
        self,
        connection: sqlite3.Connection,
        searcher: tantivy.Searcher,
        trimmed_words: tantivy.Query,
        chosen: str | None,
    ) -> list[tuple[str, int]]:
        """The folder facet below a folder deeper than the index keeps levels: from the
        matches' folders (few documents lie that deep)."""
        rowids = [rowid for rowid, _ in all_matches(searcher, trimmed_words)]
        folders = connection.execute(
            "SELECT folder FROM docs WHERE rowid IN (SELECT value FROM json_each(?))", (json.dumps(rowids),)
        )
        return folder_children((row[0] for row in folders), chosen)

    def _vector_page(
        self,
        connection: sqlite3.Connection,
        plan: QueryPlan,
        query: Query,
        words: tantivy.Query | None,
        trimmed_words: tantivy.Query,
        visible_sets: list[str],
        mode: str,
        semantic: Semantic,
    ) -> Hits:
        """Semantic and hybrid: match rows of both sides, ranked, counted and faceted together."""
        ranked, best_chunks, anchor = semantic
        if mode == "semantic":
            matches = semantic_matches(ranked, anchor)
            lexical: list[tuple] = []
        else:
            lexical = [] if words is None else self._lexical_rows(connection, trimmed_words)
            matches = hybrid_matches(lexical, ranked, anchor)
        shown = page(matches, query.sort, plan.offset, plan.limit)
        rows = self._page_rows(connection, [m[0] for m in shown], visible_sets)
        chunk_texts = self._chunk_texts(connection, shown, best_chunks)
        counted = facets(matches, query.folder) if query.facets else {}
        if query.facets:
            counted.update(keyword_facets(connection, [m[0] for m in matches]))
        lexical_rowids = {m[0] for m in lexical}
        hits = self._hits(plan, shown, rows, chunk_texts, best_chunks, lexical_rowids)
        return Hits(total=len(matches), hits=hits, facets=counted, notices=plan.notices)

    def _lexical_rows(self, connection: sqlite3.Connection, trimmed_words: tantivy.Query) -> list[tuple]:
        """Every full-text match as a match row (hybrid fuses, counts and facets them all)."""
        scored = all_matches(self._fulltext.searcher(), trimmed_words)
        if not scored:
            return []
        rowids = [rowid for rowid, _ in scored]
        score_of = {rowid: -score for rowid, score in scored}
        rows = connection.execute(
            f"SELECT d.rowid, {MATCH_COLUMNS} FROM docs d WHERE d.rowid IN (SELECT value FROM json_each(?))",
            (json.dumps(rowids),),
        ).fetchall()
        return [(row[0], score_of[row[0]], *row[1:]) for row in rows]

    def _hits(
        self,
        plan: QueryPlan,
        shown: list[tuple],
        rows: dict[int, _PageRow],
        chunk_texts: dict[int, str],
        best_chunks: dict[str, tuple[int, int]],
        lexical_rowids: set[int],
    ) -> list[Hit]:
        decided: dict[str, str | None] = {}  # word verdicts shared by this query's snippets
        hits = []
        for match_row in shown:
            row = rows.get(match_row[0])
            if row is None:  # deleted between the two statements
                continue
            head, fields = row
            chunk_text = chunk_texts.get(match_row[0])
            chunk = None if chunk_text is None else (chunk_text, best_chunks[fields["id"]][0])
            snippet = hit_snippet(
                head or fields["title"], plan.parsed, self.analyzer, chunk, match_row[0] in lexical_rowids, decided
            )
            hits.append(Hit(**fields, score=-float(match_row[1]), snippet=snippet))
        return hits

    def _semantic(
        self,
        connection: sqlite3.Connection,
        query: Query,
        parsed: ParsedQuery,
        visible_sets: list[str],
    ) -> Semantic | None:
        """The semantic side (`embedded_semantic`), or None when no vectors of the query
        vector's dimension exist."""
        vector = np.asarray(query.vector, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if vector.ndim != 1 or norm == 0 or not math.isfinite(norm):
            return None
        dim = int(vector.shape[0])
        model = self._vectors.model_for(connection, dim)
        if model is None:
            return None
        excluded = self._excluded_rowids(parsed, visible_sets)
        snapshot = self._ann.snapshot(connection, model, dim)
        if snapshot is not None:
            return ann_side(
                connection,
                snapshot,
                self._vectors,
                self._vector_permissions,
                vector / norm,
                query,
                visible_sets,
                excluded,
            )
        matrix = self._vectors.matrix_for(connection, dim, model)
        if matrix is None:
            return None
        permissions = None if excluded else self._vector_permissions.for_matrix(connection, matrix)
        return semantic_side(connection, matrix, permissions, vector / norm, query, visible_sets, excluded)

    def _excluded_rowids(self, parsed: ParsedQuery, visible_sets: list[str]) -> set[int]:
        # "-Wort" excludes documents in every mode, not only in full text.
        excluded = excluded_query(self._fulltext.schema, parsed)
        if excluded is None:
            return set()
        query = trimmed(self._fulltext.schema, excluded, visible_sets)
        return {rowid for rowid, _ in all_matches(self._fulltext.searcher(), query)}

    def _chunk_texts(
        self, connection: sqlite3.Connection, shown: list[tuple], best_chunks: dict[str, tuple[int, int]]
    ) -> dict[int, str]:
        """The best chunk's text per page row that has one (the snippet of a semantic hit)."""
        texts: dict[int, str] = {}
        for match_row in shown:
            span = best_chunks.get(match_row[2])
            if span is None or span[1] <= span[0]:
                continue
            row = connection.execute(
                "SELECT substr(text, ?, ?) FROM docs WHERE rowid = ?", (span[0] + 1, span[1] - span[0], match_row[0])
            ).fetchone()
            if row is not None:
                texts[match_row[0]] = row[0]
        return texts

    def _page_rows(
        self, connection: sqlite3.Connection, rowids: list[int], visible_sets: list[str]
    ) -> dict[int, _PageRow]:
        """The shown rows, visibility tested once more against the rows themselves (the
        full-text index said they are visible; SQLite is the truth)."""
        if not rowids:
            return {}
        visible, visible_params = sql_condition("d.perm_id", visible_sets)
        rows = connection.execute(
            f"SELECT rowid, substr(text, 1, {SCAN_CHARS}), {', '.join(_HIT_COLUMNS)} FROM docs d"
            f" WHERE rowid IN ({', '.join('?' * len(rowids))}) AND {visible}",
            [*rowids, *visible_params],
        ).fetchall()
        page_rows = {}
        for rowid, head, *values in rows:
            fields = dict(zip(_HIT_COLUMNS, values, strict=True))
            fields["extra"] = json.loads(fields["extra"])
            page_rows[rowid] = (head, fields)
        return page_rows

    def spelling_suggestions(self, text: str, principals: Sequence[str], limit: int = 3) -> list[str]:
        """Spelling variants of a query that found nothing, from the words of documents
        `principals` may read only (see `search.spelling`): both "is this word known" and
        "is this candidate a word" are asked of readable documents; the index-wide
        vocabulary only proposes candidates."""
        principals = list(dict.fromkeys(principals))
        if not principals:
            return []
        try:
            connection = self._connection()
            visible_sets = self._visible_sets(connection, principals)
            stale = self._fulltext.pending(connection)
            schema, searcher = self._fulltext.schema, self._fulltext.searcher()

            def readable(term: str) -> bool:
                query = trimmed(schema, token_query(schema, term), visible_sets, stale_rowids=stale)
                return bool(searcher.search(query, 1, count=False).hits)

            def candidates(word: str) -> list[str]:
                low, high = len(word) - spelling.LENGTH_SLACK, len(word) + spelling.LENGTH_SLACK
                return [term for term, _ in searcher.terms_with_prefix(WORDS, word[0]) if low <= len(term) <= high]

            return spelling.suggest(text, self.analyzer, readable, candidates, limit)
        except (sqlite3.Error, ValueError):
            return []

    def completions(self, prefix: str, principals: Sequence[str], limit: int = 8) -> list[str]:
        """Words starting with `prefix` from documents `principals` may read, most frequent
        among those first (see `embedded_completion`); [] for input with nothing searchable."""
        return completion.complete(prefix, principals, limit, self._readable_terms)

    def _readable_terms(self, principals: list[str], term_prefix: str, limit: int) -> tuple[list[str], dict[str, str]]:
        """The completion terms `principals` may read and their spellings (`completion.complete`)."""
        try:
            connection = self._connection()
            readable = ReadableTerms(
                self._fulltext.schema,
                self._fulltext.searcher(),
                self._visible_sets(connection, principals),
                self._fulltext.pending(connection),
            )
            found = [term for term, _ in readable_completions(readable, term_prefix, limit)]
            return found, readable_spellings(connection, readable, found, self._words)
        except (sqlite3.Error, ValueError) as error:  # ValueError: tantivy refused the query
            raise BackendError(MSG_QUERY_FAILED) from error

    def _words(self, text: str) -> list[str]:
        return [word for _, _, word in self.analyzer.iter_words(text)]
