"""Relation evidence for entity resolution: two records with the same associates are likelier
one person (collective resolution, in rounds).

Names, dates and identifiers cannot tell two people called "Aung Win" apart when neither
record has a date or a passport. Their relations often can: if a co-member of the group one
agency lists under the first record is, after resolution, the same person as a co-member of
the group another agency lists under the second, or both hold the same bank account, the two
are rarely strangers who happen to share a name.

Method (after Bhattacharya and Getoor's collective resolution, in Fellegi–Sunter terms):

1. **Neighbour keys.** Every record's related records (``links``: Membership, Directorship,
   Ownership, Associate, Family, account holding...) are replaced by what identifies them
   across agencies: a person's canonical id from a first, strict clustering of the
   attribute-only model; an account, company or vessel's identifier (IBAN, registration
   number, IMO). A related record with neither (an Organization, whose name each agency writes
   its own way: "Operation Lynx" for one, "Saint-Tropez cartel" for another) is a *hub*: it
   is resolved by its members — two hubs that hold a keyed related record in common (one
   person, after the first clustering, listed by both agencies) are one group, and so are
   their components — and the group's key counts for each of its members; the hub also
   stands for its own related records, so co-members meet through it.
2. **The comparison.** For a candidate pair, the number of neighbour keys the two records
   share (their own clusters excluded): none, one, two or more; neutral when either record
   has no keyed relation.
3. **m and u from the data.** m from candidate pairs the attribute model already calls near
   certain (probability ≥ ``m_probability``), u from candidate pairs it calls near impossible
   (≤ ``u_probability``) — records that met on a similar name but differ in date or
   identifier, i.e. exactly the look-alikes the comparison must tell apart. Add-half smoothing.
   Independence assumption: given match status, whether two records share associates does
   not depend on how well their names and dates were written.
4. **Rescoring.** Each pair's match weight gains log2 of the Bayes factor of its level; the
   probability follows. Too few training pairs (< ``min_pairs`` on either side): the
   evidence is not used and the result says so.

Analytics only: frames in, a frozen result out.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import polars as pl

from tocta.analytics.resolution_clusters import (
    ClusterParams,
    Judgement,
    cluster_judgements,
    component_labels,
)

__all__ = ["RELATION_LEVELS", "RelationModel", "RelationParams", "add_relation_evidence",
           "hub_keys", "neighbour_keys", "relation_levels", "rescore_with_relations"]

RELATION_LEVELS = {-1: "no keyed relation on one side (neutral)",
                   0: "no related entity in common",
                   1: "one related entity in common",
                   2: "two or more related entities in common"}


@dataclass(frozen=True)
class RelationParams:
    """Parameters of the relation evidence.

    Attributes:
        seed_probability: pairs of the attribute model at or above it form the first, strict
            clustering that resolves the neighbours.
        m_probability: candidate pairs at or above it train m (treated as matches).
        u_probability: candidate pairs at or below it train u (treated as non-matches).
        min_pairs: fewest training pairs (with keyed relations on both sides) per side.
        rounds: rescoring rounds; each resolves the neighbours with the previous round's
            scores (the second round gains from the first's merges; more rarely change).
        hub_min_shared: two hubs (unkeyed related records, e.g. organizations) holding at
            least this many keyed related records in common are one; None: hubs are not
            resolved, only passed through to their related records.
        hub_key_max: a key held by more hubs than this links none of them (a bank or a
            lawyer serving many groups would otherwise chain unrelated groups into one).
    """

    seed_probability: float = 0.9
    m_probability: float = 0.99
    u_probability: float = 0.001
    min_pairs: int = 30
    rounds: int = 2
    hub_min_shared: int | None = 1
    hub_key_max: int = 10


@dataclass(frozen=True)
class RelationModel:
    """The trained comparison: per level, m, u and the Bayes factor; or why it is unused.

    Attributes:
        m: P(level | match) per level 0..2.
        u: P(level | non-match) per level 0..2.
        match_pairs: training pairs on the match side.
        nonmatch_pairs: training pairs on the non-match side.
        used: whether the evidence entered the scores.
        note: why not, when unused.
    """

    m: tuple[float, float, float]
    u: tuple[float, float, float]
    match_pairs: int
    nonmatch_pairs: int
    used: bool
    note: str = ""

    def bayes_factor(self, level: int) -> float:
        """The Bayes factor of a level (1 for -1, the neutral level, or an unused model)."""
        if level < 0 or not self.used:
            return 1.0
        return self.m[level] / self.u[level]

    def explain(self) -> str:
        """The comparison's levels with their m, u and Bayes factors."""
        if not self.used:
            return f"Relation evidence not used: {self.note}"
        lines = [f"Relation evidence (m from {self.match_pairs:,} near-certain pairs, u from "
                 f"{self.nonmatch_pairs:,} near-impossible look-alike pairs):"]
        for lv in (2, 1, 0):
            lines.append(f"  {RELATION_LEVELS[lv]}: m {self.m[lv]:.3f}, u {self.u[lv]:.4f}, "
                         f"Bayes factor {self.bayes_factor(lv):.3g}")
        return "\n".join(lines)


def _symmetric(links: pl.DataFrame) -> pl.DataFrame:
    return pl.concat([
        links.select(pl.col("record_id").cast(pl.Utf8), pl.col("linked_id").cast(pl.Utf8)),
        links.select(pl.col("linked_id").cast(pl.Utf8).alias("record_id"),
                     pl.col("record_id").cast(pl.Utf8).alias("linked_id"))]).unique()


def hub_keys(links: pl.DataFrame, keys: pl.DataFrame, min_shared: int = 1,
             key_max: int = 10) -> pl.DataFrame:
    """Resolve the hubs — related records without a key — by the keys of their own related
    records: hubs holding at least ``min_shared`` keys in common are one, transitively.

    Args:
        links: ``record_id``, ``linked_id`` (either direction).
        keys: ``record_id``, ``key`` of the keyed records.
        min_shared: keys two hubs must hold in common.
        key_max: keys held by more hubs than this are not used to link hubs.

    Returns:
        ``record_id`` (a hub), ``key`` (``hub:`` and the smallest hub id of its component);
        every hub with a keyed related record has one, alone or not.
    """
    both = _symmetric(links)
    keyed = keys.select(pl.col("record_id").cast(pl.Utf8), pl.col("key").cast(pl.Utf8))
    held = (both.join(keyed, on="record_id", how="anti")
            .join(keyed, left_on="linked_id", right_on="record_id")
            .select(pl.col("record_id").alias("hub"), "key").unique())
    hubs = held["hub"].unique().sort()
    if hubs.is_empty():
        return pl.DataFrame(schema={"record_id": pl.Utf8, "key": pl.Utf8})
    index = pl.DataFrame({"hub": hubs, "i": np.arange(hubs.len())})
    usable = held.filter(pl.len().over("key") <= key_max).join(index, on="hub")
    linked = (usable.join(usable, on="key").filter(pl.col("i") < pl.col("i_right"))
              .group_by("i", "i_right").len().filter(pl.col("len") >= min_shared))
    label = component_labels(hubs.len(), linked["i"].to_numpy(), linked["i_right"].to_numpy())
    first = pl.DataFrame({"hub": hubs, "c": label}).group_by("c").agg(
        pl.col("hub").min().alias("key"))
    return (pl.DataFrame({"record_id": hubs, "c": label}).join(first, on="c")
            .select("record_id", ("hub:" + pl.col("key")).alias("key")))


def neighbour_keys(links: pl.DataFrame, keys: pl.DataFrame,
                   hubs: pl.DataFrame | None = None) -> pl.DataFrame:
    """Each record's related entities, named by what identifies them across agencies.

    Args:
        links: ``record_id``, ``linked_id`` — relations among records (either direction is
            enough; they are made symmetric).
        keys: ``record_id``, ``key`` — a cross-agency key for the records that have one
            (a person's canonical id, an account's IBAN...). Related records without a key
            are passed through: their own related records' keys count instead.
        hubs: ``record_id``, ``key`` of resolved hubs (``hub_keys``): their key counts too.

    Returns:
        ``record_id``, ``key`` (distinct pairs).
    """
    both = _symmetric(links)
    keyed = keys.select(pl.col("record_id").cast(pl.Utf8), pl.col("key").cast(pl.Utf8))
    direct = both.join(keyed, left_on="linked_id", right_on="record_id") \
        .select("record_id", "key")
    unkeyed = both.join(keyed, left_on="linked_id", right_on="record_id", how="anti")
    # record -> hub -> other record of the hub (not itself) -> its key
    through = (unkeyed.join(both.rename({"record_id": "hub", "linked_id": "other"}),
                            left_on="linked_id", right_on="hub")
               .filter(pl.col("other") != pl.col("record_id"))
               .join(keyed, left_on="other", right_on="record_id")
               .select("record_id", "key"))
    parts = [direct, through]
    if hubs is not None:
        parts.append(unkeyed.join(hubs.select(pl.col("record_id").cast(pl.Utf8),
                                              pl.col("key").cast(pl.Utf8)),
                                  left_on="linked_id", right_on="record_id")
                     .select("record_id", "key"))
    return pl.concat(parts).unique()


def relation_levels(pairs: pl.DataFrame, nkeys: pl.DataFrame, own: pl.DataFrame,
            batch: int = 250_000) -> pl.DataFrame:
    """``left_id``, ``right_id``, ``gamma_relations`` for every pair: how many neighbour keys
    (``nkeys``: ``record_id``, ``key``) the two records share, their own clusters (``own``:
    ``record_id``, ``own``) excluded — in batches of pairs, so that memory stays bounded when
    records have many related entities."""
    ids = pairs.select("left_id", "right_id")
    has = nkeys.select("record_id").unique()
    out = []
    for start in range(0, max(ids.height, 1), batch):
        chunk = ids.slice(start, batch)
        left = chunk.join(nkeys, left_on="left_id", right_on="record_id")
        right = chunk.join(nkeys, left_on="right_id", right_on="record_id")
        shared = left.join(right, on=["left_id", "right_id", "key"])
        # a pair's own clusters are not evidence for it (a co-member resolved to the other)
        shared = (shared.join(own.rename({"record_id": "left_id", "own": "own_l"}),
                              on="left_id", how="left")
                  .join(own.rename({"record_id": "right_id", "own": "own_r"}),
                        on="right_id", how="left")
                  .filter((pl.col("key") != pl.col("own_l").fill_null(""))
                          & (pl.col("key") != pl.col("own_r").fill_null("")))
                  .group_by("left_id", "right_id").len("shared"))
        both_have = (pl.col("left_id").is_in(has["record_id"].implode())
                     & pl.col("right_id").is_in(has["record_id"].implode()))
        out.append(chunk.join(shared, on=["left_id", "right_id"], how="left")
                   .with_columns(pl.when(~both_have).then(-1)
                                 .otherwise(pl.col("shared").fill_null(0).clip(0, 2))
                                 .cast(pl.Int8).alias("gamma_relations"))
                   .select("left_id", "right_id", "gamma_relations"))
    return pl.concat(out)


def _train(scored: pl.DataFrame, params: RelationParams) -> RelationModel:
    known = scored.filter(pl.col("gamma_relations") >= 0)
    sides = []
    for cond in (pl.col("match_probability") >= params.m_probability,
                 pl.col("match_probability") <= params.u_probability):
        counts = dict(known.filter(cond).group_by("gamma_relations").len().iter_rows())
        n = sum(counts.values())
        sides.append((n, tuple((counts.get(lv, 0) + 0.5) / (n + 1.5) for lv in (0, 1, 2))))
    (nm, m), (nu, u) = sides
    if min(nm, nu) < params.min_pairs:
        return RelationModel(m, u, nm, nu, False,  # type: ignore[arg-type]
                             f"too few training pairs with relations on both sides "
                             f"({nm} near-certain, {nu} near-impossible; at least "
                             f"{params.min_pairs} each)")
    return RelationModel(m, u, nm, nu, True)  # type: ignore[arg-type]


def add_relation_evidence(pairs: pl.DataFrame, links: pl.DataFrame, keys: pl.DataFrame,
                          canonical: pl.DataFrame, params: RelationParams | None = None
                          ) -> tuple[pl.DataFrame, RelationModel]:
    """Rescore candidate pairs with the relation comparison.

    Args:
        pairs: scored pairs (``left_id``, ``right_id``, ``match_probability``,
            ``match_weight``, ...), e.g. ``ResolutionResult.pairs``.
        links: ``record_id``, ``linked_id`` among all records (any schema).
        keys: ``record_id``, ``key`` for related records identified by an identifier.
        canonical: ``record_id``, ``canonical_id`` of the resolved records (the first,
            strict clustering at ``params.seed_probability``).
        params: the parameters.

    Returns:
        The pairs with ``gamma_relations``, ``bf_relations`` and the match weight and
        probability updated; and the trained comparison.
    """
    params = params or RelationParams()
    own = canonical.select(pl.col("record_id").cast(pl.Utf8),
                           pl.col("canonical_id").cast(pl.Utf8).alias("own"))
    all_keys = pl.concat([keys.select(pl.col("record_id").cast(pl.Utf8),
                                      pl.col("key").cast(pl.Utf8)),
                          own.select("record_id", pl.col("own").alias("key"))]).unique(
        "record_id", keep="first")
    hubs = None if params.hub_min_shared is None else hub_keys(
        links, all_keys, params.hub_min_shared, params.hub_key_max)
    nkeys = neighbour_keys(links, all_keys, hubs)
    levels = relation_levels(pairs, nkeys, own)
    scored = pairs.drop("gamma_relations", "bf_relations", strict=False).join(
        levels, on=["left_id", "right_id"], how="left").with_columns(
        pl.col("gamma_relations").fill_null(-1))
    model = _train(scored, params)
    bf = {lv: model.bayes_factor(lv) for lv in (-1, 0, 1, 2)}
    weight = pl.col("match_weight") + pl.col("bf_relations").log(2)
    scored = (scored.with_columns(pl.col("gamma_relations").replace_strict(
        bf, return_dtype=pl.Float64).alias("bf_relations"))
              .with_columns(weight.alias("match_weight"))
              .with_columns((1 / (1 + (2.0 ** -pl.col("match_weight"))))
                            .alias("match_probability")))
    return scored, model


def rescore_with_relations(record_ids: list[str], pairs: pl.DataFrame, links: pl.DataFrame,
                           keys: pl.DataFrame, params: RelationParams | None = None,
                           judgements: Iterable[Judgement] = ()
                           ) -> tuple[pl.DataFrame, RelationModel]:
    """``add_relation_evidence`` over ``params.rounds`` rounds, each resolving the neighbours
    by clustering the previous round's scores at ``params.seed_probability``.

    Args:
        record_ids: the resolved records (those in ``pairs``' ids and the singletons).
        pairs: the attribute model's scored pairs (``ResolutionResult.pairs``).
        links: ``record_id``, ``linked_id`` among all records.
        keys: ``record_id``, ``key`` of related records with an identifier.
        params: the parameters.
        judgements: the analysts' judgement log: the neighbours are resolved under it too
            (two records an analyst judged different are never one neighbour).

    Returns:
        The rescored pairs and the last round's comparison.
    """
    params = params or RelationParams()
    log = list(judgements)
    current, model = pairs, None
    for _ in range(max(1, params.rounds)):
        seeds = cluster_judgements(record_ids, current, log,
                                   ClusterParams(params.seed_probability)).clusters
        current, model = add_relation_evidence(pairs, links, keys,
                                               seeds.select("record_id", "canonical_id"),
                                               params)
    assert model is not None
    return current, model
