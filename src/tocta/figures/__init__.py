"""Figures: Plotly charts and maps that work offline, with our own geometry.

``maps`` draws flows and transit countries on our country outlines, ``paths`` the Sankey of
trafficking paths, ``offline`` writes standalone HTML (plotly.js inline, no fetches).
"""

from tocta.figures.maps import flow_map, transit_choropleth
from tocta.figures.offline import to_html_fragment, write_html
from tocta.figures.paths import sankey

__all__ = ["flow_map", "sankey", "to_html_fragment", "transit_choropleth", "write_html"]
