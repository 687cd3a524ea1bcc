"""Threat maps: flows between countries, transit countries, and the paths they form.

Every map draws the country outlines from our own geometry (``world_geometry()``) as one
light choropleth trace, with plotly's base layers off, so nothing is fetched (see
``offline``). Figures take polars DataFrames and return ``plotly.graph_objects.Figure``;
write them with ``offline.write_html``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import plotly.graph_objects as go
import polars as pl
from plotly.colors import qualitative

from tocta.errors import UsageError
from tocta.figures.inputs import countries_of, require_columns
from tocta.figures.offline import mark_synthetic
from tocta.reference.countries import Country, world_geometry

__all__ = ["TREND_COLOURS", "flow_map", "outline_trace", "transit_choropleth"]

TREND_COLOURS: dict[str, str] = {
    "emerging": "#c62828",
    "stable": "#455a64",
    "fading": "#1e88e5",
    "unknown": "#9e9e9e",
}
_PALETTE: Sequence[str] = qualitative.Dark2 + qualitative.Set1
_OUTLINE_FILL = "#eef0f2"
_OUTLINE_LINE = "#9aa4ae"
_NOTE_FONT = {"size": 11, "color": "#555555"}
HEIGHT = 620


def outline_trace() -> go.Choropleth:
    """Every country outline from our geometry, in one constant light colour, no legend."""
    geometry = world_geometry()
    props = [f["properties"] for f in geometry["features"]]
    return go.Choropleth(
        geojson=geometry,
        featureidkey="properties.iso3",
        locations=[p["iso3"] for p in props],
        z=[0] * len(props),
        text=[p["name"] for p in props],
        colorscale=[[0, _OUTLINE_FILL], [1, _OUTLINE_FILL]],
        showscale=False,
        marker={"line": {"color": _OUTLINE_LINE, "width": 0.5}},
        hovertemplate="%{text}<extra></extra>",
        name="countries",
        showlegend=False,
    )


def _extent(points: Iterable[tuple[float, float]]) -> dict[str, Any]:
    """Geo axis ranges around (lat, lon) points, padded, never narrower than a region."""
    pts = list(points)
    if not pts:
        return {}
    lats, lons = [p[0] for p in pts], [p[1] for p in pts]
    lat_pad = max(8.0, (max(lats) - min(lats)) * 0.15)
    lon_pad = max(12.0, (max(lons) - min(lons)) * 0.15)
    lat0, lat1 = max(-60.0, min(lats) - lat_pad), min(85.0, max(lats) + lat_pad)
    lon0, lon1 = max(-180.0, min(lons) - lon_pad), min(180.0, max(lons) + lon_pad)
    return {"lataxis": {"range": [lat0, lat1]}, "lonaxis": {"range": [lon0, lon1]}}


def geo_layout(points: Iterable[tuple[float, float]] | None = None) -> dict[str, Any]:
    """The geo subplot: natural earth, plotly's base layers off, white, fitted to points."""
    geo: dict[str, Any] = {
        "projection": {"type": "natural earth"},
        "showland": False,
        "showcoastlines": False,
        "showcountries": False,
        "showocean": False,
        "showlakes": False,
        "showrivers": False,
        "showframe": False,
        "bgcolor": "#ffffff",
    }
    geo.update(_extent(points or []))
    return geo


def _base_layout(fig: go.Figure, title: str, geo: dict[str, Any]) -> None:
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98},
        geo=geo,
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 80, "b": 60},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": "Helvetica Neue, Arial, sans-serif", "size": 12},
    )


def _note(fig: go.Figure, text: str) -> None:
    fig.add_annotation(
        text=text, xref="paper", yref="paper", x=0.0, y=-0.02, xanchor="left",
        yanchor="top", showarrow=False, font=_NOTE_FONT, align="left",
    )


