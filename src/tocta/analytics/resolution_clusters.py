"""Clusters of records from scored pairs and analysts' judgements; explainable, undoable.

Sources are never rewritten: a judgement is an edge between two record ids, and the
canonical id of every record is *derived* each time from the pairs and the judgement log
(nomenklatura's resolver). Retracting a judgement therefore restores exactly the clustering
that held before it was made.

The algorithm (deterministic):

1. The judgement log is read in time order; for each unordered pair the latest entry wins.
   ``positive`` = same entity, ``negative`` = different entities, ``unsure`` = seen but
   undecided (the model's own decision stands), ``retracted`` = the pair's earlier
   judgements are withdrawn.
2. *Cannot-links*: negative judgements, and pairs the model scores at or below
   ``reject_probability`` (their evidence conflicts: different full birth dates, different
   passports, unrelated names) unless an analyst judged them positive.
3. *Must-links* (positive judgements) are merged first, then the model's pairs at or above
   ``accept_probability``, strongest first (ties by record ids). A merge that would put two
   records with a cannot-link into one cluster is refused and recorded with its reason.
   Because strong links are merged before weak ones, a negative judgement between two
   records of one cluster cuts the *weakest* link on the path between them (the cluster
   splits where its evidence is thinnest); the refusal says so.
4. A cluster's canonical id is its smallest record id (string order): stable while the
   cluster keeps that record, and the same on every run.

Only the model's conflicts between two records that the accepted links and positive
judgements connect at all are ever tested (any other pair can never meet in one cluster), so
they alone are registered: millions of conflicting pairs cost a connected-components pass,
not a Python loop.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

import numpy as np
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

JudgementKind = Literal["positive", "negative", "unsure", "retracted"]
KINDS = ("positive", "negative", "unsure", "retracted")


@dataclass(frozen=True)
class Judgement:
    """An analyst's decision on a pair of records (one row of the judgement log)."""

    left_id: str
    right_id: str
    judgement: JudgementKind
    user: str
    created_at: datetime

    @property
    def key(self) -> tuple[str, str]:
        a, b = sorted((self.left_id, self.right_id))
        return a, b


@dataclass(frozen=True)
class ClusterParams:
    """Thresholds of clustering (recorded in the result)."""

    accept_probability: float = 0.9
    reject_probability: float = 0.001


@dataclass(frozen=True)
class Refusal:
    """A merge that was not made, and why."""

    left_id: str
    right_id: str
    probability: float | None
    blocked_by: tuple[str, str]
    reason: str


@dataclass(frozen=True)
class ClusterResult:
    """Canonical ids of records, with the merges refused and the judgements applied.

    Attributes:
        clusters: ``record_id``, ``canonical_id``, ``size`` for every record.
        refusals: merges refused because of a cannot-link, with the reason.
        judgements: the judgements in force (latest per pair, retractions removed).
        params: the thresholds.
        method: what was done.
    """

    clusters: pl.DataFrame
    refusals: tuple[Refusal, ...]
    judgements: tuple[Judgement, ...]
    params: ClusterParams
    method: str = ("greedy constrained merging of accepted pairs, strongest first; "
                   "negative judgements and conflicting evidence are cannot-links")
    _members: dict[str, tuple[str, ...]] = field(default_factory=dict, repr=False)

    def canonical_id(self, record_id: str) -> str:
        """The canonical id of ``record_id``."""
        row = self.clusters.filter(pl.col("record_id") == record_id)
        if not row.height:
            raise KeyError(f"no record {record_id!r} in the clustering")
        return str(row["canonical_id"][0])

    def explain(self, record_id: str) -> str:
        """Which cluster ``record_id`` is in, the judgements on it and the merges refused."""
        cid = self.canonical_id(record_id)
        members = self._members.get(cid, (record_id,))
        lines = [f"{record_id} is in cluster {cid} ({len(members)} records: "
                 f"{', '.join(members[:10])}{' ...' if len(members) > 10 else ''})"]
        member_set = set(members)
        for j in self.judgements:
            if j.left_id in member_set or j.right_id in member_set:
                lines.append(f"  judgement: {j.left_id} ~ {j.right_id} {j.judgement} by "
                             f"{j.user} at {j.created_at.isoformat()}")
        for r in self.refusals:
            if r.left_id in member_set or r.right_id in member_set:
                lines.append(f"  not merged: {r.reason}")
        return "\n".join(lines)


