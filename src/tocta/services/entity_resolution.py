"""Entity resolution over the store, for one reader: the Person entities it may see, scored,
rescored with their relations, and clustered under the analysts' judgements.

1. read the FtM entities ``clearance`` may see (``tocta.entities.read``);
2. resolve their Person records with Splink, chunked and resumable in a work folder
   (``tocta.services.resolve.resolve_in_chunks``), into a subfolder named by a fingerprint of
   the records, so that the same records resume and different ones start afresh;
3. rescore the candidate pairs with the relation evidence (shared associates, groups —
   resolved by their members —, accounts, companies, vessels:
   ``analytics.resolution_relations``), the neighbours resolved under the judgements;
4. score the pairs that clustering could join and that no blocking rule brought (their
   conflicts are cannot-links: ``services.resolve.close_result``), rescored likewise;
5. cluster with the analysts' judgements in force (``entities.judgements.current_judgements``
   → ``resolution_clusters.cluster_judgements``): canonical ids are derived, never stored.

Judgements that touch an entity the reader cannot see are left out of the reader's
clustering, so a clustering reveals nothing of what is withheld. The network, money and
naming steps that follow are ``tocta.services.traffickers``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from tocta.access.clearance import Clearance
from tocta.analytics.networks_graph import RELATION_SCHEMATA
from tocta.analytics.resolution import ResolutionParams, ResolutionResult
from tocta.analytics.resolution_clusters import (
    ClusterParams,
    ClusterResult,
    Judgement,
    cluster_judgements,
)
from tocta.analytics.resolution_features import identifiers
from tocta.analytics.resolution_relations import (
    RelationModel,
    RelationParams,
    rescore_with_relations,
)
from tocta.entities import judgements as store_judgements
from tocta.entities.read import EntityView, iter_entities
from tocta.services.resolve import close_result, resolve_in_chunks
from tocta.store.engine import Store

__all__ = ["PERSON", "RELATIONS", "THINGS", "Resolution", "ResolveParams", "explain_pair",
           "first_value", "identifier_keys", "person_records", "relation_ends",
           "relation_links", "resolve_entities", "review_pairs", "thing_records"]

#: FtM relation schema → (relation name, first end, second end)
RELATIONS = {schema: (name, a, b) for name, (schema, a, b) in RELATION_SCHEMATA.items()}
PERSON = "Person"
#: FtM properties that name a related entity across agencies (relation evidence), as the
#: identifier columns of ``resolution_features.identifiers``
_KEY_PROPS = {"iban": "account_number", "accountNumber": "account_number",
              "registrationNumber": "registration_number", "imoNumber": "imo_number"}
_TEXT = {"name": "name", "birth_date": "birthDate", "nationality": "nationality",
         "gender": "gender", "passport_number": "passportNumber", "id_number": "idNumber",
         "country": "country", "address": "address"}
#: the other things resolved (each within its own schema), and their columns: the country
#: is a company's jurisdiction, a vessel's or aircraft's flag
THINGS = ("Organization", "Company", "LegalEntity", "Vessel", "Airplane", "Vehicle",
          "BankAccount", "CryptoWallet")
_THING_TEXT = {"name": ("name",), "country": ("jurisdiction", "country", "flag"),
               "address": ("address",), "registration_number": ("registrationNumber",),
               "imo_number": ("imoNumber",), "account_number": ("iban", "accountNumber"),
               "id_number": ("publicKey",)}


@dataclass(frozen=True)
class ResolveParams:
    """How entities are resolved, recorded in the result.

    Resolution is scored in up to ``chunks`` resumable chunks of about ``records_per_chunk``
    records each (one chunk for small stores). Fewer than ``min_records`` person records
    are not scored: the model's prior and m probabilities cannot be estimated from so few;
    the same holds for the other things (companies, groups, vessels, accounts...), which get
    a model of their own. ``relations=None`` turns the relation evidence off.
    """

    resolution: ResolutionParams = field(default_factory=ResolutionParams)
    clusters: ClusterParams = field(default_factory=ClusterParams)
    relations: RelationParams | None = field(default_factory=RelationParams)
    chunks: int = 8
    records_per_chunk: int = 5000
    min_records: int = 50


@dataclass(frozen=True)
class Resolution:
    """The reader's entities resolved: scored pairs, clusters and canonical ids.

    ``records``, ``result``, ``folder`` and ``note`` are the Person run; ``thing_records``,
    ``things`` and ``things_note`` the run over the other things (``THINGS``).
    """

    views: dict[str, EntityView]
    records: pl.DataFrame
    result: ResolutionResult | None
    clusters: ClusterResult
    mapping: dict[str, str]
    folder: Path | None
    note: str | None = None
    judged: dict[tuple[str, str], store_judgements.Judgement] = field(default_factory=dict)
    thing_records: pl.DataFrame = field(default_factory=pl.DataFrame)
    things: ResolutionResult | None = None
    things_note: str | None = None

    @property
    def pairs(self) -> pl.DataFrame:
        """The scored pairs of both runs (persons first)."""
        frames = [r.pairs for r in (self.result, self.things) if r is not None]
        if not frames:
            return pl.DataFrame(schema={"left_id": pl.Utf8, "right_id": pl.Utf8,
                                        "match_probability": pl.Float64})
        return pl.concat(frames, how="diagonal_relaxed")

    def result_for(self, entity_id: str) -> ResolutionResult | None:
        """The run that scored ``entity_id``'s pairs (None if neither did)."""
        if entity_id in set(self.thing_records.get_column("record_id", default=pl.Series())):
            return self.things
        return self.result

    def canonical_id(self, entity_id: str) -> str:
        return self.mapping.get(entity_id, entity_id)

    def members(self, canonical_id: str) -> list[str]:
        return sorted(k for k, v in self.mapping.items() if v == canonical_id)

    def as_dict(self) -> dict[str, Any]:
        sizes = self.clusters.clusters["size"]
        return {"records": self.records.height, "thing_records": self.thing_records.height,
                "pairs": self.pairs.height,
                "clusters": self.clusters.clusters["canonical_id"].n_unique(),
                "merged_records": int((sizes > 1).sum()),
                "judgements": len(self.clusters.judgements),
                "refusals": [r.reason for r in self.clusters.refusals],
                "accept_probability": self.clusters.params.accept_probability,
                "folder": str(self.folder) if self.folder else None, "note": self.note,
                "things_note": self.things_note}


