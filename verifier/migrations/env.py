"""Alembic environment: runs on the connection handed in by ``verifier.database.migrate``."""

from __future__ import annotations

from alembic import context

from verifier.storage import metadata

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI by hand
    raise RuntimeError("run migrations through verifier.database.migrate(engine)")
context.configure(
    connection=connection, target_metadata=metadata, version_table="verifier_alembic_version"
)
with context.begin_transaction():
    context.run_migrations()
