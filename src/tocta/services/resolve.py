"""Resolve entity records in resumable chunks persisted to a directory.

The analytics (``tocta.analytics.resolution``) train a model and score one chunk of the
candidate pairs at a time; this service owns the files:

* ``model.json`` — the trained model (Splink settings with m, u and the prior) and the
  parameters; written first, so that a resumed run scores with the very same model;
* ``pairs-<i>-of-<n>.parquet`` — the scored pairs whose left record falls in chunk ``i``
  (chunks partition the pairs); each written to a temporary name and renamed when complete,
  so an interrupted run leaves no half-written chunk;

Running again with the same directory skips the chunks already there. The chunks are
blocked and scored one after the other on the same DuckDB connection. A progress bar (rich)
goes to stderr.

``close_result`` then scores the pairs clustering could join that no blocking rule brought
(``resolution.close_components``; few, not persisted).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from rich.progress import Progress

from tocta.analytics.resolution import (
    Closure,
    PairScorer,
    ResolutionModel,
    ResolutionParams,
    ResolutionResult,
    close_components,
    kept_pairs,
    pair_scorer,
    prepare_records,
    train_model,
)

if TYPE_CHECKING:
    from tocta.analytics.resolution_spark import SparkPairScorer

MODEL_FILE = "model.json"
log = logging.getLogger(__name__)


def _chunk_path(folder: Path, i: int, n: int) -> Path:
    return folder / f"pairs-{i:04d}-of-{n:04d}.parquet"


def saved_model(folder: Path) -> ResolutionModel | None:
    """The model saved in ``folder`` by an earlier run, or None."""
    path = folder / MODEL_FILE
    if not path.exists():
        return None
    saved = json.loads(path.read_text(encoding="utf-8"))
    return ResolutionModel(saved["settings"], saved["records"],
                           ResolutionParams(**saved["params"]))


def load_or_train(features: pl.DataFrame, folder: Path, params: ResolutionParams
                  ) -> ResolutionModel:
    """The model saved in ``folder``, or a new one trained on ``features`` and saved."""
    saved = saved_model(folder)
    if saved is not None:
        return saved
    path = folder / MODEL_FILE
    model = train_model(features, params)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps({"settings": model.settings, "records": model.records,
                               "params": asdict(params)}, indent=1), encoding="utf-8")
    tmp.replace(path)
    return model


def resolve_in_chunks(records: pl.DataFrame, folder: Path, chunks: int = 8,
                      params: ResolutionParams | None = None, progress: bool = True
                      ) -> ResolutionResult:
    """Score every candidate pair of ``records`` chunk by chunk, resuming from ``folder``.

    Args:
        records: the records (columns of ``prepare_records``).
        folder: where the model and finished chunks are kept (created if absent).
        chunks: number of chunks (keep it the same when resuming).
        params: methodology parameters (ignored when ``folder`` already holds a model).
        progress: show a progress bar on stderr.

    Returns:
        The result over all chunks, as ``resolve_records`` would give it.
    """
    _check_chunking(folder, chunks)
    saved = saved_model(folder)    # resuming: the features the saved model was scored with
    params = saved.params if saved is not None else params or ResolutionParams()
    features = prepare_records(records, params.max_key_records)
    model = saved or load_or_train(features, folder, params)
    pairs = score_in_chunks(features, model, folder, chunks, progress)
    return ResolutionResult(pairs, model, model.params, records.height)


def _check_chunking(folder: Path, chunks: int) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    other = [p for p in folder.glob("pairs-*-of-*.parquet")
             if not p.name.endswith(f"-of-{chunks:04d}.parquet")]
    if other:
        raise ValueError(f"{folder} holds chunks of another run ({other[0].name}); "
                         f"use the same chunks= or a new folder")


def score_in_chunks(features: pl.DataFrame, model: ResolutionModel, folder: Path,
                    chunks: int = 8, progress: bool = True,
                    scorer: PairScorer | SparkPairScorer | None = None) -> pl.DataFrame:
    """Score the chunks of candidate pairs not yet in ``folder``; the kept pairs, sorted.

    The chunk files keep every pair a chunk kept (likely ones and conflicts); the result
    keeps those of ``kept_pairs`` (``ResolutionParams.keep_conflicts``).

    Each chunk is blocked, then scored (``pair_scorer``), on one connection.

    Args:
        features: the records' features (``prepare_records``).
        model: the model to score with (``load_or_train``).
        folder: where finished chunks are kept.
        chunks: number of chunks (keep it the same when resuming).
        progress: show a progress bar on stderr.
        scorer: an open scorer of ``features`` with ``chunks`` chunks, left open (to close
            the result with it, ``close_result``); by default one is opened and closed.
    """
    _check_chunking(folder, chunks)
    todo = [i for i in range(1, chunks + 1) if not _chunk_path(folder, i, chunks).exists()]
    if todo:   # a finished run opens no scorer (registering the records costs seconds)
        with Progress(disable=not progress, console=None, transient=False,
                      redirect_stdout=False, redirect_stderr=False, expand=False) as bar, \
                nullcontext(scorer) if scorer else pair_scorer(features, model, chunks) as sc:
            bar.console.file = sys.stderr
            task = bar.add_task("scoring pairs", total=chunks, completed=chunks - len(todo))
            start = time.perf_counter()
            for i in todo:
                pairs = sc.score_chunk(i)
                path = _chunk_path(folder, i, chunks)
                tmp = path.with_suffix(".tmp")
                pairs.write_parquet(tmp)
                tmp.replace(path)
                bar.advance(task)
            log.info("%d candidate pairs blocked and scored in %.1f s",
                     sc.blocked_pairs, time.perf_counter() - start)
    return kept_pairs([pl.scan_parquet(_chunk_path(folder, i, chunks))
                       for i in range(1, chunks + 1)], model.params)


def close_result(records: pl.DataFrame, result: ResolutionResult, threshold: float,
                 links: pl.DataFrame | None = None,
                 rescore: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
                 features: pl.DataFrame | None = None, scorer: PairScorer | None = None
                 ) -> Closure:
    """``close_components`` of ``result.pairs`` for clustering at ``threshold``.

    The pairs are scored on DuckDB whatever the backend (the same model and scores; they are
    few). The records' features are prepared only if there is a pair to score.

    Args:
        records: the records resolved (as given to ``resolve_in_chunks``).
        result: their result.
        threshold: the acceptance threshold of the clustering to come.
        links: pairs clustering merges whatever their score (positive judgements).
        rescore: turns attribute pairs into the pairs clustering reads (relation evidence).
        features: the records' features, if already prepared.
        scorer: an open DuckDB scorer of the records (left open); by default one is opened
            if there is a pair to score, and closed.
    """
    opened: PairScorer | None = None
    if links is not None:   # judgements may join records of another run (things, persons)
        ids = records["record_id"]
        links = links.filter(pl.col("left_id").is_in(ids) & pl.col("right_id").is_in(ids))

    def score(pairs: pl.DataFrame) -> pl.DataFrame:
        nonlocal opened
        if scorer is not None:
            return scorer.score_pairs(pairs)
        if opened is None:
            prepared = features if features is not None else prepare_records(
                records, result.model.params.max_key_records)
            opened = PairScorer(prepared, result.model)
        return opened.score_pairs(pairs)

    try:
        closure = close_components(result.pairs, score, threshold, links, rescore)
    finally:
        if opened is not None:
            opened.close()
    log.info("closure at %.2f: %d pairs scored in %d rounds", threshold, closure.added,
             closure.rounds)
    return closure
