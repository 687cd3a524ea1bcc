"""Statements in the store: FollowTheMoney statements with tocta provenance.

A stored statement is FtM's (entity id, schema, property, value, dataset = tocta source id,
first seen) plus the labels every tocta record carries: ingest run, file and row, grade,
TLP, handling and owner agency. ``StoredStatement`` keeps the two together; its ``statement``
is a plain ``followthemoney.statement.Statement``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from followthemoney.statement import Statement

from tocta.access.clearance import Labels
from tocta.store.tables import entity_statements

#: the labels a statement keeps; a re-submission with other labels is a conflict
LABEL_COLUMNS = ("grade_scheme", "source_reliability", "info_credibility", "tlp", "handling",
                 "owner_agency")
_TS = "%Y-%m-%d %H:%M:%S.%f"


@dataclass(frozen=True)
class StatementLabels:
    """Grade, TLP, handling and owner agency of the statements of a run."""

    grade_scheme: str
    source_reliability: str
    info_credibility: str
    reliability_rank: int
    credibility_rank: int
    tlp: str
    handling: str | None
    owner_agency: str | None

    def key(self) -> tuple[str | None, ...]:
        return tuple(getattr(self, c) for c in LABEL_COLUMNS)


@dataclass(frozen=True)
class StoredStatement:
    """A statement with its provenance, as stored."""

    statement: Statement
    source_id: str
    ingest_run: int
    source_file: str | None
    source_row: int | None
    grade: str | None
    tlp: str
    handling: str | None
    owner_agency: str | None

    @property
    def labels(self) -> Labels:
        return Labels(tlp=self.tlp, owner_agency=self.owner_agency, handling=self.handling,
                      source_id=self.source_id)

    def as_dict(self) -> dict[str, Any]:
        """Stable keys for JSON output."""
        s = self.statement
        return {"statement_id": s.id, "entity_id": s.entity_id, "schema": s.schema,
                "prop": s.prop, "value": s.value, "original_value": s.original_value,
                "source_id": self.source_id, "ingest_run": self.ingest_run,
                "source_file": self.source_file, "source_row": self.source_row,
                "grade": self.grade, "tlp": self.tlp, "handling": self.handling,
                "owner_agency": self.owner_agency, "first_seen": s.first_seen}


def timestamp(moment: dt.datetime) -> str:
    """A naive-UTC timestamp as text both backends read into a DateTime column."""
    return moment.strftime(_TS)


def iso(moment: dt.datetime | str | None) -> str | None:
    """FtM's ``first_seen`` form: ISO 8601 to the second."""
    if moment is None:
        return None
    if isinstance(moment, str):
        moment = dt.datetime.fromisoformat(moment)
    return moment.replace(microsecond=0).isoformat()


def statement_row(stmt: Statement, run_id: int, file: str, row: int,
                  labels: StatementLabels, first_seen: str) -> dict[str, Any]:
    """The table row of one statement."""
    return {
        "statement_id": stmt.id, "entity_id": stmt.entity_id, "schema": stmt.schema,
        "prop": stmt.prop, "prop_type": stmt.prop_type, "value": stmt.value,
        "lang": stmt.lang, "original_value": stmt.original_value, "source_id": stmt.dataset,
        "ingest_run": run_id, "source_file": file, "source_row": row,
        "grade_scheme": labels.grade_scheme, "source_reliability": labels.source_reliability,
        "info_credibility": labels.info_credibility,
        "reliability_rank": labels.reliability_rank,
        "credibility_rank": labels.credibility_rank, "tlp": labels.tlp,
        "handling": labels.handling, "owner_agency": labels.owner_agency,
        "first_seen": first_seen,
    }


def stored_labels(conn: sa.Connection, source_id: str) -> dict[str, tuple[str | None, ...]]:
    """Statement id → labels, of every statement of a source (FtM ids hash the source in,
    so a statement can only be already present within its own source)."""
    t = entity_statements
    query = sa.select(t.c.statement_id, *[t.c[c] for c in LABEL_COLUMNS]).where(
        t.c.source_id == source_id)
    return {r[0]: tuple(r[1:]) for r in conn.execute(query)}


def from_row(m: Any) -> StoredStatement:
    """A ``StoredStatement`` from a row mapping of the statements table."""
    stmt = Statement(
        entity_id=m["entity_id"], prop=m["prop"], schema=m["schema"], value=m["value"],
        dataset=m["source_id"], lang=m["lang"], original_value=m["original_value"],
        first_seen=iso(m["first_seen"]), id=m["statement_id"])
    grade = (f"{m['grade_scheme']}:{m['source_reliability']}{m['info_credibility']}"
             if m["grade_scheme"] else None)
    return StoredStatement(stmt, m["source_id"], m["ingest_run"], m["source_file"],
                           m["source_row"], grade, m["tlp"], m["handling"], m["owner_agency"])


def select_statements(conn: sa.Connection, where: Iterable[sa.ColumnElement[bool]],
                      batch: int = 10_000) -> Iterator[StoredStatement]:
    """Stored statements matching ``where``, ordered by entity id then row id."""
    t = entity_statements
    query = sa.select(t).where(*where).order_by(t.c.entity_id, t.c.id)
    result = conn.execution_options(yield_per=batch).execute(query)
    for row in result:
        yield from_row(row._mapping)
