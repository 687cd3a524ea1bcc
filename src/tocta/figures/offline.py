"""Standalone HTML for Plotly figures that draws with no network at all.

plotly.js is written inline, once per page. Geo subplots would still fetch a topojson base
map (``world_110m.json`` ...) from ``config.topojsonURL``, a CDN by default, whenever a trace
has a ``locationmode`` or a base layer is shown. The page therefore defines
``window.PlotlyGeoAssets`` before plotly.js loads, with an empty topology under every name
plotly.js can ask for (``<scope>_<resolution>m``: ``world_110m``, ``world_50m``,
``europe_110m`` ...). plotly.js reads that cache before fetching and keeps an object it finds
defined. Base layers (land, coastlines, borders) come from our own geometry instead
(``tocta.reference.countries.world_geometry``), drawn as a choropleth trace by ``maps``.
"""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

import plotly.graph_objects as go
from plotly.offline import get_plotlyjs

__all__ = [
    "GEO_ASSET_NAMES",
    "PLOTLY_CONFIG",
    "SYNTHETIC_TEXT",
    "geo_assets_script",
    "is_synthetic",
    "mark_synthetic",
    "to_html_fragment",
    "write_html",
]

SYNTHETIC_TEXT = "SYNTHETIC DATA — simulated, not real"

# plotly.js names its base maps "<scope>_<resolution>m" (getTopojsonName, spaces in the scope
# become dashes); the scopes and resolutions are those of layout.geo.scope/.resolution.
_SCOPES = (
    "world",
    "usa",
    "europe",
    "asia",
    "africa",
    "north-america",
    "south-america",
    "antarctica",
    "oceania",
)
GEO_ASSET_NAMES: tuple[str, ...] = tuple(f"{s}_{r}m" for s in _SCOPES for r in (110, 50))

# The layers plotly.js may read from a topology: base layers by name, and "countries" /
# "subunits" for traces with locationmode "ISO-3", "country names" or "USA-states".
_TOPOLOGY_LAYERS = ("ocean", "land", "lakes", "rivers", "countries", "subunits", "coastlines")

# Not a URL a browser could fetch: if the stub were ever missed, the request fails locally
# (and the browser test, which records every non-file request, would say so).
_TOPOJSON_URL = "tocta-offline-no-topojson/"

PLOTLY_CONFIG: dict[str, Any] = {
    "topojsonURL": _TOPOJSON_URL,
    "displaylogo": False,
    "responsive": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d"],
}

_SYNTHETIC_NAME = "tocta-synthetic-banner"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; font-family: "Helvetica Neue", Arial, sans-serif; background: #fff; }}
.tocta-synthetic {{ background: #b3261e; color: #fff; font-weight: bold; text-align: center;
  padding: 6px; letter-spacing: 0.05em; }}
.tocta-figure {{ padding: 8px; }}
</style>
<script>{assets}</script>
<script>{plotlyjs}</script>
</head>
<body>
{banner}<div class="tocta-figure">
{figure}
</div>
</body>
</html>
"""


def _empty_topology() -> dict[str, Any]:
    empty = {"type": "GeometryCollection", "geometries": []}
    return {"type": "Topology", "objects": {k: empty for k in _TOPOLOGY_LAYERS}, "arcs": []}


def geo_assets_script() -> str:
    """The JavaScript that stubs plotly.js's topojson cache; must run before plotly.js.

    Returns:
        ``window.PlotlyGeoAssets = {topojson: {"world_110m": <empty topology>, ...}};``
        with every name in ``GEO_ASSET_NAMES``.
    """
    topology = _empty_topology()
    assets = {"topojson": {name: topology for name in GEO_ASSET_NAMES}}
    return f"window.PlotlyGeoAssets = {json.dumps(assets, separators=(',', ':'))};"


def mark_synthetic(fig: go.Figure) -> go.Figure:
    """Add the visible SYNTHETIC DATA annotation to a figure, once.

    Args:
        fig: The figure; changed in place.

    Returns:
        The same figure, for chaining.
    """
    names = {a.name for a in fig.layout.annotations}
    if _SYNTHETIC_NAME not in names:
        fig.add_annotation(
            name=_SYNTHETIC_NAME,
            text=f"<b>{SYNTHETIC_TEXT}</b>",
            xref="paper",
            yref="paper",
            x=0.5,
            y=1.0,
            xanchor="center",
            yanchor="bottom",
            yshift=22,
            showarrow=False,
            font={"color": "#ffffff", "size": 13},
            bgcolor="#b3261e",
            borderpad=4,
        )
    return fig


def is_synthetic(fig: go.Figure) -> bool:
    """Whether ``mark_synthetic`` has marked the figure."""
    return any(a.name == _SYNTHETIC_NAME for a in fig.layout.annotations)


def to_html_fragment(
    fig: go.Figure, *, div_id: str | None = None, height: str = "100%"
) -> str:
    """A ``<div>`` drawing the figure, without plotly.js, for a page that includes it once.

    The page must run ``geo_assets_script()`` before plotly.js when it shows maps;
    ``write_html`` does both.

    Args:
        fig: The figure.
        div_id: The id of the div; plotly makes a random one when None.
        height: CSS height of the div when the figure's layout sets none.

    Returns:
        HTML text: a div and the script that calls ``Plotly.newPlot`` with ``PLOTLY_CONFIG``.
    """
    return fig.to_html(
        full_html=False,
        include_plotlyjs=False,
        include_mathjax=False,
        config=PLOTLY_CONFIG,
        div_id=div_id,
        default_width="100%",
        default_height=height,
    )


def write_html(fig: go.Figure, path: str | Path, *, title: str, synthetic: bool) -> Path:
    """Write a standalone HTML page that shows the figure with no network access.

    Args:
        fig: The figure; not changed (a copy is marked when ``synthetic``).
        path: The file to write; parent directories are created.
        title: The page title (HTML-escaped here).
        synthetic: Whether the data are simulated: the page gets a banner and the figure an
            annotation, both reading ``SYNTHETIC_TEXT``.

    Returns:
        The path written.
    """
    out = Path(path)
    if synthetic:
        fig = mark_synthetic(go.Figure(fig))
    figure = to_html_fragment(fig, height="640px")
    banner = ""
    if synthetic:
        banner = f'<div class="tocta-synthetic">{html.escape(SYNTHETIC_TEXT)}</div>\n'
    page = _PAGE.format(
        title=html.escape(title),
        assets=geo_assets_script(),
        plotlyjs=get_plotlyjs(),
        banner=banner,
        figure=figure,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
