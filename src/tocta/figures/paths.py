"""Trafficking paths as a Sankey diagram: origin → transit(s) → destination.

A node is a country at a stage of the path (origin, transit 1, transit 2 ..., destination),
so a country seen at two stages is two nodes; this also keeps the diagram free of cycles,
which a Sankey cannot draw. Links between the same two nodes are summed over paths.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import plotly.graph_objects as go
import polars as pl

from tocta.figures.inputs import countries_of, require_columns
from tocta.figures.offline import mark_synthetic

__all__ = ["STAGE_COLOURS", "sankey", "stages_of"]

STAGE_COLOURS: dict[str, str] = {
    "origin": "#8c510a",
    "transit": "#7f8c8d",
    "destination": "#01665e",
}
_LINK_ALPHA = 0.35


def stages_of(length: int) -> list[str]:
    """Stage names of a path of ``length`` countries (at least two).

    >>> stages_of(4)
    ['origin', 'transit 1', 'transit 2', 'destination']
    """
    return ["origin"] + [f"transit {i}" for i in range(1, length - 1)] + ["destination"]


def _rgba(hex_colour: str, alpha: float) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{alpha})"


def _kind(stage: str) -> str:
    return stage.split(" ")[0]


def sankey(
    paths: pl.DataFrame, *, title: str, synthetic: bool = False, max_paths: int = 15
) -> go.Figure:
    """The largest paths by share as an origin → transit → destination Sankey diagram.

    Args:
        paths: One row per path: ``path`` (list of ISO3 codes, origin first, destination
            last) and ``share`` (0-1, of all flows).
        title: The figure title.
        synthetic: Mark the figure as simulated data.
        max_paths: How many paths to draw, largest share first. A note under the diagram
            says how many paths and how much of the share are drawn; paths of fewer than
            two countries have no link to draw and are counted there too.

    Returns:
        The figure: one Sankey trace; node labels are country names, node hover gives the
        stage and the share through the node.

    Raises:
        UsageError: A required column is missing.
        NotFoundError: A code is not a country.
    """
    require_columns(paths, ("path", "share"), "sankey")
    rows = [(list(p or []), float(s or 0.0)) for p, s in paths.select("path", "share").rows()]
    total = sum(s for _, s in rows)
    drawable = sorted((r for r in rows if len(r[0]) >= 2), key=lambda r: -r[1])
    drawn = drawable[: max(0, max_paths)]
    places = countries_of([c for p, _ in drawn for c in p], "sankey")

    node_ids: dict[tuple[str, str], int] = {}
    node_share: dict[int, float] = {}
    links: dict[tuple[int, int], float] = {}
    for path, share in drawn:
        ids = []
        for stage, code in zip(stages_of(len(path)), path, strict=True):
            key = (stage, places[code].iso3)
            ids.append(node_ids.setdefault(key, len(node_ids)))
        for node in ids:
            node_share[node] = node_share.get(node, 0.0) + share
        for a, b in pairwise(ids):
            links[(a, b)] = links.get((a, b), 0.0) + share

    nodes = sorted(node_ids.items(), key=lambda kv: kv[1])
    node_colours = [STAGE_COLOURS[_kind(stage)] for (stage, _), _ in nodes]
    node_text: list[Any] = [
        f"{stage}, {node_share[i]:.1%} of flows" for (stage, _), i in nodes
    ]
    fig = go.Figure(go.Sankey(
        arrangement="snap",
        node={
            "label": [places[code].name for (_, code), _ in nodes],
            "color": node_colours,
            "customdata": node_text,
            "hovertemplate": "<b>%{label}</b><br>%{customdata}<extra></extra>",
            "pad": 14,
            "thickness": 16,
            "line": {"color": "#ffffff", "width": 0.5},
        },
        link={
            "source": [a for a, _ in links],
            "target": [b for _, b in links],
            "value": list(links.values()),
            "color": [_rgba(node_colours[a], _LINK_ALPHA) for a, _ in links],
            "hovertemplate": "%{source.label} → %{target.label}: %{value:.1%}<extra></extra>",
        },
        valueformat=".1%",
    ))
    shown = sum(s for _, s in drawn)
    note = (
        f"{len(drawn)} largest of {len(rows)} paths, {shown:.0%} of the total share "
        f"({total:.0%}). Columns: origin, transit(s), destination."
    )
    if len(drawable) < len(rows):
        single = len(rows) - len(drawable)
        note += f" Not drawn, a single country: {single} path{'s' if single > 1 else ''}."
    fig.update_layout(
        title={"text": title, "x": 0.01, "xanchor": "left", "y": 0.98},
        height=560,
        margin={"l": 10, "r": 10, "t": 80, "b": 50},
        paper_bgcolor="#ffffff",
        font={"family": "Helvetica Neue, Arial, sans-serif", "size": 12},
    )
    fig.add_annotation(
        text=note, xref="paper", yref="paper", x=0.0, y=-0.02, xanchor="left", yanchor="top",
        showarrow=False, font={"size": 11, "color": "#555555"},
    )
    _label_columns(fig, max((len(p) for p, _ in drawn), default=0))
    return mark_synthetic(fig) if synthetic else fig


def _label_columns(fig: go.Figure, columns: int) -> None:
    """Stage names above the node columns, which plotly spaces evenly (justified)."""
    if columns < 2:
        return
    names = ["origin"] + ["transit"] * (columns - 2) + ["destination"]
    if columns > 3:
        names[1:-1] = [f"transit {i}" for i in range(1, columns - 1)]
    for i, name in enumerate(names):
        x = i / (columns - 1)
        fig.add_annotation(
            text=f"<b>{name}</b>", xref="paper", yref="paper", x=x, y=1.0, yanchor="bottom",
            xanchor="left" if i == 0 else "right" if i == columns - 1 else "center",
            showarrow=False, font={"size": 12, "color": STAGE_COLOURS[_kind(name)]},
        )
