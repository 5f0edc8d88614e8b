"""The embedded backend's search: full text (FTS5 with BM25), semantic and hybrid, all
trimmed by the visibility SQL before anything is counted, ranked or shown.

Semantic and hybrid search score only the documents that the same visibility and filter
SQL returns, so vectors are trimmed exactly like text.
"""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np

from aktenlotse.search import completion, spelling
from aktenlotse.search.backend import BackendError, Hit, Hits, Query
from aktenlotse.search.backend_common import (
    NOTICE_NO_VECTORS,
    TEXT_WEIGHT,
    TITLE_WEIGHT,
    QueryPlan,
    hit_snippet,
    plan_query,
)
from aktenlotse.search.embedded_base import MSG_QUERY_FAILED, EmbeddedIndexFile
from aktenlotse.search.embedded_completion import readable_completions, readable_spellings
from aktenlotse.search.embedded_ranking import (
    NOT_EMPTY_FILE,
    facets,
    filter_sql,
    hybrid_matches,
    keyword_facets,
    page,
    semantic_matches,
)
from aktenlotse.search.query_parser import ParsedQuery, parse_query, to_fts5
from aktenlotse.search.snippets import SCAN_CHARS

# What the visibility and filter SQL hands on for every match (see `embedded_ranking`).
_MATCH_COLUMNS = "d.id, d.modified, d.year, d.file_type, d.folder, d.source"
# (visible, filtered documents with vectors as match rows with the cosine as score, best
# first; best chunk span per id; the best cosine of the visible documents regardless of filters)
_Semantic = tuple[list[tuple], dict[str, tuple[int, int]], float | None]


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
        match = None if plan.browse else to_fts5(parsed)
        if not plan.principals:
            return Hits(total=0, hits=[], facets={}, notices=notices)
        filters, filter_params = filter_sql(query)
        # One pass over the matches: MATCH and the visibility test run once, and total,
        # facets and the page all come from the same rows (re-running MATCH per facet
        # would cost more than counting in Python).
        best_chunks: dict[str, tuple[int, int]] = {}
        try:
            connection = self._connection()
            visible, visible_params = self._visible(connection, plan.principals)
            lexical: list[tuple] = []
            if plan.browse:
                where = " AND ".join([visible, *filters])
                sql = f"SELECT d.rowid, 0.0, {_MATCH_COLUMNS} FROM docs d WHERE {where}"
                lexical = connection.execute(sql, [*visible_params, *filter_params]).fetchall()
                query = replace(query, sort="date")
            elif match is not None:
                where = " AND ".join(["docs_fts MATCH ?", visible, *filters])
                sql = (
                    f"SELECT d.rowid, bm25(docs_fts, {TITLE_WEIGHT}, {TEXT_WEIGHT}), {_MATCH_COLUMNS}"
                    f" FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid WHERE {where}"
                )
                lexical = connection.execute(sql, [match, *visible_params, *filter_params]).fetchall()
            matches = lexical
            if mode != "fulltext":
                semantic = self._semantic(connection, query, parsed, visible, visible_params, filters, filter_params)
                if semantic is None:
                    notices.append(NOTICE_NO_VECTORS)
                    mode = "fulltext"
                else:
                    ranked, best_chunks, anchor = semantic
                    matches = (
                        semantic_matches(ranked, anchor)
                        if mode == "semantic"
                        else hybrid_matches(lexical, ranked, anchor)
                    )
            if mode == "fulltext" and match is None and not plan.browse:
                return Hits(total=0, hits=[], facets={}, notices=notices)
            shown = page(matches, query.sort, plan.offset, plan.limit)
            rows = self._page_rows(connection, [m[0] for m in shown])
            chunk_texts = self._chunk_texts(connection, shown, best_chunks)
            counted = facets(matches, query.folder) if query.facets else {}
            if query.facets:
                counted.update(keyword_facets(connection, [m[0] for m in matches]))
        except sqlite3.Error as error:
            raise BackendError(MSG_QUERY_FAILED) from error
        lexical_rowids = {m[0] for m in lexical} if mode == "hybrid" else set()
        hits = self._hits(plan, shown, rows, chunk_texts, best_chunks, lexical_rowids)
        return Hits(total=len(matches), hits=hits, facets=counted, notices=notices)

    def _hits(
        self,
        plan: QueryPlan,
        shown: list[tuple],
        rows: dict[int, tuple],
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
            chunk_text = chunk_texts.get(match_row[0])
            chunk = None if chunk_text is None else (chunk_text, best_chunks[row[0]][0])
            snippet = hit_snippet(
                row[3] or row[2], plan.parsed, self.analyzer, chunk, match_row[0] in lexical_rowids, decided
            )
            hits.append(
                Hit(
                    id=row[0],
                    path=row[1],
                    title=row[2],
                    score=-float(match_row[1]),
                    snippet=snippet,
                    source=row[4],
                    display_path=row[5],
                    file_type=row[6],
                    size=row[7],
                    modified=row[8],
                    kind=row[9],
                    extra=json.loads(row[10]),
                )
            )
        return hits

    def _semantic(
        self,
        connection: sqlite3.Connection,
        query: Query,
        parsed: ParsedQuery,
        visible: str,
        visible_params: list[str],
        filters: list[str],
        filter_params: list[Any],
    ) -> _Semantic | None:
        """The semantic side (see `_Semantic`), or None when no vectors of the query
        vector's dimension exist. Only rows the visibility SQL returned are ever scored."""
        vector = np.asarray(query.vector, dtype=np.float32)
        norm = float(np.linalg.norm(vector))
        if vector.ndim != 1 or norm == 0 or not math.isfinite(norm):
            return None
        matrix = self._vectors.matrix_for(connection, int(vector.shape[0]))
        if matrix is None:
            return None
        where = " AND ".join([visible, NOT_EMPTY_FILE, *filters])
        candidates = connection.execute(
            f"SELECT d.rowid, 0.0, {_MATCH_COLUMNS} FROM docs d WHERE {where}", [*visible_params, *filter_params]
        ).fetchall()
        excluded = self._excluded_rowids(connection, parsed)
        positions = [matrix.index.get(row[2], -1) for row in candidates]
        keep = [i for i, pos in enumerate(positions) if pos >= 0 and candidates[i][0] not in excluded]
        if not keep:
            return [], {}, None
        scores, best_rows = matrix.doc_scores(vector / norm)
        chosen = np.asarray([positions[i] for i in keep], dtype=np.int64)
        chosen_scores = scores[chosen]
        anchor = float(chosen_scores.max())
        if filters:
            # The band hangs from the best document the user may see WITHOUT the filters:
            # picking a facet value must give exactly the hits its count promised, so the
            # filtered set has to be a subset of the unfiltered one.
            unfiltered = [
                matrix.index.get(doc_id, -1)
                for rowid, doc_id in connection.execute(
                    f"SELECT d.rowid, d.id FROM docs d WHERE {visible} AND {NOT_EMPTY_FILE}", visible_params
                )
                if rowid not in excluded
            ]
            unfiltered = [pos for pos in unfiltered if pos >= 0]
            anchor = max(anchor, float(scores[np.asarray(unfiltered, dtype=np.int64)].max()))
        order = np.argsort(-chosen_scores, kind="stable")
        ranked = []
        best_chunks: dict[str, tuple[int, int]] = {}
        for j in order:
            row = candidates[keep[j]]
            ranked.append((row[0], float(chosen_scores[j]), *row[2:]))
            start, end = matrix.spans[best_rows[chosen[j]]]
            best_chunks[row[2]] = (int(start), int(end))
        return ranked, best_chunks, anchor

    def _excluded_rowids(self, connection: sqlite3.Connection, parsed: ParsedQuery) -> set[int]:
        # "-Wort" excludes documents in every mode, not only in full text.
        if not parsed.excluded:
            return set()
        expression = to_fts5(ParsedQuery(terms=parsed.excluded))
        if expression is None:
            return set()
        return {row[0] for row in connection.execute("SELECT rowid FROM docs_fts WHERE docs_fts MATCH ?", [expression])}

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

    def _page_rows(self, connection: sqlite3.Connection, rowids: list[int]) -> dict[int, tuple]:
        if not rowids:
            return {}
        rows = connection.execute(
            f"SELECT rowid, id, path, title, substr(text, 1, {SCAN_CHARS}), source, display_path,"
            f" file_type, size, modified, kind, extra FROM docs WHERE rowid IN ({', '.join('?' * len(rowids))})",
            rowids,
        ).fetchall()
        return {row[0]: row[1:] for row in rows}

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
            visible, visible_params = self._visible(connection, principals)

            def readable(term: str) -> bool:
                phrase = '"' + term.replace('"', '""') + '"'
                return (
                    connection.execute(
                        f"SELECT 1 FROM docs_fts JOIN docs d ON d.rowid = docs_fts.rowid"
                        f" WHERE docs_fts MATCH ? AND {visible} LIMIT 1",
                        [phrase, *visible_params],
                    ).fetchone()
                    is not None
                )

            def candidates(word: str) -> list[str]:
                return [
                    row[0]
                    for row in connection.execute(
                        "SELECT term FROM docs_vocab WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?",
                        (
                            word[0],
                            word[0] + "\uffff",
                            len(word) - spelling.LENGTH_SLACK,
                            len(word) + spelling.LENGTH_SLACK,
                        ),
                    )
                ]

            return spelling.suggest(text, self.analyzer, readable, candidates, limit)
        except sqlite3.Error:
            return []

    def completions(self, prefix: str, principals: Sequence[str], limit: int = 8) -> list[str]:
        """Words starting with `prefix` from documents `principals` may read, most frequent
        among those first (see `embedded_completion`); [] for input with nothing searchable."""
        principals = list(dict.fromkeys(principals))
        term_prefix = completion.index_prefix(prefix)
        limit = completion.clamp_limit(limit)
        if not principals or not term_prefix or not limit:
            return []
        try:
            connection = self._connection()
            visible, visible_params = self._visible(connection, principals)
            found = [term for term, _ in readable_completions(connection, visible, visible_params, term_prefix, limit)]
            spellings = readable_spellings(connection, visible, visible_params, found, self._words)
        except sqlite3.Error as error:
            raise BackendError(MSG_QUERY_FAILED) from error
        return [completion.written_like(prefix.strip(), term, spellings.get(term)) for term in found]

    def _words(self, text: str) -> list[str]:
        return [word for _, _, word in self.analyzer.iter_words(text)]
