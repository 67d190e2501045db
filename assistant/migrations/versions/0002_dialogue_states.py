"""Each conversation's dialogue state, so a restarted or another worker continues it (issue 22).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dialogue_states",
        sa.Column("session_id", sa.Text, primary_key=True), sa.Column("index_name", sa.Text),
        sa.Column("shopper_id", sa.Text), sa.Column("state", sa.Text, nullable=False),
        sa.Column("updated_at", sa.Float, nullable=False), if_not_exists=True)


def downgrade() -> None:
    op.drop_table("dialogue_states")
