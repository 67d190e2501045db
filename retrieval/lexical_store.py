"""The lexical side of search and the catalog's system of record: one SQLite file with FTS5.

Keeping products, filter columns and the full-text index in one file lets hard filters run inside
the BM25 query (no post-filtering that starves results) and gives search a product lookup that
needs no other service.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from retrieval.catalog.product import Product
from retrieval.filters import SearchFilters, filter_metadata
from retrieval.model_codes import MIN_CODE_CHARS, MIN_PART_CHARS, title_codes
from retrieval.product_text import lexical_fields

# Column weights for FTS5 bm25(): title, brand, category, attributes, description.
BM25_WEIGHTS = (4.0, 2.0, 2.0, 1.0, 1.0)
FTS_COLUMNS = ("title", "brand", "category", "attributes", "description")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
MAX_QUERY_TOKENS = 32
# what a store written by ``create`` holds; a new version makes `aisle index` rebuild a catalog whose products did not
# change (the embeddings are reused from the cache). v2: the titles' model codes (``code_search``); the colour column
# a JSON list of the product's colours (``filters.colours_of``).
STORE_VERSION = "v2"


@dataclass(frozen=True)
class LexicalHit:
    product_id: str
    score: float


def fts_query(text: str) -> str | None:
    """An OR of quoted terms: user text never reaches FTS5's query syntax unescaped."""
    tokens = list(dict.fromkeys(t.lower() for t in _TOKEN.findall(text)))[:MAX_QUERY_TOKENS]
    if not tokens:
        return None
    return " OR ".join('"' + t.replace('"', '""') + '"' for t in tokens)


