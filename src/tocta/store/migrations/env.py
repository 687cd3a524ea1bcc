"""Alembic environment: migrations run on the connection tocta passes in."""

from __future__ import annotations

from alembic import context

from tocta.store.tables import metadata, record_tables

record_tables()  # register the record tables on the metadata
config = context.config
target_metadata = metadata


def run_migrations() -> None:
    connection = config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("tocta migrations run through tocta.store (open_store / upgrade)")
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()
