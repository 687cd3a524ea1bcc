"""Naive and corrected flow maps side by side: two panels, one scale, one legend."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl

from tests.figures.conftest import edges_frame
from tocta.figures.comparisons import side_by_side
from tocta.figures.offline import is_synthetic


def lines_in(fig: go.Figure, geo: str) -> list[go.Scattergeo]:
    return [t for t in fig.data if t.type == "scattergeo" and "lines" in t.mode and t.geo == geo]


def test_each_panel_has_outlines_and_one_line_per_edge(edges: pl.DataFrame) -> None:
    corrected = edges_frame([("AFG", "IRN", "heroin", 0.8), ("MMR", "THA", "opium", 0.2)])
    fig = side_by_side(edges, corrected, title="Naive vs corrected", synthetic=True)
    assert len(lines_in(fig, "geo")) == edges.height
    assert len(lines_in(fig, "geo2")) == corrected.height
    outlines = [t for t in fig.data if t.type == "choropleth"]
    assert sorted(t.geo for t in outlines) == ["geo", "geo2"]
    assert fig.layout.geo.lonaxis.range == fig.layout.geo2.lonaxis.range
    assert is_synthetic(fig)


def test_one_scale_and_one_legend_entry_per_colour(edges: pl.DataFrame) -> None:
    corrected = edges_frame([("AFG", "IRN", "heroin", 0.8)])
    fig = side_by_side(edges, corrected, title="Naive vs corrected")
    left = {t.text[0].split("<br>")[0]: t for t in lines_in(fig, "geo")}
    right = lines_in(fig, "geo2")[0]
    # 0.8 is the largest share of both panels: full width on the right, half of it left.
    assert right.line.width == 8.0
    assert left["<b>Afghanistan → Iran (Islamic Republic of)</b>"].line.width == 1.0 + 7.0 * 0.5
    assert right.line.color == lines_in(fig, "geo")[0].line.color
    assert sorted(t.name for t in fig.data if t.showlegend) == ["cocaine", "heroin"]
