"""`tocta assess`: a Transnational Organized Crime Threat Assessment of one region and period.

For every flow (commodity family) with data in the store, the six TOCTA questions are
answered from the analytics' own results (routes, market sizing, traffickers), or the
section says plainly that no data answered it and what data would. Nothing is invented:
every number in ``assessment.json`` and ``report.html`` is copied from a result's
``to_dict()``, with its range, method, price level and sources.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from tocta.access.clearance import Clearance
from tocta.analytics.routes import RouteEstimate
from tocta.errors import TocError, UsageError
from tocta.reference.commodities import get_commodity, resolve_commodity
from tocta.services.market import TLP_ORDER, MarketResult, market_countries, size_market
from tocta.services.outbound import OutboundFlow, size_outbound
from tocta.services.routes import is_synthetic, route_flows
from tocta.services.smuggling import SmugglingFlow, is_persons, size_smuggling
from tocta.services.traffickers import (
    TraffickerParams,
    TraffickerResult,
    analyse_traffickers,
)
from tocta.store.engine import Store

Progress = Callable[[str], None]

#: flows looked for when none are named: the families with sizing defaults first
DEFAULT_FLOWS = ("cocaine_type", "heroin", "methamphetamine", "cannabis")
#: the headline convention: retail value of the destination market where known, else
#: wholesale at destination (conventions are never summed)
CONVENTION = ("retail", "wholesale_destination")
HEADLINE_KEYS = ("price_level", "currency", "median", "low", "high", "interval", "unit",
                 "method")
QUESTIONS = (
    ("nature", "1. What is the nature of the market?"),
    ("conduct", "2. How is the trafficking conducted?"),
    ("traffickers", "3. Who are the traffickers?"),
    ("money", "4. How is the money handled?"),
    ("size", "5. How big is the flow?"),
    ("response", "6. What are the implications for response?"),
)


@dataclass(frozen=True)
class FlowAssessment:
    """One flow (commodity family × region × period): the results it was built from."""

    commodity: str
    routes: RouteEstimate | None
    market: MarketResult | None
    gaps: tuple[str, ...] = ()
    outbound: OutboundFlow | SmugglingFlow | None = None

    def headline(self) -> dict[str, Any] | None:
        """The flow's annual value at the report's convention, or None when not sized."""
        if self.market is None:
            return None
        values = {v.price_level: v for v in self.market.values}
        for level in CONVENTION:
            if level in values:
                d = values[level].to_dict(self.market.price_year)
                return {k: d[k] for k in HEADLINE_KEYS}
        return None


@dataclass(frozen=True)
class Assessment:
    """A threat assessment: flows, traffickers, labels and where the outputs were written."""

    region: str
    years: tuple[int, int]
    reader: str
    flows: tuple[FlowAssessment, ...]
    traffickers: TraffickerResult | None
    synthetic: bool
    generated: str
    skipped: tuple[str, ...] = ()
    standard: str = TraffickerParams().standard.describe()
    written: dict[str, Path] = field(default_factory=dict)

    @property
    def tlp(self) -> str:
        """The strictest TLP of everything the report used."""
        levels = [f.market.tlp for f in self.flows if f.market]
        levels += [f.routes.inputs.tlp for f in self.flows if f.routes]
        levels += [f.outbound.tlp for f in self.flows if f.outbound]
        if self.traffickers is not None:
            levels.append(self.traffickers.tlp)
        return max(levels or ["CLEAR"], key=lambda t: TLP_ORDER.index(t) if t in TLP_ORDER
                   else len(TLP_ORDER))

    def ranking(self) -> list[dict[str, Any]]:
        """Flows by headline value, largest first; each with its own price level.

        A flow may give two rows: the region's own consumer market (retail where known) and
        the flow crossing or leaving the region towards markets elsewhere (wholesale at
        destination). They are different quantities at different levels: never summed.
        """
        rows = []
        for f in self.flows:
            h = f.headline()
            label = get_commodity(f.commodity).label or f.commodity
            if h is not None:
                rows.append({"commodity": f.commodity, "label": label,
                             "valued": f"consumer market of {self.region}", **h})
            o = f.outbound.headline() if f.outbound else None
            if o is not None:
                what = (f"persons smuggled through or out of {self.region}: the fees they paid"
                        if isinstance(f.outbound, SmugglingFlow) else
                        f"flow crossing or leaving {self.region} to markets elsewhere")
                rows.append({"commodity": f.commodity, "label": label, "valued": what, **o})
        return sorted(rows, key=lambda r: -r["median"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region, "years": list(self.years), "reader": self.reader,
            "generated": self.generated, "tlp": self.tlp, "synthetic": self.synthetic,
            "convention": "retail value of the destination market where known, else "
                          "wholesale at destination; price levels are never summed",
            "ranking": self.ranking(), "skipped_flows": list(self.skipped),
            "evidentiary_standard": self.standard,
            "coverage": [_coverage(f, self.region) for f in self.flows],
            "flows": [_flow_dict(f, self.traffickers) for f in self.flows],
            "traffickers": self.traffickers.to_dict() if self.traffickers else None,
        }

    def explain(self) -> str:
        lines = [f"TOCTA {self.region} {self.years[0]}-{self.years[1]} — TLP:{self.tlp}"
                 + (" — SYNTHETIC DATA" if self.synthetic else "")]
        for f in self.flows:
            if f.market:
                lines.append(f.market.explain())
            if f.outbound:
                lines.append(f.outbound.explain())
            if f.routes:
                lines.append(f.routes.explain())
        return "\n\n".join(lines)


def _coverage(f: FlowAssessment, region: str) -> dict[str, Any]:
    """Which countries of the region report seizures for the flow, and which do not."""
    try:
        countries = list(market_countries(region))
    except TocError:
        countries = []
    reporting = set(f.routes.inputs.countries_reporting) if f.routes else set()
    return {"commodity": f.commodity, "region_countries": countries,
            "reporting": sorted(reporting & set(countries)),
            "not_reporting": sorted(set(countries) - reporting),
            "withheld_rows": f.routes.inputs.withheld_rows if f.routes else None,
            "missing_inputs": list(f.market.missing) if f.market else []}


def _frame(df: pl.DataFrame | None, n: int = 10) -> list[dict[str, Any]]:
    if df is None or df.height == 0:
        return []
    return df.head(n).to_dicts()


def _section(key: str, heading: str, data: dict[str, Any], gaps: Sequence[str]
             ) -> dict[str, Any]:
    has = any(v not in (None, [], {}) for v in data.values())
    return {"key": key, "heading": heading, "answered": has, "data": data,
            "gaps": list(gaps)}


#: the FtM topic that tags a flow family's groups (families without one: every entity)
FAMILY_TOPICS = {"drugs": "crime.traffick.drug", "persons": "crime.traffick.human",
                 "environment": "crime.env", "firearms": "crime.traffick"}


def _traffickers(commodity: str, t: TraffickerResult, routes: RouteEstimate | None
                 ) -> dict[str, Any]:
    """Q3 for one flow: the network's communities holding an entity tagged with the flow
    family's FtM topic (all entities when the family has no topic or nothing is tagged),
    each group's countries with their role on the flow's estimated routes, and the money
    channels of the groups' transfers."""
    topic = FAMILY_TOPICS.get(get_commodity(commodity).family)
    scope = t.scope(topic) if topic else None
    if scope is not None and not scope:
        scope = None
        what = (f"no entity the reader may see is tagged {topic}: network and money trails "
                "over every entity this reader may see")
    elif scope is None:
        what = "network and money trails over every entity this reader may see"
    else:
        what = (f"groups of this flow: the network's communities holding an entity tagged "
                f"{topic} (with the companies, accounts and contacts linked to them)")
    roles = dict(zip(routes.nodes["iso3"].to_list(), routes.nodes["role"].to_list(),
                     strict=True)) if routes is not None and "role" in routes.nodes.columns \
        else {}
    return {"findings": t.findings(scope), "alerts": t.alerts(scope), "scope": what,
            "topic": topic, "groups": t.groups(scope, roles), "channels": t.channels(scope)}


