"""Exporting entities a reader may see as FollowTheMoney JSON lines (or FtM statements).

Entities are written the way ``ftm validate`` and ``ftm aggregate`` write them — ``id``,
``schema``, ``properties`` (names and values sorted), ``referents``, ``datasets`` (the tocta
sources of the visible statements) — one compact JSON object a line, so FtM's command line
reads a tocta export and writes it back unchanged. Only statements the clearance allows for
``export`` are used; nothing about the rest is written.

``export_statements`` writes FtM's statement format instead (JSON lines or CSV), which keeps
each value's source as its ``dataset`` and its first-seen time: ``ftm aggregate-statements``
rolls it up into entities.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from io import TextIOWrapper
from typing import Any, BinaryIO

import orjson
from followthemoney.statement import BASE_ID, CSV, JSON, Statement, write_statements
from followthemoney.statement.serialize import CSVStatementWriter

from tocta.access.clearance import Clearance
from tocta.entities.read import EntityView, iter_entities
from tocta.schema.types.tlp import strictest_tlp
from tocta.store.engine import Store

STATEMENT_FORMATS = (JSON, CSV)


@dataclass(frozen=True)
class ExportSummary:
    """What an export wrote: entity and statement counts, sources and the strictest TLP."""

    entities: int
    statements: int
    sources: tuple[str, ...]
    tlp: str

    def as_dict(self) -> dict[str, Any]:
        return {"entities": self.entities, "statements": self.statements,
                "sources": list(self.sources), "tlp": self.tlp}


def ftm_dict(view: EntityView) -> dict[str, Any]:
    """The entity as FtM's command line writes it (key order included)."""
    return {**view.to_ftm(), "referents": sorted(view.entity.referents),
            "datasets": list(view.sources)}


def ftm_line(view: EntityView) -> bytes:
    """One JSON line, compact, as ``ftm`` writes it."""
    return orjson.dumps(ftm_dict(view), option=orjson.OPT_APPEND_NEWLINE)


class _Counter:
    def __init__(self) -> None:
        self.entities = self.statements = 0
        self.sources: set[str] = set()
        self.tlps: set[str] = set()

    def add(self, view: EntityView) -> None:
        self.entities += 1
        self.statements += sum(s.statement.prop != BASE_ID for s in view.statements)
        self.sources.update(view.sources)
        self.tlps.update(s.tlp for s in view.statements)

    def summary(self) -> ExportSummary:
        return ExportSummary(self.entities, self.statements, tuple(sorted(self.sources)),
                             strictest_tlp(self.tlps))


def export_entities(store: Store, clearance: Clearance, out: BinaryIO, *,
                    schemata: Iterable[str] | None = None) -> ExportSummary:
    """Write every entity ``clearance`` may export to ``out`` as FtM JSON lines."""
    counter = _Counter()
    for view in iter_entities(store, clearance, schemata=schemata, action="export"):
        out.write(ftm_line(view))
        counter.add(view)
    return counter.summary()


def export_statements(store: Store, clearance: Clearance, out: BinaryIO,
                      format: str = JSON, *,
                      schemata: Iterable[str] | None = None) -> ExportSummary:
    """Write the statements ``clearance`` may export in FtM's statement format."""
    if format not in STATEMENT_FORMATS:
        raise ValueError(f"format must be one of {STATEMENT_FORMATS}")
    counter = _Counter()

    def statements() -> Iterator[Statement]:
        for view in iter_entities(store, clearance, schemata=schemata, action="export"):
            counter.add(view)
            yield from (s.statement for s in view.statements)

    if format == CSV:
        # FtM wraps the stream in a text wrapper that closes it when collected; keep ours
        # and detach it, so that the caller's stream (stdout) stays open.
        wrapped = TextIOWrapper(out, encoding="utf-8", newline="")
        writer = CSVStatementWriter(wrapped)
        for stmt in statements():
            writer.write(stmt)
        writer.close()
        wrapped.detach()
    else:
        write_statements(out, format, statements())
    return counter.summary()
