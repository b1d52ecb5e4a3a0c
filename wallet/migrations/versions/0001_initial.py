"""Initial wallet store schema.

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
    """Create the first schema."""
    op.create_table(
        "wallet_credentials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "wallet_disclosure_log",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_table(
        "wallet_meta",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("value", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    op.create_table(
        "wallet_pseudonym_epochs",
        sa.Column("verifier_tag", sa.String(length=64), nullable=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("verifier_tag"),
    )
    op.create_table(
        "wallet_rules",
        sa.Column("tag", sa.String(length=64), nullable=False),
        sa.Column("verifier_tag", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("tag"),
    )
    op.create_index(
        op.f("ix_wallet_rules_verifier_tag"), "wallet_rules", ["verifier_tag"], unique=False
    )
    op.create_table(
        "wallet_instances",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("credential_id", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("verifier_tag", sa.String(length=64), nullable=True),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["credential_id"], ["wallet_credentials.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    """Drop the first schema."""
    op.drop_table("wallet_instances")
    op.drop_index(op.f("ix_wallet_rules_verifier_tag"), table_name="wallet_rules")
    op.drop_table("wallet_rules")
    op.drop_table("wallet_pseudonym_epochs")
    op.drop_table("wallet_meta")
    op.drop_table("wallet_disclosure_log")
    op.drop_table("wallet_credentials")
