"""Importing an entity file into the store: one atomic, idempotent run.

FtM JSON lines (``.jsonl``, ``.ftm.json``, ``.ijson``) are read as entities; a CSV needs a
mapping in FollowTheMoney's mapping format (the flat entity CSV tocta and its simulator write
has one bundled). Every line or row gives statements; a row with an error is quarantined whole
with its issues. Counts: rows read = inserted (a row gave at least one new statement) +
already present (every statement was stored before) + quarantined. Statement counts are kept
too. The run, its statements, issues and quarantine are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from tocta.entities.fragments import Fragment, read_jsonl
from tocta.entities.issues import (
    ERROR,
    WARNING,
    EntityIssue,
    issues_frame,
)
from tocta.entities.mapping import (
    FLAT_COLUMNS,
    EntityMapping,
    flat_mapping,
    load_entity_mapping,
    read_mapped_csv,
)
from tocta.entities.statements import (
    StatementLabels,
    statement_row,
    stored_labels,
    timestamp,
)
from tocta.errors import ConfigError
from tocta.ingest.issues import count_by_code
from tocta.schema.types.grade import parse_grade
from tocta.schema.types.tlp import TLP_LEVELS, parse_tlp
from tocta.store import runs as store_runs
from tocta.store.engine import Store
from tocta.store.records import insert_frame
from tocta.store.runs import RunCounts
from tocta.store.sources import Source, get_source
from tocta.store.tables import entity_statements, store_meta

#: the ``record_type`` of entity runs in ``ingest_runs``
RUN_TYPE = "Entity"
JSONL_SUFFIXES = (".jsonl", ".json", ".ijson", ".ftm")
INSERT_BATCH = 20_000


@dataclass(frozen=True)
class ImportOptions:
    """What the command line says about an entity file."""

    source_id: str
    mapping: Path | EntityMapping | None = None
    format: str | None = None
    grade: str | None = None
    tlp: str | None = None
    handling: str | None = None
    owner_agency: str | None = None
    user: str | None = None


@dataclass(frozen=True)
class ImportResult:
    """What an entity run did."""

    run_id: int
    source_id: str
    file: str
    counts: RunCounts
    statements_read: int
    statements_inserted: int
    statements_present: int
    issues: pl.DataFrame
    issues_by_code: dict[str, dict[str, int | str]]

    def as_dict(self) -> dict[str, object]:
        c = self.counts
        return {"run_id": self.run_id, "source_id": self.source_id, "file": self.file,
                "rows_read": c.rows_read, "inserted": c.inserted,
                "already_present": c.already_present, "quarantined": c.quarantined,
                "errors": c.errors, "warnings": c.warnings,
                "statements_read": self.statements_read,
                "statements_inserted": self.statements_inserted,
                "statements_present": self.statements_present,
                "issues_by_code": self.issues_by_code}


def statement_labels(source: Source, options: ImportOptions) -> StatementLabels:
    """Labels of the run: the command line first, else the source's defaults.

    Raises:
        ConfigError: a label is invalid or missing (every problem listed).
    """
    problems: list[str] = []
    grade = source.grade
    if options.grade:
        grade = parse_grade(options.grade)
        if grade is None:
            problems.append(f"--grade {options.grade!r} is not SCHEME:CODE valid in its scheme "
                            "(e.g. admiralty:B2)")
    tlp = source.tlp
    if options.tlp:
        tlp = parse_tlp(options.tlp)
        if tlp is None:
            problems.append(f"--tlp {options.tlp!r} is not one of {', '.join(TLP_LEVELS)}")
    if grade is None and not problems:
        problems.append(f"source {source.source_id} has no default grade and --grade is not given")
    if tlp is None and not problems:
        problems.append(f"source {source.source_id} has no default TLP and --tlp is not given")
    if problems:
        raise ConfigError("cannot label the entity file:", problems)
    assert grade is not None and tlp is not None
    return StatementLabels(
        grade_scheme=grade.scheme, source_reliability=grade.source_reliability,
        info_credibility=grade.info_credibility, reliability_rank=grade.reliability_rank,
        credibility_rank=grade.credibility_rank, tlp=tlp,
        handling=options.handling or source.handling,
        owner_agency=options.owner_agency or source.owner_agency)


def _file_format(path: Path, options: ImportOptions) -> str:
    fmt = (options.format or "").lower()
    if not fmt:
        fmt = "csv" if path.suffix.lower() == ".csv" else (
            "jsonl" if path.suffix.lower() in JSONL_SUFFIXES else "")
    if fmt not in ("csv", "jsonl"):
        raise ConfigError(f"{path.name}: cannot tell the format; give --format jsonl or csv")
    return fmt


def _csv_header(path: Path) -> list[str]:
    with path.open(encoding="utf-8-sig", errors="replace") as handle:
        return [h.strip() for h in handle.readline().rstrip("\r\n").split(",")]


def open_entity_file(path: Path, options: ImportOptions
                     ) -> tuple[list[EntityIssue], Iterator[Fragment]]:
    """File-level issues and fragments of an entity file; mapping problems raise first."""
    if not path.is_file():
        raise ConfigError(f"{path}: no such file")
    if _file_format(path, options) == "jsonl":
        if options.mapping is not None:
            raise ConfigError(f"{path.name}: --mapping is for CSV files; FtM JSON lines "
                              "need none")
        return [], read_jsonl(path, options.source_id)
    mapping = options.mapping
    if isinstance(mapping, Path):
        mapping = load_entity_mapping(mapping)
    if mapping is None:
        if not set(FLAT_COLUMNS) <= set(_csv_header(path)):
            raise ConfigError(
                f"{path.name}: a CSV needs --mapping (FollowTheMoney mapping YAML), unless "
                f"it is tocta's flat entity CSV (columns {', '.join(FLAT_COLUMNS)}, ...)")
        mapping = flat_mapping()
    return read_mapped_csv(path, mapping, options.source_id)


def _check_kind(store: Store, conn: sa.Connection, source: Source) -> str:
    """Synthetic and real data never share a store (DESIGN.md §8)."""
    kind = "synthetic" if source.synthetic else "real"
    current = conn.execute(sa.select(store_meta.c.value).where(
        store_meta.c.key == "data_kind")).scalar_one_or_none()
    if current is not None and current != kind:
        raise ConfigError(f"this store holds {current} data; source {source.source_id} is "
                          f"{kind}. Synthetic and real data never share a store: use another "
                          "--db.")
    if current is None:
        store.set_meta(conn, "data_kind", kind)
    return kind


def _quarantine_frame(fragments: list[Fragment], file: str) -> pl.DataFrame:
    texts = ["; ".join((f"{i.field}: " if i.field else "") + f"{i.message} [{i.code}]"
                       for i in f.issues if i.level == ERROR) for f in fragments]
    return pl.DataFrame({
        "file": [file] * len(fragments), "row": [f.row for f in fragments],
        "data": [json.dumps(f.data, ensure_ascii=False, default=str) for f in fragments],
        "issues": texts,
    }, schema={"file": pl.Utf8, "row": pl.Int64, "data": pl.Utf8, "issues": pl.Utf8})


@dataclass
class _Tally:
    rows: int = 0
    inserted: int = 0
    present: int = 0
    statements: int = 0
    statements_inserted: int = 0
    statements_present: int = 0


def import_entities(store: Store, path: Path, options: ImportOptions, *,
                    fail_after_rows: int | None = None) -> ImportResult:
    """Import one entity file as one atomic, idempotent run.

    Args:
        store: the open store.
        path: an FtM JSON lines file or a CSV (with a mapping).
        options: source, labels, mapping, user.
        fail_after_rows: testing hook — raise after this many rows were written, to prove
            that a failed run leaves the store unchanged.

    Raises:
        ConfigError: the source, labels, format or mapping are wrong (nothing is written).
    """
    path = Path(path)
    with store.engine.connect() as conn:
        source = get_source(conn, options.source_id)
    labels = statement_labels(source, options)
    notes, fragments = open_entity_file(path, options)
    file = path.name
    started = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    first_seen = timestamp(started)
    tally = _Tally()
    issues: list[EntityIssue] = list(notes)
    quarantined: list[Fragment] = []
    with store.begin() as conn:
        _check_kind(store, conn, source)
        run_id = store_runs.start_run(
            conn, source.source_id, RUN_TYPE, [file],
            {"mapping": getattr(options.mapping, "path", None) or (
                str(options.mapping) if options.mapping else None),
             "grade": options.grade, "tlp": options.tlp}, options.user)
        stored = stored_labels(conn, source.source_id)
        label_key = labels.key()
        batch: list[dict[str, Any]] = []
        for fragment in fragments:
            tally.rows += 1
            issues += fragment.issues
            if not fragment.has_error:
                conflicts = [s for s in fragment.statements
                             if s.id in stored and stored[s.id] != label_key]
                for s in conflicts[:1]:
                    fragment.issues.append(EntityIssue(
                        file, fragment.row, s.prop, "label_conflict", ERROR,
                        f"{len(conflicts)} statement(s) of entity {s.entity_id} are stored "
                        f"with other labels ({_labels_text(stored[str(s.id)])}); labels are "
                        "never overwritten", s.value))
                    issues.append(fragment.issues[-1])
            if fragment.has_error:
                quarantined.append(fragment)
                continue
            new = [s for s in fragment.statements if s.id not in stored]
            tally.statements += len(fragment.statements)
            tally.statements_present += len(fragment.statements) - len(new)
            if not new:
                tally.present += 1
                continue
            tally.inserted += 1
            for s in new:
                stored[str(s.id)] = label_key
                batch.append(statement_row(s, run_id, file, fragment.row, labels, first_seen))
            tally.statements_inserted += len(new)
            if len(batch) >= INSERT_BATCH:
                _insert(conn, batch)
                batch = []
            if fail_after_rows is not None and tally.rows >= fail_after_rows:
                _insert(conn, batch)
                raise RuntimeError(f"forced failure after {tally.rows} rows (test hook)")
        _insert(conn, batch)
        frame = issues_frame(issues)
        store_runs.write_issues(conn, run_id, frame)
        store_runs.write_quarantine(conn, run_id, _quarantine_frame(quarantined, file))
        by_code = count_by_code(frame)
        counts = RunCounts(
            rows_read=tally.rows, inserted=tally.inserted, already_present=tally.present,
            quarantined=len(quarantined), superseded=0,
            errors=sum(i.level == ERROR for i in issues),
            warnings=sum(i.level == WARNING for i in issues))
        if not counts.balanced():
            raise AssertionError(f"counts do not balance: {counts}")
        store_runs.finish_run(conn, run_id, counts, by_code)
    return ImportResult(run_id, source.source_id, file, counts, tally.statements,
                        tally.statements_inserted, tally.statements_present, frame, by_code)


def _labels_text(labels: tuple[str | None, ...]) -> str:
    scheme, rel, cred, tlp, handling, owner = labels
    parts = [f"{scheme}:{rel}{cred}", f"TLP:{tlp}"]
    if handling:
        parts.append(f"handling {handling}")
    if owner:
        parts.append(f"owner {owner}")
    return ", ".join(parts)


def _insert(conn: sa.Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        frame = pl.DataFrame(rows, schema={c.name: _POLARS.get(c.name, pl.Utf8)
                                           for c in entity_statements.c if c.name != "id"})
        insert_frame(conn, entity_statements, frame)


_POLARS = {"ingest_run": pl.Int64, "source_row": pl.Int64, "reliability_rank": pl.Int64,
           "credibility_rank": pl.Int64}