def _flow_dict(f: FlowAssessment, traffickers: TraffickerResult | None) -> dict[str, Any]:
    m = f.market.to_dict() if f.market else None
    r = f.routes
    routes: dict[str, Any] = {}
    if r is not None:
        routes = {"method": r.method, "period": list(r.period),
                  "records": r.inputs.records, "tlp": r.inputs.tlp,
                  "sources": list(r.inputs.sources),
                  "countries_reporting": list(r.inputs.countries_reporting),
                  "paths": _frame(r.paths.sort("share", descending=True)),
                  "hubs": _frame(r.nodes.sort("throughput_share", descending=True)),
                  "modes": _frame(r.modes),
                  "emerging": _frame(r.edges.filter(pl.col("trend") == "emerging"))
                  if "trend" in r.edges.columns else [],
                  "fading": _frame(r.edges.filter(pl.col("trend") == "fading"))
                  if "trend" in r.edges.columns else [],
                  "notes": list(r.notes)}
    persons = is_persons(f.commodity)
    smuggled = f.outbound if isinstance(f.outbound, SmugglingFlow) else None
    if persons:
        no_market = [] if smuggled else [
            "persons: departure estimates per country of origin (persons setting out with "
            "smugglers), interceptions, and smuggling fees per person (per leg or for the "
            "whole journey)"]
    else:
        no_market = ["market sizing: annual prevalence surveys (15-64), population, retail "
                     "and wholesale prices, seizure totals for the region"] if m is None else []
    no_routes = ["routes: individual seizure records with origin, transit and destination"
                 ] if r is None else []
    sections = [
        _section("nature", QUESTIONS[0][1], {
            "volume": m["volume"] if m else None,
            "prices": sorted([p for v in m["values"] for p in v["prices"]],
                             key=lambda p: str(p["fill"]).startswith("region")) if m else [],
            "trends": [t for t in m["trends"] if t["change_pct"] is not None][:12] if m
            else [],
            "defaults_used": m["defaults_used"] if m else [],
            "fees": [p for mk in smuggled.to_dict()["markets"] for p in mk["fees"]]
            if smuggled else []},
            no_market + (["purity: no purity measurements read; cited defaults are used "
                          "(see defaults_used)"] if m else [])),
        _section("conduct", QUESTIONS[1][1], routes, no_routes),
        _section("traffickers", QUESTIONS[2][1],
                 _traffickers(f.commodity, traffickers, f.routes) if traffickers else {},
                 [] if traffickers else ["entities (persons, companies, their links and "
                                         "transfers, from case files or FtM exports)"]),
        _section("money", QUESTIONS[3][1], {
            "value_chain": m["value_chain"] if m else None,
            "laundering": m["laundering"] if m else None},
            ["smuggling fees per leg along the routes (who earns what at each stage)"]
            if persons else no_market or ([] if m and m["value_chain"] else
                                          ["prices at origin, transit and destination levels"])),
        _section("size", QUESTIONS[4][1], {
            "volume": m["volume"] if m else None,
            "values": [{k: v[k] for k in ("price_level", "currency", "median", "low", "high",
                                          "interval", "unit", "method")}
                       for v in m["values"]] if m else [],
            "routes": m["routes"][:10] if m else [],
            "outbound": f.outbound.to_dict() if f.outbound else None},
            no_market if persons else (no_market or ([] if f.outbound else [
                "the flow leaving the region: individual seizure records with origin, "
                "transit and destination (for route shares)"]))),
        _section("response", QUESTIONS[5][1], _response(m, routes), []),
    ]
    changes = [t for t in (m["trends"] if m else []) if t["significant"]]
    return {"commodity": f.commodity, "label": get_commodity(f.commodity).label or f.commodity,
            "headline": f.headline(), "changes": changes,
            "tlp": m["tlp"] if m else (r.inputs.tlp if r else None),
            "grade": m["grade"] if m else None,
            "sources": sorted(set(m["sources"] if m else []) | set(routes.get("sources", []))),
            "sections": sections, "gaps": list(f.gaps),
            "market": m, "methods": {"market": f.market.explain() if f.market else None,
                                     "routes": r.explain() if r else None,
                                     "outbound": f.outbound.explain() if f.outbound
                                     else None}}


