"""Migrations create exactly the tables the record model derives (both backends)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tocta.store.engine import Store, head_revision
from tocta.store.tables import SYSTEM_TABLES, metadata, record_tables


def test_store_is_at_head_and_matches_the_model(store: Store) -> None:
    assert store.revision() == head_revision()
    record_tables()
    with store.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, metadata)
    assert diff == [], "a record YAML or table changed without a migration: run " \
                       "scripts/new_migration.py"


def test_every_record_type_and_system_table_exists(store: Store) -> None:
    import sqlalchemy as sa

    names = set(sa.inspect(store.engine).get_table_names())
    assert set(SYSTEM_TABLES) <= names
    assert {t.name for t in record_tables().values()} <= names