def first_value(view: EntityView, prop: str) -> str | None:
    """The first (sorted) value of ``prop`` the reader sees, or None (also for a property
    the entity's schema does not have)."""
    if prop not in view.entity.schema.properties:
        return None
    values = sorted(view.entity.get(prop, quiet=True))
    return values[0] if values else None


def person_records(views: Iterable[EntityView]) -> pl.DataFrame:
    """One resolution record per Person entity (the columns ``prepare_records`` reads)."""
    rows = []
    for v in views:
        if not v.entity.schema.is_a(PERSON):
            continue
        row: dict[str, str | None] = {"record_id": v.id, "schema": PERSON}
        for col, prop in _TEXT.items():
            row[col] = first_value(v, prop)
        if row["name"] is None:
            row["name"] = v.entity.caption
        rows.append(row)
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in ("record_id", "schema", *_TEXT)})


def thing_records(views: Iterable[EntityView]) -> pl.DataFrame:
    """One resolution record per organization, company, vessel, account... (``THINGS``),
    with its identifiers (registration, IMO, IBAN or account number, wallet key)."""
    rows = []
    for v in views:
        schema = v.entity.schema.name
        if schema not in THINGS:
            continue
        row: dict[str, str | None] = {"record_id": v.id, "schema": schema}
        for col, props in _THING_TEXT.items():
            values = sorted({x for prop in props if prop in v.entity.schema.properties
                             for x in v.entity.get(prop, quiet=True)})
            row[col] = ";".join(values) if col.endswith("_number") and values else \
                (values[0] if values else None)
        row["name"] = row["name"] or v.entity.caption
        rows.append(row)
    return pl.DataFrame(rows, schema={c: pl.Utf8 for c in ("record_id", "schema",
                                                            *_THING_TEXT)})


def relation_ends(view: EntityView) -> tuple[str, list[tuple[str, str]]]:
    """A relation entity's relation name and its (first end, second end) pairs; no pairs for
    any other entity or a relation missing an end."""
    spec = RELATIONS.get(view.entity.schema.name)
    if spec is None:
        return "", []
    relation, first, second = spec
    return relation, [(a, b) for a in view.entity.get(first, quiet=True)
                      for b in view.entity.get(second, quiet=True)]


