"""agent state changes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 23:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agent_state_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agent_id", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("reason", sa.String(length=120), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agent_state_changes")),
    )
    op.create_index(
        "ix_agent_state_changes_agent_at", "agent_state_changes", ["agent_id", "at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_agent_state_changes_agent_at", table_name="agent_state_changes")
    op.drop_table("agent_state_changes")
