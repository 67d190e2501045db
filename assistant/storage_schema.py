"""The Aisle database's tables (SQLAlchemy Core): carts, orders, conversations, feedback, profiles, dialogue state.

One definition for SQLite (the embedded default) and PostgreSQL; the Alembic migrations in
``assistant/migrations`` create and evolve them, and ``assistant.storage.Store`` reads and writes them.
"""

from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, Float, Index, Integer, MetaData, Table, Text

metadata = MetaData()

cart_items = Table(
    "cart_items", metadata,
    Column("session_id", Text, primary_key=True), Column("product_id", Text, primary_key=True),
    Column("title", Text, nullable=False), Column("unit_price", Float),
    Column("quantity", Integer, CheckConstraint("quantity > 0"), nullable=False),
    Column("added_at", Float, nullable=False))

orders = Table(
    "orders", metadata,
    Column("order_id", Text, primary_key=True), Column("email", Text, nullable=False),
    Column("status", Text, nullable=False), Column("carrier", Text), Column("eta", Text),
    Column("items", Text, nullable=False))

turns = Table(
    "turns", metadata,
    Column("session_id", Text, primary_key=True), Column("turn", Integer, primary_key=True),
    Column("user_text", Text, nullable=False), Column("reply", Text, nullable=False),
    Column("tool_calls", Text, nullable=False), Column("products", Text, nullable=False),
    Column("grounded", Integer, nullable=False), Column("created_at", Float, nullable=False))

feedback = Table(
    "feedback", metadata,
    Column("session_id", Text, primary_key=True), Column("turn", Integer, primary_key=True),
    Column("rating", Integer, CheckConstraint("rating IN (-1, 1)"), nullable=False),
    Column("created_at", Float, nullable=False))

approvals = Table(
    "approvals", metadata,
    Column("session_id", Text, nullable=False), Column("customer_text", Text, nullable=False),
    Column("suggested", Text, nullable=False), Column("final", Text, nullable=False),
    Column("staff", Text, nullable=False), Column("created_at", Float, nullable=False))

handoffs = Table(
    "handoffs", metadata,
    Column("session_id", Text, primary_key=True), Column("reason", Text, nullable=False),
    Column("created_at", Float, nullable=False))

profiles = Table(
    "profiles", metadata,
    Column("shopper_id", Text, primary_key=True), Column("profile", Text, nullable=False),
    Column("updated_at", Float, nullable=False))

events = Table(
    "events", metadata,
    Column("shopper_id", Text, nullable=False), Column("session_id", Text, nullable=False),
    Column("kind", Text, nullable=False), Column("product_id", Text, nullable=False), Column("query", Text),
    Column("shown", Text, nullable=False), Column("position", Integer), Column("created_at", Float, nullable=False),
    Index("events_by_shopper", "shopper_id"))

dialogue_states = Table(
    "dialogue_states", metadata,
    Column("session_id", Text, primary_key=True), Column("index_name", Text), Column("shopper_id", Text),
    Column("state", Text, nullable=False), Column("updated_at", Float, nullable=False),
    Column("previous_state", Text))  # the state before the last turn that changed it
