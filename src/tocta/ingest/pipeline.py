"""Preparing a submission: read, map, label, validate, identify — without touching the store.

``prepare_file`` turns one file into accepted rows (typed, labelled, keyed), quarantined rows
(the original row with its issues) and issues named ``file:row: field``. The services layer
compares accepted rows with the store (``identity.classify``) and writes everything in one
transaction.
"""

from __future__ import annotations

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


def empty_run_issues() -> pl.DataFrame:
    """An issues frame with no rows, in the located shape (file, row, field, ...)."""
    return pl.DataFrame(schema={"file": pl.Utf8, "row": pl.Int64, "field": pl.Utf8,
                                "code": pl.Utf8, "level": pl.Utf8, "message": pl.Utf8,
                                "value": pl.Utf8})


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
    """Values of unmapped columns, as a JSON object per row (null when all are empty)."""
    if not columns:
        return pl.Series("extra", [None] * frame.height, dtype=pl.Utf8)
    empty = frame.select(pl.all_horizontal(pl.col(columns).is_null())).to_series()
    encoded = frame.select(pl.struct(columns).struct.json_encode()).to_series()
    return pl.select(pl.when(empty).then(None).otherwise(encoded)).to_series().alias("extra")


@dataclass
class OpenFile:
    """A file read and matched to its mapping, ready to be prepared in chunks."""

    raw: RawTable
    mapping: Mapping
    unmapped: list[str]

    @property
    def height(self) -> int:
        return self.raw.frame.height


def open_file(path: Path, rt: RecordType, mapping: Mapping | None,
              labels: RunLabels) -> OpenFile:
    """Read a file and check its mapping.

    Raises:
        ConfigError: the mapping does not fit the file (before any row is validated).
    """
    raw = _read(path, mapping)
    used = resolve_mapping(rt, raw, mapping, labels)
    _, unmapped = apply_mapping(used, raw.frame.head(0))
    return OpenFile(raw, used, unmapped)


def _slice(raw: RawTable, start: int, length: int) -> RawTable:
    issues = raw.issues
    if issues.height:
        inside = issues["row"].is_null() if start == 0 else pl.Series(
            [False] * issues.height, dtype=pl.Boolean)
        inside = inside | ((issues["row"] >= start) & (issues["row"] < start + length)
                           ).fill_null(False)
        issues = issues.filter(inside).with_columns(pl.col("row") - start)
    return RawTable(raw.path, raw.frame.slice(start, length), raw.rows.slice(start, length),
                    issues, raw.columns)


