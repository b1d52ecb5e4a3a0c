"""Offers remember a suspension, so credentials issued while it lasts are stored suspended.

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
    """Add ``issuer_offers.suspended`` (false for every existing offer)."""
    op.add_column(
        "issuer_offers",
        sa.Column("suspended", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    """Drop ``issuer_offers.suspended`` (batch mode: SQLite rebuilds the table)."""
    with op.batch_alter_table("issuer_offers") as batch:
        batch.drop_column("suspended")
