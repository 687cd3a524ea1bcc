"""The geo subplot every map shares: our country outlines, the extent, the layout.

Country outlines come from our own geometry (``world_geometry()``), drawn as one light
choropleth trace, and plotly's base layers are off: nothing is fetched (see ``offline``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import plotly.graph_objects as go

from tocta.reference.countries import Country, world_geometry

__all__ = ["HEIGHT", "add_note", "base_layout", "geo_layout", "outline_trace", "towards"]

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


def base_layout(fig: go.Figure, title: str, geo: dict[str, Any]) -> None:
    """Title, one geo subplot, size, margins (room above for the SYNTHETIC annotation)."""
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98},
        geo=geo,
        height=HEIGHT,
        margin={"l": 10, "r": 10, "t": 80, "b": 60},
        paper_bgcolor="#ffffff",
        plot_bgcolor="#ffffff",
        font={"family": "Helvetica Neue, Arial, sans-serif", "size": 12},
    )


def add_note(fig: go.Figure, text: str, *, y: float = -0.02) -> None:
    """A small reading note under the plot area (``y`` in paper units, top of the note)."""
    fig.add_annotation(
        text=text, xref="paper", yref="paper", x=0.0, y=y, xanchor="left",
        yanchor="top", showarrow=False, font=_NOTE_FONT, align="left",
    )


def towards(a: Country, b: Country, t: float) -> tuple[float, float]:
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
