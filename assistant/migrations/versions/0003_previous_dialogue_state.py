"""The dialogue state before each conversation's last turn, so staff can answer that turn from where the shopper
stood when they wrote it (issue 21).

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dialogue_states") as batch:
        batch.add_column(sa.Column("previous_state", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("dialogue_states") as batch:
        batch.drop_column("previous_state")
