"""Chunked scoring (``PairScorer``): the chunks partition the pairs, and the scores are
those of Splink's own ``predict`` over the same model."""

from __future__ import annotations

import polars as pl
import pytest

from tests.analytics.resolution_world import hand_records
from tocta.analytics.resolution import (
    PairScorer,
    ResolutionParams,
    _connect,
    _linker,
    pairs_from_scores,
    prepare_records,
    train_model,
)


@pytest.fixture(scope="module")
def scored() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    features = prepare_records(hand_records(typo=True))
    model = train_model(features, ResolutionParams(u_max_pairs=2e4, seed=1))
    with PairScorer(features, model, chunks=3) as scorer:
        chunks = [scorer.score_chunk(i) for i in (1, 2, 3)]
    con = _connect(model.params)
    try:
        pred = _linker(con, features, model.settings).inference.predict(warning_mode="never")
        p = model.params
        splink = pl.from_arrow(pred.as_duckdbpyrelation().filter(
            f"match_probability >= {p.min_probability} OR "
            f"match_probability <= {p.conflict_probability}").to_arrow_table())
    finally:
        con.close()
    assert isinstance(splink, pl.DataFrame)
    whole = pl.concat(chunks).sort("left_id", "right_id")
    ids = pl.concat([c.select("left_id", "right_id") for c in chunks])
    return whole, pairs_from_scores(splink), ids


def test_chunks_partition_the_pairs(scored) -> None:
    whole, _, ids = scored
    assert whole.height > 0 and ids.height == ids.unique().height == whole.height


def test_scores_are_those_of_splink_predict(scored) -> None:
    whole, splink, _ = scored
    assert whole.equals(splink)


def test_a_chunk_outside_the_range_is_refused() -> None:
    features = prepare_records(hand_records(typo=True).head(6))
    model = train_model(features, ResolutionParams(u_max_pairs=2e3, seed=1))
    with PairScorer(features, model, chunks=2) as scorer, pytest.raises(ValueError):
        scorer.score_chunk(3)


def test_linked_conflicts_keep_only_conflicts_that_clustering_can_test() -> None:
    from tocta.analytics.resolution import kept_pairs, linked_conflicts

    # a-b-c linked by accepted pairs (≥ 0.9); d-e linked; c-d only likely; f alone
    rows = [("a", "b", 0.95), ("b", "c", 0.92), ("d", "e", 0.99), ("c", "d", 0.30),
            ("a", "c", 0.0001),    # conflict inside a-b-c: kept
            ("b", "e", 0.0002),    # conflict across accepted components: dropped
            ("e", "f", 0.0001),    # f is in no likely pair: dropped
            ("a", "e", 0.01)]      # neither likely nor a conflict (not kept by a chunk)
    frame = pl.DataFrame(rows, schema=["left_id", "right_id", "match_probability"],
                         orient="row")
    params = ResolutionParams(keep_conflicts="linked")
    kept = linked_conflicts([frame.head(3).lazy(), frame.tail(5).lazy()], params)
    assert kept.select("left_id", "right_id").rows() == [("a", "b"), ("a", "c"), ("b", "c"),
                                                         ("c", "d"), ("d", "e")]
    assert kept_pairs([frame.lazy()], ResolutionParams()).height == len(rows)   # all
    assert linked_conflicts([frame.tail(3).lazy()], params).height == 0   # none accepted
    with pytest.raises(ValueError, match="keep_conflicts"):
        ResolutionParams(keep_conflicts="some")
