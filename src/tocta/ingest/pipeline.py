"""Preparing a submission: read, map, label, validate, identify — without touching the store.

``prepare_file`` turns one file into accepted rows (typed, labelled, keyed), quarantined rows
(the original row with its issues) and issues named ``file:row: field``. The services layer
compares accepted rows with the store (``identity.classify``) and writes everything in one
transaction.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tocta.errors import ConfigError
from tocta.ingest.identity import OccurrenceCounter, content_hashes, record_keys
from tocta.ingest.mapping import Mapping, apply_mapping, check_mapping, match_columns
from tocta.ingest.readers import RawTable, read_file
from tocta.schema.model import LABEL_FIELDS, RecordType
from tocta.schema.types.base import ERROR, WARNING, issues_frame
from tocta.schema.validate import validate_frame


@dataclass(frozen=True)
class RunLabels:
    """Labels for rows whose file gives none: from the command line, else the source."""

    grade_scheme: str | None = None
    source_reliability: str | None = None
    info_credibility: str | None = None
    tlp: str | None = None
    handling: str | None = None
    owner_agency: str | None = None
    recorded_at: str | None = None

    def given(self) -> set[str]:
        return {name for name in LABEL_FIELDS if getattr(self, name) is not None}


@dataclass
class PreparedFile:
    """One file, prepared."""

    file: str
    rows_read: int
    records: pl.DataFrame      # accepted rows, store-ready
    quarantine: pl.DataFrame   # file, row, data (JSON), issues (text)
    issues: pl.DataFrame       # file, row, field, code, level, message, value
    unmapped: list[str] = field(default_factory=list)


def _read(path: Path, mapping: Mapping | None) -> RawTable:
    from tocta.ingest.adapters import READERS, TRANSFORMS

    fmt = mapping.format if mapping else None
    options = mapping.read if mapping else {}
    if mapping and mapping.reader:
        if mapping.reader not in READERS:
            raise ConfigError(f"{mapping.path}: unknown reader {mapping.reader!r}; "
                              f"known: {', '.join(READERS)}")
        raw = READERS[mapping.reader](path, options)
    else:
        raw = read_file(path, fmt, options)
    if mapping and mapping.transform:
        if mapping.transform not in TRANSFORMS:
            raise ConfigError(f"{mapping.path}: unknown transform {mapping.transform!r}; "
                              f"known: {', '.join(TRANSFORMS)}")
        raw = TRANSFORMS[mapping.transform](raw)
    return raw


def resolve_mapping(rt: RecordType, raw: RawTable, mapping: Mapping | None,
                    labels: RunLabels) -> Mapping:
    """The mapping to use for ``raw``, checked; all problems raised together."""
    used = mapping if mapping and mapping.fields else match_columns(rt, raw.columns)
    if mapping and not mapping.fields:
        used = Mapping(fields=used.fields, record_type=mapping.record_type, format=mapping.format,
                       read=mapping.read, ignore=mapping.ignore, reader=mapping.reader,
                       transform=mapping.transform, path=mapping.path)
    problems = check_mapping(used, rt, raw.columns, raw.name, labels.given())
    if problems:
        hint = ("" if used.is_explicit else
                " (no mapping was given: columns are matched by field name or label; "
                "see `tocta schema " + rt.name + "` or give --mapping)")
        raise ConfigError(f"{raw.name}: cannot ingest as {rt.name}{hint}:", problems)
    return used


def _extra_json(frame: pl.DataFrame, columns: list[str]) -> pl.Series:
    if not columns:
        return pl.Series("extra", [None] * frame.height, dtype=pl.Utf8)
    return pl.Series(
        "extra",
        [json.dumps({k: v for k, v in row.items() if v is not None}, ensure_ascii=False) or None
         for row in frame.select(columns).iter_rows(named=True)],
        dtype=pl.Utf8,
    )


def prepare_file(
    path: Path, rt: RecordType, mapping: Mapping | None, labels: RunLabels, source_id: str,
    counter: OccurrenceCounter,
) -> PreparedFile:
    """Read and validate one file of a submission.

    Raises:
        ConfigError: the mapping does not fit the file (before any row is validated).
    """
    raw = _read(path, mapping)
    used = resolve_mapping(rt, raw, mapping, labels)
    height = raw.frame.height
    fields, unmapped = apply_mapping(used, raw.frame)
    for name in LABEL_FIELDS:
        value = getattr(labels, name)
        if value is not None and name not in fields.columns:
            fields = fields.with_columns(pl.lit(value, dtype=pl.Utf8).alias(name))
        elif value is not None:
            fields = fields.with_columns(pl.col(name).fill_null(value))
    validated = validate_frame(rt, fields, used, height=height)
    issue_parts = [raw.issues, validated.issues]
    for column in unmapped:
        issue_parts.append(issues_frame(
            pl.Series([None], dtype=pl.Int64), column, pl.Series(["unmapped_column"]),
            pl.Series([WARNING]),
            pl.Series([f"column {column!r} is not mapped to a field; its values are kept "
                       "with each record (extra)"]),
            pl.Series([None], dtype=pl.Utf8),
        ))
    issues = pl.concat([p for p in issue_parts if p.height]) if any(
        p.height for p in issue_parts) else validated.issues
    error_positions = issues.filter(
        (pl.col("level") == ERROR) & pl.col("row").is_not_null())["row"].unique()
    has_error = pl.Series(range(height), dtype=pl.Int64).is_in(error_positions.implode())

    records = validated.records
    hashes = content_hashes(rt, records)
    records = records.with_columns(
        hashes,
        pl.lit(source_id).alias("source_id"),
        pl.lit(path.name).alias("source_file"),
        raw.rows.alias("source_row"),
        _extra_json(raw.frame, unmapped),
        _raw_json(issues, fields, height),
    )
    has_error, dup_issues = _duplicate_ids(rt, records, has_error, counter, raw.name)
    if dup_issues.height:
        issues = pl.concat([issues, dup_issues])
    accepted = records.filter(~has_error)
    occurrences = counter.number(accepted["content_hash"])
    ids = accepted[rt.identity] if rt.identity else None
    accepted = accepted.with_columns(
        record_keys(source_id, ids, accepted["content_hash"], occurrences))
    quarantine = _quarantine(raw, has_error, issues)
    issues = _locate(issues, raw)
    return PreparedFile(raw.name, height, accepted, quarantine, issues, unmapped)


def _raw_json(issues: pl.DataFrame, fields: pl.DataFrame, height: int) -> pl.Series:
    """For rows with issues, the raw values of the fields concerned (originals are kept)."""
    out: list[str | None] = [None] * height
    located = issues.filter(pl.col("row").is_not_null() & pl.col("field").is_not_null())
    grouped: dict[int, dict[str, str | None]] = {}
    for row, field_name in located.select("row", "field").iter_rows():
        if field_name in fields.columns:
            grouped.setdefault(row, {})[field_name] = fields[field_name][row]
    for row, values in grouped.items():
        out[row] = json.dumps(values, ensure_ascii=False)
    return pl.Series("raw", out, dtype=pl.Utf8)


def _duplicate_ids(rt: RecordType, records: pl.DataFrame, has_error: pl.Series,
                   counter: OccurrenceCounter, file: str) -> tuple[pl.Series, pl.DataFrame]:
    """An agency record id used twice in one submission: the later rows are errors."""
    empty = issues_frame(pl.Series([], dtype=pl.Int64), "", pl.Series([], dtype=pl.Utf8),
                         pl.Series([], dtype=pl.Utf8), pl.Series([], dtype=pl.Utf8),
                         pl.Series([], dtype=pl.Utf8))
    if not rt.identity or records[rt.identity].null_count() == records.height:
        return has_error, empty
    rows: list[int] = []
    messages: list[str] = []
    values: list[str] = []
    candidates = records.select(pl.col(rt.identity), "source_row").with_row_index("pos").filter(
        pl.col(rt.identity).is_not_null() & ~has_error)
    for pos, rid, source_row in candidates.iter_rows():
        first = counter.ids.get(rid)
        if first is None:
            counter.ids[rid] = (file, source_row)
            continue
        rows.append(pos)
        values.append(rid)
        messages.append(f"record id {rid!r} is already used in {first[0]}:{first[1]} of this "
                        "submission")
    if not rows:
        return has_error, empty
    n = len(rows)
    issues = issues_frame(pl.Series(rows, dtype=pl.Int64), rt.identity,
                          pl.Series(["duplicate_record_id"] * n), pl.Series([ERROR] * n),
                          pl.Series(messages, dtype=pl.Utf8), pl.Series(values, dtype=pl.Utf8))
    mask = has_error | pl.Series(range(records.height), dtype=pl.Int64).is_in(
        pl.Series(rows, dtype=pl.Int64).implode())
    return mask, issues


def _quarantine(raw: RawTable, has_error: pl.Series, issues: pl.DataFrame) -> pl.DataFrame:
    positions = pl.Series(range(raw.frame.height), dtype=pl.Int64).filter(has_error)
    errors = issues.filter(pl.col("level") == ERROR)
    by_row: dict[int, list[str]] = {}
    for row, field_name, message, code in errors.select(
            "row", "field", "message", "code").iter_rows():
        if row is not None:
            by_row.setdefault(row, []).append(
                f"{field_name}: {message} [{code}]" if field_name else f"{message} [{code}]")
    bad = raw.frame.filter(has_error)
    data = [json.dumps(r, ensure_ascii=False) for r in bad.iter_rows(named=True)]
    return pl.DataFrame({
        "file": [raw.name] * len(positions),
        "row": raw.rows.filter(has_error),
        "data": data,
        "issues": ["; ".join(by_row.get(p, [])) for p in positions.to_list()],
    }, schema={"file": pl.Utf8, "row": pl.Int64, "data": pl.Utf8, "issues": pl.Utf8})


def _locate(issues: pl.DataFrame, raw: RawTable) -> pl.DataFrame:
    """Replace row positions by spreadsheet row numbers and add the file name."""
    rows = raw.rows
    spreadsheet = [None if r is None else rows[r] for r in issues["row"].to_list()]
    return issues.with_columns(
        pl.Series("row", spreadsheet, dtype=pl.Int64),
        pl.lit(raw.name).alias("file"),
    ).select("file", "row", "field", "code", "level", "message", "value")
