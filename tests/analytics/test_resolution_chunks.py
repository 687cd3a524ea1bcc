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
    _tidy,
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
    return whole, _tidy(splink), pl.concat([c.select("left_id", "right_id") for c in chunks])


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
