"""Figures: Plotly charts and maps that work offline, with our own geometry.

``maps`` draws flows and transit countries on our country outlines (``geo``), ``comparisons``
two flow maps on one scale, ``paths`` the Sankey of trafficking paths, ``offline`` writes
standalone HTML (plotly.js inline, geo assets stubbed, nothing fetched).
"""

from tocta.figures.comparisons import side_by_side
from tocta.figures.maps import flow_map, transit_choropleth
from tocta.figures.offline import to_html_fragment, write_html
from tocta.figures.paths import sankey

__all__ = [
    "flow_map",
    "sankey",
    "side_by_side",
    "to_html_fragment",
    "transit_choropleth",
    "write_html",
]
