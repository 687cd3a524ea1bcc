"""Entities in the store: import, export and read, each taking a store and a clearance.

The one place the CLI (and later the web app) calls for FollowTheMoney entities; the work is
in ``tocta.entities``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import BinaryIO

from tocta.access.clearance import Clearance
from tocta.entities import judgements as store_judgements
from tocta.entities.export import ExportSummary, export_entities, export_statements
from tocta.entities.imports import ImportOptions, ImportResult, import_entities
from tocta.entities.judgements import Judgement
from tocta.entities.links import SeizureEntities, seizure_entities
from tocta.entities.read import EntityView, iter_entities, read_entity, read_merged
from tocta.store.engine import Store

__all__ = [
    "EntityView", "ExportSummary", "ImportOptions", "ImportResult", "SeizureEntities",
    "add_judgement", "export_file", "import_file", "linked_to_seizures", "list_entities",
    "list_judgements", "retract_judgement", "show_entity", "show_merged",
]


def import_file(store: Store, path: Path, options: ImportOptions) -> ImportResult:
    """Import an FtM JSON lines file or a mapped CSV as one atomic, idempotent run."""
    return import_entities(store, path, options)


def export_file(store: Store, clearance: Clearance, out: BinaryIO, *,
                statements: str | None = None,
                schemata: Iterable[str] | None = None) -> ExportSummary:
    """Export what ``clearance`` may export: FtM entities, or FtM statements in the format
    ``statements`` names (``json`` or ``csv``)."""
    if statements:
        return export_statements(store, clearance, out, statements, schemata=schemata)
    return export_entities(store, clearance, out, schemata=schemata)


def show_entity(store: Store, entity_id: str, clearance: Clearance) -> EntityView | None:
    """One entity as ``clearance`` may see it (None when it may see nothing of it)."""
    return read_entity(store, entity_id, clearance)


def show_merged(store: Store, entity_ids: Sequence[str], clearance: Clearance,
                canonical_id: str | None = None) -> EntityView | None:
    """Several ids merged into one entity, as ``clearance`` may see it."""
    return read_merged(store, entity_ids, clearance, canonical_id)


def list_entities(store: Store, clearance: Clearance, *,
                  schemata: Iterable[str] | None = None, limit: int | None = None
                  ) -> list[EntityView]:
    """Entities ``clearance`` may see, optionally of some schemata, at most ``limit``."""
    found = []
    for view in iter_entities(store, clearance, schemata=schemata):
        found.append(view)
        if limit is not None and len(found) >= limit:
            break
    return found


def linked_to_seizures(store: Store, clearance: Clearance, *,
                       countries: Iterable[str] | None = None,
                       commodities: Iterable[str] | None = None,
                       years: tuple[int, int] | None = None) -> SeizureEntities:
    """Entities named by the seizure records ``clearance`` may read."""
    return seizure_entities(store, clearance, countries=countries, commodities=commodities,
                            years=years)


def add_judgement(store: Store, a: str, b: str, judgement: str, user: str,
                  note: str | None = None) -> Judgement:
    """Record a resolution judgement (positive, negative, unsure) on two entity ids."""
    with store.begin() as conn:
        return store_judgements.add_judgement(conn, a, b, judgement, user, note)


def retract_judgement(store: Store, judgement_id: int, user: str) -> Judgement:
    """Undo a judgement (the row is kept, marked retracted)."""
    with store.begin() as conn:
        return store_judgements.retract_judgement(conn, judgement_id, user)


def list_judgements(store: Store, entity_id: str | None = None,
                    include_retracted: bool = False) -> list[Judgement]:
    """The judgement log (current rows; all with ``include_retracted``)."""
    with store.engine.connect() as conn:
        return store_judgements.list_judgements(conn, entity_id,
                                                include_retracted=include_retracted)
