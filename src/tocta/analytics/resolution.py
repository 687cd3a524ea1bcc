"""Entity resolution: which records of many agencies describe the same person (or vessel,
company, account), with Splink on DuckDB.

``resolve_records`` prepares the matching features (``resolution_features``), trains the
Fellegi–Sunter model of ``resolution_model`` (u by random sampling, m by expectation
maximisation over two blocking sessions, the prior from shared identifiers with their
recall measured on the data: ``estimate_id_recall``) and scores
every blocked pair. The result keeps each candidate pair's match probability and, per
feature, the comparison level reached and its Bayes factor, so that ``explain`` can say why
two records were (or were not) matched. Large inputs are scored in chunks
(``score_chunk``), which ``tocta.services.resolve`` persists and resumes.

Analytics only: data in, a frozen result out; no paths, no store. Clustering with analysts'
judgements is in ``resolution_clusters``.
"""

from __future__ import annotations

import logging
import math
import re
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import polars as pl
from splink import DuckDBAPI, Linker
from splink.internals.dialects import SplinkDialect
from splink.internals.exceptions import EMTrainingException
from splink.internals.predict import predict_from_comparison_vectors_sqls
from splink.internals.term_frequencies import ensure_term_frequencies_for_linker

from tocta.analytics.resolution_clusters import link_components, within_components
from tocta.analytics.resolution_features import MAX_KEY_RECORDS, prepare_records
from tocta.analytics.resolution_model import (
    prior_rules,
    settings,
    training_rules,
    translate_settings,
)
from tocta.analytics.resolution_names import gamma_sql, token_tables_sql
from tocta.analytics.resolution_relations import RELATION_LEVELS, RelationModel

if TYPE_CHECKING:
    from tocta.analytics.resolution_spark import SparkPairScorer

__all__ = ["FEATURES", "PAIR_COLUMNS", "SCORE_COLUMNS", "Closure", "PairScorer",
           "ResolutionModel", "ResolutionParams", "ResolutionResult", "close_components",
           "explain_row", "kept_pairs",
           "linked_conflicts", "pair_scorer", "pairs_from_scores", "prepare_records",
           "resolve_records", "score_chunk", "train_model", "unscored_within"]

log = logging.getLogger(__name__)
METHOD = ("Fellegi-Sunter probabilistic record linkage (Splink 5, DuckDB or Spark) over "
          "transliterated, order-free name tokens, partial birth dates, identifiers, "
          "nationality, gender, country of residence and address")
FEATURES = ("name", "birth_date", "identifiers", "nationality", "gender", "address")
PAIR_COLUMNS = ("left_id", "right_id", "match_probability", "match_weight",
                *[f"gamma_{f}" for f in FEATURES], *[f"bf_{f}" for f in FEATURES],
                "bf_tf_adj_name")
#: the columns of Splink's scored pairs that ``pairs_from_scores`` reads
SCORE_COLUMNS = {"unique_id_l", "unique_id_r", "match_probability", "match_weight",
                 "mw_tf_adj_name", *[f"gamma_{f}" for f in FEATURES],
                 *[f"mw_{f}" for f in FEATURES]}


@dataclass(frozen=True)
class ResolutionParams:
    """Methodology parameters of a resolution run (recorded in its result).

    Attributes:
        min_probability: candidate pairs below this match probability are not kept...
        conflict_probability: ...except those at or below this one, kept as the model's
            evidence that two records differ (cannot-links for clustering).
        accept_probability: pairs at or above it are merged automatically (clustering).
        u_max_pairs: record pairs sampled to estimate u probabilities.
        seed: seed of that sample (same seed, same model, same pairs).
        max_iterations: EM iterations per training session.
        threads: DuckDB threads.
        memory_limit: DuckDB's memory limit; beyond it DuckDB spills to a temporary folder
            (unlimited, it may take most of the machine on large inputs).
        train_records: a larger input is trained on a random sample of this many records
            (seeded). Sampling records keeps the prior (matching pairs and all pairs both
            shrink by the square of the share kept) and the pairs EM learns from stay
            representative; EM on a full-date block costs the square of the input.
        backend: ``duckdb`` or ``spark`` (Splink's ``SparkAPI`` on the local session of
            ``tocta.analytics.spark``; same model, see ``resolution_spark``).
        max_key_records: a blocking key (a pair of phonetic keys or skeletons) held by more
            records is dropped (``resolution_features.cap_pair_keys``): the trade between
            candidate pairs (time) and the recall of records that meet on nothing else.
        keep_conflicts: ``all`` keeps every conflict in the result; ``linked`` only those
            between records that accepted pairs connect (``linked_conflicts``): the others
            cannot be tested by clustering at ``accept_probability``, and at a million
            records they are ~127 million pairs, more than memory holds.
    """

    min_probability: float = 0.05
    conflict_probability: float = 0.001
    accept_probability: float = 0.9
    u_max_pairs: float = 3e5
    seed: int = 42
    max_iterations: int = 20
    threads: int = 2
    memory_limit: str = "6GB"
    train_records: int = 200_000
    backend: str = "duckdb"
    max_key_records: int = MAX_KEY_RECORDS
    keep_conflicts: str = "all"

    def __post_init__(self) -> None:
        if self.keep_conflicts not in ("all", "linked"):
            raise ValueError(f"keep_conflicts is {self.keep_conflicts!r}: use all or linked")


