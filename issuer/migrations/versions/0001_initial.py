"""Initial issuer schema: offers, access tokens, nonces, credentials, status lists.

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
        "issuer_nonces",
        sa.Column("value_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("consumed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("value_hash"),
    )
    op.create_table(
        "issuer_offers",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("configuration_id", sa.String(length=128), nullable=False),
        sa.Column("claims", sa.JSON(), nullable=False),
        sa.Column("import_key", sa.String(length=256), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("tx_code_hash", sa.String(length=64), nullable=True),
        sa.Column("tx_code_attempts", sa.Integer(), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("redeemed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("replaces_credential_id", sa.String(length=64), nullable=True),
        sa.Column("by_reference", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("code_hash"),
        sa.UniqueConstraint("import_key"),
    )
    op.create_table(
        "issuer_status_lists",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("bits", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "issuer_access_tokens",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["issuer_offers.id"],
        ),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    op.create_table(
        "issuer_credentials",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("offer_id", sa.String(length=64), nullable=False),
        sa.Column("configuration_id", sa.String(length=128), nullable=False),
        sa.Column("status_list", sa.String(length=64), nullable=False),
        sa.Column("status_index", sa.Integer(), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("holder_thumbprint", sa.String(length=64), nullable=False),
        sa.Column("notification_id", sa.String(length=64), nullable=True),
        sa.Column("notification_event", sa.String(length=64), nullable=True),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("superseded_by", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["issuer_offers.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("status_list", "status_index", name="uq_issuer_status_slot"),
    )


def downgrade() -> None:
    """Drop the first schema."""
    op.drop_table("issuer_credentials")
    op.drop_table("issuer_access_tokens")
    op.drop_table("issuer_status_lists")
    op.drop_table("issuer_offers")
    op.drop_table("issuer_nonces")
