"""The value-type protocol: clean a whole column at once, collect issues, never raise.

Each type cleans a column of raw strings (a polars Series, null where the cell was empty) into
typed values plus an issues frame. Work is done once per *distinct* raw value wherever a value
needs Python-level parsing (country names, dates, units), then mapped back onto the column, so
a million rows with a few thousand distinct values cost a few thousand parses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import polars as pl
import sqlalchemy as sa

ISSUE_SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "field": pl.Utf8,
    "code": pl.Utf8,
    "level": pl.Utf8,
    "message": pl.Utf8,
    "value": pl.Utf8,
}

ERROR = "error"
WARNING = "warning"
INFO = "info"


@dataclass(frozen=True)
class Verdict:
    """The outcome of cleaning one raw value: the clean value and at most one issue."""

    value: Any = None
    code: str | None = None
    level: str = ERROR
    message: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Cleaned:
    """A cleaned column: typed values, issues (row = position in the column) and side columns."""

    values: pl.Series
    issues: pl.DataFrame
    extras: dict[str, pl.Series] = field(default_factory=dict)


def empty_issues() -> pl.DataFrame:
    """An issues frame with no rows."""
    return pl.DataFrame(schema=ISSUE_SCHEMA)


def issues_frame(
    rows: pl.Series, field_name: str, codes: pl.Series, levels: pl.Series,
    messages: pl.Series, values: pl.Series,
) -> pl.DataFrame:
    """Assemble an issues frame from aligned series."""
    return pl.DataFrame(
        {
            "row": rows.cast(pl.Int64),
            "field": pl.Series([field_name] * len(rows), dtype=pl.Utf8),
            "code": codes.cast(pl.Utf8),
            "level": levels.cast(pl.Utf8),
            "message": messages.cast(pl.Utf8),
            "value": values.cast(pl.Utf8),
        }
    )


def clean_by_distinct(
    raw: pl.Series,
    field_name: str,
    judge: Callable[[str], Verdict],
    dtype: Any,
    extra_names: tuple[str, ...] = (),
) -> Cleaned:
    """Clean ``raw`` by judging each distinct non-null value once.

    Args:
        raw: raw strings, null where empty.
        field_name: the field, for issues.
        judge: turns one raw string into a Verdict.
        dtype: polars dtype of the clean values.
        extra_names: keys of ``Verdict.extra`` to return as side columns.
    """
    distinct = raw.drop_nulls().unique(maintain_order=True)
    verdicts = [judge(v) for v in distinct.to_list()]
    values = raw.replace_strict(
        distinct, pl.Series([v.value for v in verdicts], dtype=dtype), default=None,
        return_dtype=dtype,
    ).alias(field_name)
    flagged = [(d, v) for d, v in zip(distinct.to_list(), verdicts, strict=True) if v.code]
    issues = empty_issues()
    if flagged:
        keys = pl.Series([d for d, _ in flagged], dtype=pl.Utf8)
        codes = raw.replace_strict(keys, pl.Series([v.code for _, v in flagged]), default=None,
                                   return_dtype=pl.Utf8)
        mask = codes.is_not_null()
        rows = pl.int_range(len(raw), eager=True, dtype=pl.Int64).filter(mask)
        bad = raw.filter(mask)
        issues = issues_frame(
            rows, field_name, codes.filter(mask),
            bad.replace_strict(keys, pl.Series([v.level for _, v in flagged]),
                               return_dtype=pl.Utf8),
            bad.replace_strict(keys, pl.Series([v.message for _, v in flagged], dtype=pl.Utf8),
                               return_dtype=pl.Utf8),
            bad,
        )
    extras = {}
    for name in extra_names:
        found = [v.extra.get(name) for v in verdicts]
        if any(x is not None for x in found):
            extras[name] = raw.replace_strict(distinct, pl.Series(found, dtype=pl.Utf8),
                                              default=None, return_dtype=pl.Utf8)
        else:
            extras[name] = pl.Series(name, [None] * len(raw), dtype=pl.Utf8)
    return Cleaned(values, issues, extras)


class ValueType:
    """Base of every value type. Subclasses set ``name`` and implement ``clean``."""

    name: ClassVar[str] = "text"
    polars_dtype: ClassVar[Any] = pl.Utf8
    #: a short human description for the data dictionary
    doc: ClassVar[str] = ""

    def sql_type(self, spec: Any) -> sa.types.TypeEngine[Any]:
        """The SQLAlchemy column type for a field of this type."""
        return sa.Text()

    def clean(self, raw: pl.Series, spec: Any, ctx: Any) -> Cleaned:
        """Clean a column. ``spec`` is the field, ``ctx`` the ingest context (mapping options)."""
        raise NotImplementedError

    def codelist(self, spec: Any) -> tuple[str, ...] | None:
        """Allowed values for template dropdowns, or None."""
        return None
