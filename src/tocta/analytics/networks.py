"""Who are the traffickers (TOCTA Q3): network analysis of resolved entities and their links.

Input is two plain tables — resolved entities and relation records between them (see
``networks_graph.build_graph``) — and a frozen ``NetworkParams``. Only links graded at or
above ``min_grade`` enter the graph. Output is a frozen ``NetworkResult``: per entity degree,
strength, betweenness (exact on small graphs, sampled beyond ``exact_betweenness_limit``),
PageRank, Leiden community, participation coefficient and ties into other communities (all,
and those through which money or anything else can come in); the brokers between
communities; the key players of each group (greedy KPP-Neg fragmentation); and every entity
within ``pep_hops`` links of a public official. Methods and their bounds are in
``networks_metrics`` and docs/methodology/networks-and-money.md. Exports (GraphML, Gephi CSV,
FtM) are in ``networks_export``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import polars as pl

from tocta.analytics.networks_graph import EntityGraph, build_graph, threshold_ranks
from tocta.analytics.networks_metrics import (
    betweenness,
    greedy_key_players,
    inflow_ties,
    leiden,
    pagerank,
    participation,
    pep_paths,
    ties_inside,
)

__all__ = ["NetworkParams", "NetworkResult", "analyse_network", "build_graph"]

Scope = Literal["community", "component", "graph"]
METHOD = ("entity network over links graded at or above a threshold: degree, betweenness, "
          "PageRank, Leiden communities, brokers (ties from other communities through which "
          "flows come in, betweenness, participation coefficient), key players (greedy "
          "KPP-Neg fragmentation of each group without its pendant vertices), paths to PEPs")


@dataclass(frozen=True)
class NetworkParams:
    """Methodology choices of a network analysis, recorded in its result.

    Attributes:
        min_grade: keep relation records graded at least this on both halves of the common
            scale (``"B2"``: reliability A–B and credibility 1–2); None keeps every record.
        exact_betweenness_limit: graphs up to this many entities get exact betweenness.
        betweenness_samples: pivot sources for sampled betweenness on larger graphs...
        betweenness_work: ...at most this many pivot × link visits: a graph of more than
            ``betweenness_work / betweenness_samples`` links gets fewer pivots (never fewer
            than 32), so that the cost stays bounded (62 pivots on 4M links; the relative
            error of a pivot estimate falls as 1/√k).
        betweenness_cutoff: if set, count only shortest paths of at most this many hops
            instead (bounded betweenness), whatever the size.
        damping: PageRank damping factor.
        resolution: Leiden resolution γ (higher: smaller communities).
        seed: seed for Leiden and betweenness pivots (same seed, same result).
        rank_kinds: entity kinds (FtM schemata) that may be ranked as brokers or key players;
            other entities still carry links and count in fragmentation. None ranks all.
        key_player_scope: the "group" a key player fragments: each Leiden community, each
            connected component, or the whole graph.
        key_players_per_group: greedy key players sought per group.
        min_group_size: smaller groups are not searched for key players.
        count_pendants: count vertices with a single tie inside their group when measuring
            fragmentation (Borgatti's plain F). Off by default: a pendant — an account, a
            company, a one-off payee — is known only through its one tie, and counting it
            makes the holder of a few accounts, or the centre of a star of strangers, a key
            player (see ``ties_inside``). ``min_group_size`` then counts the group's vertices
            with at least two ties in it.
        pep_hops: report entities within this many links of a public official (``is_pep``).
        flow_relations: relations that carry money (or goods) from a record's source to its
            target only; a broker's ties across count only where something can come in to it
            (see ``inflow_ties``). An empty tuple treats every relation as two-way and ranks
            brokers by all their ties across, as before 2026-12-06.
    """

    min_grade: str | None = "B2"
    exact_betweenness_limit: int = 5000
    betweenness_samples: int = 256
    betweenness_work: float = 2.5e8
    betweenness_cutoff: int | None = None
    damping: float = 0.85
    resolution: float = 1.0
    seed: int = 0
    rank_kinds: tuple[str, ...] | None = ("Person",)
    key_player_scope: Scope = "community"
    key_players_per_group: int = 3
    min_group_size: int = 4
    pep_hops: int = 2
    flow_relations: tuple[str, ...] = ("payment",)
    count_pendants: bool = False

    def __post_init__(self) -> None:
        threshold_ranks(self.min_grade)  # an unreadable grade fails here, naming the value
        if self.key_player_scope not in ("community", "component", "graph"):
            raise ValueError("key_player_scope must be community, component or graph")
        if not 0 < self.damping < 1:
            raise ValueError("damping must be between 0 and 1")
        if self.betweenness_samples < 1 or self.key_players_per_group < 0:
            raise ValueError("betweenness_samples must be ≥ 1 and key_players_per_group ≥ 0")
        if self.pep_hops < 1:
            raise ValueError("pep_hops must be at least 1")


@dataclass(frozen=True)
class NetworkResult:
    """Metrics of an entity network (see ``analyse_network``).

    Attributes:
        nodes: one row per entity: ``id, kind, country, is_pep, label, degree, strength,
            betweenness, pagerank, community, participation, bridge_ties, inflow_ties,
            communities_reached, broker_rank, key_player_rank, pep_hops`` (``inflow_ties``:
            the ties across through which something can come in; not the node's own
            payments out).
        edges: one row per merged link: ``source, target, relation, weight, records,
            grade`` (best grade of its records, Admiralty letters on the common scale).
        communities: ``community, size, persons, companies, peps, key_players``.
        key_players: ``group, rank, id, kind, label, pairs_cut, fragmentation_before,
            fragmentation_after`` (ordered pairs of the group that are no longer connected;
            unless ``count_pendants``, among the group's vertices with two ties in it).
        brokers: rankable entities with ties into other communities, best first: most
            inflow ties, then highest betweenness, then participation coefficient.
        pep_links: ``id, pep, hops, path`` (``>``-joined ids from the entity to the PEP).
        betweenness_method: exact, sampled (with the number of pivots) or bounded.
        grade: the weakest grade among the links used (common scale, e.g. ``B2``).
    """

    method: str
    params: NetworkParams
    nodes: pl.DataFrame
    edges: pl.DataFrame
    communities: pl.DataFrame
    key_players: pl.DataFrame
    brokers: pl.DataFrame
    pep_links: pl.DataFrame
    betweenness_method: str
    grade: str
    counts: dict[str, int]
    graph: EntityGraph = field(repr=False, compare=False)

    def explain(self) -> str:
        """A readable account: inputs, filter, method choices and the main findings."""
        c, p = self.counts, self.params
        lines = [
            f"{self.method}.",
            f"Links: {c['records_read']:,} records read, {c['records_kept']:,} kept at "
            f"{p.min_grade or 'any grade'} or better ({c['below_grade']:,} below, of which "
            f"{c['ungraded']:,} ungraded; {c['self_loops']:,} self-links), merged into "
            f"{c['edges']:,} links among {c['nodes']:,} entities; weakest link used: "
            f"{self.grade}.",
            f"Betweenness: {self.betweenness_method}. Communities (Leiden, γ={p.resolution}, "
            f"seed {p.seed}): {c['communities']:,}.",
        ]
        if self.brokers.height:
            top = ", ".join(f"{r['label']} ({r['inflow_ties']} ties in from, "
                            f"{r['bridge_ties']} ties to {r['communities_reached']} other "
                            "communities)"
                            for r in self.brokers.head(5).iter_rows(named=True))
            lines.append(f"Brokers between communities: {top}.")
        if self.key_players.height:
            best = self.key_players.sort("pairs_cut", descending=True).head(5)
            lines.append("Key players (removal fragments their " + p.key_player_scope + "): " +
                         ", ".join(f"{r['label']} (group {r['group']}: F "
                                   f"{r['fragmentation_before']:.2f}→"
                                   f"{r['fragmentation_after']:.2f})"
                                   for r in best.iter_rows(named=True)) + ".")
        n_pep = self.nodes.filter(pl.col("is_pep")).height
        near = self.pep_links["id"].n_unique() if self.pep_links.height else 0
        lines.append(f"Public officials: {n_pep}; entities within {p.pep_hops} links of one: "
                     f"{near}.")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data with stable snake_case keys (for ``--json``)."""
        return {"method": self.method, "params": asdict(self.params), "grade": self.grade,
                "betweenness_method": self.betweenness_method, "counts": dict(self.counts),
                "nodes": self.nodes.to_dicts(), "communities": self.communities.to_dicts(),
                "key_players": self.key_players.to_dicts(), "brokers": self.brokers.to_dicts(),
                "pep_links": self.pep_links.to_dicts()}


def _groups(scope: Scope, membership: np.ndarray, components: list[list[int]], n: int
            ) -> list[tuple[int, list[int]]]:
    if scope == "graph":
        return [(0, list(range(n)))]
    if scope == "component":
        return list(enumerate(components))
    order = np.argsort(membership, kind="stable")   # each community's vertices in order
    cuts = np.flatnonzero(np.diff(membership[order])) + 1
    return [(int(membership[part[0]]), part.tolist()) for part in np.split(order, cuts)
            if len(part)]


def betweenness_pivots(p: NetworkParams, links: int) -> int:
    """Pivot sources for sampled betweenness on a graph of ``links`` links (work budget)."""
    return min(p.betweenness_samples, max(32, int(p.betweenness_work / max(links, 1))))


def analyse_network(nodes: pl.DataFrame, edges: pl.DataFrame,
                    params: NetworkParams | None = None) -> NetworkResult:
    """Build the graded entity graph and compute every metric of ``NetworkResult``.

    Args:
        nodes: resolved entities: ``id`` and optionally ``kind`` (FtM schema), ``country``,
            ``is_pep``, ``label``.
        edges: relation records: ``source``, ``target``, ``relation`` and optionally
            ``grade`` and ``weight``.
        params: methodology choices (defaults: B2 or better, exact betweenness up to 5,000
            entities).
    """
    p = params or NetworkParams()
    eg = build_graph(nodes, edges, p.min_grade, p.flow_relations)
    g = eg.graph
    n = g.vcount()
    btw, btw_method = betweenness(g, p.exact_betweenness_limit,
                                  betweenness_pivots(p, g.ecount()),
                                  p.betweenness_cutoff, p.seed)
    pr = pagerank(g, p.damping)
    membership = leiden(g, p.resolution, p.seed)
    ends = np.asarray(g.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    coef, ties, reached = participation(ends, membership)
    inflow = inflow_ties(ends, eg.direction, membership)
    kinds = np.array(g.vs["kind"] if n else [], dtype=object)
    rankable = np.ones(n, dtype=bool) if p.rank_kinds is None else \
        np.isin(kinds, np.array(p.rank_kinds, dtype=object))
    ids, labels = g.vs["name"] if n else [], g.vs["label"] if n else []
    kp_rows = []
    groups = _groups(p.key_player_scope, membership,
                     [list(c) for c in g.connected_components()], n)
    if not p.count_pendants:
        group_of = np.zeros(n, dtype=np.int64)
        for i, (_, verts) in enumerate(groups):
            group_of[verts] = i
        inside = ties_inside(ends, group_of)
        groups = [(group, [v for v, ok in zip(verts, (inside[verts] >= 2).tolist(), strict=True)
                           if ok]) for group, verts in groups]
    for group, verts in groups:
        if len(verts) < p.min_group_size:
            continue
        for rank, (v, cut, before, after) in enumerate(
                greedy_key_players(g, verts, rankable, p.key_players_per_group), start=1):
            kp_rows.append({"group": group, "rank": rank, "id": ids[v], "kind": kinds[v],
                            "label": labels[v], "pairs_cut": cut, "fragmentation_before": before,
                            "fragmentation_after": after})
    key_players = pl.DataFrame(kp_rows, schema={
        "group": pl.Int64, "rank": pl.Int64, "id": pl.Utf8, "kind": pl.Utf8, "label": pl.Utf8,
        "pairs_cut": pl.Int64, "fragmentation_before": pl.Float64,
        "fragmentation_after": pl.Float64})
    kp_rank = dict(zip(key_players["id"], key_players["rank"], strict=True))
    node_frame = pl.DataFrame({
        "id": ids, "kind": kinds.tolist(), "country": g.vs["country"] if n else [],
        "is_pep": g.vs["is_pep"] if n else [], "label": labels,
        "degree": g.degree(), "strength": g.strength(weights="weight") if g.ecount()
        else [0.0] * n, "betweenness": btw, "pagerank": pr, "community": membership,
        "participation": coef, "bridge_ties": ties, "inflow_ties": inflow,
        "communities_reached": reached,
    }, schema_overrides={"country": pl.Utf8, "is_pep": pl.Boolean, "strength": pl.Float64,
                         "kind": pl.Utf8, "id": pl.Utf8, "label": pl.Utf8})
    brokers = (node_frame.filter(pl.Series(rankable) & (pl.col("communities_reached") > 0))
               # Ties through which flows come in from other groups first (a group's payer
               # to its suppliers is their customer, not a go-between); then the one
               # carrying more shortest paths brokers more; the participation coefficient,
               # highest for entities with few ties of their own group, breaks what is left.
               .sort(["inflow_ties", "betweenness", "participation", "id"],
                     descending=[True, True, True, False])
               .with_row_index("broker_rank", offset=1)
               .with_columns(pl.col("broker_rank").cast(pl.Int64)))
    peps = pep_paths(g, p.pep_hops)
    pep_links = pl.DataFrame(
        [{"id": ids[v], "pep": ids[q], "hops": len(path) - 1,
          "path": ">".join(ids[x] for x in path)} for v, q, path in peps],
        schema={"id": pl.Utf8, "pep": pl.Utf8, "hops": pl.Int64, "path": pl.Utf8}
    ).sort("hops", "id", "pep")
    nearest = pep_links.group_by("id").agg(pl.col("hops").min().alias("pep_hops"))
    node_frame = (node_frame
                  .join(brokers.select("id", "broker_rank"), on="id", how="left")
                  .with_columns(pl.col("id").replace_strict(kp_rank, default=None,
                                                            return_dtype=pl.Int64)
                                .alias("key_player_rank"))
                  .join(nearest, on="id", how="left", maintain_order="left"))
    edge_frame = _edge_frame(eg, ends)
    communities = _community_table(node_frame, key_players, p.key_player_scope)
    counts = {"records_read": eg.records_read, "records_kept": eg.records_kept,
              "below_grade": eg.below_grade, "ungraded": eg.ungraded,
              "self_loops": eg.self_loops, "unknown_nodes": eg.unknown_nodes,
              "nodes": n, "edges": g.ecount(),
              "communities": int(membership.max()) + 1 if n else 0,
              "components": len(g.connected_components()) if n else 0}
    return NetworkResult(METHOD, p, node_frame, edge_frame, communities, key_players,
                         brokers, pep_links, btw_method, eg.weakest_code, counts, eg)


def _edge_frame(eg: EntityGraph, ends: np.ndarray) -> pl.DataFrame:
    g = eg.graph
    names = pl.Series(g.vs["name"] if g.vcount() else [], dtype=pl.Utf8)
    rel = np.asarray(g.es["reliability"] if g.ecount() else [], dtype=np.int64)
    letters = np.array(list("ABCDEF"))
    frame = pl.DataFrame({
        "source": names.gather(ends[:, 0]), "target": names.gather(ends[:, 1]),
        "relation": g.es["relation"] if g.ecount() else [],
        "weight": g.es["weight"] if g.ecount() else [],
        "records": g.es["records"] if g.ecount() else [],
        "letter": letters[rel - 1] if len(rel) else [],
        "credibility": g.es["credibility"] if g.ecount() else []},
        schema={"source": pl.Utf8, "target": pl.Utf8, "relation": pl.Utf8,
                "weight": pl.Float64, "records": pl.Int64, "letter": pl.Utf8,
                "credibility": pl.Int64})
    return frame.select("source", "target", "relation", "weight", "records",
                        pl.concat_str("letter", pl.col("credibility").cast(pl.Utf8))
                        .alias("grade"))


def _community_table(nodes: pl.DataFrame, key_players: pl.DataFrame, scope: Scope
                     ) -> pl.DataFrame:
    table = (nodes.group_by("community")
             .agg(pl.len().alias("size"), (pl.col("kind") == "Person").sum().alias("persons"),
                  (pl.col("kind") == "Company").sum().alias("companies"),
                  pl.col("is_pep").sum().alias("peps"))
             .sort("community"))
    if scope != "community" or key_players.height == 0:
        return table.with_columns(pl.lit(None, pl.Utf8).alias("key_players"))
    kp = key_players.sort("rank").group_by("group").agg(
        pl.col("id").str.join(";").alias("key_players"))
    return table.join(kp, left_on="community", right_on="group", how="left")