def relation_links(views: Iterable[EntityView]) -> pl.DataFrame:
    """``record_id``, ``linked_id``: the two ends of every visible relation entity."""
    rows = [pair for v in views for pair in relation_ends(v)[1]]
    return pl.DataFrame(rows, schema={"record_id": pl.Utf8, "linked_id": pl.Utf8},
                        orient="row")


def identifier_keys(views: Iterable[EntityView]) -> pl.DataFrame:
    """``record_id``, ``key``: accounts, companies, vessels... by their identifiers, cleaned
    and typed as the resolution model's own (``iban:…``, ``registration:…``, ``imo:…``)."""
    rows = []
    for v in views:
        if v.entity.schema.is_a(PERSON):
            continue
        row: dict[str, list[str]] = {}
        for prop, column in _KEY_PROPS.items():
            if prop in v.entity.schema.properties:
                row.setdefault(column, []).extend(v.entity.get(prop, quiet=True))
        rows += [(v.id, key) for key in identifiers(
            {column: ";".join(values) for column, values in row.items() if values})]
    return pl.DataFrame(rows, schema={"record_id": pl.Utf8, "key": pl.Utf8}, orient="row")


def _fingerprint(records: pl.DataFrame, params: ResolutionParams) -> str:
    """Names the work subfolder: the same records and parameters resume, others start anew."""
    digest = hashlib.sha256(repr(sorted(asdict(params).items())).encode())
    for row in records.sort("record_id").iter_rows():
        digest.update("\x1f".join(v or "" for v in row).encode())
        digest.update(b"\x1e")
    return digest.hexdigest()[:16]


def _judgements(store: Store, visible: set[str]
                ) -> dict[tuple[str, str], store_judgements.Judgement]:
    with store.engine.connect() as conn:
        current = store_judgements.current_judgements(conn)
    # a judgement on an entity the reader cannot see stays out of the reader's clustering
    return {k: j for k, j in current.items() if j.left_id in visible and j.right_id in visible}


def resolve_entities(store: Store, clearance: Clearance, work: Path | None,
                     params: ResolveParams | None = None, progress: bool = False
                     ) -> Resolution:
    """Resolve the entities ``clearance`` may see, with the judgements in force: persons
    (with the relation evidence), and the other things (``THINGS``) with a model of their own.

    Args:
        store: the open store.
        clearance: the reader.
        work: folder for the resumable scoring (a subfolder per set of records); None scores
            nothing and clusters by judgements only.
        params: methodology choices.
        progress: show a progress bar on stderr.
    """
    p = params or ResolveParams()
    views = {v.id: v for v in iter_entities(store, clearance, action="analyse")}
    records = person_records(views.values())
    things = thing_records(views.values())
    result, folder, note = _score(records, "person", work, p, progress)
    thing_result, _, things_note = _score(things, "thing", work, p, progress)
    ids = records["record_id"].to_list()
    judged = _judgements(store, set(ids) | set(things["record_id"].to_list()))
    log = [Judgement(j.left_id, j.right_id, j.judgement, j.user,  # type: ignore[arg-type]
                     j.created_at) for j in judged.values()]
    positive = pl.DataFrame([j.key for j in log if j.judgement == "positive"],
                            schema={"left_id": pl.Utf8, "right_id": pl.Utf8}, orient="row")
    relation_model: list[RelationModel] = []
    rescore: Callable[[pl.DataFrame], pl.DataFrame] | None = None
    links = relation_links(views.values()) if result is not None and p.relations else None
    if links is not None and links.height:
        keys = identifier_keys(views.values())

        def rescore(pairs: pl.DataFrame) -> pl.DataFrame:
            rescored, model = rescore_with_relations(ids, pairs, links, keys, p.relations, log)
            relation_model[:] = [model]
            return rescored

    threshold = p.clusters.accept_probability
    if result is not None:   # the model's verdict on every pair clustering could join
        closed = close_result(records, result, threshold, positive, rescore)
        result = replace(result, pairs=closed.pairs,
                         relations=relation_model[0] if relation_model else None)
    if thing_result is not None:
        closed = close_result(things, thing_result, threshold, positive)
        thing_result = replace(thing_result, pairs=closed.pairs)
    pairs = [r.pairs for r in (result, thing_result) if r is not None]
    clusters = cluster_judgements(
        ids + things["record_id"].to_list(),
        pl.concat(pairs, how="diagonal_relaxed") if pairs else pl.DataFrame(
            schema={"left_id": pl.Utf8, "right_id": pl.Utf8, "match_probability": pl.Float64}),
        log, p.clusters)
    mapping = dict(zip(clusters.clusters["record_id"].to_list(),
                       clusters.clusters["canonical_id"].to_list(), strict=True))
    return Resolution(views, records, result, clusters, mapping, folder, note, judged,
                      things, thing_result, things_note)


