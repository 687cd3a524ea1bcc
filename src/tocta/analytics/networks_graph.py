"""Entity graphs from plain tables: nodes, relations, their grades, and the grade filter.

A node is a resolved entity (``id``, ``kind`` — the FtM schema, e.g. Person, Company —,
``country``, ``is_pep``). An edge row is one record of a relation between two resolved
entities (``source``, ``target``, ``relation`` — membership, directorship, ownership,
associate, family, payment… —, ``grade`` and ``weight``). Records below the chosen grade are
dropped first; the rest are merged per unordered pair and relation: weights add up, the
number of records is kept, and the merged link carries the best grade among its records (a
link reported by an A1 and a C3 source is known at A1). The graph is undirected: a payment
and an ownership both tie two entities together, and centrality and communities ignore
direction. What a link can carry, and which way, is kept beside it (``EntityGraph.direction``):
a *flow* relation (payment) carries money from its source to its target only, every other
relation (an associate, a director) either way — brokerage between groups reads it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import igraph as ig
import numpy as np
import polars as pl

from tocta.schema.types.grade import Grade, parse_grade, rank_to_admiralty

#: relation names and the FtM schema each is exported as (with its two ends)
RELATION_SCHEMATA: dict[str, tuple[str, str, str]] = {
    "membership": ("Membership", "member", "organization"),
    "directorship": ("Directorship", "director", "organization"),
    "ownership": ("Ownership", "owner", "asset"),
    "associate": ("Associate", "person", "associate"),
    "family": ("Family", "person", "relative"),
    "payment": ("Payment", "payer", "beneficiary"),
    "employment": ("Employment", "employer", "employee"),
    "representation": ("Representation", "agent", "client"),
}
UNGRADED = (6, 6)  # a record without a readable grade "cannot be judged" on both halves
NODE_COLUMNS = ("id", "kind", "country", "is_pep")
EDGE_COLUMNS = ("source", "target", "relation")
#: relations that carry something one way, from the record's source to its target
FLOW_RELATIONS = ("payment",)


def grade_ranks(raw: object, default_scheme: str = "admiralty") -> tuple[int, int] | None:
    """Common-scale ranks of a grade given as a ``Grade``, ``scheme:CODE`` or bare code.

    Returns None when the value is empty or not a grade in its scheme.
    """
    if raw is None:
        return None
    if isinstance(raw, Grade):
        return (raw.reliability_rank, raw.credibility_rank)
    text = str(raw).strip()
    if not text:
        return None
    grade = parse_grade(text) if ":" in text else parse_grade(text, default_scheme)
    return None if grade is None else (grade.reliability_rank, grade.credibility_rank)


def threshold_ranks(min_grade: str | Grade | None) -> tuple[int, int]:
    """The ranks a record must meet (both halves at least as strong), from e.g. ``"B2"``."""
    if min_grade is None:
        return UNGRADED
    ranks = grade_ranks(min_grade)
    if ranks is None:
        raise ValueError(f"min_grade {min_grade!r} is not a grade: give e.g. 'B2', "
                         "'admiralty:B2' or '3x5x2:1B'")
    return ranks


@dataclass(frozen=True)
class EntityGraph:
    """An undirected graph of resolved entities with merged, graded links.

    Attributes:
        graph: igraph graph; vertex attributes ``name`` (entity id), ``kind``, ``country``,
            ``is_pep``; edge attributes ``relation`` (``;``-joined when a pair has several),
            ``weight``, ``records``, ``reliability``, ``credibility`` (best ranks).
        records_read: edge records given.
        records_kept: records at or above the grade threshold (and with both ends known).
        below_grade: records dropped by the grade filter (ungraded ones included).
        ungraded: records whose grade was missing or unreadable (ranked F6).
        self_loops: records linking an entity to itself (kept out of the graph).
        unknown_nodes: edge ends missing from the node table (added with kind ``Unknown``).
        weakest: ranks of the weakest record kept (the graph claims no more than this).
        direction: per link (in edge id order), which way it carries: 1 from its source
            vertex to its target only (every record a flow relation that way), -1 only from
            target to source, 0 both ways (flows both ways, or a relation without direction).
            The source is always the vertex of the lower index.
    """

    graph: ig.Graph
    records_read: int
    records_kept: int
    below_grade: int
    ungraded: int
    self_loops: int
    unknown_nodes: int
    weakest: tuple[int, int]
    direction: np.ndarray

    @property
    def weakest_code(self) -> str:
        return rank_to_admiralty(*self.weakest)


def _check_columns(frame: pl.DataFrame, need: Iterable[str], what: str) -> None:
    missing = [c for c in need if c not in frame.columns]
    if missing:
        raise ValueError(f"{what} table lacks column(s) {', '.join(missing)}; "
                         f"found: {', '.join(frame.columns) or 'none'}")


def _edge_ranks(edges: pl.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reliability and credibility ranks per record and whether the grade was readable."""
    if "grade" not in edges.columns:
        n = edges.height
        return np.full(n, UNGRADED[0]), np.full(n, UNGRADED[1]), np.zeros(n, dtype=bool)
    grades = edges["grade"]
    if grades.dtype == pl.Utf8:
        # one parse per distinct code, then a gather: a million records carry a few codes
        codes = grades.unique(maintain_order=True)
        where = grades.to_frame("g").join(codes.to_frame("g").with_row_index("i"), on="g",
                                          how="left", nulls_equal=True,
                                          maintain_order="left")["i"].to_numpy()
        parsed = [grade_ranks(raw) for raw in codes.to_list()]
        table = np.array([r or UNGRADED for r in parsed], dtype=np.int64).reshape(-1, 2)
        good = np.array([r is not None for r in parsed], dtype=bool)
        return table[where, 0], table[where, 1], good[where]
    cache: dict[object, tuple[int, int] | None] = {}
    rel, cred, ok = [], [], []
    for raw in edges["grade"].to_list():
        key = str(raw) if raw is not None else None
        if key not in cache:
            cache[key] = grade_ranks(raw)
        ranks = cache[key]
        ok.append(ranks is not None)
        r = ranks or UNGRADED
        rel.append(r[0])
        cred.append(r[1])
    return np.array(rel, dtype=np.int64), np.array(cred, dtype=np.int64), np.array(ok)


