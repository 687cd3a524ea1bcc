"""Options shared by several commands."""

from __future__ import annotations

from tocta.settings import Settings

DB_HELP = ("Store to use: a SQLite file path or a SQLAlchemy URL "
           "(postgresql+psycopg://user@host/db). Default: $TOCTA_DATABASE_URL or ./tocta.db.")


def settings_for(db: str | None) -> Settings:
    """Settings from the environment, with --db applied."""
    return Settings.from_env().with_database(db)