def latest_judgements(judgements: Iterable[Judgement]) -> tuple[Judgement, ...]:
    """The judgements in force: latest per pair (stable on ties), retractions dropped."""
    latest: dict[tuple[str, str], Judgement] = {}
    for j in sorted(judgements, key=lambda j: j.created_at):
        if j.judgement not in KINDS:
            raise ValueError(f"unknown judgement {j.judgement!r} for {j.left_id} ~ "
                             f"{j.right_id}: expected one of {', '.join(KINDS)}")
        latest[j.key] = j
    return tuple(sorted((j for j in latest.values() if j.judgement != "retracted"),
                        key=lambda j: j.key))


def judgements_from_frame(frame: pl.DataFrame) -> list[Judgement]:
    """Judgements from a table with ``left_id, right_id, judgement, user, created_at``."""
    return [Judgement(str(r["left_id"]), str(r["right_id"]), r["judgement"], str(r["user"]),
                      r["created_at"] if isinstance(r["created_at"], datetime)
                      else datetime.fromisoformat(str(r["created_at"])))
            for r in frame.iter_rows(named=True)]


class _Forest:
    """Union-find whose roots carry the roots they may never join."""

    def __init__(self, ids: Sequence[str]) -> None:
        self.parent = {i: i for i in ids}
        self.cannot: dict[str, set[str]] = {}
        self.why: dict[tuple[str, str], tuple[str, str, str]] = {}

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def forbid(self, a: str, b: str, reason: str) -> None:
        ra, rb = self.find(a), self.find(b)
        self.cannot.setdefault(ra, set()).add(rb)
        self.cannot.setdefault(rb, set()).add(ra)
        self.why.setdefault((min(ra, rb), max(ra, rb)), (a, b, reason))

    def blocker(self, a: str, b: str) -> tuple[str, str, str] | None:
        ra, rb = self.find(a), self.find(b)
        if rb not in self.cannot.get(ra, ()):
            return None
        return self.why.get((min(ra, rb), max(ra, rb)), (a, b, "a cannot-link"))

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        keep, drop = min(ra, rb), max(ra, rb)
        self.parent[drop] = keep
        moved = self.cannot.pop(drop, set())
        for other in moved:
            partners = self.cannot[other]
            partners.discard(drop)
            partners.add(keep)
            old = self.why.pop((min(drop, other), max(drop, other)), None)
            if old:
                self.why.setdefault((min(keep, other), max(keep, other)), old)
        self.cannot.setdefault(keep, set()).update(moved)


