"""The tables of the first releases (databases made before migrations existed already have them: kept as they are).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cart_items",
        sa.Column("session_id", sa.Text, primary_key=True), sa.Column("product_id", sa.Text, primary_key=True),
        sa.Column("title", sa.Text, nullable=False), sa.Column("unit_price", sa.Float),
        sa.Column("quantity", sa.Integer, sa.CheckConstraint("quantity > 0"), nullable=False),
        sa.Column("added_at", sa.Float, nullable=False), if_not_exists=True)
    op.create_table(
        "orders",
        sa.Column("order_id", sa.Text, primary_key=True), sa.Column("email", sa.Text, nullable=False),
        sa.Column("status", sa.Text, nullable=False), sa.Column("carrier", sa.Text), sa.Column("eta", sa.Text),
        sa.Column("items", sa.Text, nullable=False), if_not_exists=True)
    op.create_table(
        "turns",
        sa.Column("session_id", sa.Text, primary_key=True), sa.Column("turn", sa.Integer, primary_key=True),
        sa.Column("user_text", sa.Text, nullable=False), sa.Column("reply", sa.Text, nullable=False),
        sa.Column("tool_calls", sa.Text, nullable=False), sa.Column("products", sa.Text, nullable=False),
        sa.Column("grounded", sa.Integer, nullable=False), sa.Column("created_at", sa.Float, nullable=False),
        if_not_exists=True)
    op.create_table(
        "feedback",
        sa.Column("session_id", sa.Text, primary_key=True), sa.Column("turn", sa.Integer, primary_key=True),
        sa.Column("rating", sa.Integer, sa.CheckConstraint("rating IN (-1, 1)"), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False), if_not_exists=True)
    op.create_table(
        "approvals",
        sa.Column("session_id", sa.Text, nullable=False), sa.Column("customer_text", sa.Text, nullable=False),
        sa.Column("suggested", sa.Text, nullable=False), sa.Column("final", sa.Text, nullable=False),
        sa.Column("staff", sa.Text, nullable=False), sa.Column("created_at", sa.Float, nullable=False),
        if_not_exists=True)
    op.create_table(
        "handoffs",
        sa.Column("session_id", sa.Text, primary_key=True), sa.Column("reason", sa.Text, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False), if_not_exists=True)
    op.create_table(
        "profiles",
        sa.Column("shopper_id", sa.Text, primary_key=True), sa.Column("profile", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False), if_not_exists=True)
    op.create_table(
        "events",
        sa.Column("shopper_id", sa.Text, nullable=False), sa.Column("session_id", sa.Text, nullable=False),
        sa.Column("kind", sa.Text, nullable=False), sa.Column("product_id", sa.Text, nullable=False),
        sa.Column("query", sa.Text), sa.Column("shown", sa.Text, nullable=False), sa.Column("position", sa.Integer),
        sa.Column("created_at", sa.Float, nullable=False), if_not_exists=True)
    op.create_index("events_by_shopper", "events", ["shopper_id"], if_not_exists=True)


def downgrade() -> None:
    op.drop_index("events_by_shopper", "events")
    for table in ("events", "profiles", "handoffs", "approvals", "feedback", "turns", "orders", "cart_items"):
        op.drop_table(table)
