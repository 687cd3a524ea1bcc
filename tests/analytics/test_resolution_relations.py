"""Relation evidence: neighbour keys, the trained comparison and rescoring."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import polars as pl
import pytest

from tocta.analytics.resolution_clusters import Judgement
from tocta.analytics.resolution_relations import (
    RelationParams,
    add_relation_evidence,
    hub_keys,
    neighbour_keys,
    rescore_with_relations,
)


def _links(*rows: tuple[str, str]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema={"record_id": pl.Utf8, "linked_id": pl.Utf8},
                        orient="row")


def test_keys_pass_through_an_unkeyed_group_and_skip_the_record_itself() -> None:
    # a1 holds account acc1 (keyed by its IBAN) and is a member of org1 with c1 and d1;
    # org1 has no key (each agency names a group its own way): co-members stand for it
    links = _links(("a1", "acc1"), ("a1", "org1"), ("c1", "org1"), ("org1", "d1"))
    keys = pl.DataFrame({"record_id": ["acc1", "c1", "d1", "a1"],
                         "key": ["iban:X", "P-C", "P-D", "P-A"]})
    out = neighbour_keys(links, keys)
    got = {r: set(out.filter(pl.col("record_id") == r)["key"]) for r in ("a1", "c1")}
    assert got["a1"] == {"iban:X", "P-C", "P-D"}          # not its own key P-A
    assert got["c1"] == {"P-A", "P-D"}


def _world(n_match: int = 60, n_non: int = 600) -> tuple[pl.DataFrame, pl.DataFrame,
                                                         pl.DataFrame]:
    """Pairs whose records are linked to one person each: matches share that person's
    cluster in most cases, non-matches rarely."""
    rows, links, canon = [], [], []
    for i in range(n_match + n_non):
        match = i < n_match
        a, b = f"a{i:04d}", f"b{i:04d}"
        p = 0.999 if match else 0.0001
        rows.append((a, b, p, math.log2(p / (1 - p))))
        links += [(a, f"x{i:04d}"), (b, f"y{i:04d}")]
        # matches: 2 in 3 share the associate's cluster; non-matches: 1 in 100
        shared = (i % 3 != 0) if match else (i % 100 == 0)
        canon += [(f"x{i:04d}", f"K{i:04d}"), (f"y{i:04d}", f"K{i:04d}" if shared
                                                 else f"L{i:04d}")]
    # the pairs to decide: one sharing an associate, one not, one without relations
    for a, b, share in (("q1", "r1", True), ("q2", "r2", False), ("q3", "r3", None)):
        rows.append((a, b, 0.5, 0.0))
        if share is not None:
            links += [(a, f"x{a}"), (b, f"y{a}")]
            canon += [(f"x{a}", f"K{a}"), (f"y{a}", f"K{a}" if share else f"L{a}")]
    pairs = pl.DataFrame(rows, schema={"left_id": pl.Utf8, "right_id": pl.Utf8,
                                       "match_probability": pl.Float64,
                                       "match_weight": pl.Float64}, orient="row")
    canonical = pl.DataFrame(canon, schema={"record_id": pl.Utf8, "canonical_id": pl.Utf8},
                             orient="row")
    return pairs, _links(*links), canonical


def test_shared_associates_raise_a_pair_and_their_absence_lowers_it() -> None:
    pairs, links, canonical = _world()
    empty = pl.DataFrame(schema={"record_id": pl.Utf8, "key": pl.Utf8})
    out, model = add_relation_evidence(pairs, links, empty, canonical)
    assert model.used
    # m(one shared) = (40 + .5) / 61.5, u(one shared) = (6 + .5) / 601.5
    assert model.m[1] == pytest.approx(40.5 / 61.5)
    assert model.u[1] == pytest.approx(6.5 / 601.5)
    p = dict(zip(out["left_id"], out["match_probability"], strict=True))
    bf1, bf0 = model.bayes_factor(1), model.bayes_factor(0)
    assert p["q1"] == pytest.approx(bf1 / (1 + bf1))     # prior odds 1 x Bayes factor
    assert p["q2"] == pytest.approx(bf0 / (1 + bf0)) and p["q2"] < 0.5
    assert p["q3"] == pytest.approx(0.5)                  # no relations: neutral
    assert "one related entity in common" in model.explain()


def test_too_few_training_pairs_leave_scores_unchanged_and_say_why() -> None:
    pairs, links, canonical = _world(n_match=5)
    empty = pl.DataFrame(schema={"record_id": pl.Utf8, "key": pl.Utf8})
    out, model = add_relation_evidence(pairs, links, empty, canonical,
                                       RelationParams(min_pairs=30))
    assert not model.used and "too few training pairs" in model.explain()
    assert out["match_probability"].to_list() == pytest.approx(
        pairs["match_probability"].to_list())


def test_groups_are_resolved_by_the_members_they_share() -> None:
    # org1 (agency A) lists a1 and c1; org2 (agency B) lists b1 and c2; c1 and c2 are one
    # person after the first clustering (key P-C): the two groups are one, so a1 and b1,
    # who have no co-member in common, meet through it. org3 shares nobody and stays apart.
    links = _links(("a1", "org1"), ("c1", "org1"), ("b1", "org2"), ("c2", "org2"),
                   ("e1", "org3"), ("f1", "org3"))
    keys = pl.DataFrame({"record_id": ["a1", "c1", "b1", "c2", "e1", "f1"],
                         "key": ["P-A", "P-C", "P-B", "P-C", "P-E", "P-F"]})
    hubs = hub_keys(links, keys)
    got = dict(zip(hubs["record_id"], hubs["key"], strict=True))
    assert got == {"org1": "hub:org1", "org2": "hub:org1", "org3": "hub:org3"}
    out = neighbour_keys(links, keys, hubs)
    of = {r: set(out.filter(pl.col("record_id") == r)["key"]) for r in ("a1", "b1", "e1")}
    assert of["a1"] == {"hub:org1", "P-C"} and of["b1"] == {"hub:org1", "P-C"}
    assert of["e1"] == {"hub:org3", "P-F"}
    # without resolving the groups, a1 and b1 only meet through the shared co-member
    assert set(neighbour_keys(links, keys).filter(pl.col("record_id") == "a1")["key"]) \
        == {"P-C"}


def test_a_key_shared_by_many_groups_links_none_of_them() -> None:
    # one lawyer (key L) serves five groups: they are not one group for it
    links = _links(*[(f"law{i}", f"org{i}") for i in range(5)],
                   *[(f"m{i}", f"org{i}") for i in range(5)])
    keys = pl.DataFrame({"record_id": [f"law{i}" for i in range(5)]
                         + [f"m{i}" for i in range(5)],
                         "key": ["L"] * 5 + [f"P{i}" for i in range(5)]})
    assert hub_keys(links, keys, key_max=4)["key"].n_unique() == 5
    assert hub_keys(links, keys, key_max=5)["key"].n_unique() == 1
    assert hub_keys(links, keys, min_shared=2)["key"].n_unique() == 5


def test_a_negative_judgement_keeps_two_neighbours_apart() -> None:
    # a and b are each linked to an associate (x, y); x and y score 0.99 (one person for the
    # first clustering) unless an analyst judged them different
    pairs = pl.DataFrame({"left_id": ["a", "x"], "right_id": ["b", "y"],
                          "match_probability": [0.5, 0.99],
                          "match_weight": [0.0, math.log2(99)]})
    links = _links(("a", "x"), ("b", "y"))
    empty = pl.DataFrame(schema={"record_id": pl.Utf8, "key": pl.Utf8})
    ids = ["a", "b", "x", "y"]

    def level(judgements: list[Judgement]) -> int:
        out, _ = rescore_with_relations(ids, pairs, links, empty, RelationParams(),
                                        judgements)
        return int(out.filter(pl.col("left_id") == "a")["gamma_relations"].item())

    assert level([]) == 1
    no = Judgement("x", "y", "negative", "analyst", datetime(2026, 12, 6, tzinfo=UTC))
    assert level([no]) == 0
