"""Validate a submission frame against a record type, column by column, vectorized.

Input: one Utf8 column per field the submission gives (null where empty). Output: the typed
record frame (every field of the type, derived fields included, in declaration order), the
issues (row = position in the frame) and the mask of rows with at least one error.
Nothing is raised for bad data.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

import polars as pl

from tocta.schema.derive import DERIVATIONS, Derived
from tocta.schema.model import Field, RecordType
from tocta.schema.types import TYPES
from tocta.schema.types.base import ERROR, Cleaned, empty_issues, issues_frame

DEFAULT_SPLIT = r"\s*[;|]\s*"


class ColumnOptions(Protocol):
    """What validation needs to know about how a submission wrote its columns."""

    def column_options(self, field_name: str) -> dict[str, Any]: ...


@dataclass
class NoOptions:
    """Column options when no mapping gives any."""

    options: dict[str, dict[str, Any]] = field(default_factory=dict)

    def column_options(self, field_name: str) -> dict[str, Any]:
        return self.options.get(field_name, {})


@dataclass
class Validated:
    """The outcome of validating a frame."""

    records: pl.DataFrame
    issues: pl.DataFrame
    has_error: pl.Series


def _polars_dtype(f: Field) -> Any:
    dtype = TYPES[f.type].polars_dtype
    return pl.List(dtype) if f.multiple else dtype


def _clean_multiple(raw: pl.Series, f: Field, ctx: ColumnOptions) -> Cleaned:
    """Clean a list field: each distinct raw text is split and cleaned once, then mapped back."""
    split = ctx.column_options(f.name).get("split") or DEFAULT_SPLIT
    distinct = raw.drop_nulls().unique(maintain_order=True)
    exploded = (
        pl.DataFrame({"v": distinct})
        .with_row_index("__d")
        .with_columns(pl.col("v").str.replace_all(split, "\x1f").str.split("\x1f"))
        .explode("v")
        .with_columns(pl.col("v").str.strip_chars())
        .with_columns(pl.when(pl.col("v") == "").then(None).otherwise(pl.col("v")).alias("v"))
    )
    cleaned = TYPES[f.type].clean(exploded["v"], f, ctx)
    owner = exploded["__d"].cast(pl.Int64)
    lists = (
        pl.DataFrame({"__d": owner, "v": cleaned.values})
        .group_by("__d", maintain_order=True)
        .agg(pl.col("v").drop_nulls())
    )
    lists = lists.with_columns(pl.when(pl.col("v").list.len() == 0).then(None)
                               .otherwise(pl.col("v")).alias("v"))
    by_text = pl.DataFrame({"__raw": distinct, "__d": pl.int_range(len(distinct), eager=True,
                                                                  dtype=pl.Int64)})
    by_text = by_text.join(lists, on="__d", how="left")
    rows = pl.DataFrame({"__raw": raw}).with_row_index("__row").join(
        by_text, on="__raw", how="left", maintain_order="left")
    issues = cleaned.issues
    if issues.height:
        # Issues name positions in the exploded distinct values: give them to every row that
        # holds the same raw text.
        issues = issues.with_columns(owner.gather(issues["row"]).alias("__d")).drop("row")
        issues = rows.select(pl.col("__row").cast(pl.Int64).alias("row"), "__d").join(
            issues, on="__d", how="inner").drop("__d").select(cleaned.issues.columns)
    return Cleaned(rows["v"].alias(f.name), issues)


def _missing_required(raw: pl.Series | None, f: Field, height: int) -> pl.DataFrame:
    if raw is None:
        missing = pl.Series([True] * height, dtype=pl.Boolean)
    else:
        missing = raw.is_null() | (raw.str.strip_chars() == "")
    if not missing.any():
        return empty_issues()
    rows = pl.Series(range(height), dtype=pl.Int64).filter(missing)
    n = len(rows)
    return issues_frame(
        rows, f.name, pl.Series(["missing_required"] * n), pl.Series([ERROR] * n),
        pl.Series([f"{f.label} is required"] * n), pl.Series([None] * n, dtype=pl.Utf8),
    )


def validate_frame(
    rt: RecordType, raw: pl.DataFrame, ctx: ColumnOptions | None = None,
    height: int | None = None,
) -> Validated:
    """Clean every input field, compute derived fields, collect issues.

    Args:
        rt: the record type.
        raw: Utf8 columns named after fields of ``rt``; absent fields are treated as empty.
        ctx: per-column options (date formats, list separators) from the mapping.
        height: number of rows (needed when ``raw`` has no columns).
    """
    ctx = ctx or NoOptions()
    height = raw.height if height is None else height
    columns: dict[str, pl.Series] = {}
    extras: dict[str, pl.Series] = {}
    issue_parts: list[pl.DataFrame] = []
    given = [f.name for f in rt.fields if f.is_input and f.name in raw.columns]
    # Blank cells are missing values, however the file wrote them ("", "  "); one pass over
    # all columns lets polars spread the work over the cores.
    raw = raw.select([
        pl.when(pl.col(name).cast(pl.Utf8).str.strip_chars() == "").then(None)
        .otherwise(pl.col(name).cast(pl.Utf8)).alias(name) for name in given])
    for f in rt.fields:
        if not f.is_input:
            continue
        column = raw[f.name] if f.name in raw.columns else None
        if f.required:
            issue_parts.append(_missing_required(column, f, height))
        if column is None or column.null_count() == height:
            columns[f.name] = pl.Series(f.name, [None] * height, dtype=_polars_dtype(f))
            continue
        if f.multiple:
            cleaned = _clean_multiple(column, f, ctx)
        else:
            cleaned = TYPES[f.type].clean(column, f, ctx)
        columns[f.name] = cleaned.values.cast(_polars_dtype(f)).alias(f.name)
        issue_parts.append(cleaned.issues)
        for key, series in cleaned.extras.items():
            extras[f"{f.name}.{key}"] = series
    frame = pl.DataFrame(columns, height=height) if columns else pl.DataFrame(height=height)
    cache: dict[tuple[str, tuple[str, ...]], Derived] = {}
    for f in rt.fields:
        if f.derived is None:
            continue
        name, _, output = f.derived.partition(".")
        cache_key = (name, f.inputs)
        if cache_key not in cache:
            cache[cache_key] = DERIVATIONS[name](frame, extras, f.inputs)
            issue_parts.append(cache[cache_key].issues)
        series = cache[cache_key].columns[output]
        frame = frame.with_columns(series.cast(_polars_dtype(f)).alias(f.name))
    ordered = frame.select([f.name for f in rt.fields if f.name in frame.columns])
    issues = pl.concat([p for p in issue_parts if p.height] or [empty_issues()])
    issues = issues.unique(subset=["row", "field", "code"], keep="first", maintain_order=True)
    error_rows = issues.filter(pl.col("level") == ERROR)["row"].unique()
    has_error = pl.Series(range(height), dtype=pl.Int64).is_in(error_rows.implode())
    return Validated(ordered, issues.sort("row", maintain_order=True), has_error)


def field_key(text: str) -> str:
    """Normalise a column header for matching against field names and labels."""
    return re.sub(r"[^a-z0-9]+", "", text.casefold())
