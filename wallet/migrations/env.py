"""Alembic environment: runs on the connection handed in by ``wallet.database.migrate``."""

from __future__ import annotations

from alembic import context

from wallet.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through wallet.database.migrate(engine)")
context.configure(
    connection=connection, target_metadata=metadata, version_table="wallet_alembic_version"
)
with context.begin_transaction():
    context.run_migrations()