@dataclass(frozen=True)
class ResolutionModel:
    """A trained model: Splink's settings with m and u, and what it was trained on."""

    settings: dict[str, Any]
    records: int
    params: ResolutionParams

    def levels(self) -> dict[str, dict[int, dict[str, float | str]]]:
        """Per feature and comparison-vector value: label, m, u and Bayes factor."""
        out: dict[str, dict[int, dict[str, float | str]]] = {}
        for comp in self.settings["comparisons"]:
            name = comp["output_column_name"]
            levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")]
            n = len(levels)
            out[name] = {-1: {"label": "missing (neutral)", "m": math.nan, "u": math.nan,
                              "bayes_factor": 1.0}}
            for i, lv in enumerate(levels):
                m, u = lv.get("m_probability"), lv.get("u_probability")
                bf = m / u if m is not None and u else math.nan
                out[name][n - 1 - i] = {"label": lv.get("label_for_charts", lv["sql_condition"]),
                                        "m": m if m is not None else math.nan,
                                        "u": u if u is not None else math.nan,
                                        "bayes_factor": bf}
        return out


@dataclass(frozen=True)
class ResolutionResult:
    """Candidate pairs of records with their match probabilities and explanations.

    Attributes:
        pairs: one row per candidate pair (``left_id`` < ``right_id``): ``match_probability``,
            ``match_weight`` (log2 Bayes factor incl. prior), and per feature ``gamma_<f>``
            (comparison level, -1 missing) and ``bf_<f>`` (its Bayes factor);
            ``bf_tf_adj_name`` adjusts the name factor for how common the name is.
        model: the trained model.
        params: the parameters.
        input_records: records read.
        method: what was done.
        relations: the relation comparison, when the pairs were rescored with it (they then
            carry ``gamma_relations`` and ``bf_relations``).
    """

    pairs: pl.DataFrame
    model: ResolutionModel
    params: ResolutionParams
    input_records: int
    method: str = METHOD
    sources: tuple[str, ...] = field(default_factory=tuple)
    relations: RelationModel | None = None

    def pair(self, a: str, b: str) -> dict[str, Any] | None:
        """The scored row of the pair (a, b) in either order, or None if never compared."""
        left, right = sorted((a, b))
        rows = self.pairs.filter((pl.col("left_id") == left) & (pl.col("right_id") == right))
        return rows.row(0, named=True) if rows.height else None

    def explain(self, a: str, b: str) -> str:
        """Why records ``a`` and ``b`` were (or were not) matched, feature by feature."""
        row = self.pair(a, b)
        if row is None and self.params.keep_conflicts == "linked":
            return (f"{a} and {b} are not among the kept pairs: either no blocking rule "
                    "brought them together, or the model found their evidence in conflict "
                    "and no chain of accepted pairs connects them (conflicts kept: linked "
                    "only).")
        if row is None:
            return (f"{a} and {b} were never compared: no blocking rule brought them "
                    "together (no shared identifier; no shared name, pair of name keys or "
                    "phonetic key with birth dates that agree); a pair that accepted pairs "
                    "join in one cluster is scored by the closure (close_components).")
        return explain_row(row, self.model, self.params)


def _relation_line(row: dict[str, Any]) -> str | None:
    if row.get("gamma_relations") is None:
        return None
    g, bf = int(row["gamma_relations"]), float(row["bf_relations"])
    effect = "neutral" if g == -1 or bf == 1.0 else ("for" if bf > 1 else "against")
    return f"  relations: {RELATION_LEVELS[g]}: Bayes factor {bf:.3g} ({effect})"


