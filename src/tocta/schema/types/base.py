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
    lookup_cols: dict[str, pl.Series] = {
        "__raw": distinct,
        "__value": pl.Series([v.value for v in verdicts], dtype=dtype),
        "__code": pl.Series([v.code for v in verdicts], dtype=pl.Utf8),
        "__level": pl.Series([v.level for v in verdicts], dtype=pl.Utf8),
        "__message": pl.Series([v.message for v in verdicts], dtype=pl.Utf8),
    }
    for name in extra_names:
        lookup_cols[f"__x_{name}"] = pl.Series(
            [v.extra.get(name) for v in verdicts], dtype=pl.Utf8
        )
    lookup = pl.DataFrame(lookup_cols)
    frame = pl.DataFrame({"__raw": raw}).with_row_index("__row")
    joined = frame.join(lookup, on="__raw", how="left", maintain_order="left")
    flagged = joined.filter(pl.col("__code").is_not_null())
    issues = issues_frame(
        flagged["__row"], field_name, flagged["__code"], flagged["__level"],
        flagged["__message"], flagged["__raw"],
    )
    extras = {name: joined[f"__x_{name}"] for name in extra_names}
    return Cleaned(joined["__value"].alias(field_name), issues, extras)


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
