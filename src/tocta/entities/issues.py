"""Issue codes of entity files. Stable: scripts, tests and corrections rely on them.

Codes shared with record ingest (``tocta.ingest.issues.ISSUE_CODES``) keep their meaning; the
others are about FollowTheMoney entities.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import polars as pl

ERROR = "error"
WARNING = "warning"

#: every issue code entity import emits, with what it means
ENTITY_ISSUE_CODES: dict[str, str] = {
    "invalid_json": "The line is not valid JSON.",
    "not_an_object": "A JSON line (or its properties) is not an object.",
    "invalid_encoding": "The line is not valid UTF-8.",
    "ragged_row": "A CSV row has a different number of fields than the header.",
    "unknown_schema": "The schema is not a FollowTheMoney schema, or is abstract.",
    "missing_id": "The entity has no id.",
    "invalid_id": "The entity id is not a valid FollowTheMoney id.",
    "unknown_property": "The property does not exist in the entity's schema (or is a "
                        "reverse property).",
    "invalid_value": "The value is not valid for the property's type.",
    "invalid_date": "The value is not a real date.",
    "unknown_country": "The value matches no country.",
    "no_entity": "The row gives no entity (no id could be computed, or no query matched).",
    "label_conflict": "The statement is stored with other labels; labels are never "
                      "overwritten.",
    "unmapped_column": "A CSV column the mapping does not use (warning).",
}

_TYPE_CODES = {"date": "invalid_date", "country": "unknown_country"}


def value_code(type_name: str) -> str:
    """The issue code of a value FollowTheMoney's type ``type_name`` cannot clean."""
    return _TYPE_CODES.get(type_name, "invalid_value")


@dataclass(frozen=True)
class EntityIssue:
    """``file:row: field: message [code]`` with the raw value."""

    file: str
    row: int | None
    field: str | None
    code: str
    level: str
    message: str
    value: str | None = None

    def line(self) -> str:
        where = f"{self.file}:{self.row}" if self.row is not None else self.file
        head = f"{where}: {self.field}: " if self.field else f"{where}: "
        return f"{head}{self.message} [{self.code}]"


ISSUE_SCHEMA = {"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8, "code": pl.Utf8,
                "level": pl.Utf8, "message": pl.Utf8, "value": pl.Utf8}


def issues_frame(issues: list[EntityIssue]) -> pl.DataFrame:
    """Issues in the store's shape (file, row, field, code, level, message, value)."""
    return pl.DataFrame([asdict(i) for i in issues], schema=ISSUE_SCHEMA)
