"""`tocta assess` end to end on a small simulated world: report, JSON and analytics agree."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tocta.access.clearance import Clearance
from tocta.cli import commands_assess
from tocta.report import fmt_number
from tocta.services.assess import QUESTIONS, Assessment, assess
from tocta.services.market import size_market
from tocta.services.simulate import ingest_world
from tocta.simulate.run import simulate_world
from tocta.simulate.scenario import load_scenario
from tocta.store.engine import Store, open_store

SEED = 3
REGION = "West Africa"
YEARS = (2018, 2020)
FULL = Clearance(unrestricted=True)


@pytest.fixture(scope="module")
def world_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    root = tmp_path_factory.mktemp("assess")
    simulate_world(load_scenario("west-africa-cocaine"), SEED, root / "w", scale=0.3,
                   actors=False)
    store = open_store(str(root / "w.db"))
    ingest_world(store, root / "w")
    return store


@pytest.fixture(scope="module")
def assessed(world_store: Store, tmp_path_factory: pytest.TempPathFactory
             ) -> tuple[Assessment, Path]:
    out = tmp_path_factory.mktemp("report")
    steps: list[str] = []
    result = assess(world_store, FULL, REGION, YEARS, flows=["cocaine", "heroin"], out=out,
                    progress=steps.append, draws=2000, replicates=10)
    assert steps[-1] == "writing the report"
    return result, out


def spans(html: str) -> list[tuple[float, str]]:
    return [(float(v), text) for v, text in
            re.findall(r'<span class="num" data-value="([^"]+)">([^<]+)</span>', html)]


def test_report_has_every_question_per_flow_and_says_synthetic(
        assessed: tuple[Assessment, Path]) -> None:
    result, out = assessed
    html = (out / "report.html").read_text(encoding="utf-8")
    assert [f.commodity for f in result.flows] == ["cocaine_type"]
    assert any(s.startswith("heroin:") for s in result.skipped)     # no heroin in this world
    for f in result.flows:
        for key, heading in QUESTIONS:
            assert f'id="{f.commodity}-{key}">{heading}</h3>' in html
    assert "SYNTHETIC DATA" in html and 'class="banner synthetic"' in html
    assert f"TLP:{result.tlp}" in html and result.tlp == "AMBER"   # strictest input
    # the store holds no entities: question 3 says so and what would fill it
    assert "No data answered this question. What would fill it: entities" in html
    assert "<script src=" not in html and "plotly-graph-div" in html   # all inline
    for name in ("assessment.json", "ranking.csv", "cocaine_type_paths.csv",
                 "cocaine_type_edges.csv", "cocaine_type_values.csv"):
        assert (out / name).stat().st_size > 0, name


def test_headline_numbers_tie_report_json_and_analytics(
        world_store: Store, assessed: tuple[Assessment, Path]) -> None:
    result, out = assessed
    data = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    flow = result.flows[0]
    assert flow.market is not None and flow.routes is not None
    # the analytics, run again on their own with the same inputs, give the same numbers
    again = size_market(world_store, FULL, commodity=flow.commodity, region=REGION,
                        year=YEARS[1], draws=2000, seed=0, synthetic=True,
                        route_shares=flow.routes.paths)
    retail = next(v for v in again.to_dict()["values"] if v["price_level"] == "retail")
    head = data["ranking"][0]
    assert head["commodity"] == "cocaine_type" and head["price_level"] == "retail"
    for k in ("median", "low", "high"):
        assert head[k] == pytest.approx(retail[k], rel=1e-12)
    assert again.volume is not None
    assert data["flows"][0]["market"]["volume"]["median"] == pytest.approx(
        again.volume.median, rel=1e-12)
    # the report shows exactly those numbers, formatted once
    html = (out / "report.html").read_text(encoding="utf-8")
    summary = html[html.index('id="summary"'):html.index('id="flow-cocaine_type"')]
    shown = spans(summary)[:3]
    assert [v for v, _ in shown] == [head["median"], head["low"], head["high"]]
    assert [t for _, t in shown] == [fmt_number(head[k]) for k in ("median", "low", "high")]
    size = html[html.index('id="cocaine_type-size"'):html.index('id="cocaine_type-response"')]
    size_values = {v for v, _ in spans(size)}
    for v in data["flows"][0]["sections"][4]["data"]["values"]:
        assert {v["median"], v["low"], v["high"]} <= size_values


def test_cli_pdf_says_not_built_yet(tmp_path: Path) -> None:
    import typer

    app = typer.Typer()
    commands_assess.register(app)
    app.command("noop")(lambda: None)
    res = CliRunner().invoke(app, ["assess", "--region", REGION, "--years", "2018-2020",
                                   "--format", "pdf", "--db", str(tmp_path / "x.db")])
    assert res.exit_code != 0
    assert "not built yet" in str(res.exception) + res.output
