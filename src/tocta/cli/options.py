"""Options shared by several commands."""

from __future__ import annotations

from tocta.access.clearance import Clearance
from tocta.errors import UsageError
from tocta.settings import Settings

DB_HELP = ("Store to use: a SQLite file path or a SQLAlchemy URL "
           "(postgresql+psycopg://user@host/db). Default: $TOCTA_DATABASE_URL or ./tocta.db.")


def settings_for(db: str | None) -> Settings:
    """Settings from the environment, with --db applied."""
    return Settings.from_env().with_database(db)


def clearance_for(level: str) -> Clearance:
    """``full`` (the store owner) or a TLP ceiling for an authenticated reader."""
    from tocta.schema.types.tlp import TLP_LEVELS

    if level.lower() == "full":
        return Clearance.full()
    upper = level.upper()
    if upper not in TLP_LEVELS:
        raise UsageError(f"unknown clearance {level!r}: use full or one of "
                         f"{', '.join(TLP_LEVELS)}")
    return Clearance(tlp_ceiling=upper, handling=frozenset())


def parse_years(text: str) -> tuple[int, int]:
    """``2015-2020`` or ``2019`` as an inclusive (first, last) pair."""
    parts = text.replace("–", "-").split("-")
    try:
        first, last = int(parts[0]), int(parts[-1])
    except ValueError:
        raise UsageError(f"--years {text!r}: write a year or a range like 2015-2020") from None
    if len(parts) > 2 or first > last:
        raise UsageError(f"--years {text!r}: write a year or a range like 2015-2020")
    return first, last
