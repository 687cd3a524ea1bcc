"""Threat maps: routes of illicit flows between countries, and transit countries.

Every map draws the country outlines from our own geometry as one light choropleth trace,
with plotly's base layers off, so nothing is fetched (see ``geo`` and ``offline``). Figures
take polars DataFrames and return ``plotly.graph_objects.Figure``; write them with
``offline.write_html``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl
from plotly.colors import qualitative

from tocta.errors import UsageError
from tocta.figures.geo import add_note, base_layout, geo_layout, outline_trace, towards
from tocta.figures.inputs import countries_of, require_columns
from tocta.figures.offline import mark_synthetic
from tocta.reference.countries import Country, world_geometry

__all__ = [
    "EDGE_COLUMNS",
    "TREND_COLOURS",
    "FlowStyle",
    "edge_traces",
    "flow_map",
    "flow_style",
    "place_trace",
    "transit_choropleth",
]

EDGE_COLUMNS = ("from_iso3", "to_iso3", "commodity", "share", "share_low", "share_high")
TREND_COLOURS: dict[str, str] = {
    "emerging": "#c62828",
    "stable": "#455a64",
    "fading": "#1e88e5",
    "unknown": "#9e9e9e",
}
_PALETTE: Sequence[str] = qualitative.Dark2 + qualitative.Set1
FLOW_NOTE = (
    "Line width ∝ share of flows; dashed, lighter: more than half inferred. "
    "Hover a line's ends for the 90% interval."
)


@dataclass(frozen=True)
class FlowStyle:
    """How edges are drawn: colour key, colours, and the share drawn at full width."""

    color_by: Literal["commodity", "trend"]
    colours: dict[str, str]
    max_share: float


def flow_style(
    frames: Sequence[pl.DataFrame], color_by: Literal["commodity", "trend"], who: str
) -> FlowStyle:
    """One style for the edges of one or more maps, so they can be compared.

    Raises:
        UsageError: A frame lacks a required column, or ``color_by`` is unknown.
    """
    for frame in frames:
        require_columns(frame, EDGE_COLUMNS, who)
    if color_by not in ("commodity", "trend"):
        raise UsageError(f"{who}: color_by must be 'commodity' or 'trend', not {color_by!r}")
    shares = [s for f in frames for s in f["share"].drop_nulls().to_list()]
    commodities = sorted({str(c) for f in frames for c in f["commodity"].to_list()})
    colours = (
        dict(TREND_COLOURS) if color_by == "trend"
        else {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(commodities)}
    )
    return FlowStyle(color_by, colours, max(shares, default=0.0) or 1.0)


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _edge_text(row: dict[str, Any], src: Country, dst: Country) -> str:
    lines = [
        f"<b>{src.name} → {dst.name}</b>",
        f"{row['commodity']}: {_pct(row['share'])} of flows "
        f"(90% interval {_pct(row['share_low'])}–{_pct(row['share_high'])})",
    ]
    if row.get("trend") is not None:
        lines.append(f"trend: {row['trend']}")
    if row.get("inferred_share") is not None:
        lines.append(f"inferred: {_pct(row['inferred_share'])} of the evidence")
    return "<br>".join(lines)


def _edge_trace(row: dict[str, Any], src: Country, dst: Country, style: FlowStyle) -> go.Scattergeo:
    if style.color_by == "trend":
        group = row.get("trend") or "unknown"
        colour = style.colours.get(group, TREND_COLOURS["unknown"])
    else:
        group = str(row["commodity"])
        colour = style.colours[group]
    # The arrowhead sits short of the destination's dot, pointing along the great circle;
    # with angleref "previous", plotly.js turns "triangle-down" to point away from the
    # previous point (checked in a screenshot: "triangle-up" points back to the origin).
    before, head = towards(src, dst, 0.84), towards(src, dst, 0.88)
    width = 1.0 + 7.0 * (row["share"] or 0.0) / style.max_share
    inferred = (row.get("inferred_share") or 0.0) > 0.5
    return go.Scattergeo(
        lat=[src.lat, before[0], head[0], dst.lat],
        lon=[src.lon, before[1], head[1], dst.lon],
        mode="lines+markers",
        line={"color": colour, "width": width, "dash": "dash" if inferred else "solid"},
        marker={"size": [0, 0, 9 + width, 0], "symbol": "triangle-down",
                "angleref": "previous", "color": colour, "opacity": 0.9},
        opacity=0.55 if inferred else 0.85,
        text=[_edge_text(row, src, dst)] * 4,
        hovertemplate="%{text}<extra></extra>",
        name=group,
        legendgroup=group,
    )


def edge_traces(
    edges: pl.DataFrame, style: FlowStyle, who: str
) -> tuple[list[go.Scattergeo], dict[str, Country]]:
    """One line trace per edge, in row order, and the countries the edges touch.

    Every trace is in the legend group of its colour; only the first of a group shows.

    Raises:
        NotFoundError: A code is not a country.
    """
    rows = edges.to_dicts()
    places = countries_of([r["from_iso3"] for r in rows] + [r["to_iso3"] for r in rows], who)
    traces: list[go.Scattergeo] = []
    shown: set[str] = set()
    for row in rows:
        trace = _edge_trace(row, places[row["from_iso3"]], places[row["to_iso3"]], style)
        trace.showlegend = trace.name not in shown
        shown.add(trace.name)
        traces.append(trace)
    return traces, places


def place_trace(places: dict[str, Country]) -> go.Scattergeo:
    """A dot and ISO3 label for every country on the routes, the name on hover."""
    touched = sorted(places.values(), key=lambda c: c.iso3)
    return go.Scattergeo(
        lat=[c.lat for c in touched], lon=[c.lon for c in touched],
        mode="markers+text", text=[c.iso3 for c in touched], textposition="top center",
        textfont={"size": 10, "color": "#333333"},
        marker={"size": 5, "color": "#333333"},
        customdata=[c.name for c in touched], hovertemplate="%{customdata}<extra></extra>",
        name="countries on the routes", showlegend=False,
    )


def flow_map(
    edges: pl.DataFrame,
    *,
    title: str,
    synthetic: bool = False,
    color_by: Literal["commodity", "trend"] = "commodity",
    extent: Literal["edges", "world"] = "edges",
) -> go.Figure:
    """Routes of illicit flows as lines between countries, one trace per edge.

    Args:
        edges: One row per route segment: ``from_iso3``, ``to_iso3``, ``commodity``,
            ``share`` (0-1), ``share_low``, ``share_high`` (its 90% interval); optional
            ``trend`` ("emerging", "fading", "stable" or null) and ``inferred_share`` (0-1,
            how much of the estimate is inferred rather than observed).
        title: The figure title.
        synthetic: Mark the figure as simulated data.
        color_by: Colour lines by commodity or by trend.
        extent: Fit the map to the countries of the edges, or show the world.

    Returns:
        The figure: the country outlines, then one line trace per edge (in row order; width
        by share, dashed when more than half inferred, an arrow at the destination), then
        one marker trace for the countries the edges touch.

    Raises:
        UsageError: A required column is missing or ``color_by`` is unknown.
        NotFoundError: A code is not a country.
    """
    style = flow_style([edges], color_by, "flow_map")
    lines, places = edge_traces(edges, style, "flow_map")
    fig = go.Figure([outline_trace(), *lines, place_trace(places)])
    points = [(c.lat, c.lon) for c in places.values()] if extent == "edges" else None
    base_layout(fig, title, geo_layout(points))
    fig.update_layout(legend={"title": {"text": color_by}, "orientation": "v", "x": 1.0,
                              "xanchor": "right", "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"})
    add_note(fig, FLOW_NOTE)
    return mark_synthetic(fig) if synthetic else fig


def transit_choropleth(
    nodes: pl.DataFrame,
    *,
    title: str,
    value: str = "throughput_share",
    synthetic: bool = False,
    extent: Literal["nodes", "world"] = "world",
) -> go.Figure:
    """Countries shaded by a value, typically the share of flows passing through them.

    Args:
        nodes: One row per country: ``iso3``, ``throughput_share``, ``throughput_low``,
            ``throughput_high`` (90% interval); optional ``role`` (e.g. "transit") and
            ``seizures_reported`` (int).
        title: The figure title.
        value: The column to shade by; its interval is ``throughput_low/_high`` for
            ``throughput_share``, else ``<value>_low/_high`` when present.
        synthetic: Mark the figure as simulated data.
        extent: Fit the map to the shaded countries, or show the world.

    Returns:
        The figure: the country outlines, then one choropleth of the rows, with a colour bar.

    Raises:
        UsageError: A required column is missing.
        NotFoundError: A code is not a country.
    """
    require_columns(nodes, ("iso3", value), "transit_choropleth")
    low, high = (
        ("throughput_low", "throughput_high") if value == "throughput_share"
        else (f"{value}_low", f"{value}_high")
    )
    rows = nodes.to_dicts()
    places = countries_of([r["iso3"] for r in rows], "transit_choropleth")
    is_share = value.endswith("share")
    fmt = _pct if is_share else (lambda v: "n/a" if v is None else f"{v:,.3g}")
    texts = []
    for r in rows:
        lines = [f"<b>{places[r['iso3']].name}</b>", f"{value}: {fmt(r[value])}"]
        if low in r and high in r:
            lines[-1] += f" (90% interval {fmt(r[low])}–{fmt(r[high])})"
        if r.get("role") is not None:
            lines.append(f"role: {r['role']}")
        if r.get("seizures_reported") is not None:
            lines.append(f"seizures reported: {r['seizures_reported']:,}")
        texts.append("<br>".join(lines))
    fig = go.Figure(outline_trace())
    fig.add_trace(go.Choropleth(
        geojson=world_geometry(),
        featureidkey="properties.iso3",
        locations=[places[r["iso3"]].iso3 for r in rows],
        z=[r[value] for r in rows],
        text=texts,
        hovertemplate="%{text}<extra></extra>",
        colorscale="YlOrRd",
        zauto=False,
        zmin=0,
        zmax=max((r[value] for r in rows if r[value] is not None), default=1) or 1,
        marker={"line": {"color": "#5f6b75", "width": 0.6}},
        colorbar={"title": {"text": value.replace("_", " ")}, "thickness": 14, "len": 0.7,
                  "tickformat": ".0%" if is_share else None},
        name=value,
        showlegend=False,
    ))
    points = [(c.lat, c.lon) for c in places.values()] if extent == "nodes" else None
    base_layout(fig, title, geo_layout(points))
    add_note(fig, "Grey: no estimate. Hover a country for the 90% interval.")
    return mark_synthetic(fig) if synthetic else fig