def create(path: Path, products: Iterable[Product]) -> int:
    """Write a fresh store at ``path`` (which must not exist); returns the product count."""
    conn = sqlite3.connect(path)
    try:
        conn.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE products (
                rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, price REAL, brand TEXT,
                category TEXT, colour TEXT, rating REAL, stock_state TEXT, doc TEXT NOT NULL);
            CREATE VIRTUAL TABLE fts USING fts5(
                title, brand, category, attributes, description, tokenize = 'porter unicode61');
            CREATE TABLE codes (code TEXT NOT NULL, row INTEGER NOT NULL);
            CREATE VIRTUAL TABLE code_parts USING fts5(code, row UNINDEXED, tokenize = 'trigram');
            """
        )
        count = 0
        with conn:
            for rowid, product in enumerate(products, start=1):
                meta = filter_metadata(product)
                conn.execute(
                    "INSERT INTO products VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (rowid, product.id, meta["price"], meta["brand"], json.dumps(meta["category"]),
                     json.dumps(meta["colour"]), meta["rating"], meta["stock_state"], product.model_dump_json()),
                )
                fields = lexical_fields(product)
                conn.execute(
                    "INSERT INTO fts (rowid, title, brand, category, attributes, description) VALUES (?,?,?,?,?,?)",
                    (rowid, fields["title"], fields["brand"], fields["category"], fields["attributes"],
                     fields["description"]),
                )
                codes = [(code, rowid) for code in title_codes(product.title)]
                conn.executemany("INSERT INTO codes VALUES (?, ?)", codes)
                conn.executemany("INSERT INTO code_parts VALUES (?, ?)", codes)
                count = rowid
            conn.execute("CREATE INDEX codes_by_code ON codes (code)")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return count
    finally:
        conn.close()


class LexicalStore:
    """Read side: BM25 search with filters, and product lookup by id. Thread-safe (one connection per thread)."""

    def __init__(self, path: Path) -> None:
        if not path.exists():
            raise FileNotFoundError(f"lexical store {path} is missing")
        self.path = path
        self._local = threading.local()
        self._allowed: OrderedDict[str, np.ndarray] = OrderedDict()  # filters -> rows (read-only store: never stale)
        self._allowed_lock = threading.Lock()

    @property
    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            self._local.conn = conn
        return conn

    def search(self, query: str, filters: SearchFilters | None = None, k: int = 100,
               restrict_to: list[str] | None = None, column: str | None = None) -> list[LexicalHit]:
        """BM25 over all fields (weighted by ``BM25_WEIGHTS``), or over one FTS ``column`` ("title")."""
        expression = fts_query(query)
        if expression is None:
            return []
        if column is not None:
            if column not in FTS_COLUMNS:
                raise ValueError(f"unknown lexical column {column!r}; one of {', '.join(FTS_COLUMNS)}")
            expression = f"{column} : ({expression})"
        where, args = (filters or SearchFilters()).sql_where()
        if restrict_to is not None:
            where += f" AND p.id IN ({','.join('?' * len(restrict_to))})"
            args = [*args, *restrict_to]
        weights = ", ".join(str(w) for w in BM25_WEIGHTS)
        rows = self.conn.execute(
            f"""SELECT p.id, -bm25(fts, {weights}) AS score FROM fts JOIN products p ON p.rowid = fts.rowid
                WHERE fts MATCH ? AND {where} ORDER BY bm25(fts, {weights}) LIMIT ?""",
            [expression, *args, k],
        ).fetchall()
        return [LexicalHit(pid, float(score)) for pid, score in rows]

    @cached_property
    def has_codes(self) -> bool:
        """Whether this store keeps its titles' model codes (stores written before model-code matching do not: the
        next `aisle index` rebuilds them)."""
        return self.conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'code_parts'").fetchone() is not None

    def code_search(self, codes: tuple[str, ...], filters: SearchFilters | None = None,
                    k: int = 200) -> dict[str, tuple[str, ...]]:
        """Products (that pass ``filters``) whose title carries a code that a query's normalised code (``codes``)
        starts, is started by, or stands in: id -> the title codes found; ``model_codes.match`` grades them.

        Codes that start with the query's code come from the index over codes (shortest first, so a cut never loses
        the exact one), codes the query's code starts with from the same index by equality, and codes that hold it
        (five characters or more, letters in it) from the trigram table. At most ``k`` of each kind per code."""
        if not codes or not self.has_codes:
            return {}
        where, args = (filters or SearchFilters()).sql_where()
        joined = f"FROM {{table}} c JOIN products p ON p.rowid = c.row WHERE {{match}} AND {where}"
        found: dict[str, list[str]] = {}
        for code in codes:
            prefixes = [code[:n] for n in range(MIN_CODE_CHARS, len(code))]
            lookups = [("codes", "c.code >= ? AND c.code < ?", [code, code + "{"]),  # "{" sorts after "z"
                       ("codes", f"c.code IN ({','.join('?' * len(prefixes))})", prefixes)]
            if len(code) >= MIN_PART_CHARS and not code.isdigit():
                lookups.append(("code_parts", "c.code MATCH ?", ['"' + code + '"']))
            for table, match, match_args in lookups:
                if not match_args:
                    continue
                rows = self.conn.execute(
                    f"SELECT p.id, c.code {joined.format(table=table, match=match)} ORDER BY length(c.code) LIMIT ?",
                    [*match_args, *args, k]).fetchall()
                for pid, title_code in rows:
                    if title_code not in found.setdefault(pid, []):
                        found[pid].append(title_code)
        return {pid: tuple(cs) for pid, cs in found.items()}

    def allowed_rows(self, filters: SearchFilters) -> np.ndarray:
        """The 0-based catalog rows (``rowid - 1``) the filters allow, ascending; the last 64 filters are kept."""
        key = filters.model_dump_json()
        with self._allowed_lock:
            if key in self._allowed:
                self._allowed.move_to_end(key)
                return self._allowed[key]
        where, args = filters.sql_where()
        rows = np.fromiter((r[0] - 1 for r in self.conn.execute(
            f"SELECT p.rowid FROM products p WHERE {where} ORDER BY p.rowid", args)), dtype=np.int64)
        with self._allowed_lock:
            self._allowed[key] = rows
            while len(self._allowed) > 64:
                self._allowed.popitem(last=False)
        return rows

    def get(self, product_id: str) -> Product | None:
        row = self.conn.execute("SELECT doc FROM products WHERE id = ?", (product_id,)).fetchone()
        return Product.model_validate_json(row[0]) if row else None

    def get_many(self, product_ids: list[str]) -> dict[str, Product]:
        found: dict[str, Product] = {}
        for start in range(0, len(product_ids), 500):
            chunk = product_ids[start:start + 500]
            rows = self.conn.execute(
                f"SELECT id, doc FROM products WHERE id IN ({','.join('?' * len(chunk))})", chunk
            )
            for pid, doc in rows:
                found[pid] = Product.model_validate_json(doc)
        return found

    def brands(self) -> list[str]:
        """Distinct brands, normalised (lower case) as the filters store them."""
        return [r[0] for r in self.conn.execute("SELECT DISTINCT brand FROM products WHERE brand != ''")]

    def colours(self) -> list[str]:
        """Distinct colours, normalised like ``brands``."""
        return [r[0] for r in self.conn.execute(
            """SELECT DISTINCT value FROM products p, json_each(CASE WHEN json_valid(p.colour) THEN p.colour
               ELSE json_array(p.colour) END)""") if r[0]]

    def texts(self) -> list[str]:
        """Title, brand and category of every product as indexed (the spelling stage's vocabulary)."""
        return [" ".join(r) for r in self.conn.execute("SELECT title, brand, category FROM fts")]

    def all_ids(self) -> list[str]:
        return [r[0] for r in self.conn.execute("SELECT id FROM products ORDER BY rowid")]

    def count(self) -> int:
        return int(self.conn.execute("SELECT count(*) FROM products").fetchone()[0])

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None
