"""Events that name entities: seizure records (``entity_ids``) linked to stored entities.

Both sides respect the reader's clearance: seizures come from ``tocta.store.read`` (records the
reader may read) and entities from visible statements only. An id a visible seizure names but
of which the reader sees no statement is listed as unresolved — the same whether the entity
is withheld or absent, so nothing is revealed about what the reader may not see.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from tocta.access.clearance import Clearance
from tocta.entities.read import EntityView, iter_entities
from tocta.schema.types.tlp import strictest_tlp
from tocta.store.engine import Store
from tocta.store.read import read_records


@dataclass(frozen=True)
class SeizureLink:
    """A seizure record and an entity id it names."""

    record_key: str
    record_id: str | None
    date: str | None
    country: str | None
    source_id: str
    entity_id: str


@dataclass(frozen=True)
class SeizureEntities:
    """Seizure–entity links a reader may see, the entities, and the ids left unresolved."""

    links: tuple[SeizureLink, ...]
    entities: dict[str, EntityView] = field(default_factory=dict)
    unresolved: tuple[str, ...] = ()
    tlp: str = "CLEAR"

    def as_dict(self) -> dict[str, Any]:
        return {
            "tlp": self.tlp,
            "links": [{"record_key": k.record_key, "record_id": k.record_id, "date": k.date,
                       "country": k.country, "source_id": k.source_id,
                       "entity_id": k.entity_id} for k in self.links],
            "entities": [v.as_dict() for v in self.entities.values()],
            "unresolved": list(self.unresolved),
        }


def seizure_entities(store: Store, clearance: Clearance, *,
                     countries: Iterable[str] | None = None,
                     commodities: Iterable[str] | None = None,
                     years: tuple[int, int] | None = None) -> SeizureEntities:
    """Entities linked to the seizure records ``clearance`` may read (filters as
    ``tocta.store.read.read_records``)."""
    records = read_records(store, "Seizure", clearance, countries=countries,
                           commodities=commodities, years=years,
                           columns=["record_key", "record_id", "date", "country", "source_id",
                                    "tlp", "entity_ids"])
    links = []
    for row in records.table.to_pylist():
        for entity_id in dict.fromkeys(row["entity_ids"] or []):
            links.append(SeizureLink(row["record_key"], row["record_id"], row["date"],
                                     row["country"], row["source_id"], entity_id))
    ids = {link.entity_id for link in links}
    entities = {v.id: v for v in iter_entities(store, clearance, entity_ids=ids)} if ids else {}
    shown = [link for link in links if link.entity_id in entities]
    tlps = [records.tlp] if shown else []
    tlps += [v.tlp for v in entities.values()]
    return SeizureEntities(tuple(links), entities,
                           tuple(sorted(ids - set(entities))), strictest_tlp(tlps))
