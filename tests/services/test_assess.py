"""`tocta assess` end to end on a small simulated world: report, JSON and analytics agree."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import typer
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
IN_CI = os.environ.get("CI", "").lower() == "true"
REGION = "West Africa"
YEARS = (2018, 2020)
FULL = Clearance(unrestricted=True)


@pytest.fixture(scope="module")
def world_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("assess")
    simulate_world(load_scenario("west-africa-cocaine"), SEED, root / "w", scale=0.3,
                   actors=False)
    ingest_world(open_store(str(root / "w.db")), root / "w")
    return root / "w.db"


@pytest.fixture(scope="module")
def world_store(world_db: Path) -> Store:
    return open_store(str(world_db))


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
    head = next(r for r in data["ranking"] if r["price_level"] == "retail")
    assert head["commodity"] == "cocaine_type" and head["valued"].startswith("consumer market")
    for k in ("median", "low", "high"):
        assert head[k] == pytest.approx(retail[k], rel=1e-12)
    # the flow leaving the region: its own row, at wholesale at destination, never summed
    outbound = data["flows"][0]["sections"][4]["data"]["outbound"]
    assert flow.outbound is not None and outbound["markets"]
    row = next(r for r in data["ranking"] if r["price_level"] == "wholesale_destination")
    assert row["valued"].startswith("flow crossing or leaving West Africa")
    assert [row[k] for k in ("median", "low", "high")] == [
        outbound["value"][k] for k in ("median", "low", "high")]
    assert len(data["ranking"]) == 2
    assert again.volume is not None
    assert data["flows"][0]["market"]["volume"]["median"] == pytest.approx(
        again.volume.median, rel=1e-12)
    # the report shows exactly those numbers, formatted once
    html = (out / "report.html").read_text(encoding="utf-8")
    summary = html[html.index('id="summary"'):html.index('id="flow-cocaine_type"')]
    shown = spans(summary)[:3 * len(data["ranking"])]
    expected = [r[k] for r in data["ranking"] for k in ("median", "low", "high")]
    assert [v for v, _ in shown] == expected
    assert [t for _, t in shown] == [fmt_number(v) for v in expected]
    size = html[html.index('id="cocaine_type-size"'):html.index('id="cocaine_type-response"')]
    size_values = {v for v, _ in spans(size)}
    for v in data["flows"][0]["sections"][4]["data"]["values"]:
        assert {v["median"], v["low"], v["high"]} <= size_values
    assert {outbound["value"][k] for k in ("median", "low", "high")} <= size_values


def cli() -> typer.Typer:
    app = typer.Typer()
    commands_assess.register(app)
    app.command("noop")(lambda: None)     # two commands: typer keeps "assess" as a name
    return app


def test_cli_writes_the_report_and_prints_the_ranking(world_db: Path, tmp_path: Path) -> None:
    res = CliRunner().invoke(cli(), ["assess", "--region", REGION, "--years", "2018-2020",
                                     "--flows", "cocaine", "--draws", "500", "--db",
                                     str(world_db), "--out", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    text = " ".join(res.output.split())                  # rich wraps to the terminal
    assert "SYNTHETIC DATA" in text and "1. cocaine_type:" in text
    assert re.search(r"\d bn constant \d{4} US\$/yr \(90% [\d.]+ bn - [\d.]+ bn\) at retail",
                     text), text
    assert (tmp_path / "r" / "report.html").exists()


def test_cli_formats_are_checked_before_any_work(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    args = ["assess", "--region", REGION, "--years", "2018-2020", "--db",
            str(tmp_path / "x.db")]
    res = CliRunner().invoke(cli(), [*args, "--format", "docx"])
    assert res.exit_code != 0 and "use html, pdf or html,pdf" in str(res.exception)
    monkeypatch.setattr("tocta.report.pdf.find_browser", lambda: None)
    res = CliRunner().invoke(cli(), [*args, "--format", "html,pdf"])
    assert res.exit_code != 0
    assert "apt-get install chromium" in str(res.exception) and not (tmp_path / "x.db").exists()


def need(tool: str) -> None:
    """Skip without a system tool, except under CI, where its absence is a failure."""
    if shutil.which(tool) is None:
        reason = f"{tool} is missing: run `sh scripts/system-deps.sh` as root"
        if IN_CI:
            pytest.fail(reason)
        pytest.skip(reason)


def pgm_ink(path: Path) -> float:
    """Share of non-white pixels of a binary PGM page (pdftoppm -gray)."""
    raw = path.read_bytes()
    fields = raw.split(maxsplit=4)              # P5, width, height, maxval, pixels
    width, height = int(fields[1]), int(fields[2])
    pixels = np.frombuffer(fields[4][-width * height:], dtype=np.uint8)
    return float((pixels < 240).mean())


def test_pdf_pages_carry_the_six_questions_and_are_not_blank(
        assessed: tuple[Assessment, Path], tmp_path: Path) -> None:
    need("chromium")
    need("pdftoppm")
    from tocta.report.pdf import print_pdf

    result, out = assessed
    pdf = print_pdf(out / "report.html", out / "report.pdf")
    assert pdf.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    flat = " ".join(text.split())
    for _, heading in QUESTIONS:
        assert flat.count(heading) == len(result.flows), heading
    assert flat.count("SYNTHETIC DATA") >= 2
    subprocess.run(["pdftoppm", "-gray", "-r", "20", str(pdf), str(tmp_path / "page")],
                   check=True)
    pages = sorted(tmp_path.glob("page-*.pgm"))
    assert len(pages) >= 3
    ink = [pgm_ink(p) for p in pages]
    assert min(ink) > 0.01, ink                 # every page carries something


def test_traffickers_section_names_only_what_the_standard_allows(
        assessed: tuple[Assessment, Path]) -> None:
    from tocta.report import render_report

    _, out = assessed
    data = json.loads((out / "assessment.json").read_text(encoding="utf-8"))
    section = data["flows"][0]["sections"][2]
    assert section["key"] == "traffickers" and not section["answered"]
    section.update(answered=True, gaps=[], data={
        "findings": {"key_players": {"named": ["DOE, John"], "not_named": 3},
                     "brokers": {"named": [], "not_named": 1},
                     "official_links": {"named": [], "not_named": 0},
                     "individuals": {"named": 1, "not_named": 4}, "groups": 2,
                     "entities": 31},
        "alerts": [{"typology": "fan_in", "subject": None}],
        "groups": [{"group": 4, "entities": 12, "persons": 8, "companies": 2,
                    "countries": ["COL", "ESP", "NGA"], "roles": {"COL": "origin",
                                                                  "NGA": "transit"},
                    "key_players": [{"name": "DOE, John", "evidence": "linked by 2 "
                                     "independent sources graded B2 or better"}],
                    "key_players_not_named": 2}],
        "channels": [{"channel": "hawala", "currency": "USD", "transfers": 7,
                      "amount": 1_250_000.0}],
        "scope": "groups of this flow: communities tagged crime.traffick.drug"})
    html = render_report(data, {})              # no figures: the page still renders
    part = html[html.index('id="cocaine_type-traffickers"'):
                html.index('id="cocaine_type-money"')]
    assert "DOE, John (+3 not named)" in part and "brokers: none named (+1 not named)" in part
    assert "Money-trail alerts: 1 (fan_in)" in part and "No data answered" not in part
    assert "2 group(s) of this flow in the network, 31 entities" in part
    assert "COL (origin), ESP, NGA (transit)" in part and "+2 not named" in part
    assert "graded B2 or better" in part and "hawala" in part and "(7 transfers)" in part
    assert "Scope: groups of this flow: communities tagged crime.traffick.drug" in part
    assert data["evidentiary_standard"] in part


#: hosts Chromium itself calls (updates, accounts, clock): not the page; blocked by the proxy
CHROMIUM_OWN = ("google.com", "googleapis.com", "gvt1.com")


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian chromium not installed")
def test_report_draws_offline_in_headless_chromium(assessed: tuple[Assessment, Path],
                                                    tmp_path: Path) -> None:
    _, out = assessed
    net = tmp_path / "net.json"
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu",
         "--disable-background-networking", "--disable-component-update", "--no-first-run",
         "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
         f"--log-net-log={net}", f"--user-data-dir={tmp_path / 'profile'}",
         "--virtual-time-budget=10000", "--dump-dom", (out / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120, check=True).stdout
    assert dom.count('class="choroplethlocation"') > 100       # country outlines drawn
    assert dom.count('class="js-line"') > 5                    # flow lines drawn
    assert 'class="sankey-link"' in dom
    urls = re.findall(r'"url":"([a-z]+://[^"/]*)', net.read_text(encoding="utf-8"))
    page = {u for u in urls if not u.startswith("file:")
            and not any(u.split("//", 1)[1].endswith(h) for h in CHROMIUM_OWN)}
    assert page == set(), page                                  # nothing fetched by the page


def test_a_reader_below_the_data_gets_gaps_not_numbers(world_store: Store,
                                                      tmp_path: Path) -> None:
    green = Clearance(tlp_ceiling="GREEN", handling=frozenset())
    result = assess(world_store, green, REGION, YEARS, flows=["cocaine"], out=tmp_path,
                    draws=500, replicates=5)
    assert result.flows == () and result.tlp == "CLEAR"     # every seizure, price is AMBER
    assert any(s.startswith("cocaine_type:") and "visible to this reader" in s
               for s in result.skipped)
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert spans(html) == []                                  # no number shown at all
    assert "No flow could be valued" in html and "TLP:CLEAR" in html
    assert json.loads((tmp_path / "assessment.json").read_text())["ranking"] == []


#: what the page itself drew, counted in the browser
DRAWN = """() => ({
  sections: [...document.querySelectorAll("h3[id]")].map((h) => h.id),
  outlines: document.querySelectorAll("path.choroplethlocation").length,
  lines: [...document.querySelectorAll(".scatterlayer path.js-line")]
    .filter((p) => (p.getAttribute("d") || "").length > 10).length,
  sankey: document.querySelectorAll(".sankey-link").length,
  banners: [...document.querySelectorAll(".banner")].map((b) => b.textContent),
})"""


def test_report_in_a_real_browser_offline_with_screenshots(
        assessed: tuple[Assessment, Path], tmp_path: Path) -> None:
    """Playwright drives Debian's Chromium: every request that is not a local file is
    aborted and recorded; each flow's six sections are in the page; the maps draw country
    outlines and flow lines; screenshots are saved (``TOCTA_SCREENSHOTS`` keeps them)."""
    need("chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[dev]'")
    result, out = assessed
    shots = Path(os.environ.get("TOCTA_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    external: list[str] = []
    errors: list[str] = []

    def route(r: object) -> None:
        request = r.request  # type: ignore[attr-defined]
        if request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()  # type: ignore[attr-defined]
        else:
            external.append(request.url)
            r.abort()  # type: ignore[attr-defined]

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"),
                                     args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.route("**/*", route)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((out / "report.html").resolve().as_uri())
        page.wait_for_function("() => document.querySelectorAll("
                               "'path.choroplethlocation').length > 100", timeout=60_000)
        drawn = page.evaluate(DRAWN)
        page.screenshot(path=str(shots / "report-top.png"))
        for f in result.flows:
            page.locator(f"#{f.commodity}-conduct").scroll_into_view_if_needed()
            page.screenshot(path=str(shots / f"report-{f.commodity}-routes.png"))
        page.screenshot(path=str(shots / "report-full.png"), full_page=True)
        browser.close()
    print(f"screenshots: {shots}")
    assert external == [] and errors == []
    for f in result.flows:
        assert [s for s in drawn["sections"] if s.startswith(f"{f.commodity}-")] == [
            f"{f.commodity}-{key}" for key, _ in QUESTIONS]
    assert drawn["outlines"] > 100 and drawn["lines"] > 5 and drawn["sankey"] > 3
    assert drawn["banners"] and all("SYNTHETIC DATA" in b for b in drawn["banners"])
    for name in ("report-top.png", "report-full.png"):
        assert (shots / name).stat().st_size > 20_000, name
