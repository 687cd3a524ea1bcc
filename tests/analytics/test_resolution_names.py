"""The name level by joins over tokens (``resolution_names``) equals the name comparison's
own SQL (``resolution_model.name_comparison``) on every pair of hard names."""

from __future__ import annotations

import duckdb
import polars as pl
import pytest
import splink.comparison_library as cl
from splink import SettingsCreator

from tocta.analytics.resolution_features import prepare_records
from tocta.analytics.resolution_model import settings
from tocta.analytics.resolution_names import LEVELS, check_levels, gamma_sql, token_tables_sql

#: names chosen to reach every level and the corner cases of the token tests
NAMES = [
    "Mohammed Ali Hassan", "Muhammad Ali", "Mohamed Hasan", "محمد علي", "Ali Ali",
    "Ali Ali Hassan", "HASSAN, Ali", "Ali Hassan", "Alì Hassàn", "abc Hassan", "bca Hassan",
    "Giovanni Rizzo", "Giovanni Russo", "Maria Lopez", "Omar Lopez", "Thein", "Thein Aung",
    "Aung Thein", "张伟", "Zhang Wei", "Chang Wei", "Мухаммед Али", "Youssef Ben Ali",
    "Yusuf Ben Ali", "Juan Carlos Gómez Restrepo", "GÓMEZ RESTREPO, Juan Carlos",
    "Juan Gomez", "Jaun Gomez", "Juan Gmoez", "Xi", "", "Ng", "Nguyen Van An", "An Van Nguyen",
    "Li Li", "Li", "Abdul Rahman Al-Sayed", "Abdulrahman Sayed",
]


@pytest.fixture(scope="module")
def both() -> pl.DataFrame:
    features = prepare_records(pl.DataFrame({"record_id": [f"r{i}" for i in
                                                           range(len(NAMES))],
                                             "name": NAMES}))
    comp = settings().get_settings("duckdb").comparisons[0]
    con = duckdb.connect()
    values = features.select(pl.int_range(pl.len()).alias("v"), "name_key", "name_toks",
                             "meet_keys")
    con.register("vals", values.to_arrow())
    con.execute("CREATE TABLE tocta_values AS SELECT * FROM vals")
    con.execute("CREATE TABLE pairs AS SELECT a.v AS v_l, b.v AS v_r FROM tocta_values a, "
                "tocta_values b WHERE a.v <> b.v")
    for sql in token_tables_sql("tocta_values", "v", "names"):
        con.execute(sql)
    con.execute(gamma_sql("pairs", "v", "names", "gamma_name", comp, "joins"))
    cols = ", ".join(f"{s}.{c} AS {c}_{s[0]}" for c in ("name_key", "name_toks", "meet_keys")
                     for s in ("lv", "rv"))
    splink = con.sql(f"SELECT p.v_l, p.v_r, {comp._case_statement} FROM pairs p, "
                     f"(SELECT p.v_l, p.v_r, {cols} FROM pairs p JOIN tocta_values lv ON "
                     f"lv.v = p.v_l JOIN tocta_values rv ON rv.v = p.v_r) q "
                     "WHERE q.v_l = p.v_l AND q.v_r = p.v_r").pl()
    ours = con.sql("SELECT * FROM joins").pl()
    con.close()
    return splink.join(ours, on=["v_l", "v_r"], suffix="_joins")


def test_every_pair_gets_the_comparisons_level(both: pl.DataFrame) -> None:
    assert both.height == len(NAMES) * (len(NAMES) - 1)
    differ = both.filter(pl.col("gamma_name") != pl.col("gamma_name_joins"))
    assert differ.height == 0, differ.head(10)


def test_the_names_reach_every_level(both: pl.DataFrame) -> None:
    # the equality above says little unless every level (and the null one) occurs
    assert set(both["gamma_name"].unique()) == {-1, 0, 1, 2, 3, 4, 5, 6}


def test_a_changed_comparison_is_refused() -> None:
    comp = settings().get_settings("duckdb").comparisons[0]
    assert len(check_levels(comp)) == len(LEVELS) + 1
    other = SettingsCreator(link_type="dedupe_only", comparisons=[cl.ExactMatch("name_key")])
    with pytest.raises(ValueError, match="not those computed"):
        check_levels(other.get_settings("duckdb").comparisons[0])
