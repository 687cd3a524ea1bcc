"""Write a new Alembic migration from the difference between the record model and the store.

After editing a record YAML (or the system tables), run:

    .venv/bin/python scripts/new_migration.py "add field X to Seizure"

It builds a scratch SQLite store at the current head, autogenerates the difference and writes
it to src/tocta/store/migrations/versions/. Review the file before committing it.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from tocta.store.engine import _alembic_config


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "schema change"
    with tempfile.TemporaryDirectory() as tmp:
        engine = sa.create_engine(f"sqlite:///{Path(tmp) / 'scratch.db'}")
        cfg = _alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True)
        engine.dispose()


if __name__ == "__main__":
    main()
