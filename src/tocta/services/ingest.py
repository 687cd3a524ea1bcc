"""Ingest a submission into the store: the one place that joins ingest and store.

A run is atomic: its accepted rows, the run record, its issues and its quarantined rows are
written in one transaction, so an exception or Ctrl-C at any point leaves the store as it was.
Counts always balance: rows read = inserted + already present + quarantined.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from tocta.errors import ConfigError
from tocta.ingest.identity import (
    CONFLICT_LABELS,
    Classified,
    OccurrenceCounter,
    classify,
    records_gone,
)
from tocta.ingest.issues import count_by_code
from tocta.ingest.mapping import Mapping, load_mapping
from tocta.ingest.pipeline import (
    PreparedFile,
    RunLabels,
    empty_run_issues,
    open_file,
    prepare_chunk,
)
from tocta.schema.model import get_type
from tocta.schema.types.base import ERROR, WARNING
from tocta.schema.types.grade import parse_grade
from tocta.schema.types.tlp import TLP_LEVELS, parse_tlp
from tocta.store.engine import Store
from tocta.store.runs import RunCounts
from tocta.store.sources import Source, get_source
from tocta.store.writer import run_transaction

#: called as progress(step, done, total) — step names: "read", "write"
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class IngestOptions:
    """What the command line says about a submission."""

    record_type: str
    source_id: str
    mapping: Path | Mapping | None = None
    grade: str | None = None
    tlp: str | None = None
    handling: str | None = None
    owner_agency: str | None = None
    replace: bool = False
    user: str | None = None


@dataclass(frozen=True)
class IngestResult:
    """What a run did."""

    run_id: int
    record_type: str
    source_id: str
    counts: RunCounts
    issues: pl.DataFrame
    issues_by_code: dict[str, dict[str, int | str]]
    files: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        c = self.counts
        return {
            "run_id": self.run_id, "record_type": self.record_type, "source_id": self.source_id,
            "files": list(self.files), "rows_read": c.rows_read, "inserted": c.inserted,
            "already_present": c.already_present, "quarantined": c.quarantined,
            "superseded": c.superseded, "errors": c.errors, "warnings": c.warnings,
            "issues_by_code": self.issues_by_code,
        }


def run_labels(source: Source, options: IngestOptions) -> RunLabels:
    """Labels for rows that carry none: the command line first, else the source's defaults."""
    problems: list[str] = []
    grade = source.grade
    if options.grade:
        grade = parse_grade(options.grade)
        if grade is None:
            problems.append(f"--grade {options.grade!r} is not SCHEME:CODE valid in its scheme "
                            "(e.g. admiralty:B2, 3x5x2:1B)")
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
        raise ConfigError("cannot label the submission:", problems)
    assert grade is not None
    return RunLabels(
        grade_scheme=grade.scheme, source_reliability=grade.source_reliability,
        info_credibility=grade.info_credibility, tlp=tlp,
        handling=options.handling or source.handling,
        owner_agency=options.owner_agency or source.owner_agency,
        recorded_at=dt.date.today().isoformat(),
    )


def _check_kind(store: Store, source: Source) -> str:
    """Synthetic and real data never share a store (DESIGN.md §8)."""
    kind = "synthetic" if source.synthetic else "real"
    current = store.get_meta("data_kind")
    if current is not None and current != kind:
        raise ConfigError(
            f"this store holds {current} data; source {source.source_id} is {kind}. "
            "Synthetic and real data never share a store: use another --db."
        )
    return kind


