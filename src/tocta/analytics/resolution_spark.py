"""Entity resolution on Spark: tocta's Splink model run by Splink's ``SparkAPI``.

The model is the one of ``resolution_model``, written in Spark SQL
(``settings(dialect="spark")``); a model trained on DuckDB is translated level by level
(``translate_settings``), so the two backends score with the same m and u. ``resolution``
chooses this module when ``ResolutionParams.backend`` is ``"spark"``; pyspark is imported
only then (it is an optional dependency, ``tocta[spark]``).

The session is the local one shared by tocta's analytics (``tocta.analytics.spark``).
Splink's intermediate tables are written as Parquet to a temporary folder (its default way
of cutting a Spark plan's lineage), so they do not hold the driver's memory.
"""

from __future__ import annotations

import gc
import tempfile
import uuid
from pathlib import Path
from typing import Any

import polars as pl
from splink import Linker, SettingsCreator
from splink.backends.spark import SparkAPI

from tocta.analytics.resolution_model import translate_settings
from tocta.analytics.spark import spark_session

CHECKPOINTS = Path(tempfile.gettempdir()) / "tocta-spark"


def spark_linker(features: pl.DataFrame, model_settings: SettingsCreator | dict[str, Any]
                 ) -> Linker:
    """A Splink linker over ``features`` on the shared Spark session.

    Args:
        features: the records' features (``prepare_records``).
        model_settings: ``settings(dialect="spark")``, or a trained model's settings of
            either dialect.
    """
    spark = spark_session()
    if spark.sparkContext.getCheckpointDir() is None:
        CHECKPOINTS.mkdir(parents=True, exist_ok=True)
        spark.sparkContext.setCheckpointDir(str(CHECKPOINTS))
    # the Damerau test is written in Spark SQL: Splink's UDF jar is not needed
    api = SparkAPI(spark_session=spark, break_lineage_method="parquet",
                   register_udfs_automatically=False)
    if isinstance(model_settings, dict):
        model_settings = translate_settings(model_settings, "spark")
    df = api.register(features.to_arrow(), table_name=f"tocta_records_{uuid.uuid4().hex[:8]}")
    return Linker(df, model_settings, log_level=None)


class SparkPairScorer:
    """``resolution.PairScorer`` on Spark: blocks the candidate pairs once, scores by chunk.

    Chunks are numbered by a hash of the left record's id, as on DuckDB, but with Spark's
    hash: the pairs of chunk *i* differ between backends, their union does not.
    """

    def __init__(self, features: pl.DataFrame, model: Any, chunks: int = 1):
        self.model, self.chunks = model, chunks
        self._linker = spark_linker(features, model.settings)
        self._api = self._linker._db_api
        self._blocked: Any = None
        self._name = f"tocta_chunk_{uuid.uuid4().hex[:8]}"
        self.blocked_pairs: int | None = None

    def __enter__(self) -> SparkPairScorer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Free the cached pairs and the linker's tables."""
        if self._blocked is not None:
            self._blocked.unpersist()
        self._api.delete_tables_created_by_splink_from_db()
        gc.collect()

    def block(self) -> int:
        """Block every candidate pair (once), numbered by chunk; returns their number."""
        if self.blocked_pairs is None:
            from pyspark.sql import functions as F

            pairs = self._linker.inference.compute_blocked_pairs_for_predict()
            self._blocked = pairs.as_spark_dataframe().select(
                "match_key", "join_key_l", "join_key_r",
                (F.pmod(F.hash("join_key_l"), F.lit(int(self.chunks))) + 1).alias("chunk"),
            ).persist()
            self.blocked_pairs = int(self._blocked.count())
        return self.blocked_pairs

    def score_chunk(self, chunk: int) -> pl.DataFrame:
        """The scored pairs of chunk ``chunk`` (1 to ``chunks``) kept by the parameters."""
        from pyspark.sql import functions as F

        from tocta.analytics.resolution import SCORE_COLUMNS, kept_condition, pairs_from_scores

        if not 1 <= chunk <= self.chunks:
            raise ValueError(f"chunk {chunk} is not between 1 and {self.chunks}")
        self.block()
        self._blocked.filter(F.col("chunk") == int(chunk)).drop("chunk") \
            .createOrReplaceTempView(self._name)
        self._linker.table_management.register_blocked_pairs_for_predict(
            self._api.table_to_splink_dataframe("__splink__blocked_id_pairs", self._name))
        pred = self._linker.inference.predict(warning_mode="never")
        df = pred.as_spark_dataframe()
        df = df.filter(kept_condition(self.model.params)).select(
            *[c for c in df.columns if c in SCORE_COLUMNS])
        frame = pl.from_arrow(df.toArrow())   # a table keeps its schema when empty
        assert isinstance(frame, pl.DataFrame)
        pred.drop_table_from_database_and_remove_from_cache()
        return pairs_from_scores(frame)