def explain_row(row: dict[str, Any], model: ResolutionModel, params: ResolutionParams) -> str:
    """A scored pair in words: the probability, the decision and each feature's evidence."""
    levels = model.levels()
    p = row["match_probability"]
    verdict = ("merged automatically" if p >= params.accept_probability else
               "a candidate for review")
    lines = [f"{row['left_id']} ~ {row['right_id']}: match probability {p:.4f} "
             f"(weight {row['match_weight']:+.2f}), {verdict} "
             f"(threshold {params.accept_probability})"]
    for f in FEATURES:
        g = int(row[f"gamma_{f}"])
        bf = float(row[f"bf_{f}"])
        if f == "name" and row.get("bf_tf_adj_name") not in (None, 1.0):
            bf *= float(row["bf_tf_adj_name"])
        label = levels.get(f, {}).get(g, {}).get("label", f"level {g}")
        effect = "neutral" if g == -1 or bf == 1.0 else ("for" if bf > 1 else "against")
        lines.append(f"  {f}: {label}: Bayes factor {bf:.3g} ({effect})")
    relation = _relation_line(row)
    if relation:
        lines.append(relation)
    return "\n".join(lines)


def _connect(params: ResolutionParams) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"SET threads = {int(params.threads)}")
    con.execute(f"SET memory_limit = '{params.memory_limit}'")
    spill = Path(tempfile.gettempdir()) / "tocta-duckdb"
    spill.mkdir(parents=True, exist_ok=True)
    con.execute(f"SET temp_directory = '{spill}'")
    con.execute("SET preserve_insertion_order = false")
    return con


def _linker(con: duckdb.DuckDBPyConnection, features: pl.DataFrame, model_settings: Any,
            backend: str = "duckdb") -> Linker:
    if backend == "spark":
        from tocta.analytics.resolution_spark import spark_linker

        return spark_linker(features, model_settings)
    if isinstance(model_settings, dict):   # a model trained on Spark scores on DuckDB too
        model_settings = translate_settings(model_settings, "duckdb")
    api = DuckDBAPI(connection=con)
    df = api.register(features.to_arrow(), table_name="records")
    return Linker(df, model_settings, log_level=None)


def train_model(records: pl.DataFrame, params: ResolutionParams | None = None
                ) -> ResolutionModel:
    """Train the model on ``records`` (raw columns, see ``prepare_records``).

    Inputs larger than ``params.train_records`` are trained on a seeded random sample of
    that many records (see ``ResolutionParams``).

    Returns:
        The settings with estimated prior, m and u probabilities.
    """
    params = params or ResolutionParams()
    features = prepare_records(records, params.max_key_records) \
        if "name_toks" not in records.columns else records
    if features.height > params.train_records:
        features = features.sample(params.train_records, seed=params.seed)
    # Splink warns once per comparison level that a training session did not observe
    # ("unable to train m value"): expected where a feature is absent (companies have no
    # birth date) or a session blocks on it; such a level keeps its starting m and
    # ``ResolutionModel.levels()`` shows every level's m and u. Errors still show.
    logging.getLogger("splink").setLevel(logging.ERROR)
    con = _connect(params)
    try:
        linker = _linker(con, features, settings(dialect=params.backend), params.backend)
        t = linker.training
        if _shares_identifier(features):
            t.estimate_probability_two_random_records_match(
                prior_rules(), recall=estimate_id_recall(features))
        else:
            # no pair shares an identifier: the prior cannot be measured that way (it would
            # be 0 and EM would fail); the settings' default prior stays and training goes on
            logging.getLogger(__name__).warning(
                "no two records share an identifier: the prior is left at its default")
        t.estimate_u_using_random_sampling(max_pairs=params.u_max_pairs, seed=params.seed)
        for rule in training_rules(params.backend):
            try:
                t.estimate_parameters_using_expectation_maximisation(
                    rule, fix_u_probabilities=True)
            except EMTrainingException:   # no pairs under this rule: the other session trains
                continue
        model_settings = linker.misc.save_model_to_json()
    finally:
        con.close()
    return ResolutionModel(model_settings, features.height, params)


def _shares_identifier(features: pl.DataFrame) -> bool:
    ids = features.select("ids").explode("ids").drop_nulls()
    return bool(ids.height) and bool(ids["ids"].is_duplicated().any())


