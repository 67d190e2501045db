"""Carts, orders, conversations and feedback in one SQLite file under the data dir.

Every write is a single transaction in WAL mode, so a process killed mid-update leaves either the
old or the new cart, never a torn one. Rows are keyed by session id, and every read filters by it:
one shopper never sees another's cart or history.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS cart_items (
  session_id TEXT NOT NULL, product_id TEXT NOT NULL, title TEXT NOT NULL, unit_price REAL,
  quantity INTEGER NOT NULL CHECK (quantity > 0), added_at REAL NOT NULL,
  PRIMARY KEY (session_id, product_id));
CREATE TABLE IF NOT EXISTS orders (
  order_id TEXT PRIMARY KEY, email TEXT NOT NULL, status TEXT NOT NULL, carrier TEXT, eta TEXT,
  items TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS turns (
  session_id TEXT NOT NULL, turn INTEGER NOT NULL, user_text TEXT NOT NULL, reply TEXT NOT NULL,
  tool_calls TEXT NOT NULL, products TEXT NOT NULL, grounded INTEGER NOT NULL, created_at REAL NOT NULL,
  PRIMARY KEY (session_id, turn));
CREATE TABLE IF NOT EXISTS feedback (
  session_id TEXT NOT NULL, turn INTEGER NOT NULL, rating INTEGER NOT NULL CHECK (rating IN (-1, 1)),
  created_at REAL NOT NULL, PRIMARY KEY (session_id, turn));
CREATE TABLE IF NOT EXISTS approvals (
  session_id TEXT NOT NULL, customer_text TEXT NOT NULL, suggested TEXT NOT NULL, final TEXT NOT NULL,
  staff TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS handoffs (
  session_id TEXT PRIMARY KEY, reason TEXT NOT NULL, created_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS profiles (
  shopper_id TEXT PRIMARY KEY, profile TEXT NOT NULL, updated_at REAL NOT NULL);
CREATE TABLE IF NOT EXISTS events (
  shopper_id TEXT NOT NULL, session_id TEXT NOT NULL, kind TEXT NOT NULL, product_id TEXT NOT NULL,
  query TEXT, shown TEXT NOT NULL, position INTEGER, created_at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS events_by_shopper ON events (shopper_id);
CREATE TABLE IF NOT EXISTS dialogue_states (
  session_id TEXT PRIMARY KEY, index_name TEXT, shopper_id TEXT, state TEXT NOT NULL, updated_at REAL NOT NULL);
"""


@dataclass(frozen=True)
class CartLine:
    product_id: str
    title: str
    unit_price: float | None
    quantity: int

    @property
    def subtotal(self) -> float | None:
        return None if self.unit_price is None else round(self.unit_price * self.quantity, 2)


@dataclass(frozen=True)
class Order:
    order_id: str
    email: str
    status: str
    carrier: str | None
    eta: str | None
    items: list[tuple[str, int]]


