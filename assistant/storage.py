"""Carts, orders, conversations, feedback and dialogue state in one database: SQLite under the data dir by default,
or any SQLAlchemy URL (PostgreSQL for several machines).

Every write is a single transaction (SQLite: WAL, ``BEGIN IMMEDIATE``), so a process killed mid-update leaves either
the old or the new cart, never a torn one. Rows are keyed by session id, and every read filters by it: one shopper
never sees another's cart or history. Opening a store brings its schema up to date (Alembic, ``assistant/migrations``).
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine, case, create_engine, delete, event, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from assistant import storage_schema as t


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


@dataclass(frozen=True)
class ConversationSummary:
    """A conversation's last turn, as the staff queue lists it."""

    session_id: str
    turns: int
    last_at: float
    last_user: str
    last_reply: str
    last_rating: int | None  # the shopper's thumbs on the last turn (+1 / -1), if any


def database_url(target: str | Path) -> str:
    """A SQLAlchemy URL for a URL or a SQLite file path."""
    text = str(target)
    return text if "://" in text else f"sqlite:///{Path(text)}"


def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.split(":///", 1)[1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    # a connection per use (as before: nothing is shared across threads or a fork), WAL, and BEGIN IMMEDIATE so a
    # transaction takes the write lock up front instead of failing on upgrade
    engine = create_engine(url, poolclass=NullPool, connect_args={"timeout": 30, "isolation_level": None})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi, _record) -> None:
        dbapi.execute("PRAGMA journal_mode=WAL")
        dbapi.execute("PRAGMA synchronous=NORMAL")
        dbapi.execute("PRAGMA busy_timeout=30000")

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


_migrated: set[str] = set()
_migrate_lock = threading.Lock()


def migrate(engine: Engine) -> None:
    """Bring the database's schema to the newest revision (once per URL and process)."""
    from alembic import command
    from alembic.config import Config

    key = engine.url.render_as_string(hide_password=False)
    with _migrate_lock:
        if key in _migrated:
            return
        config = Config()
        config.set_main_option("script_location", str(resources.files("assistant") / "migrations"))
        with engine.begin() as conn:
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        _migrated.add(key)