def estimate_id_recall(features: pl.DataFrame) -> float:
    """Share of matching pairs that share an identifier, measured on near-certain matches.

    Pairs with the same sorted name tokens *and* the same full birth date are taken as
    matches (homonyms born on one day are rare); the share of them sharing an identifier
    estimates the recall of "a shared identifier" as a deterministic rule, assuming that
    whether an agency recorded an identifier is independent of how well it wrote the name
    and date. Falls back to 0.5 when fewer than 20 such pairs exist.
    """
    keys = ["schema", "name_key", "dob_y", "dob_m", "dob_d"]
    f = features.select("unique_id", *keys, "ids").drop_nulls(keys)
    pairs = f.join(f, on=keys, suffix="_r").filter(pl.col("unique_id") < pl.col("unique_id_r"))
    if pairs.height < 20:
        return 0.5
    shared = pairs.filter(pl.col("ids").list.set_intersection(pl.col("ids_r")).list.len() > 0)
    return float(min(max(shared.height / pairs.height, 0.05), 1.0))


class PairScorer:
    """Scores the candidate pairs of ``features`` chunk by chunk on one DuckDB connection.

    A chunk is the pairs whose left record's id hashes to it (modulo ``chunks``), as
    Splink's ``predict_chunk`` assigns them, so chunks partition the pairs; each chunk is
    blocked by Splink restricted to its left records, then scored. (Blocking a million
    records at once ran out of DuckDB's 6 GB; a connection per chunk, as ``predict_chunk``
    on a new linker, held its memory until the garbage collector ran.)

    The comparisons over lists are evaluated once per distinct pair of values in a chunk,
    not once per pair of records (at 100,000 records, 489,000 distinct name pairs among
    946,000 pairs of a chunk). The name level comes from joins over related token pairs
    (``resolution_names``; equal to the comparison's SQL, which ``name_joins=False`` runs
    instead: Splink's list lambdas, token by token, were nearly all of the scoring time).
    The other comparisons and the match weights are Splink's own SQL, so the scores are
    those of Splink's ``predict``. Close the scorer, or use it in a ``with`` block, to free
    the connection.
    """

    def __init__(self, features: pl.DataFrame, model: ResolutionModel, chunks: int = 1,
                 name_joins: bool = True):
        self.model, self.chunks, self.name_joins = model, chunks, name_joins
        self._con = _connect(model.params)
        # records are blocked and joined by their rank in id order (integers join faster
        # than the record ids; in id order, so that each pair's left record is the same
        # as by id: the name level of two equally long names is not symmetric); the ids
        # come back in the result
        ids = features.select(pl.col("unique_id").rank("ordinal").cast(pl.Int64).alias("i"),
                              pl.col("unique_id").alias("record_id"))
        self._con.register("tocta_ids_frame", ids.to_arrow())
        self._con.execute("CREATE TABLE tocta_ids AS SELECT * FROM tocta_ids_frame")
        self._con.unregister("tocta_ids_frame")
        self._linker = _linker(self._con, features.with_columns(ids["i"].alias("unique_id")),
                               model.settings)
        self._records = next(iter(self._linker._input_tables_dict.values())).physical_name
        self._lists = {c for c, t in features.schema.items() if isinstance(t, pl.List)}
        self._columns = list(features.columns)
        self._costly: list[tuple[int, Any, list[str]]] | None = None
        self.blocked_pairs = 0

    def __enter__(self) -> PairScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the DuckDB connection (and its tables)."""
        self._con.close()

    def _inputs(self, case: str) -> list[str]:
        return [c for c in self._columns if re.search(rf'\b"?{c}_[lr]"?\b', case)]

    def _prepare(self) -> None:
        """The records with their term frequencies and, per list comparison, the number of
        their distinct value (records with equal inputs share it)."""
        if self._costly is not None:
            return
        settings_obj = self._linker._settings_obj
        selects, joins, self._costly = ["rec.*"], [], []
        for k, tf in enumerate(ensure_term_frequencies_for_linker(self._linker)):
            col = settings_obj._term_frequency_columns[k]
            selects.append(f"tf{k}.{col.tf_name}")
            joins.append(f"LEFT JOIN {tf.physical_name} tf{k} ON rec.{col.name} = "
                         f"tf{k}.{col.name}")
        for k, comp in enumerate(settings_obj.comparisons):
            inputs = self._inputs(comp._case_statement)
            if set(inputs) & self._lists:
                self._costly.append((k, comp, inputs))
                order = ", ".join(f'rec."{c}"' for c in inputs)
                selects.append(f"dense_rank() OVER (ORDER BY {order}) AS tocta_v{k}")
        self._con.execute(f"CREATE TABLE tocta_records AS SELECT {', '.join(selects)} "
                          f"FROM {self._records} rec {' '.join(joins)}")
        for k, comp, inputs in self._costly:
            values = ", ".join(f'any_value("{c}") AS "{c}"' for c in inputs)
            self._con.execute(f"CREATE TABLE tocta_values{k} AS SELECT tocta_v{k}, {values} "
                              f"FROM tocta_records GROUP BY tocta_v{k}")
            if self._by_joins(comp):
                for sql in token_tables_sql(f"tocta_values{k}", f"tocta_v{k}",
                                            f"tocta_names{k}"):
                    self._con.execute(sql)

    def _by_joins(self, comp: Any) -> bool:
        """Whether ``comp``'s levels are computed by ``resolution_names`` (the names)."""
        return self.name_joins and comp.output_column_name == "name"

    def _block(self, chunk: int) -> int:
        pairs = self._linker.inference.compute_blocked_pairs_for_predict_chunk(
            left_chunk=(chunk, self.chunks), right_chunk=(1, 1))
        self._con.execute(f"CREATE OR REPLACE TABLE tocta_blocked AS SELECT match_key, "
                          f"join_key_l, join_key_r FROM {pairs.physical_name}")
        pairs.drop_table_from_database_and_remove_from_cache()
        row = self._con.execute("SELECT count(*) FROM tocta_blocked").fetchone()
        return int(row[0]) if row else 0

    def score_chunk(self, chunk: int) -> pl.DataFrame:
        """The scored pairs of chunk ``chunk`` (1 to ``chunks``) kept by the parameters."""
        if not 1 <= chunk <= self.chunks:
            raise ValueError(f"chunk {chunk} is not between 1 and {self.chunks}")
        start = time.perf_counter()
        self._prepare()
        blocked = self._block(chunk)
        self.blocked_pairs += blocked
        blocking = time.perf_counter() - start
        frame = self._score(kept_condition(self.model.params))
        log.info("chunk %d of %d: %d candidate pairs blocked in %.1f s, scored in %.1f s",
                 chunk, self.chunks, blocked, blocking, time.perf_counter() - start - blocking)
        return frame

    def score_pairs(self, pairs: pl.DataFrame) -> pl.DataFrame:
        """Every pair of ``pairs`` (``left_id``, ``right_id``: record ids), scored whether
        or not a blocking rule brings it (``close_components``), in ``PAIR_COLUMNS``."""
        self._prepare()
        self._con.register("tocta_given", pairs.select("left_id", "right_id").to_arrow())
        # each pair oriented by id, as blocking orients it (the name level is asymmetric)
        self._con.execute(
            "CREATE OR REPLACE TABLE tocta_blocked AS SELECT DISTINCT 'given' AS match_key, "
            "least(a.i, b.i) AS join_key_l, greatest(a.i, b.i) AS join_key_r "
            "FROM tocta_given g JOIN tocta_ids a ON a.record_id = g.left_id "
            "JOIN tocta_ids b ON b.record_id = g.right_id WHERE a.i <> b.i")
        self._con.unregister("tocta_given")
        return self._score("TRUE")

    def _score(self, keep: str) -> pl.DataFrame:
        """The pairs of ``tocta_blocked`` scored, those meeting the SQL condition ``keep``."""
        assert self._costly is not None
        con, settings_obj = self._con, self._linker._settings_obj
        costly = {k for k, _, _ in self._costly}
        cheap = [c for k, comp in enumerate(settings_obj.comparisons) if k not in costly
                 for c in self._inputs(comp._case_statement)]
        tf = [col.unquote().tf_name for col in settings_obj._term_frequency_columns]
        carried = [*dict.fromkeys(cheap), *tf, *[f"tocta_v{k}" for k in sorted(costly)]]
        sides = ", ".join(f'{s}."{c}" AS "{c}_{s}"' for c in carried for s in "lr")
        con.execute(
            f"CREATE OR REPLACE TABLE tocta_pairs AS SELECT b.join_key_l AS unique_id_l, "
            f"b.join_key_r AS unique_id_r, b.match_key, {sides} FROM tocta_blocked b "
            f"JOIN tocta_records l ON l.unique_id = b.join_key_l "
            f"JOIN tocta_records r ON r.unique_id = b.join_key_r")
        gammas, joins = [], []
        for k, comp, inputs in self._costly:
            values = ", ".join(f'{s}v."{c}" AS "{c}_{s}"' for c in inputs for s in "lr")
            if self._by_joins(comp):
                con.execute(gamma_sql("tocta_pairs", f"tocta_v{k}", f"tocta_names{k}",
                                      comp._gamma_column_name, comp, f"tocta_gamma{k}"))
            else:
                con.execute(
                    f"CREATE OR REPLACE TABLE tocta_gamma{k} AS SELECT tocta_v{k}_l, "
                    f"tocta_v{k}_r, {comp._case_statement} FROM (SELECT d.*, {values} FROM "
                    f"(SELECT DISTINCT tocta_v{k}_l, tocta_v{k}_r FROM tocta_pairs) d "
                    f"JOIN tocta_values{k} lv ON lv.tocta_v{k} = d.tocta_v{k}_l "
                    f"JOIN tocta_values{k} rv ON rv.tocta_v{k} = d.tocta_v{k}_r)")
            gammas.append(f"g{k}.{comp._gamma_column_name}")
            joins.append(f"JOIN tocta_gamma{k} g{k} ON g{k}.tocta_v{k}_l = p.tocta_v{k}_l "
                         f"AND g{k}.tocta_v{k}_r = p.tocta_v{k}_r")
        gammas += [comp._case_statement for k, comp in enumerate(settings_obj.comparisons)
                   if k not in costly]
        tf_cols = [f"p.{c}" for t in settings_obj._term_frequency_columns
                   for c in t.tf_name_l_r]
        vectors = (f"SELECT p.unique_id_l, p.unique_id_r, p.match_key, "
                   f"{', '.join([*gammas, *tf_cols])} FROM tocta_pairs p {' '.join(joins)}")
        ctes = [("__splink__df_comparison_vectors", vectors)]
        ctes += [(q["output_table_name"], q["sql"]) for q in predict_from_comparison_vectors_sqls(
            unique_id_input_columns=settings_obj.column_info_settings.unique_id_input_columns,
            core_model_settings=settings_obj.core_model_settings,
            sql_dialect=SplinkDialect.from_string("duckdb"),
            retain_matching_columns=False, retain_intermediate_calculation_columns=True,
            training_mode=True)]   # training mode keeps the gamma columns
        sql = ("WITH " + ", ".join(f"{name} AS ({q})" for name, q in ctes) +
               f" SELECT * FROM {ctes[-1][0]} WHERE {keep}")
        rel = con.sql(sql)
        # the result's columns in SQL (in parallel): Bayes factors, the ids in order
        have = set(rel.columns)
        columns = ["least(a.record_id, b.record_id) AS left_id",
                   "greatest(a.record_id, b.record_id) AS right_id",
                   "match_probability", "match_weight"]
        columns += [f"gamma_{f}::TINYINT AS gamma_{f}" for f in FEATURES
                    if {f"gamma_{f}", f"mw_{f}"} <= have]
        columns += [f"pow(2.0, mw_{f}) AS bf_{f}" for f in (*FEATURES, "tf_adj_name")
                    if f"mw_{f}" in have]
        rel = con.sql(f"SELECT {', '.join(columns)} FROM ({sql}) s JOIN tocta_ids a ON "
                      "a.i = s.unique_id_l JOIN tocta_ids b ON b.i = s.unique_id_r")
        frame = pl.from_arrow(rel.to_arrow_table())   # a table keeps its schema
        assert isinstance(frame, pl.DataFrame)        # when empty
        return _complete(frame)


