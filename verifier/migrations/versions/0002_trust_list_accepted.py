"""The newest trust list accepted, so a restarted verifier refuses an older one.

``scope`` is the SHA-256 of the operator anchors it was accepted under: sequence numbers
count per operator, so a mark of other anchors does not apply.

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
    """Add the one-row table of the accepted trust list."""
    op.create_table(
        "verifier_trust_list_accepted",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sequence_number", sa.BigInteger(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop the accepted trust list."""
    op.drop_table("verifier_trust_list_accepted")
