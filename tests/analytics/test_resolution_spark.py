"""Entity resolution on Spark: the DuckDB model unchanged, and the same scores on both.

The Spark test starts a local Spark session: deselect it with ``-m "not spark"``. It skips
without pyspark or Java, except under CI=true where it must run.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from tests.analytics.resolution_world import SIM_SEED, pairwise, simulated_entities
from tocta.analytics.resolution import (
    FEATURES,
    ResolutionModel,
    ResolutionParams,
    score_chunk,
    train_model,
)
from tocta.analytics.resolution_clusters import ClusterParams, cluster_judgements
from tocta.analytics.resolution_features import prepare_records
from tocta.analytics.resolution_model import (
    prior_rules,
    settings,
    training_rules,
    translate_settings,
)

SNAPSHOT = Path(__file__).resolve().parents[1] / "fixtures" / "resolution_duckdb_settings.json"
IN_CI = os.environ.get("CI", "").lower() == "true"
PROBABILITY_TOLERANCE = 1e-9   # measured 1.1e-16: the same SQL model, two engines
F1_TOLERANCE = 0.01


def test_duckdb_settings_are_unchanged() -> None:
    # snapshot taken before the model became dialect-aware; regenerate it only on purpose
    now = {"settings": settings().get_settings("duckdb").as_dict(),
           "training_rules": [r.get_blocking_rule("duckdb").blocking_rule_sql
                              for r in training_rules()],
           "prior_rules": [r.get_blocking_rule("duckdb").blocking_rule_sql
                           for r in prior_rules()]}
    assert json.loads(json.dumps(now)) == json.loads(SNAPSHOT.read_text(encoding="utf-8"))


def test_spark_settings_use_no_duckdb_function() -> None:
    sql = json.dumps(settings(dialect="spark").get_settings("spark").as_dict())
    for duck in ("list_", "lambda", "damerau_levenshtein", "len("):   # :: casts: Spark 4 too
        assert duck not in sql.replace("levenshtein(", "").replace("length(", ""), duck
    assert "exists(" in sql and "arrays_overlap(" in sql
    first = training_rules("spark")[0].get_blocking_rule("spark").blocking_rule_sql
    assert first == "l.`ids`[0] = r.`ids`[0]"   # Spark arrays count from 0
    with pytest.raises(ValueError, match="unknown SQL dialect"):
        settings(dialect="postgres")


def test_a_trained_model_translates_both_ways() -> None:
    trained = settings().get_settings("duckdb").as_dict()
    trained["comparisons"][0]["comparison_levels"][2]["m_probability"] = 0.25
    spark = translate_settings(trained, "spark")
    assert spark["sql_dialect"] == "spark"
    assert spark["comparisons"][0]["comparison_levels"][2]["m_probability"] == 0.25
    assert "arrays_overlap" in spark["comparisons"][0]["comparison_levels"][2]["sql_condition"]
    assert translate_settings(spark, "duckdb") == trained


def _spark_ready() -> bool:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        return False
    return shutil.which("java") is not None or bool(os.environ.get("JAVA_HOME"))


@pytest.mark.spark
def test_spark_scores_the_simulated_world_as_duckdb(tmp_path: Path) -> None:
    if not _spark_ready():
        if IN_CI:
            pytest.fail("CI=true but pyspark or Java is missing: the Spark backend must be "
                        "tested")
        pytest.skip("pyspark or Java not available")
    _, rows = simulated_entities(tmp_path, SIM_SEED)
    assert 2000 <= rows.height <= 5000
    features = prepare_records(rows.drop("true_id"))
    # trained once, on DuckDB (Spark training runs the same SQL but takes minutes here; its
    # u sample differs, see docs/methodology/resolution.md)
    duck_params = ResolutionParams(seed=SIM_SEED, u_max_pairs=5e4)
    model = train_model(features, duck_params)
    duck = score_chunk(features, model)
    on_spark = ResolutionModel(model.settings, model.records,
                               replace(duck_params, backend="spark"))
    spark = score_chunk(features, on_spark, (1, 1))
    assert spark.columns == duck.columns
    both = duck.join(spark, on=["left_id", "right_id"], how="full", suffix="_spark")
    assert both["left_id_spark"].null_count() == 0, "pairs scored on DuckDB only"
    assert both["left_id"].null_count() == 0, "pairs scored on Spark only"
    gap = (both["match_probability"] - both["match_probability_spark"]).abs().max()
    assert isinstance(gap, float) and gap <= PROBABILITY_TOLERANCE
    for f in FEATURES:   # the same comparison level, pair by pair
        assert both[f"gamma_{f}"].equals(both[f"gamma_{f}_spark"], check_names=False), f
    truth, ids = rows.select("record_id", "true_id"), rows["record_id"]
    f1_duck, f1_spark = (pairwise(cluster_judgements(ids, pairs, [], ClusterParams(0.5)),
                                  truth)[2] for pairs in (duck, spark))
    print(f"F1 at 0.5: DuckDB {f1_duck:.4f}, Spark {f1_spark:.4f}; max |dp| {gap:.2g}")
    assert abs(f1_duck - f1_spark) <= F1_TOLERANCE
    assert f1_spark >= 0.84     # the floor of test_resolution's simulated world
