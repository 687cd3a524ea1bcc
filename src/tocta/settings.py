"""One settings object, read from the environment (prefix ``TOCTA_``) and passed explicitly."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Settings:
    """Where the store is and who is acting.

    Attributes:
        database_url: SQLAlchemy URL or a path to a SQLite file (default ``tocta.db``).
        database_schema: PostgreSQL schema to use (default: the server's search path).
        user: the acting user, recorded with runs and judgements.
        agency: the acting user's agency (for clearance).
    """

    database_url: str = "tocta.db"
    database_schema: str | None = None
    user: str = "analyst"
    agency: str | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        try:
            default_user = getpass.getuser()
        except Exception:  # no passwd entry in some containers
            default_user = "analyst"
        return cls(
            database_url=env.get("TOCTA_DATABASE_URL", "tocta.db"),
            database_schema=env.get("TOCTA_DATABASE_SCHEMA") or None,
            user=env.get("TOCTA_USER", default_user),
            agency=env.get("TOCTA_AGENCY") or None,
        )

    def with_database(self, url: str | None) -> Settings:
        """A copy pointing at another store (``--db``)."""
        return self if not url else replace(self, database_url=url)