def _response(m: dict[str, Any] | None, routes: dict[str, Any]) -> dict[str, Any]:
    """Implications that follow from the evidence above; no recommendation is invented."""
    gaps = [h["iso3"] for h in routes.get("hubs", []) if h.get("data_gap")]
    return {
        "hubs": [h["iso3"] for h in routes.get("hubs", [])[:5]],
        "data_gap_countries": gaps,
        "missing_inputs": m["missing_inputs"] if m else [],
        "laundering_destinations": [d["country"] for d in m["laundering"]["destinations"][:5]]
        if m and m["laundering"] else [],
    }


def _flows(flows: Sequence[str] | None) -> list[str]:
    if flows is None:
        return list(DEFAULT_FLOWS)
    out = []
    for name in flows:
        match = resolve_commodity(name)
        if match.id is None:
            raise UsageError(f"unknown flow {name!r}: see docs/reference/commodities.md")
        out.append(match.id)
    return out


def assess(store: Store, clearance: Clearance, region: str, years: tuple[int, int],
           flows: Sequence[str] | None = None, out: Path | None = None,
           progress: Progress | None = None, draws: int = 4000, seed: int = 0,
           replicates: int = 20, work: Path | None = None,
           formats: Sequence[str] = ("html",)) -> Assessment:
    """Assess ``region`` over ``years``: every flow's six answers; write the report to ``out``.

    ``formats`` may add ``pdf`` (headless Chromium prints the HTML).
    Flows with neither seizures nor a market to size are skipped and listed as such.
    Markets are sized for the last year of the period.
    """
    step = progress or (lambda _m: None)
    synthetic = is_synthetic(store)
    done: list[FlowAssessment] = []
    skipped: list[str] = []
    for cid in _flows(flows):
        step(f"{cid}: routes")
        gaps: list[str] = []
        routes: RouteEstimate | None
        whole: RouteEstimate | None = None
        try:
            whole = route_flows(store, clearance, commodity=cid, years=years,
                                replicates=replicates, seed=seed)
            routes = whole.for_region(frozenset(market_countries(region)))
        except UsageError as exc:
            routes = None
            gaps.append(f"routes: {exc}")
        market: MarketResult | None = None
        outbound: OutboundFlow | SmugglingFlow | None = None
        if is_persons(cid):
            if whole is not None:
                step(f"{cid}: persons smuggled and their fees")
                outbound = size_smuggling(store, clearance, whole, region=region,
                                          year=years[1], draws=draws, seed=seed,
                                          synthetic=synthetic)
                if outbound is None:
                    gaps.append(f"size: no departure estimates (persons setting out per "
                                f"country of origin) for {years[1]}, or no estimated path "
                                f"crosses {region}")
            if routes is None and outbound is None:
                skipped.append(f"{cid}: " + "; ".join(gaps[:2]))
                continue
            done.append(FlowAssessment(routes.commodity if routes else cid, routes, None,
                                       tuple(gaps), outbound))
            continue
        step(f"{cid}: market size")
        try:
            market = size_market(store, clearance, commodity=cid, region=region,
                                 year=years[1], draws=draws, seed=seed, synthetic=synthetic,
                                 route_shares=routes.paths if routes else None)
        except TocError as exc:
            market = None
            gaps.append(f"market: {exc}")
        if market is not None and market.volume is None and not market.values:
            gaps += [f"market: {g}" for g in market.missing[:5]]
            market = None
        if whole is not None:
            step(f"{cid}: flow leaving the region")
            outbound = size_outbound(store, clearance, whole, region=region, year=years[1],
                                     draws=draws, seed=seed, synthetic=synthetic,
                                     progress=step)
        if routes is None and market is None:
            skipped.append(f"{cid}: " + "; ".join(gaps[:2])
                           + (f" (+{len(gaps) - 2} more gaps)" if len(gaps) > 2 else ""))
            continue
        done.append(FlowAssessment(routes.commodity if routes else cid, routes, market,
                                   tuple(gaps), outbound))
    step("traffickers")
    traffickers: TraffickerResult | None = None
    try:
        t = analyse_traffickers(store, clearance, work)
        traffickers = t if t.resolution.views else None
    except TocError as exc:
        skipped.append(f"traffickers: {exc}")
    result = Assessment(region, years, clearance.describe(), tuple(done), traffickers,
                        synthetic, datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
                        tuple(skipped))
    if out is not None:
        step("writing the report")
        result.written.update(write_assessment(result, out))
        if "pdf" in formats:
            from tocta.report.pdf import print_pdf

            step("printing the PDF")
            result.written["pdf"] = print_pdf(out / "report.html", out / "report.pdf")
    return result


