"""The local Spark session shared by the analytics that can run on Spark (routes, entity
resolution): sized for this machine (2 cores), UI off."""

from __future__ import annotations

from typing import Any


def spark_session() -> Any:
    """A local Spark session sized for this machine (2 cores), UI off.

    ``getOrCreate``: the first caller starts it and later callers share it, so the
    settings here are the only ones (a second set would be ignored silently by Spark).
    """
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master("local[2]").appName("tocta")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.driver.memory", "2g")
            .config("spark.sql.session.timeZone", "UTC").getOrCreate())
