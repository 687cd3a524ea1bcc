"""Entities for a reader: statements merged into FtM entities, only those the reader may see.

An entity is built with ``followthemoney.statement.StatementEntity.from_statements`` from the
statements the reader's clearance allows — nothing else enters it: its schema, caption,
properties, value counts, sources (FtM datasets) and first/last seen all come from visible
statements only. An entity of which a reader may see no statement does not exist for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from followthemoney.dataset import Dataset
from followthemoney.exc import InvalidData
from followthemoney.statement import BASE_ID, StatementEntity

from tocta.access.clearance import Clearance
from tocta.entities.statements import StoredStatement, select_statements
from tocta.entities.visibility import statement_visibility
from tocta.schema.types.tlp import strictest_tlp
from tocta.store.engine import Store
from tocta.store.tables import entity_statements

#: the FtM dataset entities are built in (each statement keeps its own source as dataset)
DATASET = Dataset.make({"name": "tocta", "title": "tocta store"})
_CHUNK = 500


@dataclass(frozen=True)
class EntityView:
    """An entity as one reader may see it, with the provenance of every visible value."""

    entity: StatementEntity
    statements: tuple[StoredStatement, ...]

    @property
    def id(self) -> str:
        assert self.entity.id is not None
        return self.entity.id

    @property
    def tlp(self) -> str:
        """The strictest TLP of the statements shown."""
        return strictest_tlp(s.tlp for s in self.statements)

    @property
    def sources(self) -> tuple[str, ...]:
        return tuple(sorted({s.source_id for s in self.statements}))

    def to_ftm(self) -> dict[str, Any]:
        """FtM's entity form (``id``, ``schema``, ``properties``), values sorted."""
        return {"id": self.id, "schema": self.entity.schema.name,
                "properties": {p: sorted(v) for p, v in
                               sorted(self.entity.properties.items())}}

    def as_dict(self) -> dict[str, Any]:
        """Stable keys for ``--json``: the entity, its sources and each value's provenance."""
        values = [s.as_dict() for s in self.statements if s.statement.prop != BASE_ID]
        return {**self.to_ftm(), "caption": self.entity.caption, "tlp": self.tlp,
                "sources": list(self.sources), "referents": sorted(self.entity.referents),
                "first_seen": self.entity.first_seen, "statements": values}


def build_view(statements: Sequence[StoredStatement],
               canonical_id: str | None = None) -> EntityView | None:
    """Merge statements (already filtered for the reader) into an entity.

    With ``canonical_id`` the statements may be about several entity ids (a resolved
    cluster); they are merged under that id. Statements whose schema cannot be merged with
    the rest (a Person and a Vessel under one id) are left out, the earliest kept.
    """
    if not statements:
        return None
    kept: list[StoredStatement] = []
    entity: StatementEntity | None = None
    for stored in statements:
        stmt = stored.statement
        if canonical_id is not None and stmt.canonical_id != canonical_id:
            stmt = stmt.clone(canonical_id=canonical_id)
            stored = StoredStatement(stmt, *_provenance(stored))
        try:
            if entity is None:
                entity = StatementEntity.from_statements(DATASET, [stmt])
            else:
                entity.add_statement(stmt)
        except InvalidData:
            continue
        kept.append(stored)
    if entity is None:
        return None
    return EntityView(entity, tuple(kept))


def _provenance(s: StoredStatement) -> tuple[Any, ...]:
    return (s.source_id, s.ingest_run, s.source_file, s.source_row, s.grade, s.tlp,
            s.handling, s.owner_agency)


def _grouped(statements: Iterable[StoredStatement]) -> Iterator[list[StoredStatement]]:
    group: list[StoredStatement] = []
    for s in statements:
        if group and group[0].statement.entity_id != s.statement.entity_id:
            yield group
            group = []
        group.append(s)
    if group:
        yield group


def iter_entities(store: Store, clearance: Clearance, *, schemata: Iterable[str] | None = None,
                  entity_ids: Iterable[str] | None = None, action: str = "read"
                  ) -> Iterator[EntityView]:
    """Every entity ``clearance`` may see (by entity id), built from visible statements.

    Args:
        store: the open store.
        clearance: the reader.
        schemata: keep entities whose visible schema is one of these (or a descendant).
        entity_ids: only these ids.
        action: ``read`` or ``export`` (the access rule may differ per action).
    """
    t = entity_statements
    wanted = None if schemata is None else set(schemata)
    with store.engine.connect() as conn:
        visibility = statement_visibility(conn, clearance, action)
        where: list[sa.ColumnElement[bool]] = [visibility.where()]
        if entity_ids is None:
            chunks: list[list[str] | None] = [None]
        else:
            ids = sorted(set(entity_ids))
            chunks = [ids[i:i + _CHUNK] for i in range(0, len(ids), _CHUNK)]
        for chunk in chunks:
            extra = [] if chunk is None else [t.c.entity_id.in_(chunk)]
            for group in _grouped(select_statements(conn, [*where, *extra])):
                view = build_view(group)
                if view is None:
                    continue
                if wanted is not None and not any(view.entity.schema.is_a(s) for s in wanted):
                    continue
                yield view


def read_entity(store: Store, entity_id: str, clearance: Clearance) -> EntityView | None:
    """One entity as ``clearance`` may see it, or None when it may see none of it."""
    return next(iter_entities(store, clearance, entity_ids=[entity_id]), None)


def read_merged(store: Store, entity_ids: Sequence[str], clearance: Clearance,
                canonical_id: str | None = None) -> EntityView | None:
    """Several entity ids (e.g. a resolved cluster) merged into one entity for a reader.

    The merged entity takes ``canonical_id`` (default: the smallest id the reader sees a
    statement of); its referents are
    the ids that contributed visible statements.
    """
    t = entity_statements
    ids = sorted(set(entity_ids))
    if not ids:
        return None
    with store.engine.connect() as conn:
        visibility = statement_visibility(conn, clearance)
        statements = list(select_statements(conn, [visibility.where(), t.c.entity_id.in_(ids)]))
    if not statements:
        return None
    return build_view(statements, canonical_id or min(s.statement.entity_id for s in statements))