def component_labels(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The connected component of each of ``n`` vertices joined by the edges ``a[i]–b[i]``."""
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def link_components(links: pl.DataFrame) -> pl.LazyFrame:
    """``id`` and ``component`` of every record at an end of ``links`` (``left_id``,
    ``right_id``): records the links connect share a component."""
    ids = pl.concat([links["left_id"], links["right_id"]]).unique().sort()
    index = pl.DataFrame({"id": ids, "i": np.arange(len(ids))})
    ends = (links.select("left_id", "right_id")
            .join(index.rename({"id": "left_id", "i": "a"}), on="left_id")
            .join(index.rename({"id": "right_id", "i": "b"}), on="right_id"))
    return index.with_columns(component=component_labels(
        len(ids), ends["a"].to_numpy(), ends["b"].to_numpy())).drop("i").lazy()


def within_components(pairs: pl.LazyFrame, components: pl.LazyFrame) -> pl.LazyFrame:
    """The ``pairs`` whose two records share a component of ``components`` (of
    ``link_components``; a record outside them is alone)."""
    return (pairs.join(components.rename({"id": "left_id", "component": "cl"}), on="left_id")
            .join(components.rename({"id": "right_id", "component": "cr"}), on="right_id")
            .filter(pl.col("cl") == pl.col("cr")).drop("cl", "cr"))


def _reachable(conflicts: pl.DataFrame, links: pl.DataFrame) -> pl.DataFrame:
    """The conflicts whose two records ``links`` connect (the only ones a merge can test)."""
    if conflicts.is_empty() or links.is_empty():
        return conflicts.clear()
    return within_components(conflicts.lazy(), link_components(links)).collect()


def cluster_judgements(record_ids: Iterable[str], pairs: pl.DataFrame,
                       judgements: Iterable[Judgement] = (),
                       params: ClusterParams | None = None) -> ClusterResult:
    """Canonical ids from scored pairs and the judgement log (see the module docstring).

    Args:
        record_ids: every record to cluster (records in no pair become singletons).
        pairs: ``left_id``, ``right_id``, ``match_probability`` (e.g.
            ``ResolutionResult.pairs``).
        judgements: the judgement log, in any order (retractions included).
        params: thresholds.

    Returns:
        The clusters, the refused merges with their reasons, the judgements in force.
    """
    params = params or ClusterParams()
    force = latest_judgements(judgements)
    ids = sorted(set(record_ids) | {x for j in force for x in (j.left_id, j.right_id)})
    forest = _Forest(ids)
    judged = {j.key: j for j in force}
    for j in force:
        if j.judgement == "negative":
            forest.forbid(j.left_id, j.right_id,
                          f"negative judgement by {j.user} at {j.created_at.isoformat()} "
                          f"between {j.left_id} and {j.right_id}")
    refusals: list[Refusal] = []

    def merge(a: str, b: str, p: float | None, what: str) -> None:
        if forest.find(a) == forest.find(b):
            return
        blocked = forest.blocker(a, b)
        if blocked:
            x, y, reason = blocked
            refusals.append(Refusal(a, b, p, (x, y),
                                    f"{what} {a} ~ {b} would join {x} and {y}: {reason}"))
            return
        forest.union(a, b)

    for j in force:
        if j.judgement == "positive":
            merge(j.left_id, j.right_id, None,
                  f"positive judgement by {j.user} at {j.created_at.isoformat()}:")
    # the model's conflicts come after the analysts' positive judgements, which overrule them
    rows = pairs.select("left_id", "right_id", "match_probability")
    conflicts = rows.filter(pl.col("match_probability") <= params.reject_probability)
    links = pl.concat([
        rows.filter(pl.col("match_probability") >= params.accept_probability)
        .select("left_id", "right_id"),
        pl.DataFrame([(j.left_id, j.right_id) for j in force if j.judgement == "positive"],
                     schema={"left_id": pl.Utf8, "right_id": pl.Utf8}, orient="row")])
    conflicts = _reachable(conflicts, links)
    for a, b, p in conflicts.sort("left_id", "right_id").iter_rows():
        if (min(a, b), max(a, b)) not in judged and forest.find(a) != forest.find(b):
            forest.forbid(a, b, f"the model's evidence is against {a} ~ {b} "
                                f"(match probability {p:.2g} <= {params.reject_probability})")
    accepted = rows.filter(pl.col("match_probability") >= params.accept_probability).sort(
        ["match_probability", "left_id", "right_id"], descending=[True, False, False])
    for a, b, p in accepted.iter_rows():
        seen = judged.get((min(a, b), max(a, b)))
        if seen is not None and seen.judgement == "negative":
            continue
        merge(a, b, p, f"the link (probability {p:.4f})")
    roots = [forest.find(i) for i in ids]
    members: dict[str, list[str]] = {}
    for i, r in zip(ids, roots, strict=True):
        members.setdefault(r, []).append(i)
    canon = {r: min(m) for r, m in members.items()}
    clusters = pl.DataFrame({"record_id": ids, "canonical_id": [canon[r] for r in roots],
                             "size": [len(members[r]) for r in roots]},
                            schema={"record_id": pl.Utf8, "canonical_id": pl.Utf8,
                                    "size": pl.Int64})
    return ClusterResult(clusters, tuple(refusals), force, params,
                         _members={canon[r]: tuple(m) for r, m in members.items()})