def prepare_chunk(
    opened: OpenFile, start: int, length: int, rt: RecordType, labels: RunLabels,
    source_id: str, counter: OccurrenceCounter,
) -> PreparedFile:
    """Validate, label and identify rows ``start .. start + length`` of an opened file."""
    raw = _slice(opened.raw, start, length)
    height = raw.frame.height
    fields, _ = apply_mapping(opened.mapping, raw.frame)
    for name in LABEL_FIELDS:
        value = getattr(labels, name)
        if value is not None and name not in fields.columns:
            fields = fields.with_columns(pl.lit(value, dtype=pl.Utf8).alias(name))
        elif value is not None:
            fields = fields.with_columns(pl.col(name).fill_null(value))
    validated = validate_frame(rt, fields, opened.mapping, height=height)
    issue_parts = [raw.issues, validated.issues]
    for column in opened.unmapped if start == 0 else []:
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
    has_error = pl.int_range(height, eager=True, dtype=pl.Int64).is_in(
        error_positions.implode())

    records = validated.records
    records = records.with_columns(
        content_hashes(rt, records),
        pl.lit(source_id).alias("source_id"),
        pl.lit(raw.name).alias("source_file"),
        raw.rows.alias("source_row"),
        _extra_json(raw.frame, opened.unmapped),
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
    return PreparedFile(raw.name, height, accepted, quarantine, issues, opened.unmapped)


def prepare_file(
    path: Path, rt: RecordType, mapping: Mapping | None, labels: RunLabels, source_id: str,
    counter: OccurrenceCounter,
) -> PreparedFile:
    """Read and prepare a whole file at once (see ``open_file`` and ``prepare_chunk``)."""
    opened = open_file(path, rt, mapping, labels)
    return prepare_chunk(opened, 0, opened.height, rt, labels, source_id, counter)


def _raw_json(issues: pl.DataFrame, fields: pl.DataFrame, height: int) -> pl.Series:
    """For rows with issues, the raw values of the fields concerned (originals are kept)."""
    located = issues.filter(pl.col("row").is_not_null() & pl.col("field").is_in(fields.columns))
    located = located.select("row", "field").unique()
    if located.height == 0:
        return pl.Series("raw", [None] * height, dtype=pl.Utf8)
    parts = []
    for name in located["field"].unique().to_list():
        rows = located.filter(pl.col("field") == name)["row"]
        parts.append(pl.DataFrame({"row": rows, "field": [name] * len(rows),
                                   "value": fields[name].gather(rows)}))
    pairs = pl.concat(parts).with_columns(
        # '"field": <JSON-escaped value>' — polars' JSON encoder does the escaping.
        (pl.lit('"') + pl.col("field") + pl.lit('":')
         + pl.struct(pl.col("value").alias("v")).struct.json_encode().str.slice(5)
         .str.strip_suffix("}")).alias("pair"))
    grouped = pairs.group_by("row").agg(pl.col("pair").str.join(","))
    joined = pl.DataFrame({"row": pl.int_range(height, eager=True, dtype=pl.Int64)}).join(
        grouped.with_columns(pl.col("row").cast(pl.Int64)), on="row", how="left",
        maintain_order="left")
    return pl.select(pl.when(joined["pair"].is_null()).then(None)
                     .otherwise("{" + joined["pair"] + "}")).to_series().alias("raw")


def _duplicate_ids(rt: RecordType, records: pl.DataFrame, has_error: pl.Series,
                   counter: OccurrenceCounter, file: str) -> tuple[pl.Series, pl.DataFrame]:
    """An agency record id used twice in one submission: the later rows are errors."""
    empty = issues_frame(pl.Series([], dtype=pl.Int64), "", pl.Series([], dtype=pl.Utf8),
                         pl.Series([], dtype=pl.Utf8), pl.Series([], dtype=pl.Utf8),
                         pl.Series([], dtype=pl.Utf8))
    if not rt.identity or records[rt.identity].null_count() == records.height:
        return has_error, empty
    ids = records.select(pl.col(rt.identity).alias("rid"), pl.col("source_row").alias("row")
                         ).with_row_index("pos").filter(
        pl.col("rid").is_not_null() & ~has_error)
    ids = ids.with_columns(pl.col("pos").first().over("rid").alias("first_pos"),
                           pl.col("row").first().over("rid").alias("first_row"))
    earlier = ids.join(counter.ids, on="rid", how="inner")
    within = ids.filter(pl.col("pos") != pl.col("first_pos")).join(
        counter.ids, on="rid", how="anti")
    firsts = ids.filter(pl.col("pos") == pl.col("first_pos")).join(
        counter.ids, on="rid", how="anti")
    counter.ids = pl.concat([counter.ids, firsts.select(
        "rid", pl.lit(file).alias("file"), pl.col("row").cast(pl.Int64))])
    dups = pl.concat([
        earlier.select("pos", "rid", (pl.col("file") + ":" + pl.col("row_right").cast(pl.Utf8))
                       .alias("where")),
        within.select("pos", "rid", (pl.lit(file) + ":" + pl.col("first_row").cast(pl.Utf8))
                      .alias("where")),
    ])
    if dups.height == 0:
        return has_error, empty
    n = dups.height
    messages = ("record id '" + dups["rid"] + "' is already used in " + dups["where"]
                + " of this submission")
    rows = dups["pos"].cast(pl.Int64)
    issues = issues_frame(rows, rt.identity, pl.Series(["duplicate_record_id"] * n),
                          pl.Series([ERROR] * n), messages, dups["rid"])
    mask = has_error | pl.int_range(records.height, eager=True, dtype=pl.Int64).is_in(
        rows.implode())
    return mask, issues


def _quarantine(raw: RawTable, has_error: pl.Series, issues: pl.DataFrame) -> pl.DataFrame:
    """The original rows with errors, as JSON, with their issues as text."""
    positions = pl.int_range(raw.frame.height, eager=True, dtype=pl.Int64).filter(has_error)
    errors = issues.filter((pl.col("level") == ERROR) & pl.col("row").is_not_null())
    text = errors.select(
        pl.col("row").cast(pl.Int64),
        (pl.when(pl.col("field").is_not_null()).then(pl.col("field") + ": ")
         .otherwise(pl.lit("")) + pl.col("message") + " [" + pl.col("code") + "]")
        .alias("text"),
    ).group_by("row", maintain_order=True).agg(pl.col("text").str.join("; "))
    bad = raw.frame.filter(has_error)
    data = (bad.select(pl.struct(pl.all()).struct.json_encode()).to_series()
            if bad.width else pl.Series([], dtype=pl.Utf8))
    texts = pl.DataFrame({"row": positions}).join(
        text, on="row", how="left", maintain_order="left")["text"].fill_null("")
    return pl.DataFrame({
        "file": [raw.name] * len(positions),
        "row": raw.rows.filter(has_error),
        "data": data,
        "issues": texts,
    }, schema={"file": pl.Utf8, "row": pl.Int64, "data": pl.Utf8, "issues": pl.Utf8})


def _locate(issues: pl.DataFrame, raw: RawTable) -> pl.DataFrame:
    """Replace row positions by spreadsheet row numbers and add the file name."""
    positions = issues["row"]
    if len(raw.rows) and positions.len():
        spreadsheet = raw.rows.gather(positions.fill_null(0))
        located = pl.select(pl.when(positions.is_null()).then(None).otherwise(spreadsheet)
                            ).to_series()
    else:
        located = positions
    return issues.with_columns(
        located.cast(pl.Int64).alias("row"),
        pl.lit(raw.name).alias("file"),
    ).select("file", "row", "field", "code", "level", "message", "value")