def kept_condition(params: ResolutionParams) -> str:
    """SQL: the scored pairs a chunk keeps — likely matches, and the model's conflicts
    (of which ``linked_conflicts`` keeps those clustering can test)."""
    return (f"match_probability >= {params.min_probability} OR "
            f"match_probability <= {params.conflict_probability}")


def kept_pairs(chunks: Sequence[pl.LazyFrame], params: ResolutionParams) -> pl.DataFrame:
    """The pairs of scored ``chunks`` a result keeps, sorted: all of them, or with
    ``params.keep_conflicts == "linked"`` the likely ones and the model's conflicts
    between two records that accepted pairs connect (``linked_conflicts``)."""
    if params.keep_conflicts == "linked":
        return linked_conflicts(chunks, params)
    return pl.concat([c.collect() for c in chunks]).sort("left_id", "right_id")


def linked_conflicts(chunks: Sequence[pl.LazyFrame], params: ResolutionParams
                     ) -> pl.DataFrame:
    """The likely pairs of scored ``chunks``, and the model's conflicts between two
    records that accepted pairs connect.

    A conflict (match probability at or below ``conflict_probability``) serves as a
    cannot-link: clustering tests it only when a chain of accepted pairs (at or above
    ``accept_probability``) would put its two records in one cluster. Conflicts are most of
    the scored pairs (strangers blocked on a shared name, with different birth dates:
    126.7 of 133.3 million kept pairs at a million records), more than memory holds; the
    pairs at or above ``min_probability`` tie the records together so widely (90% of the
    conflicts fell within one of their components) that only the accepted ones sort them.
    What is lost: clustering at a lower threshold than ``accept_probability``, or a
    positive judgement joining two groups, may meet a conflict that is not kept; and the
    relation comparison (``resolution_relations``) learns its u from the conflicts it is
    given.
    """
    # chunk by chunk: collected together, every chunk would be read into memory at once
    likely = pl.concat([c.filter(pl.col("match_probability") >= params.min_probability)
                        .collect() for c in chunks])
    accepted = likely.filter(pl.col("match_probability") >= params.accept_probability)
    if accepted.is_empty():
        return likely.sort("left_id", "right_id")
    components = link_components(accepted)
    conflicts = [within_components(
        c.filter(pl.col("match_probability") <= params.conflict_probability), components)
        .collect() for c in chunks]
    return pl.concat([likely, *conflicts]).sort("left_id", "right_id")