def _write_csv(df: pl.DataFrame, path: Path, synthetic: bool) -> None:
    """A table as CSV: list columns joined with ' > ', a ``synthetic`` column when simulated."""
    flat = df.with_columns([pl.col(c).cast(pl.List(pl.Utf8)).list.join(" > ")
                            for c, t in df.schema.items() if isinstance(t, pl.List)])
    flat = flat.select([c for c, t in flat.schema.items()
                        if not isinstance(t, (pl.Struct, pl.List, pl.Array))])
    if synthetic:
        flat = flat.with_columns(pl.lit(True).alias("synthetic"))
    flat.write_csv(path)


def _figures(f: FlowAssessment, synthetic: bool, out: Path) -> dict[str, str]:
    """Figure fragments of one flow, and the CSV tables behind them."""
    from tocta.figures import flow_map, sankey, side_by_side, to_html_fragment

    figs: dict[str, str] = {}
    r = f.routes
    if r is None:
        return figs
    stem = f.commodity
    if r.edges.height:
        fig = flow_map(r.edges, title=f"Estimated routes of {f.commodity}", synthetic=synthetic)
        figs["flow_map"] = to_html_fragment(fig, height="560px")
        if r.naive_edges.height:
            naive = r.naive_edges.head(40).with_columns(share_low=pl.col("share"),
                                                        share_high=pl.col("share"))
            fig = side_by_side(naive, r.edges.head(40), title=f"{f.commodity}: raw seizures "
                               "versus corrected for detection", synthetic=synthetic)
            figs["coverage"] = to_html_fragment(fig, height="460px")
            _write_csv(r.naive_edges, out / f"{stem}_naive_edges.csv", synthetic)
        _write_csv(r.edges, out / f"{stem}_edges.csv", synthetic)
    if r.paths.height:
        fig = sankey(r.paths, title=f"{f.commodity}: origin → transit → destination",
                     synthetic=synthetic)
        figs["sankey"] = to_html_fragment(fig, height="520px")
        _write_csv(r.paths, out / f"{stem}_paths.csv", synthetic)
    if r.nodes.height:
        _write_csv(r.nodes, out / f"{stem}_hubs.csv", synthetic)
    return figs


def write_assessment(result: Assessment, out: Path) -> dict[str, Path]:
    """Write ``report.html``, ``assessment.json`` and the tables behind the figures."""
    from tocta.report.render import render_report

    out.mkdir(parents=True, exist_ok=True)
    data = result.to_dict()
    figures = {f.commodity: _figures(f, result.synthetic, out) for f in result.flows}
    (out / "assessment.json").write_text(json.dumps(data, indent=1, default=str),
                                         encoding="utf-8")
    if data["ranking"]:
        _write_csv(pl.DataFrame(data["ranking"]), out / "ranking.csv", result.synthetic)
    for f in result.flows:
        if f.market is not None and f.market.values:
            _write_csv(pl.DataFrame([{k: v.to_dict(f.market.price_year)[k]
                                      for k in HEADLINE_KEYS} for v in f.market.values]),
                       out / f"{f.commodity}_values.csv", result.synthetic)
    html = render_report(json.loads(json.dumps(data, default=str)), figures)
    (out / "report.html").write_text(html, encoding="utf-8")
    return {"report": out / "report.html", "json": out / "assessment.json"}