def _towards(a: Country, b: Country, t: float) -> tuple[float, float]:
    """The point a fraction ``t`` along the great circle from a to b, as (lat, lon)."""
    def vec(c: Country) -> tuple[float, float, float]:
        la, lo = math.radians(c.lat), math.radians(c.lon)
        return (math.cos(la) * math.cos(lo), math.cos(la) * math.sin(lo), math.sin(la))

    va, vb = vec(a), vec(b)
    omega = math.acos(max(-1.0, min(1.0, sum(x * y for x, y in zip(va, vb, strict=True)))))
    if omega < 1e-9:
        return (b.lat, b.lon)
    ka, kb = math.sin((1 - t) * omega) / math.sin(omega), math.sin(t * omega) / math.sin(omega)
    x, y, z = (ka * p + kb * q for p, q in zip(va, vb, strict=True))
    return (math.degrees(math.atan2(z, math.hypot(x, y))), math.degrees(math.atan2(y, x)))


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
    require_columns(
        edges, ("from_iso3", "to_iso3", "commodity", "share", "share_low", "share_high"),
        "flow_map",
    )
    if color_by not in ("commodity", "trend"):
        raise UsageError(f"flow_map: color_by must be 'commodity' or 'trend', not {color_by!r}")
    rows = edges.to_dicts()
    places = countries_of([r["from_iso3"] for r in rows] + [r["to_iso3"] for r in rows], "flow_map")
    max_share = max((r["share"] or 0.0 for r in rows), default=0.0) or 1.0
    commodities = sorted({str(r["commodity"]) for r in rows})
    colours = {c: _PALETTE[i % len(_PALETTE)] for i, c in enumerate(commodities)}
    fig = go.Figure(outline_trace())
    shown: set[str] = set()
    for row in rows:
        src, dst = places[row["from_iso3"]], places[row["to_iso3"]]
        if color_by == "trend":
            group = row.get("trend") or "unknown"
            colour = TREND_COLOURS.get(group, TREND_COLOURS["unknown"])
        else:
            group = str(row["commodity"])
            colour = colours[group]
        # The arrowhead sits short of the destination's dot, pointing along the great circle;
        # with angleref "previous", plotly.js turns "triangle-down" to point away from the
        # previous point (checked in a screenshot: "triangle-up" points back to the origin).
        before, head = _towards(src, dst, 0.84), _towards(src, dst, 0.88)
        width = 1.0 + 7.0 * (row["share"] or 0.0) / max_share
        inferred = (row.get("inferred_share") or 0.0) > 0.5
        text = _edge_text(row, src, dst)
        fig.add_trace(go.Scattergeo(
            lat=[src.lat, before[0], head[0], dst.lat],
            lon=[src.lon, before[1], head[1], dst.lon],
            mode="lines+markers",
            line={"color": colour, "width": width, "dash": "dash" if inferred else "solid"},
            marker={"size": [0, 0, 9 + width, 0], "symbol": "triangle-down",
                    "angleref": "previous", "color": colour, "opacity": 0.9},
            opacity=0.55 if inferred else 0.85,
            text=[text] * 4,
            hovertemplate="%{text}<extra></extra>",
            name=group,
            legendgroup=group,
            showlegend=group not in shown,
        ))
        shown.add(group)
    touched = sorted(places.values(), key=lambda c: c.iso3)
    fig.add_trace(go.Scattergeo(
        lat=[c.lat for c in touched], lon=[c.lon for c in touched],
        mode="markers+text", text=[c.iso3 for c in touched], textposition="top center",
        textfont={"size": 10, "color": "#333333"},
        marker={"size": 5, "color": "#333333"},
        customdata=[c.name for c in touched], hovertemplate="%{customdata}<extra></extra>",
        name="countries on the routes", showlegend=False,
    ))
    points = [(c.lat, c.lon) for c in touched] if extent == "edges" else None
    _base_layout(fig, title, geo_layout(points))
    fig.update_layout(legend={"title": {"text": color_by}, "orientation": "v", "x": 1.0,
                              "xanchor": "right", "y": 0.98, "bgcolor": "rgba(255,255,255,0.8)"})
    _note(fig, "Line width ∝ share of flows; dashed, lighter: more than half inferred. "
               "Hover a line's ends for the 90% interval.")
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
    _base_layout(fig, title, geo_layout(points))
    _note(fig, "Grey: no estimate. Hover a country for the 90% interval.")
    return mark_synthetic(fig) if synthetic else fig