def _with_conflicts(p: PreparedFile, conflicts: pl.DataFrame
                    ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add rows that conflict with the store to the file's issues and quarantine."""
    if conflicts.height == 0:
        return p.issues, p.quarantine
    conflicted = p.records.with_row_index("pos").join(conflicts, on="pos", how="inner")
    n = conflicted.height
    issues = pl.concat([p.issues, pl.DataFrame({
        "file": [p.file] * n, "row": conflicted["source_row"], "field": [None] * n,
        "code": conflicted["code"], "level": [ERROR] * n, "message": conflicted["message"],
        "value": conflicted["record_key"],
    }, schema=p.issues.schema)])
    data = conflicted.drop("pos", "code", "message").select(
        pl.struct(pl.all()).struct.json_encode()).to_series()
    quarantine = pl.concat([p.quarantine, pl.DataFrame({
        "file": [p.file] * n, "row": conflicted["source_row"], "data": data,
        "issues": conflicted["message"] + " [" + conflicted["code"] + "]",
    }, schema=p.quarantine.schema)])
    return issues, quarantine


#: rows prepared and written at a time; writing one chunk overlaps preparing the next
CHUNK_ROWS = 200_000


def ingest_files(
    store: Store, files: Sequence[Path], options: IngestOptions,
    progress: Progress | None = None,
    fail_after_batches: int | None = None,
) -> IngestResult:
    """Validate ``files`` and store them as one atomic, idempotent run.

    Files are read and their mappings checked first (nothing is written when a mapping does
    not fit). Rows are then prepared in chunks; while one chunk is written (SQLite and
    PostgreSQL release Python's lock while they work), the next is validated.

    Args:
        store: the open store.
        files: the submission (one or more files of the same type and source).
        options: type, source, labels, mapping, replace.
        progress: optional callback for progress bars.
        fail_after_batches: testing hook — raise after this many write batches, to prove that
            an interrupted run leaves the store unchanged.

    Raises:
        ConfigError: the source, labels or mapping are wrong (nothing is written).
    """
    rt = get_type(options.record_type)
    with store.engine.connect() as conn:
        source = get_source(conn, options.source_id)
    kind = _check_kind(store, source)
    labels = run_labels(source, options)
    mapping = options.mapping
    if isinstance(mapping, Path):
        mapping = load_mapping(mapping)
    opened = []
    for i, path in enumerate(files):
        if progress:
            progress("read", i, len(files))
        opened.append(open_file(Path(path), rt, mapping, labels))
    if progress:
        progress("read", len(files), len(files))
    total_rows = sum(o.height for o in opened)
    counter = OccurrenceCounter.new()
    written = batches = 0

    def tick(n: int) -> None:
        nonlocal written, batches
        written += n
        batches += 1
        if progress:
            progress("write", written, total_rows)
        if fail_after_batches is not None and batches >= fail_after_batches:
            raise RuntimeError(f"forced failure after {batches} write batches (test hook)")

    with run_transaction(store) as writer:
        if writer.get_meta("data_kind") is None:
            writer.set_meta("data_kind", kind)
        run_id = writer.start_run(
            source.source_id, rt.name, [o.raw.name for o in opened],
            {"replace": options.replace, "mapping": getattr(mapping, "path", None),
             "grade": options.grade, "tlp": options.tlp}, options.user)
        existing = writer.current_records(rt.name, source.source_id, CONFLICT_LABELS)
        tally = _Tally()

        def write(p: PreparedFile, verdict: Classified) -> None:
            # Supersede first: a corrected record takes the key of the one it replaces.
            tally.superseded += writer.supersede(rt.name, verdict.supersede_ids, run_id)
            issues, quarantine = _with_conflicts(p, verdict.conflicts)
            to_insert = p.records.filter(verdict.insert).with_columns(
                pl.lit(run_id).alias("ingest_run"))
            tally.inserted += writer.insert_records(rt.name, to_insert, tick)
            tally.already += int(verdict.already_present.sum())
            tally.quarantined += quarantine.height
            writer.write_issues(run_id, issues)
            writer.write_quarantine(run_id, quarantine)
            tally.issues.append(issues)

        keys: list[pl.Series] = []
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="tocta-write") as pool:
            pending: Future[None] | None = None
            for o in opened:
                for start in range(0, max(o.height, 1), CHUNK_ROWS):
                    p = prepare_chunk(o, start, CHUNK_ROWS, rt, labels, source.source_id,
                                      counter)
                    tally.rows_read += p.rows_read
                    keys.append(p.records["record_key"])
                    verdict = classify(p.records, existing, options.replace)
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(write, p, verdict)
            if pending is not None:
                pending.result()
        if options.replace:
            tally.superseded += writer.supersede(
                rt.name, records_gone(existing, keys), run_id)
        issues_all = pl.concat(tally.issues) if tally.issues else empty_run_issues()
        by_code = count_by_code(issues_all)
        counts = RunCounts(
            rows_read=tally.rows_read, inserted=tally.inserted,
            already_present=tally.already, quarantined=tally.quarantined,
            superseded=tally.superseded,
            errors=int((issues_all["level"] == ERROR).sum()),
            warnings=int((issues_all["level"] == WARNING).sum()),
        )
        if not counts.balanced():
            raise AssertionError(f"counts do not balance: {counts}")
        writer.finish_run(run_id, counts, by_code)
    return IngestResult(run_id, rt.name, source.source_id, counts, issues_all, by_code,
                        tuple(o.raw.name for o in opened))


@dataclass
class _Tally:
    rows_read: int = 0
    inserted: int = 0
    already: int = 0
    quarantined: int = 0
    superseded: int = 0
    issues: list[pl.DataFrame] = field(default_factory=list)
