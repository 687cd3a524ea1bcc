"""Resumable chunked resolution: chunks persist, a resumed run scores only what is missing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import polars as pl
import pytest

from tests.analytics.resolution_world import hand_records
from tocta.analytics.resolution import ResolutionParams, explain_row, resolve_records
from tocta.services.resolve import close_result, resolve_in_chunks


def test_resumed_run_equals_a_single_run(tmp_path: Path) -> None:
    params = ResolutionParams(u_max_pairs=2e4, seed=1)
    first = resolve_in_chunks(hand_records(), tmp_path, chunks=3, params=params, progress=False)
    chunk = tmp_path / "pairs-0002-of-0003.parquet"
    assert (tmp_path / "model.json").exists() and chunk.exists()
    chunk.unlink()                                  # as if interrupted before chunk 2
    resumed = resolve_in_chunks(hand_records(), tmp_path, chunks=3, progress=False)
    assert resumed.pairs.equals(first.pairs)
    whole = resolve_records(hand_records(), model=first.model)
    assert whole.pairs.select("left_id", "right_id").equals(
        first.pairs.select("left_id", "right_id"))


def test_other_chunking_in_the_same_folder_is_refused(tmp_path: Path) -> None:
    params = ResolutionParams(u_max_pairs=2e4, seed=1)
    resolve_in_chunks(hand_records(), tmp_path, chunks=2, params=params, progress=False)
    with pytest.raises(ValueError, match="another run"):
        resolve_in_chunks(hand_records(), tmp_path, chunks=3, progress=False)


def test_a_lower_key_cap_blocks_fewer_pairs_and_a_resumed_run_keeps_it(tmp_path: Path) -> None:
    # four more "Ana Vega ..." meet the first Ana Vega only through the pair of their first
    # two tokens' phonetic keys, a key five records hold
    extra = pl.DataFrame({"record_id": [f"x{i}" for i in range(4)],
                          "name": [f"Ana Vega {f}" for f in ("Lopez", "Mora", "Ruiz", "Sanz")]})
    records = pl.concat([hand_records(), extra], how="diagonal")
    params = ResolutionParams(u_max_pairs=2e4, seed=1, max_key_records=2, min_probability=0.0)
    narrow = resolve_in_chunks(records, tmp_path, chunks=2, params=params, progress=False)
    got = set(narrow.pairs.select("left_id", "right_id").iter_rows())
    assert narrow.model.params.max_key_records == 2
    assert not {p for p in got if "x0" in p}                 # dropped with the common key
    wide_all = resolve_records(records, replace(params, max_key_records=300))
    assert {p for p in set(wide_all.pairs.select("left_id", "right_id").iter_rows())
            if "x0" in p}
    (tmp_path / "pairs-0002-of-0002.parquet").unlink()
    resumed = resolve_in_chunks(records, tmp_path, chunks=2, progress=False)
    assert set(resumed.pairs.select("left_id", "right_id").iter_rows()) == got


def test_closure_scores_the_pairs_a_judgement_would_join(tmp_path: Path) -> None:
    params = ResolutionParams(u_max_pairs=2e4, seed=1)
    records = hand_records()
    res = resolve_in_chunks(records, tmp_path, chunks=2, params=params, progress=False)
    # the three records of each person are blocked together already: nothing to add
    alone = close_result(records, res, 0.9)
    assert alone.added == 0 and alone.rounds == 0 and alone.pairs.equals(res.pairs)
    # an analyst joins Ana Vega (r00a, r00b: accepted; r00c, the year only, is not) and Luis
    # Soto (r11*): the four pairs across the two groups are scored (no rule brought them),
    # each with the model's evidence against it
    link = pl.DataFrame({"left_id": ["r00a"], "right_id": ["r11a"]})
    joined = close_result(records, res, 0.9, links=link)
    added = joined.pairs.join(res.pairs, on=["left_id", "right_id"], how="anti")
    assert joined.added == added.height == 4 and joined.rounds == 1
    assert set(added.select("left_id", "right_id").iter_rows()) == {
        (a, b) for a in ("r00a", "r00b") for b in ("r11a", "r11b")}
    assert added["match_probability"].max() < 0.01
    assert "against" in explain_row(added.row(0, named=True), res.model, res.params)