def build_graph(nodes: pl.DataFrame, edges: pl.DataFrame,
                min_grade: str | Grade | None = None,
                flow_relations: Iterable[str] = FLOW_RELATIONS) -> EntityGraph:
    """Build the graph of the links graded at least ``min_grade`` (both halves).

    Args:
        nodes: ``id`` and optionally ``kind``, ``country``, ``is_pep``, ``label``.
        edges: ``source``, ``target``, ``relation`` and optionally ``grade`` (``Grade``,
            ``admiralty:B2``, a bare Admiralty code), ``weight`` (default 1 per record).
        min_grade: keep records whose reliability and credibility both meet it on the common
            scale (``"B2"`` keeps A1…B2 but not B3 or C1); None keeps every record, ungraded
            ones included.
        flow_relations: relations that carry something from ``source`` to ``target`` only
            (``EntityGraph.direction``); an empty tuple makes every link two-way.
    """
    _check_columns(nodes, ("id",), "node")
    _check_columns(edges, EDGE_COLUMNS, "edge")
    need_r, need_c = threshold_ranks(min_grade)
    rel, cred, readable = _edge_ranks(edges)
    rel, cred = np.asarray(rel, dtype=np.int64), np.asarray(cred, dtype=np.int64)
    readable = np.asarray(readable, dtype=bool)
    weight = edges["weight"].fill_null(1.0).cast(pl.Float64).to_numpy() \
        if "weight" in edges.columns else np.ones(edges.height)
    src = edges["source"].cast(pl.Utf8).to_numpy()
    dst = edges["target"].cast(pl.Utf8).to_numpy()
    meets = (rel <= need_r) & (cred <= need_c)
    loops = src == dst
    keep = meets & ~loops
    kept_src = pl.Series("id", src[keep], dtype=pl.Utf8)
    kept_dst = pl.Series("id", dst[keep], dtype=pl.Utf8)
    node_table = _node_table(nodes)
    ends = pl.concat([kept_src, kept_dst]).unique()
    extra = (ends.to_frame("id").join(node_table.select("id"), on="id", how="anti")
             .sort("id")["id"].to_list())
    if extra:
        node_table = pl.concat([node_table, pl.DataFrame(
            {"id": extra, "kind": ["Unknown"] * len(extra), "country": [None] * len(extra),
             "is_pep": [False] * len(extra), "label": extra},
            schema=node_table.schema)])
    # vertices in id order: the same entities and links give the same graph, and so the same
    # seeded communities, whatever order the tables came in
    node_table = node_table.sort("id")
    ids = node_table["id"].to_list()
    index = node_table.select("id").with_row_index("i")
    # records merged on vertex indices (in id order), not on the id strings
    si, di = (ends_of.to_frame().join(index, on="id", how="left", maintain_order="left")["i"]
              .to_numpy().astype(np.int64) for ends_of in (kept_src, kept_dst))
    a, b = np.minimum(si, di), np.maximum(si, di)
    kept = pl.DataFrame({"a": a, "b": b, "relation": edges["relation"].cast(pl.Utf8)
                         .to_numpy()[keep], "weight": weight[keep], "rel": rel[keep],
                         "cred": cred[keep], "forward": si == a},
                        schema={"a": pl.Int64, "b": pl.Int64, "relation": pl.Utf8,
                                "weight": pl.Float64, "rel": pl.Int64, "cred": pl.Int64,
                                "forward": pl.Boolean})
    flow = pl.col("relation").is_in(list(flow_relations))
    merged = (kept.group_by("a", "b")
              .agg(pl.col("relation").unique().sort().str.join(";"),
                   pl.col("weight").sum(), pl.len().alias("records"),
                   pl.col("rel").min().alias("reliability"),
                   pl.col("cred").min().alias("credibility"),
                   (~flow | pl.col("forward")).any().alias("to_b"),
                   (~flow | ~pl.col("forward")).any().alias("to_a"))
              .sort("a", "b"))
    g = ig.Graph(n=len(ids), edges=np.column_stack(
        [merged["a"].to_numpy(), merged["b"].to_numpy()]).tolist())
    for col in ("kind", "country", "is_pep", "label"):
        g.vs[col] = node_table[col].to_list()
    g.vs["name"] = ids
    for col in ("relation", "weight", "records", "reliability", "credibility"):
        g.es[col] = merged[col].to_list()
    weakest = (int(rel[keep].max()), int(cred[keep].max())) if keep.any() else UNGRADED
    # ids sort the vertices, so a < b is also the lower vertex index: the link's source
    direction = (merged["to_b"].cast(pl.Int8) - merged["to_a"].cast(pl.Int8)).to_numpy()
    return EntityGraph(g, edges.height, int(keep.sum()), int((~meets).sum()),
                       int((~readable).sum()), int(loops.sum()), len(extra), weakest,
                       np.asarray(direction, dtype=np.int8))


def _node_table(nodes: pl.DataFrame) -> pl.DataFrame:
    frame = nodes.with_columns(pl.col("id").cast(pl.Utf8))
    defaults = {"kind": pl.lit("Unknown"), "country": pl.lit(None, pl.Utf8),
                "is_pep": pl.lit(False), "label": pl.col("id")}
    frame = frame.with_columns([expr.alias(c) for c, expr in defaults.items()
                                if c not in frame.columns])
    frame = frame.select(pl.col("id"), pl.col("kind").cast(pl.Utf8).fill_null("Unknown"),
                         pl.col("country").cast(pl.Utf8),
                         pl.col("is_pep").cast(pl.Boolean).fill_null(False),
                         pl.col("label").cast(pl.Utf8).fill_null(pl.col("id")))
    dupes = frame.filter(pl.col("id").is_duplicated())["id"].unique().sort().to_list()
    if dupes:
        raise ValueError(f"node ids must be unique; repeated: {', '.join(dupes[:5])}")
    return frame
