"""The Sankey of paths: one node per country and stage, links summed over paths."""

from __future__ import annotations

import polars as pl

from tocta.figures.offline import is_synthetic
from tocta.figures.paths import sankey, stages_of


def test_stages_of_a_path() -> None:
    assert stages_of(2) == ["origin", "destination"]
    assert stages_of(4) == ["origin", "transit 1", "transit 2", "destination"]


def test_sankey_nodes_and_links(paths: pl.DataFrame) -> None:
    trace = sankey(paths, title="Paths").data[0]
    labels = list(trace.node.label)
    assert len(labels) == 10
    assert labels.count("Netherlands") == 1  # destination of two paths: one node
    assert len(trace.link.source) == 9
    links = {
        (labels[a], labels[b]): v
        for a, b, v in zip(trace.link.source, trace.link.target, trace.link.value, strict=True)
    }
    assert links[("Afghanistan", "Iran (Islamic Republic of)")] == 0.5
    assert links[("Türkiye", "Netherlands")] == 0.1
    assert round(sum(v for (a, _), v in links.items() if a == "Afghanistan"), 9) == 0.8


def test_a_country_at_two_stages_is_two_nodes() -> None:
    paths = pl.DataFrame({"path": [["BEL", "NLD"], ["NLD", "BEL"]], "share": [0.6, 0.4]})
    trace = sankey(paths, title="Both ways").data[0]
    assert sorted(trace.node.label) == ["Belgium", "Belgium", "Netherlands", "Netherlands"]
    assert len(trace.link.source) == 2
    stages = sorted(trace.node.customdata)
    assert stages[0].startswith("destination") and stages[-1].startswith("origin")


def test_sankey_draws_the_largest_paths_and_says_so(paths: pl.DataFrame) -> None:
    single = pl.DataFrame({"path": [["COL"]], "share": [0.05]})
    fig = sankey(pl.concat([paths, single]), title="Paths", max_paths=2, synthetic=True)
    trace = fig.data[0]
    assert sorted(set(trace.node.label)) == sorted(
        ["Afghanistan", "Iran (Islamic Republic of)", "Türkiye", "Germany", "Pakistan",
         "United Arab Emirates", "Netherlands"]
    )
    notes = " ".join(a.text for a in fig.layout.annotations)
    assert "2 largest of 5 paths, 70% of the total share" in notes
    assert "Not drawn, a single country: 1 path." in notes
    assert is_synthetic(fig)


def test_sankey_labels_the_stage_columns(paths: pl.DataFrame) -> None:
    texts = [a.text for a in sankey(paths, title="Paths").layout.annotations]
    for stage in ("origin", "transit 1", "transit 2", "destination"):
        assert f"<b>{stage}</b>" in texts
