"""Small hand-made frames for the figure tests: routes, transit countries, paths."""

from __future__ import annotations

import polars as pl
import pytest


def edges_frame(rows: list[tuple[str, str, str, float]], **extra: list[object]) -> pl.DataFrame:
    """Edges from (from, to, commodity, share) tuples; interval ±0.1; extra columns as given."""
    data: dict[str, list[object]] = {
        "from_iso3": [r[0] for r in rows],
        "to_iso3": [r[1] for r in rows],
        "commodity": [r[2] for r in rows],
        "share": [r[3] for r in rows],
        "share_low": [max(0.0, r[3] - 0.1) for r in rows],
        "share_high": [min(1.0, r[3] + 0.1) for r in rows],
    }
    data.update(extra)
    return pl.DataFrame(data)


@pytest.fixture
def edges() -> pl.DataFrame:
    """Five routes, two commodities, with trends and inferred shares."""
    return edges_frame(
        [
            ("AFG", "IRN", "heroin", 0.4),
            ("IRN", "TUR", "heroin", 0.35),
            ("TUR", "DEU", "heroin", 0.2),
            ("COL", "ECU", "cocaine", 0.5),
            ("ECU", "NLD", "cocaine", 0.3),
        ],
        trend=["stable", "emerging", "fading", None, "emerging"],
        inferred_share=[0.1, 0.2, 0.7, None, 0.9],
    )


@pytest.fixture
def nodes() -> pl.DataFrame:
    """Three transit countries with intervals, roles and seizure counts."""
    return pl.DataFrame({
        "iso3": ["IRN", "TUR", "ECU"],
        "throughput_share": [0.35, 0.2, 0.3],
        "throughput_low": [0.25, 0.1, 0.2],
        "throughput_high": [0.45, 0.3, 0.4],
        "role": ["transit", "transit", "transit"],
        "seizures_reported": [120, 45, 12],
    })


@pytest.fixture
def paths() -> pl.DataFrame:
    """Four paths: 2 origins, 3 first and 2 second transits, 3 destinations, 9 links."""
    return pl.DataFrame({
        "path": [
            ["AFG", "IRN", "TUR", "DEU"],
            ["AFG", "PAK", "ARE", "NLD"],
            ["MMR", "THA", "AUS"],
            ["AFG", "IRN", "TUR", "NLD"],
        ],
        "share": [0.4, 0.3, 0.2, 0.1],
    })