class Store:
    """Thread-safe access to the Aisle database (one connection per call, WAL, busy timeout)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        raw = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        try:
            raw.execute("PRAGMA journal_mode=WAL")
            raw.executescript(SCHEMA)
        finally:
            raw.close()
        with self._connect() as db:
            if db.execute("SELECT COUNT(*) FROM orders").fetchone()[0] == 0:
                self._seed_orders(db)

    def _connect(self) -> _Tx:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("PRAGMA busy_timeout=30000")
        return _Tx(db)

    @staticmethod
    def _seed_orders(db: sqlite3.Connection) -> None:
        rows = json.loads((resources.files("assistant") / "data" / "demo_orders.json").read_text())
        db.executemany("INSERT OR IGNORE INTO orders VALUES (?,?,?,?,?,?)",
                       [(r["order_id"], r["email"].lower(), r["status"], r["carrier"], r["eta"],
                         json.dumps(r["items"])) for r in rows])

    # carts
    def cart(self, session_id: str) -> list[CartLine]:
        with self._connect() as db:
            rows = db.execute("SELECT product_id, title, unit_price, quantity FROM cart_items WHERE session_id=? "
                              "ORDER BY added_at, product_id", (session_id,)).fetchall()
        return [CartLine(*r) for r in rows]

    def add_to_cart(self, session_id: str, product_id: str, title: str, unit_price: float | None,
                    quantity: int) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO cart_items VALUES (?,?,?,?,?,?) ON CONFLICT(session_id, product_id) DO UPDATE "
                       "SET quantity = MIN(quantity + excluded.quantity, 99)",
                       (session_id, product_id, title, unit_price, quantity, time.time()))

    def remove_from_cart(self, session_id: str, product_id: str) -> bool:
        with self._connect() as db:
            cur = db.execute("DELETE FROM cart_items WHERE session_id=? AND product_id=?", (session_id, product_id))
            return cur.rowcount > 0

    # orders
    def order(self, order_id: str, email: str) -> Order | None:
        """The order only when id and e-mail both match: a wrong pair looks exactly like a missing order."""
        with self._connect() as db:
            row = db.execute("SELECT * FROM orders WHERE upper(order_id)=upper(?) AND email=?",
                             (order_id.strip(), email.strip().lower())).fetchone()
        if row is None:
            return None
        return Order(row[0], row[1], row[2], row[3], row[4], [tuple(i) for i in json.loads(row[5])])


    # conversations and feedback
    def record_turn(self, session_id: str, user_text: str, reply: str, tool_calls: list[dict],
                    products: list[str], grounded: bool) -> int:
        with self._connect() as db:
            turn = db.execute("SELECT COALESCE(MAX(turn), 0) + 1 FROM turns WHERE session_id=?",
                              (session_id,)).fetchone()[0]
            db.execute("INSERT INTO turns VALUES (?,?,?,?,?,?,?,?)",
                       (session_id, turn, user_text, reply, json.dumps(tool_calls, default=str),
                        json.dumps(products), int(grounded), time.time()))
        return turn

    def turns(self, session_id: str) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT turn, user_text, reply, tool_calls, products, grounded FROM turns "
                              "WHERE session_id=? ORDER BY turn", (session_id,)).fetchall()
        return [{"turn": r[0], "user": r[1], "reply": r[2], "tool_calls": json.loads(r[3]),
                 "products": json.loads(r[4]), "grounded": bool(r[5])} for r in rows]

    def sessions(self, limit: int = 50) -> list[tuple[str, int, float]]:
        with self._connect() as db:
            return db.execute("SELECT session_id, COUNT(*), MAX(created_at) FROM turns GROUP BY session_id "
                              "ORDER BY MAX(created_at) DESC LIMIT ?", (limit,)).fetchall()

    def set_feedback(self, session_id: str, turn: int, rating: int) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO feedback VALUES (?,?,?,?) ON CONFLICT(session_id, turn) DO UPDATE "
                       "SET rating=excluded.rating, created_at=excluded.created_at",
                       (session_id, turn, rating, time.time()))

    def feedback(self, session_id: str) -> dict[int, int]:
        with self._connect() as db:
            return dict(db.execute("SELECT turn, rating FROM feedback WHERE session_id=?", (session_id,)).fetchall())

    def approve(self, session_id: str, customer_text: str, suggested: str, final: str, staff: str) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO approvals VALUES (?,?,?,?,?,?)",
                       (session_id, customer_text, suggested, final, staff, time.time()))

    def approvals(self, session_id: str) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT customer_text, suggested, final, staff FROM approvals WHERE session_id=? "
                              "ORDER BY created_at", (session_id,)).fetchall()
        return [{"customer": r[0], "suggested": r[1], "final": r[2], "staff": r[3]} for r in rows]

    def hand_off(self, session_id: str, reason: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO handoffs VALUES (?,?,?)", (session_id, reason, time.time()))

    # preference profiles and feedback events (a returning shopper's are kept under their shopper id)
    def profile(self, shopper_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute("SELECT profile FROM profiles WHERE shopper_id=?", (shopper_id,)).fetchone()
        return row[0] if row else None

    def save_profile(self, shopper_id: str, profile: str) -> None:
        json.loads(profile)  # a profile is JSON; anything else is a bug upstream, not something to store
        with self._connect() as db:
            db.execute("INSERT INTO profiles VALUES (?,?,?) ON CONFLICT(shopper_id) DO UPDATE "
                       "SET profile=excluded.profile, updated_at=excluded.updated_at",
                       (shopper_id, profile, time.time()))

    def record_event(self, shopper_id: str, session_id: str, event: FeedbackEvent) -> None:
        with self._connect() as db:
            db.execute("INSERT INTO events VALUES (?,?,?,?,?,?,?,?)",
                       (shopper_id, session_id, event.kind, event.product_id, event.query, json.dumps(event.shown),
                        event.position, time.time()))

    def events(self, shopper_id: str | None = None, limit: int = 100_000) -> list[FeedbackEvent]:
        """Feedback events, oldest first (one shopper's, or everyone's for training)."""
        sql = "SELECT kind, product_id, query, shown, position, session_id, shopper_id FROM events"
        args: tuple = ()
        if shopper_id is not None:
            sql, args = sql + " WHERE shopper_id=?", (shopper_id,)
        with self._connect() as db:
            rows = db.execute(sql + " ORDER BY created_at, rowid LIMIT ?", (*args, limit)).fetchall()
        return [FeedbackEvent(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], r[5], r[6]) for r in rows]

    def forget(self, shopper_id: str) -> int:
        """Delete a shopper's profile and feedback events ("forget me"); returns the events deleted.
        Carts, orders and conversation logs are not profile data and stay."""
        with self._connect() as db:
            db.execute("DELETE FROM profiles WHERE shopper_id=?", (shopper_id,))
            return db.execute("DELETE FROM events WHERE shopper_id=?", (shopper_id,)).rowcount

    # dialogue state: what a conversation has shown and is waiting for, so another process can continue it
    def save_dialogue(self, session_id: str, index_name: str | None, shopper_id: str | None, state: str) -> None:
        with self._connect() as db:
            db.execute("INSERT OR REPLACE INTO dialogue_states VALUES (?,?,?,?,?)",
                       (session_id, index_name, shopper_id, state, time.time()))

    def dialogue(self, session_id: str) -> tuple[str | None, str | None, str] | None:
        """(index name, shopper id, state JSON) as last saved for the session, or None."""
        with self._connect() as db:
            row = db.execute("SELECT index_name, shopper_id, state FROM dialogue_states WHERE session_id=?",
                             (session_id,)).fetchone()
        return (row[0], row[1], row[2]) if row else None

    def handoffs(self) -> list[tuple[str, str, float]]:
        with self._connect() as db:
            return db.execute("SELECT * FROM handoffs ORDER BY created_at DESC").fetchall()


@dataclass(frozen=True)
class FeedbackEvent:
    """A shopper's action on a product, with the search it was shown for: what learning from feedback reads."""

    kind: str                  # a retrieval.recommend.profile.SignalKind value
    product_id: str
    query: str | None          # the running search when it happened (None: no search yet)
    shown: tuple[str, ...]     # the list the product was shown in, in order
    position: int | None       # its 1-based position there (None: not in it)
    session_id: str = ""
    shopper_id: str = ""


class _Tx:
    """A connection used as ``with``: BEGIN IMMEDIATE on enter, COMMIT or ROLLBACK on exit, then close."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            self.db.execute("ROLLBACK" if exc_type else "COMMIT")
        finally:
            self.db.close()