def _score(records: pl.DataFrame, kind: str, work: Path | None, p: ResolveParams,
           progress: bool) -> tuple[ResolutionResult | None, Path | None, str | None]:
    """Score one kind of records (``person`` or ``thing``) in its own work subfolder."""
    if work is None:
        return None, None, ("not scored (no work folder): only analysts' judgements merge "
                            "records")
    if records.height < p.min_records:
        return None, None, (f"not scored: {records.height} {kind} records are too few to "
                            f"train a model (at least {p.min_records}); only analysts' "
                            "judgements merge them")
    folder = work / f"{kind}s-{_fingerprint(records, p.resolution)}"
    chunks = max(1, min(p.chunks, records.height // p.records_per_chunk))
    try:
        return resolve_in_chunks(records, folder, chunks=chunks, params=p.resolution,
                                 progress=progress), folder, None
    except ValueError as exc:
        # score_chunk cannot yet return a chunk without pairs (polars refuses an empty
        # Arrow stream); with a single chunk that means no candidate pair at all
        if chunks > 1 or "RecordBatch" not in str(exc):
            raise
        return None, folder, "no candidate pairs to score"


def review_pairs(resolution: Resolution, store: Store, limit: int = 20) -> pl.DataFrame:
    """Candidate pairs awaiting a judgement, most uncertain (closest to 0.5) first.

    Columns: ``left_id, right_id, match_probability, left_name, right_name, same_cluster``
    (whether the clustering already put the two together, through other links).
    """
    with store.engine.connect() as conn:
        judged = set(store_judgements.current_judgements(conn))
    p = resolution.result.params if resolution.result else ResolutionParams()
    pairs = resolution.pairs.filter(pl.col("match_probability") >= p.min_probability)
    keep = [(a, b) not in judged for a, b in pairs.select("left_id", "right_id").iter_rows()]
    names = {r["record_id"]: r["name"]
             for frame in (resolution.records, resolution.thing_records)
             if "name" in frame.columns for r in frame.iter_rows(named=True)}
    return (pairs.filter(pl.Series(keep, dtype=pl.Boolean))
            .with_columns((pl.col("match_probability") - 0.5).abs().alias("uncertainty"))
            .sort("uncertainty", "left_id", "right_id")
            .head(limit)
            .select("left_id", "right_id", "match_probability",
                    pl.col("left_id").replace_strict(names, default=None).alias("left_name"),
                    pl.col("right_id").replace_strict(names, default=None).alias("right_name"),
                    (pl.col("left_id").replace_strict(resolution.mapping, default=None)
                     == pl.col("right_id").replace_strict(resolution.mapping, default=None))
                    .alias("same_cluster")))


def explain_pair(resolution: Resolution, a: str, b: str) -> str:
    """Why two entities are (or are not) one: the model's evidence and the clustering."""
    known = set(resolution.mapping)
    missing = [x for x in (a, b) if x not in known]
    if missing:
        return (f"no record {', '.join(missing)} visible to this reader among the resolved "
                f"entities (persons and {', '.join(THINGS)})")
    run = resolution.result_for(a)
    lines = [run.explain(a, b) if run is not None else
             f"{a} and {b} were not scored (no resolution run)."]
    same = resolution.canonical_id(a) == resolution.canonical_id(b)
    lines.append(f"Clustering: {'the same entity' if same else 'different entities'} "
                 f"({resolution.canonical_id(a)} / {resolution.canonical_id(b)}).")
    j = resolution.judged.get((min(a, b), max(a, b)))
    if j is not None:
        why = {"negative": "kept apart by", "positive": "merged by",
               "unsure": "left to the model by"}[j.judgement]
        lines.append(f"Why: {why} the {j.judgement} judgement {j.judgement_id} by {j.user} "
                     f"at {j.created_at.isoformat(timespec='seconds')}"
                     + (f" ({j.note})" if j.note else "")
                     + f"; undo with `tocta resolve undo {j.judgement_id}`.")
    lines.append(resolution.clusters.explain(a))
    if not same:
        lines.append(resolution.clusters.explain(b))
    return "\n".join(lines)