#: ``close_components`` scores at most this many pairs a round (components smallest first)
MAX_CLOSURE_PAIRS = 5_000_000


@dataclass(frozen=True)
class Closure:
    """The pairs after ``close_components``.

    Attributes:
        attribute_pairs: the attribute model's pairs with the pairs added by the closure.
        pairs: the same, rescored by ``rescore`` (the same frame without it).
        added: pairs scored that no blocking rule had brought.
        rounds: rounds that scored pairs (a round's new accepted pairs may join
            components again).
        unclosed: records left in components too large to close (``max_pairs``).
    """

    attribute_pairs: pl.DataFrame
    pairs: pl.DataFrame
    added: int
    rounds: int
    unclosed: int


def unscored_within(pairs: pl.DataFrame, threshold: float, links: pl.DataFrame | None = None,
                    max_pairs: int = MAX_CLOSURE_PAIRS) -> tuple[pl.DataFrame, int]:
    """The pairs of records that one component of ``pairs`` at or above ``threshold`` (and
    of ``links``, e.g. positive judgements) holds and ``pairs`` does not.

    Components are taken smallest first while their pairs add up to ``max_pairs``.

    Returns:
        ``left_id``, ``right_id`` of those pairs (``left_id`` < ``right_id``), and the
        number of records in the components left out.
    """
    edges = [pairs.filter(pl.col("match_probability") >= threshold).select("left_id",
                                                                           "right_id")]
    if links is not None and links.height:
        edges.append(links.select("left_id", "right_id"))
    empty = pl.DataFrame(schema={"left_id": pl.Utf8, "right_id": pl.Utf8})
    together = pl.concat(edges)
    if together.is_empty():
        return empty, 0
    components = link_components(together).collect()
    sizes = (components.group_by("component").len().sort("len", "component")
             .with_columns((pl.col("len") * (pl.col("len") - 1) // 2).cum_sum().alias("upto")))
    closed = sizes.filter(pl.col("upto") <= max_pairs)
    unclosed = int(sizes.filter(pl.col("upto") > max_pairs)["len"].sum())
    members = components.join(closed.select("component"), on="component")
    within = (members.join(members, on="component", suffix="_r")
              .filter(pl.col("id") < pl.col("id_r"))
              .select(pl.col("id").alias("left_id"), pl.col("id_r").alias("right_id")))
    return within.join(pairs.select("left_id", "right_id"), on=["left_id", "right_id"],
                       how="anti"), unclosed


def close_components(pairs: pl.DataFrame, score: Callable[[pl.DataFrame], pl.DataFrame],
                     threshold: float, links: pl.DataFrame | None = None,
                     rescore: Callable[[pl.DataFrame], pl.DataFrame] | None = None,
                     rounds: int = 3, max_pairs: int = MAX_CLOSURE_PAIRS) -> Closure:
    """Score every pair of records that clustering at ``threshold`` could put in one
    cluster and that no blocking rule brought together.

    Blocking looks for matches; clustering also needs the model's verdict on the other
    pairs of a would-be cluster: two records that accepted pairs connect only through a
    third may conflict (different birth dates, passports), and the conflict is a
    cannot-link only if the pair was scored. Each round takes the components of the pairs
    at or above ``threshold`` (and ``links``), scores their unscored pairs with ``score``
    (e.g. ``PairScorer.score_pairs``), and rescores the whole with ``rescore`` (e.g. the
    relation evidence), until no pair is added or ``rounds`` are run.

    Args:
        pairs: the attribute model's scored pairs (``PAIR_COLUMNS``).
        score: scores given ``left_id``, ``right_id`` pairs into ``PAIR_COLUMNS``.
        threshold: the acceptance threshold clustering will use.
        links: pairs clustering merges whatever their score (positive judgements).
        rescore: turns attribute pairs into the pairs clustering reads (None: the same).
        rounds: at most this many rounds.
        max_pairs: pairs scored a round at most (``unscored_within``).
    """
    current = rescore(pairs) if rescore else pairs
    added, done, unclosed = 0, 0, 0
    while done < rounds:
        todo, unclosed = unscored_within(current, threshold, links, max_pairs)
        if todo.is_empty():
            break
        done += 1
        added += todo.height
        pairs = pl.concat([pairs, score(todo).select(pairs.columns)]).sort("left_id",
                                                                            "right_id")
        current = rescore(pairs) if rescore else pairs
    if unclosed:
        log.warning("%d records are in components too large to close (more than %d pairs)",
                    unclosed, max_pairs)
    return Closure(pairs, current, added, done, unclosed)


def pair_scorer(features: pl.DataFrame, model: ResolutionModel, chunks: int = 1
                ) -> PairScorer | SparkPairScorer:
    """The scorer of ``model.params.backend``: ``PairScorer`` or, on Spark, its twin."""
    if model.params.backend == "spark":
        from tocta.analytics.resolution_spark import SparkPairScorer

        return SparkPairScorer(features, model, chunks)
    if model.params.backend != "duckdb":
        raise ValueError(f"unknown backend {model.params.backend!r}: use duckdb or spark")
    return PairScorer(features, model, chunks)


def score_chunk(records: pl.DataFrame, model: ResolutionModel, chunk: tuple[int, int] = (1, 1)
                ) -> pl.DataFrame:
    """Score the blocked pairs whose left record falls in ``chunk`` = (number, of).

    Chunks partition the pairs (the left record's id is hashed), so the union over
    ``(1, n) ... (n, n)`` is every candidate pair exactly once. Each call opens its own
    connection: to score many chunks, use one ``pair_scorer``.
    """
    features = prepare_records(records, model.params.max_key_records) \
        if "name_toks" not in records.columns else records
    with pair_scorer(features, model, chunk[1]) as scorer:
        return scorer.score_chunk(chunk[0]).sort("left_id", "right_id")


def pairs_from_scores(frame: pl.DataFrame) -> pl.DataFrame:
    """Splink's scored columns as a result's pairs (``PAIR_COLUMNS``), sorted."""
    have = set(frame.columns)
    frame = frame.select(
        pl.min_horizontal("unique_id_l", "unique_id_r").alias("left_id"),
        pl.max_horizontal("unique_id_l", "unique_id_r").alias("right_id"),
        "match_probability", "match_weight",
        *[pl.col(f"gamma_{f}").cast(pl.Int8) for f in FEATURES
          if {f"gamma_{f}", f"mw_{f}"} <= have],
        *[(2.0 ** pl.col(f"mw_{f}")).alias(f"bf_{f}") for f in (*FEATURES, "tf_adj_name")
          if f"mw_{f}" in have])
    return _complete(frame).sort("left_id", "right_id")


def _complete(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with every column of ``PAIR_COLUMNS``, in order: a comparison without
    trained levels is left out by Splink, and counts as neutral (Bayes factor 1)."""
    for f in (*FEATURES, "tf_adj_name"):
        if f"bf_{f}" not in frame.columns:
            frame = frame.with_columns(pl.lit(1.0).alias(f"bf_{f}"))
        if f != "tf_adj_name" and f"gamma_{f}" not in frame.columns:
            frame = frame.with_columns(pl.lit(-1, dtype=pl.Int8).alias(f"gamma_{f}"))
    return frame.select(PAIR_COLUMNS)


def resolve_records(records: pl.DataFrame, params: ResolutionParams | None = None,
                    model: ResolutionModel | None = None) -> ResolutionResult:
    """Train (unless ``model`` is given) and score every candidate pair of ``records``.

    Args:
        records: one row per record: ``record_id``, ``name`` and the optional columns of
            ``prepare_records`` (birth date, nationality, gender, identifiers, schema).
        params: methodology parameters.
        model: a model trained earlier (e.g. on a larger set), to score with as it is.

    Returns:
        The candidate pairs at or above ``params.min_probability``, explainable.
    """
    params = params or (model.params if model else ResolutionParams())
    features = prepare_records(records, params.max_key_records)
    model = model or train_model(features, params)
    pairs = kept_pairs([score_chunk(features, model).lazy()], params)
    return ResolutionResult(pairs, model, params, records.height)
