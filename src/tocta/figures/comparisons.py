"""Two flow maps side by side on one scale: typically naive estimates against corrected ones.

Both panels share colours, the share drawn at full width, the extent and the legend, so a
line that is wider on the right is a larger share, not a different scale.
"""

from __future__ import annotations

from typing import Literal

import plotly.graph_objects as go
import polars as pl
from plotly.subplots import make_subplots

from tocta.figures.geo import add_note, base_layout, geo_layout, outline_trace
from tocta.figures.maps import FLOW_NOTE, edge_traces, flow_style, place_trace
from tocta.figures.offline import mark_synthetic

__all__ = ["side_by_side"]


def side_by_side(
    naive: pl.DataFrame,
    corrected: pl.DataFrame,
    *,
    title: str,
    labels: tuple[str, str] = ("Naive: seizures as reported", "Corrected for detection"),
    synthetic: bool = False,
    color_by: Literal["commodity", "trend"] = "commodity",
) -> go.Figure:
    """Two sets of route edges as two maps on one scale.

    Args:
        naive: Edges as for ``maps.flow_map`` (left panel).
        corrected: Edges as for ``maps.flow_map`` (right panel).
        title: The figure title.
        labels: The panel titles, left then right.
        synthetic: Mark the figure as simulated data.
        color_by: Colour lines by commodity or by trend.

    Returns:
        The figure with subplots ``geo`` (left) and ``geo2`` (right), each holding the
        country outlines, one line trace per edge and the countries on the routes.

    Raises:
        UsageError: A required column is missing or ``color_by`` is unknown.
        NotFoundError: A code is not a country.
    """
    style = flow_style([naive, corrected], color_by, "side_by_side")
    fig = make_subplots(
        rows=1, cols=2, specs=[[{"type": "geo"}, {"type": "geo"}]],
        subplot_titles=list(labels), horizontal_spacing=0.01,
    )
    shown: set[str] = set()
    points: list[tuple[float, float]] = []
    for col, edges in enumerate((naive, corrected), start=1):
        lines, places = edge_traces(edges, style, "side_by_side")
        for line in lines:
            line.showlegend = line.name not in shown
            shown.add(line.name)
        for trace in (outline_trace(), *lines, place_trace(places)):
            fig.add_trace(trace, row=1, col=col)
        points += [(c.lat, c.lon) for c in places.values()]
    geo = geo_layout(points)
    base_layout(fig, title, geo)
    fig.update_layout(
        geo2=geo,
        height=580,
        margin={"b": 90},
        legend={"title": {"text": color_by}, "orientation": "h", "x": 0.5, "xanchor": "center",
                "y": -0.02, "yanchor": "top"},
    )
    fig.update_annotations(selector={"text": labels[0]}, yshift=4)
    fig.update_annotations(selector={"text": labels[1]}, yshift=4)
    add_note(fig, FLOW_NOTE, y=-0.1)
    return mark_synthetic(fig) if synthetic else fig
