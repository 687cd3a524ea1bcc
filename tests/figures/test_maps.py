"""Flow maps and transit choropleths: their traces, widths, colours, hover and errors."""

from __future__ import annotations

import plotly.graph_objects as go
import polars as pl
import pytest

from tests.figures.conftest import edges_frame
from tocta.errors import NotFoundError, UsageError
from tocta.figures.maps import TREND_COLOURS, flow_map, transit_choropleth
from tocta.figures.offline import SYNTHETIC_TEXT, is_synthetic


def line_traces(fig: go.Figure) -> list[go.Scattergeo]:
    return [t for t in fig.data if t.type == "scattergeo" and "lines" in (t.mode or "")]


def test_flow_map_draws_the_outlines_then_one_line_per_edge(edges: pl.DataFrame) -> None:
    fig = flow_map(edges, title="Routes")
    outline = fig.data[0]
    assert outline.type == "choropleth"
    assert outline.featureidkey == "properties.iso3"
    assert len(outline.locations) >= 150
    assert len(set(outline.z)) == 1 and outline.showscale is False
    lines = line_traces(fig)
    assert len(lines) == edges.height
    ends = [(t.lon[0], t.lat[0], t.lon[-1], t.lat[-1]) for t in lines]
    assert len(set(ends)) == edges.height


def test_flow_map_turns_plotly_base_layers_off(edges: pl.DataFrame) -> None:
    geo = flow_map(edges, title="Routes").layout.geo
    assert (geo.showland, geo.showcoastlines, geo.showcountries) == (False, False, False)
    assert geo.projection.type == "natural earth"


def test_flow_map_widths_grow_with_share(edges: pl.DataFrame) -> None:
    lines = line_traces(flow_map(edges, title="Routes"))
    by_share = sorted(zip(edges["share"], (t.line.width for t in lines), strict=True))
    widths = [w for _, w in by_share]
    assert widths == sorted(widths) and widths[0] < widths[-1]


def test_flow_map_dashes_mostly_inferred_edges(edges: pl.DataFrame) -> None:
    dashes = [t.line.dash for t in line_traces(flow_map(edges, title="Routes"))]
    assert dashes == ["solid", "solid", "dash", "solid", "dash"]


def test_flow_map_colours_by_commodity_with_one_legend_entry_each(edges: pl.DataFrame) -> None:
    lines = line_traces(flow_map(edges, title="Routes"))
    colours = {t.name: t.line.color for t in lines}
    assert set(colours) == {"heroin", "cocaine"}
    assert colours["heroin"] != colours["cocaine"]
    assert sorted(t.name for t in lines if t.showlegend) == ["cocaine", "heroin"]


def test_flow_map_colours_by_trend(edges: pl.DataFrame) -> None:
    lines = line_traces(flow_map(edges, title="Routes", color_by="trend"))
    assert [t.name for t in lines] == ["stable", "emerging", "fading", "unknown", "emerging"]
    assert all(t.line.color == TREND_COLOURS[t.name] for t in lines)


def test_flow_map_hover_gives_share_and_interval(edges: pl.DataFrame) -> None:
    text = line_traces(flow_map(edges, title="Routes"))[0].text[0]
    assert "Afghanistan → Iran (Islamic Republic of)" in text
    assert "heroin: 40%" in text and "90% interval 30%–50%" in text
    assert "trend: stable" in text and "inferred: 10%" in text


def test_flow_map_without_optional_columns() -> None:
    fig = flow_map(edges_frame([("MMR", "THA", "methamphetamine", 0.6)]), title="One")
    assert len(line_traces(fig)) == 1
    assert line_traces(fig)[0].line.dash == "solid"


def test_synthetic_flow_map_carries_the_annotation(edges: pl.DataFrame) -> None:
    fig = flow_map(edges, title="Routes", synthetic=True)
    assert is_synthetic(fig)
    assert any(SYNTHETIC_TEXT in a.text for a in fig.layout.annotations)
    assert not is_synthetic(flow_map(edges, title="Routes"))


def test_flow_map_names_every_missing_column(edges: pl.DataFrame) -> None:
    with pytest.raises(UsageError, match="share_low, share_high"):
        flow_map(edges.drop("share_low", "share_high"), title="Routes")


def test_flow_map_names_every_unknown_code() -> None:
    bad = edges_frame([("AFG", "XXX", "heroin", 0.5), ("QQQ", "IRN", "heroin", 0.5)])
    with pytest.raises(NotFoundError, match="'QQQ', 'XXX'"):
        flow_map(bad, title="Routes")


def test_flow_map_rejects_an_unknown_colouring(edges: pl.DataFrame) -> None:
    with pytest.raises(UsageError, match="color_by"):
        flow_map(edges, title="Routes", color_by="route")  # type: ignore[arg-type]


def test_transit_choropleth_shades_the_rows_over_every_outline(nodes: pl.DataFrame) -> None:
    fig = transit_choropleth(nodes, title="Transit", synthetic=True)
    outline, shaded = fig.data
    assert len(outline.locations) >= 150
    assert list(shaded.locations) == ["IRN", "TUR", "ECU"]
    assert list(shaded.z) == [0.35, 0.2, 0.3]
    assert (shaded.zmin, shaded.zmax) == (0, 0.35)
    assert "90% interval 25%–45%" in shaded.text[0]
    assert "role: transit" in shaded.text[0] and "seizures reported: 120" in shaded.text[0]
    assert is_synthetic(fig)


def test_transit_choropleth_by_another_value() -> None:
    nodes = pl.DataFrame({"iso3": ["IRN", "TUR"], "seizures": [120.0, 45.0]})
    shaded = transit_choropleth(nodes, title="Seizures", value="seizures").data[1]
    assert list(shaded.z) == [120.0, 45.0]
    assert "interval" not in shaded.text[0]
