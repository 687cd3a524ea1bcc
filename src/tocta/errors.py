"""Exceptions for code and configuration errors.

Data problems are never raised: they are collected as issues (see ``tocta.ingest.issues``).
Exceptions are for things a user must fix before any row is read: configuration, usage,
a missing source registration, a broken mapping.
"""

from __future__ import annotations


class TocError(Exception):
    """Base class of every tocta exception. ``exit_code`` is what the CLI returns."""

    exit_code = 2


class ConfigError(TocError):
    """A configuration file, mapping or setting is wrong; the message lists every problem."""

    def __init__(self, message: str, problems: list[str] | None = None) -> None:
        self.problems = list(problems or [])
        if self.problems:
            message = message + "\n" + "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(message)


class SchemaError(ConfigError):
    """A record-type YAML file is malformed; names the file and key."""


class UsageError(TocError):
    """The command was called wrongly (unknown type, missing option)."""


class NotFoundError(TocError):
    """A named thing (source, run, record type) does not exist."""


class StoreError(TocError):
    """The store cannot be opened or is at the wrong migration."""