class Store:
    """Thread- and process-safe access to the Aisle database."""

    def __init__(self, target: str | Path) -> None:
        self.url = database_url(target)
        self.path = Path(self.url.split(":///", 1)[1]) if self.url.startswith("sqlite:///") else None
        self.engine = _engine(self.url)
        self._upsert = postgresql.insert if self.engine.dialect.name == "postgresql" else sqlite.insert
        migrate(self.engine)
        with self.engine.begin() as db:
            if db.execute(select(func.count()).select_from(t.orders)).scalar_one() == 0:
                rows = json.loads((resources.files("assistant") / "data" / "demo_orders.json").read_text())
                db.execute(self._upsert(t.orders).on_conflict_do_nothing(), [
                    {"order_id": r["order_id"], "email": r["email"].lower(), "status": r["status"],
                     "carrier": r["carrier"], "eta": r["eta"], "items": json.dumps(r["items"])} for r in rows])

    def _put(self, table, keys: tuple[str, ...], **values) -> None:
        """Insert the row, or replace the one with the same key."""
        statement = self._upsert(table).values(**values)
        statement = statement.on_conflict_do_update(
            index_elements=list(keys), set_={k: statement.excluded[k] for k in values if k not in keys})
        with self.engine.begin() as db:
            db.execute(statement)

    # carts
    def cart(self, session_id: str) -> list[CartLine]:
        c = t.cart_items.c
        with self.engine.connect() as db:
            rows = db.execute(select(c.product_id, c.title, c.unit_price, c.quantity).where(c.session_id == session_id)
                              .order_by(c.added_at, c.product_id)).all()
        return [CartLine(*r) for r in rows]

    def add_to_cart(self, session_id: str, product_id: str, title: str, unit_price: float | None,
                    quantity: int) -> None:
        statement = self._upsert(t.cart_items).values(session_id=session_id, product_id=product_id, title=title,
                                                      unit_price=unit_price, quantity=quantity, added_at=time.time())
        least = func.least if self.engine.dialect.name == "postgresql" else func.min
        statement = statement.on_conflict_do_update(
            index_elements=["session_id", "product_id"],
            set_={"quantity": least(t.cart_items.c.quantity + statement.excluded.quantity, 99)})
        with self.engine.begin() as db:
            db.execute(statement)

    def set_quantity(self, session_id: str, product_id: str, quantity: int) -> bool:
        """Change a line's quantity (1-99; 0 removes it); False when the cart has no such line."""
        if quantity <= 0:
            return self.remove_from_cart(session_id, product_id)
        c = t.cart_items.c
        with self.engine.begin() as db:
            return db.execute(update(t.cart_items).where(c.session_id == session_id, c.product_id == product_id)
                              .values(quantity=min(int(quantity), 99))).rowcount > 0

    def remove_from_cart(self, session_id: str, product_id: str) -> bool:
        c = t.cart_items.c
        with self.engine.begin() as db:
            return db.execute(delete(t.cart_items).where(c.session_id == session_id,
                                                         c.product_id == product_id)).rowcount > 0

    # orders
    def order(self, order_id: str, email: str) -> Order | None:
        """The order only when id and e-mail both match: a wrong pair looks exactly like a missing order."""
        c = t.orders.c
        with self.engine.connect() as db:
            row = db.execute(select(c.order_id, c.email, c.status, c.carrier, c.eta, c["items"]).where(
                func.upper(c.order_id) == order_id.strip().upper(), c.email == email.strip().lower())).first()
        if row is None:
            return None
        return Order(row[0], row[1], row[2], row[3], row[4], [tuple(i) for i in json.loads(row[5])])

    # conversations and feedback
    def record_turn(self, session_id: str, user_text: str, reply: str, tool_calls: list[dict],
                    products: list[str], grounded: bool) -> int:
        c = t.turns.c
        for attempt in range(5):  # two workers numbering the same session's turn at once: the loser takes the next
            try:
                with self.engine.begin() as db:
                    turn = db.execute(select(func.coalesce(func.max(c.turn), 0) + 1)
                                      .where(c.session_id == session_id)).scalar_one()
                    db.execute(insert(t.turns).values(
                        session_id=session_id, turn=turn, user_text=user_text, reply=reply,
                        tool_calls=json.dumps(tool_calls, default=str), products=json.dumps(products),
                        grounded=int(grounded), created_at=time.time()))
                return turn
            except IntegrityError:
                if attempt == 4:
                    raise
        raise AssertionError("unreachable")  # pragma: no cover

    def turns(self, session_id: str) -> list[dict]:
        c = t.turns.c
        with self.engine.connect() as db:
            rows = db.execute(select(c.turn, c.user_text, c.reply, c.tool_calls, c.products, c.grounded, c.created_at)
                              .where(c.session_id == session_id).order_by(c.turn)).all()
        return [{"turn": r[0], "user": r[1], "reply": r[2], "tool_calls": json.loads(r[3]),
                 "products": json.loads(r[4]), "grounded": bool(r[5]), "at": float(r[6])} for r in rows]

    def conversations(self, limit: int = 50, exclude_prefix: str = "") -> list[ConversationSummary]:
        """The most recently active conversations with their last turn and its thumbs, in one query."""
        c, f = t.turns.c, t.feedback.c
        per = select(c.session_id.label("sid"), func.count().label("n"), func.max(c.turn).label("last_turn"),
                     func.max(c.created_at).label("last_at")).group_by(c.session_id)
        if exclude_prefix:
            per = per.where(~c.session_id.startswith(exclude_prefix, autoescape=True))
        per = per.order_by(func.max(c.created_at).desc()).limit(limit).subquery()
        query = (select(per.c.sid, per.c.n, per.c.last_at, c.user_text, c.reply, f.rating)
                 .join(t.turns, (c.session_id == per.c.sid) & (c.turn == per.c.last_turn))
                 .outerjoin(t.feedback, (f.session_id == per.c.sid) & (f.turn == per.c.last_turn))
                 .order_by(per.c.last_at.desc()))
        with self.engine.connect() as db:
            rows = db.execute(query).all()
        return [ConversationSummary(r[0], int(r[1]), float(r[2]), r[3], r[4], None if r[5] is None else int(r[5]))
                for r in rows]

    def ratings(self, limit: int = 100_000) -> list[tuple[float, int]]:
        """Every conversation's thumbs as (when, +1 or -1), newest first: the dashboard's thumbs-down rate."""
        c = t.feedback.c
        with self.engine.connect() as db:
            rows = db.execute(select(c.created_at, c.rating).order_by(c.created_at.desc()).limit(limit)).all()
        return [(float(r[0]), int(r[1])) for r in rows]

    def set_feedback(self, session_id: str, turn: int, rating: int) -> None:
        self._put(t.feedback, ("session_id", "turn"), session_id=session_id, turn=turn, rating=rating,
                  created_at=time.time())

    def feedback(self, session_id: str) -> dict[int, int]:
        c = t.feedback.c
        with self.engine.connect() as db:
            return {r[0]: r[1] for r in db.execute(select(c.turn, c.rating).where(c.session_id == session_id))}

    def approve(self, session_id: str, customer_text: str, suggested: str, final: str, staff: str) -> None:
        with self.engine.begin() as db:
            db.execute(insert(t.approvals).values(session_id=session_id, customer_text=customer_text,
                                                  suggested=suggested, final=final, staff=staff,
                                                  created_at=time.time()))

    def approvals(self, session_id: str) -> list[dict]:
        c = t.approvals.c
        with self.engine.connect() as db:
            rows = db.execute(select(c.customer_text, c.suggested, c.final, c.staff)
                              .where(c.session_id == session_id).order_by(c.created_at)).all()
        return [{"customer": r[0], "suggested": r[1], "final": r[2], "staff": r[3]} for r in rows]

    def all_approvals(self, limit: int = 100_000) -> list[dict]:
        """Every approved reply, oldest first, with its conversation: staff edits are training signal."""
        c = t.approvals.c
        with self.engine.connect() as db:
            rows = db.execute(select(c.session_id, c.customer_text, c.suggested, c.final, c.staff, c.created_at)
                              .order_by(c.created_at).limit(limit)).all()
        return [{"session": r[0], "customer": r[1], "suggested": r[2], "final": r[3], "staff": r[4],
                 "at": float(r[5])} for r in rows]

    def hand_off(self, session_id: str, reason: str) -> None:
        self._put(t.handoffs, ("session_id",), session_id=session_id, reason=reason, created_at=time.time())

    # preference profiles and feedback events (a returning shopper's are kept under their shopper id)
    def profile(self, shopper_id: str) -> str | None:
        c = t.profiles.c
        with self.engine.connect() as db:
            return db.execute(select(c.profile).where(c.shopper_id == shopper_id)).scalar_one_or_none()

    def save_profile(self, shopper_id: str, profile: str) -> None:
        json.loads(profile)  # a profile is JSON; anything else is a bug upstream, not something to store
        self._put(t.profiles, ("shopper_id",), shopper_id=shopper_id, profile=profile, updated_at=time.time())

    def record_event(self, shopper_id: str, session_id: str, event: FeedbackEvent) -> None:
        with self.engine.begin() as db:
            db.execute(insert(t.events).values(
                shopper_id=shopper_id, session_id=session_id, kind=event.kind, product_id=event.product_id,
                query=event.query, shown=json.dumps(event.shown), position=event.position, created_at=time.time()))

    def events(self, shopper_id: str | None = None, limit: int = 100_000) -> list[FeedbackEvent]:
        """Feedback events, oldest first (one shopper's, or everyone's for training)."""
        c = t.events.c
        query = select(c.kind, c.product_id, c.query, c.shown, c.position, c.session_id, c.shopper_id)
        if shopper_id is not None:
            query = query.where(c.shopper_id == shopper_id)
        with self.engine.connect() as db:
            rows = db.execute(query.order_by(c.created_at).limit(limit)).all()
        return [FeedbackEvent(r[0], r[1], r[2], tuple(json.loads(r[3])), r[4], r[5], r[6]) for r in rows]

    def forget(self, shopper_id: str) -> int:
        """Delete a shopper's profile and feedback events ("forget me"); returns the events deleted.
        Carts, orders and conversation logs are not profile data and stay."""
        with self.engine.begin() as db:
            db.execute(delete(t.profiles).where(t.profiles.c.shopper_id == shopper_id))
            return db.execute(delete(t.events).where(t.events.c.shopper_id == shopper_id)).rowcount

    # dialogue state: what a conversation has shown and is waiting for, so another process can continue it
    def save_dialogue(self, session_id: str, index_name: str | None, shopper_id: str | None, state: str) -> None:
        """Store the state; the one it replaces (when it differs) is kept as the state before the last turn."""
        table = t.dialogue_states
        statement = self._upsert(table).values(session_id=session_id, index_name=index_name, shopper_id=shopper_id,
                                               state=state, updated_at=time.time())
        changed = table.c.state != statement.excluded.state
        statement = statement.on_conflict_do_update(index_elements=["session_id"], set_={
            "index_name": statement.excluded.index_name, "shopper_id": statement.excluded.shopper_id,
            "state": statement.excluded.state, "updated_at": statement.excluded.updated_at,
            "previous_state": case((changed, table.c.state), else_=table.c.previous_state)})
        with self.engine.begin() as db:
            db.execute(statement)

    def dialogue_before_last_turn(self, session_id: str) -> str | None:
        """The session's state JSON as it was before its last turn (None: no turn before it)."""
        c = t.dialogue_states.c
        with self.engine.connect() as db:
            return db.execute(select(c.previous_state).where(c.session_id == session_id)).scalar_one_or_none()

    def dialogue(self, session_id: str) -> tuple[str | None, str | None, str] | None:
        """(index name, shopper id, state JSON) as last saved for the session, or None."""
        c = t.dialogue_states.c
        with self.engine.connect() as db:
            row = db.execute(select(c.index_name, c.shopper_id, c.state).where(c.session_id == session_id)).first()
        return (row[0], row[1], row[2]) if row else None

    def handoffs(self) -> list[tuple[str, str, float]]:
        c = t.handoffs.c
        with self.engine.connect() as db:
            return [tuple(r) for r in db.execute(select(c.session_id, c.reason, c.created_at)
                                                 .order_by(c.created_at.desc()))]


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
