"""Standalone HTML: plotly.js inline, the geo assets stubbed first, nothing to fetch."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
from plotly.offline import get_plotlyjs

from tocta.figures.maps import flow_map
from tocta.figures.offline import (
    GEO_ASSET_NAMES,
    PLOTLY_CONFIG,
    SYNTHETIC_TEXT,
    geo_assets_script,
    is_synthetic,
    to_html_fragment,
    write_html,
)

FETCHING_TAG = re.compile(r"<(?:script|img|iframe|link|source|embed|object)\b[^>]*\b(?:src|href)=")


def written(tmp_path: Path, edges: pl.DataFrame, *, synthetic: bool) -> str:
    path = write_html(flow_map(edges, title="Routes"), tmp_path / "out" / "map.html",
                      title="Routes <&>", synthetic=synthetic)
    return path.read_text(encoding="utf-8")


def test_the_stub_covers_every_base_map_plotly_can_ask_for() -> None:
    assert {"world_110m", "world_50m", "europe_110m", "north-america_50m"} <= set(GEO_ASSET_NAMES)
    script = geo_assets_script()
    prefix = "window.PlotlyGeoAssets = "
    assert script.startswith(prefix) and script.endswith(";")
    assets = json.loads(script[len(prefix):-1])
    assert set(assets["topojson"]) == set(GEO_ASSET_NAMES)
    topology = assets["topojson"]["world_110m"]
    assert topology["type"] == "Topology"
    assert {"land", "countries", "coastlines"} <= set(topology["objects"])


def test_plotlyjs_reads_the_stub_under_these_names() -> None:
    # If plotly.js renames its cache or its naming scheme, the stub silently stops working.
    js = get_plotlyjs()
    assert "window.PlotlyGeoAssets===void 0" in js  # an object defined first is kept
    assert re.search(r"PlotlyGeoAssets\.topojson\[\w+\.topojsonName\]===void 0", js)
    naming = r'\[\w+\.scope\.replace\(/ /g,"-"\),"_",\w+\.resolution\.toString\(\),"m"\]'
    assert re.search(naming, js)


def test_page_inlines_plotlyjs_after_the_stub(tmp_path: Path, edges: pl.DataFrame) -> None:
    page = written(tmp_path, edges, synthetic=False)
    stub, plotly = page.index("window.PlotlyGeoAssets = "), page.index(get_plotlyjs())
    assert 0 < stub < plotly
    assert "<title>Routes &lt;&amp;&gt;</title>" in page


@pytest.mark.parametrize("synthetic", [False, True], ids=["real", "synthetic"])
def test_page_has_nothing_a_browser_would_fetch(
    tmp_path: Path, edges: pl.DataFrame, synthetic: bool
) -> None:
    page = written(tmp_path, edges, synthetic=synthetic)
    assert not FETCHING_TAG.search(page)
    # plotly.js itself names URLs (its CDN default, links in comments); all else must not.
    rest = page.replace(get_plotlyjs(), "")
    assert re.findall(r"https?://[^\s\"'<>]*", rest) == []
    assert f'"topojsonURL": "{PLOTLY_CONFIG["topojsonURL"]}"' in rest
    assert not PLOTLY_CONFIG["topojsonURL"].startswith(("http:", "https:", "//"))


def test_synthetic_page_has_the_banner_and_the_annotation(
    tmp_path: Path, edges: pl.DataFrame
) -> None:
    page = written(tmp_path, edges, synthetic=True)
    assert 'class="tocta-synthetic"' in page
    assert page.count(SYNTHETIC_TEXT) == 2  # the page banner and the figure's annotation


def test_real_page_has_no_banner(tmp_path: Path, edges: pl.DataFrame) -> None:
    assert SYNTHETIC_TEXT not in written(tmp_path, edges, synthetic=False)


def test_write_html_leaves_the_figure_unmarked(tmp_path: Path, edges: pl.DataFrame) -> None:
    fig = flow_map(edges, title="Routes")
    write_html(fig, tmp_path / "map.html", title="Routes", synthetic=True)
    assert not is_synthetic(fig)


def test_fragment_is_a_div_without_plotlyjs_and_with_the_same_config(
    edges: pl.DataFrame,
) -> None:
    fragment = to_html_fragment(flow_map(edges, title="Routes"), div_id="routes")
    assert fragment.lstrip().startswith("<div")
    assert 'id="routes"' in fragment
    assert "plotly.js v" not in fragment and len(fragment) < len(get_plotlyjs()) / 2
    assert f'"topojsonURL": "{PLOTLY_CONFIG["topojsonURL"]}"' in fragment
