"""Routes and flows of one commodity from its seizure record classes, corrected for enforcement.

``estimate_routes`` fits the path-flow model (``routes_model``) on the record classes of one
commodity and period and returns a ``RouteEstimate``: edge, node and path flow shares with
90% intervals, the naive raw-seizure shares beside them, how much of each leg rests on
inference, detection rates and law-enforcement ratios per country, and the inputs the result
rests on. ``docs/methodology/routes.md`` explains the method and its limits.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field, replace
from functools import partial

import numpy as np
import polars as pl
import scipy.sparse as sp

from tocta.analytics.routes_model import (
    PRIOR_EXPOSURE,
    Fit,
    bootstrap,
    fit,
    in_parallel,
    leg_flows,
)
from tocta.analytics.routes_paths import (
    UNREPORTED_LEG,
    ClassTable,
    Likelihood,
    NoiseModel,
    candidate_paths,
    leg_incidence,
    likelihood,
    reported_pairs,
)
from tocta.analytics.routes_tables import (
    edge_table,
    node_table,
    path_draws,
    path_table,
    with_betweenness,
)
from tocta.analytics.routes_trends import trend_table, yearly_shares
from tocta.analytics.transport import TransportGraph, transport_graph

METHOD = "path-flow EM with country detection rates (ETIS-style bias correction)"
NAIVE_METHOD = "raw seizure shares on reported legs (naive baseline)"
#: Structural variants (k cheapest paths, cost of an unreported leg, prior strength) whose
#: estimates the intervals also span: choices the records cannot settle.
STRUCTURAL_VARIANTS = (
    (4, UNREPORTED_LEG, PRIOR_EXPOSURE), (10, UNREPORTED_LEG, PRIOR_EXPOSURE),
    (6, 1.5, PRIOR_EXPOSURE), (6, 4.0, PRIOR_EXPOSURE),
    (6, UNREPORTED_LEG, 0.03), (6, UNREPORTED_LEG, 0.1))
LEVEL = 0.90
FLOW_FLOOR = 1e-7
Z90 = 1.6449
#: Log-scale sd of the model error of an edge share (what neither sampling nor the structural
#: variants show: interdiction along the path, ambiguity every variant resolves the same way).
#: Estimated on simulated worlds disjoint from the accuracy benchmark's (seeds 201-203).
MODEL_ERROR = 0.9


@dataclass(frozen=True)
class RouteInputs:
    """What a route estimate rests on (for labels and the report)."""

    records: int
    duplicates_dropped: int
    countries_reporting: tuple[str, ...]
    tlp: str
    sources: tuple[str, ...]
    worst_reliability: int | None
    worst_credibility: int | None
    withheld_rows: int = 0


@dataclass
class RouteEstimate:
    """Edge, node and path flows of one commodity and period, with intervals and inputs."""

    commodity: str
    period: tuple[int, int]
    edges: pl.DataFrame
    nodes: pl.DataFrame
    paths: pl.DataFrame
    naive_edges: pl.DataFrame
    inputs: RouteInputs
    fit_info: dict[str, float]
    method: str = METHOD
    notes: list[str] = field(default_factory=list)
    yearly: pl.DataFrame | None = None
    modes: pl.DataFrame | None = None
    #: every candidate path's share in each bootstrap refit (``routes_tables.path_draws``);
    #: kept whole by ``for_region`` (a share of a market's supply needs all its paths)
    path_draws: pl.DataFrame | None = None

    def for_region(self, codes: set[str] | frozenset[str]) -> RouteEstimate:
        """The same estimate with edges, nodes and paths limited to those touching ``codes``.

        Shares stay shares of the commodity's total flow (the model is always fitted on every
        record of the commodity: a region's routes start and end outside it).
        """
        touch = pl.col("from_iso3").is_in(list(codes)) | pl.col("to_iso3").is_in(list(codes))
        paths = self.paths.filter(pl.col("path").list.eval(
            pl.element().is_in(list(codes))).list.any())
        return RouteEstimate(
            self.commodity, self.period, self.edges.filter(touch),
            self.nodes.filter(pl.col("iso3").is_in(list(codes))), paths,
            self.naive_edges.filter(touch), self.inputs, self.fit_info, self.method,
            [*self.notes, f"Limited to the {len(codes)} countries of the region; shares are "
                          "of the commodity's total flow."],
            None if self.yearly is None else self.yearly.filter(touch), self.modes,
            self.path_draws)

    def entry_points(self, codes: set[str] | frozenset[str]) -> pl.DataFrame:
        """Legs from outside ``codes`` into it, by share (where flows enter the region)."""
        inside = list(codes)
        return self.edges.filter(~pl.col("from_iso3").is_in(inside)
                                 & pl.col("to_iso3").is_in(inside)).sort("share",
                                                                         descending=True)

    def explain(self) -> str:
        """A plain-language account of how these flows were estimated and what they rest on."""
        i = self.inputs
        lines = [
            f"Routes of {self.commodity}, {self.period[0]}-{self.period[1]}: {self.method}.",
            f"Inputs: {i.records:,} seizure records ({i.duplicates_dropped:,} duplicates of one "
            f"event across agencies dropped) from {len(i.countries_reporting)} reporting "
            f"countries; TLP {i.tlp}; weakest grade: reliability rank {i.worst_reliability}, "
            f"credibility rank {i.worst_credibility} (common scale, 1 best).",
            "Each record says the goods went from its reported origin, through its reported "
            "transits, to the seizing country and on to its reported destination by some route. "
            "Candidate paths join those points over the transport graph (land borders, sea and "
            "air links), preferring legs other records report. Records at a country are modelled"
            " as Poisson with mean (flow on the path) x (the country's detection rate = "
            "interdiction x reporting); the path each record came from is latent and fitted by "
            "EM. A country's detection rate is its records divided by the flow the other "
            "countries' records place through it (the law-enforcement ratio, made exact by the "
            "model), shrunk towards a regression on governance where it has few records.",
            "Learnt from the records: a reported origin is the path's first country "
            f"{self.fit_info.get('origin_is_end', 0):.0%} of the time, a country of departure "
            f"on the way {self.fit_info.get('origin_is_upstream', 0):.0%}, a misreport "
            f"{self.fit_info.get('origin_misreported', 0):.0%}; a reported destination is the "
            f"path's end {self.fit_info.get('destination_is_end', 0):.0%}, a country on the way "
            f"{self.fit_info.get('destination_is_downstream', 0):.0%}, a misreport "
            f"{self.fit_info.get('destination_misreported', 0):.0%}.",
            f"Intervals ({LEVEL:.0%}) span three things: a quasi-Poisson parametric bootstrap "
            f"({int(self.fit_info.get('replicates', 0))} refits, dispersion "
            f"{self.fit_info.get('dispersion', float('nan')):.2f}); "
            f"{int(self.fit_info.get('structural_variants', 0))} refits under other "
            "structural choices (number of candidate paths, cost of unreported legs, a prior "
            "against extrapolating near-silent countries) and with each large reporting "
            "country left out in turn; and a model-error term (log-scale sd "
            f"{MODEL_ERROR}) measured on simulated worlds, for what none of these show "
            "(interdiction along the path, ambiguities every variant resolves alike). A leg's "
            "share is typically known to within a factor of two to four.",
            "Shares are of the total flow on all legs in the period. 'inferred_share' is the part "
            "of a leg's flow that no record reports as consecutive points: it rests on the "
            "transport graph and the other records, not on direct evidence.",
            f"Naive baseline kept alongside: {NAIVE_METHOD}.",
        ]
        return "\n".join(lines + self.notes)


def class_table(classes: pl.DataFrame, weight: str = "records") -> ClassTable:
    """Pool record classes over years into the arrays the model uses."""
    pooled = classes.group_by(["country", "origin", "transit", "destination"]).agg(
        pl.col("records").sum(), pl.col("volume").fill_null(0).sum()).sort(
        ["country", "origin", "transit", "destination"], nulls_last=True)
    return ClassTable(
        pooled["country"].to_list(), pooled["origin"].to_list(),
        [tuple(x.split(">")) if x else () for x in pooled["transit"].to_list()],
        pooled["destination"].to_list(), pooled[weight].to_numpy().astype(float),
        pooled["volume"].to_numpy().astype(float))


def naive_edges(ct: ClassTable, commodity: str, period: tuple[int, int]) -> pl.DataFrame:
    """Raw seizure shares: each record's volume on its reported consecutive points."""
    pairs = reported_pairs(ClassTable(ct.country, ct.origin, ct.transit, ct.destination,
                                      ct.volume, ct.volume))
    total = sum(pairs.values()) or 1.0
    rows = [(a, b, v / total) for (a, b), v in pairs.items()]
    return pl.DataFrame(rows, schema={"from_iso3": pl.Utf8, "to_iso3": pl.Utf8,
                                      "share": pl.Float64}, orient="row").with_columns(
        commodity=pl.lit(commodity), period=pl.lit(f"{period[0]}-{period[1]}"),
        method=pl.lit(NAIVE_METHOD)).sort("share", descending=True)


def _inferred(lik_matrix: sp.csr_matrix, weight: np.ndarray, flow: np.ndarray,
              paths: list[tuple[str, ...]], legs: list[tuple[str, str]], ct: ClassTable,
              path_legs: sp.csr_matrix) -> np.ndarray:
    """Share of each leg's allocated records whose own skeleton does not report the leg."""
    mix = lik_matrix @ flow
    ratio = np.divide(weight, mix, out=np.zeros(len(weight)), where=mix > 0)
    alloc = sp.diags(ratio) @ lik_matrix @ sp.diags(flow)       # classes × paths
    on_leg = (alloc @ path_legs).tocsr()                          # classes × legs
    index = {leg: i for i, leg in enumerate(legs)}
    r, c = [], []
    for i in range(len(ct)):
        s = ct.skeleton(i)
        for pair in itertools.pairwise(s):
            if pair in index:
                r.append(i)
                c.append(index[pair])
    reported = sp.csr_matrix((np.ones(len(r)), (r, c)), shape=on_leg.shape)
    direct = np.asarray(on_leg.multiply(reported).sum(axis=0)).ravel()
    total = np.asarray(on_leg.sum(axis=0)).ravel()
    return 1 - np.divide(direct, total, out=np.zeros(len(total)), where=total > 0)


def estimate_routes(classes: pl.DataFrame, *, commodity: str, period: tuple[int, int],
                    inputs: RouteInputs, reporting: set[str] | None = None,
                    covariates: dict[str, list[float]] | None = None,
                    graph: TransportGraph | None = None, weight: str = "records",
                    replicates: int = 20, seed: int = 0, noise: NoiseModel | None = None,
                    structural: bool = True, anchor: float | None = None) -> RouteEstimate:
    """Fit the route model on ``classes`` (``routes_records.seizure_classes`` rows).

    Args:
        reporting: countries that report any seizure in the period (others have detection 0);
            default: the countries in ``classes``.
        covariates: per country, the covariates of its detection rate (e.g. [rule of law]).
        weight: "records" (each event counts once; default) or "volume" (canonical quantity).
        replicates: bootstrap refits for the intervals.
        anchor: a volume anchor — the annual quantity entering the routes (canonical unit,
            e.g. kg/yr from a production or consumption estimate); gives each leg a volume
            (its fraction of all flow × the anchor) with the same interval.
        structural: also fit the structural variants (``STRUCTURAL_VARIANTS``) and widen
            the intervals to span their estimates.
    """
    graph = graph or transport_graph()
    noise = noise or NoiseModel()
    ct = class_table(classes, weight)
    paths = candidate_paths(ct, graph)
    mentioned = {c for i in range(len(ct)) for c in ct.skeleton(i)}
    lik = likelihood(ct, paths, noise, max(len(mentioned), 2))
    reporters = reporting if reporting is not None else set(ct.country)
    rep = np.array([c in reporters for c in lik.countries])
    cov = _covariates(covariates, lik.countries)
    base = fit(lik, ct.weight, reporting=rep, covariates=cov, iterations=2000, learn_noise=True)
    # Second pass: path ends that misreports alone explain are dropped, then refit.
    learnt = dict(noise=base.noise, n_world=lik.n_world)
    pruned = candidate_paths(ct, graph, **learnt)  # type: ignore[arg-type]
    if pruned and pruned != paths:
        first_paths, first_lik = paths, lik
        paths = pruned
        lik = likelihood(ct, paths, base.noise, lik.n_world)
        rep = np.array([c in reporters for c in lik.countries])
        cov = _covariates(covariates, lik.countries)
        base = fit(lik, ct.weight, reporting=rep, covariates=cov, iterations=2000,
                   start=_carry(base, first_paths, first_lik, paths, lik))
    lik = lik.with_noise(base.noise)
    # Paths the fit left without flow stay without it in any EM refit started from it
    # (the updates are multiplicative): drop them before the refits.
    keep = base.flow > FLOW_FLOOR * max(float(base.flow.max()), 1e-300)
    if not keep.all():
        paths = [p for p, k in zip(paths, keep, strict=True) if k]
        lik = lik.subset(keep)
        base = replace(base, flow=base.flow[keep])
    boots = bootstrap(lik, ct.weight, base, reporting=rep, covariates=cov,
                      replicates=replicates, seed=seed)
    tasks = []
    def variant(k: int, unreported: float, prior: float
                ) -> tuple[list[tuple[str, ...]], Fit]:
        paths_v = candidate_paths(ct, graph, k=k, unreported=unreported, noise=base.noise,
                                  n_world=lik.n_world) or paths
        lik_v = likelihood(ct, paths_v, base.noise, lik.n_world)
        rep_v = np.array([c in reporters for c in lik_v.countries])
        return paths_v, fit(lik_v, ct.weight, reporting=rep_v,
                            covariates=_covariates(covariates, lik_v.countries),
                            start=_carry(base, paths, lik, paths_v, lik_v), iterations=150,
                            prior=prior)

    def left_out(country: str) -> tuple[list[tuple[str, ...]], Fit]:
        held = np.where(np.array(ct.country) == country, 0.0, ct.weight)
        rep_j = rep & (np.array(lik.countries) != country)
        return paths, fit(lik, held, reporting=rep_j, covariates=cov, start=base,
                          iterations=40)

    tasks = [partial(variant, *v) for v in (STRUCTURAL_VARIANTS if structural else ())]
    tasks += [partial(left_out, c) for c in _large_reporters(lik, ct.weight)]
    variants = in_parallel(tasks)
    result = _assemble(ct, graph, paths, lik, base, boots, variants, commodity, period, inputs,
                       naive_edges(ct, commodity, period), replicates)
    if anchor is not None:
        path_legs, _ = leg_incidence(paths)
        # share × (legs per unit of flow) = the leg's fraction of all flow.
        per_share = float(leg_flows(base.flow, path_legs).sum()) / max(
            float(base.flow.sum()), 1e-300)
        result.edges = result.edges.with_columns(
            volume=pl.col("share") * per_share * anchor,
            volume_low=pl.col("share_low") * per_share * anchor,
            volume_high=pl.col("share_high") * per_share * anchor)
        result.notes.append(f"Volumes: each leg's fraction of the flow × the anchor of "
                            f"{anchor:,.0f} per year given by the user (legs per unit of flow: "
                            f"{per_share:.2f}).")
    if classes["year"].n_unique() >= 3:
        years, yearly, totals, legs = yearly_shares(classes, ct, paths, lik, base, rep, weight)
        trends = trend_table(years, yearly, totals, legs)
        result.edges = result.edges.join(trends, on=["from_iso3", "to_iso3"], how="left")
        result.yearly = pl.DataFrame({
            "year": np.repeat(years, len(legs)),
            "from_iso3": [a for _ in years for a, _ in legs],
            "to_iso3": [b for _ in years for _, b in legs],
            "share": yearly.ravel()}).filter(pl.col("share") > 1e-6)
    else:
        result.edges = result.edges.with_columns(
            trend_annual_change=pl.lit(None, pl.Float64), trend_p=pl.lit(None, pl.Float64),
            trend=pl.lit("insufficient"))
        result.notes.append("Fewer than three years: no trend test.")
    result.modes = (classes.group_by("mode").agg(pl.col("records").sum())
                    .with_columns(share=pl.col("records") / pl.col("records").sum())
                    .sort("records", descending=True))
    return result


def _assemble(ct: ClassTable, graph: TransportGraph, paths: list[tuple[str, ...]],
              lik: Likelihood, base: Fit, boots: list[Fit],
              variants: list[tuple[list[tuple[str, ...]], Fit]], commodity: str,
              period: tuple[int, int], inputs: RouteInputs, naive: pl.DataFrame,
              replicates: int) -> RouteEstimate:
    path_legs, legs = leg_incidence(paths)
    flows = np.vstack([leg_flows(f.flow, path_legs) for f in [base, *boots]])
    shares = flows / np.maximum(flows.sum(axis=1, keepdims=True), 1e-300)
    inferred = _inferred(lik.matrix, np.where(lik.explained, ct.weight, 0), base.flow,
                         paths, legs, ct, path_legs)
    label = f"{period[0]}-{period[1]}"
    edges = edge_table(legs, shares, inferred, graph, commodity, label, METHOD)
    edges = _widen(edges, variants).with_columns(
        share_low=pl.min_horizontal("share_low", pl.col("share") * np.exp(-Z90 * MODEL_ERROR)),
        share_high=pl.min_horizontal(1.0, pl.max_horizontal(
            "share_high", pl.col("share") * np.exp(Z90 * MODEL_ERROR))))
    nodes = with_betweenness(node_table(paths, [base, *boots], lik, ct, commodity, label),
                             edges).with_columns(
        throughput_low=pl.min_horizontal("throughput_low", pl.col("throughput_share")
                                         * np.exp(-Z90 * MODEL_ERROR)),
        throughput_high=pl.min_horizontal(1.0, pl.max_horizontal(
            "throughput_high", pl.col("throughput_share") * np.exp(Z90 * MODEL_ERROR))))
    path_df = path_table(paths, [base, *boots], commodity, label).with_columns(
        share_low=pl.min_horizontal("share_low", pl.col("share") * np.exp(-Z90 * MODEL_ERROR)),
        share_high=pl.min_horizontal(1.0, pl.max_horizontal(
            "share_high", pl.col("share") * np.exp(Z90 * MODEL_ERROR))))
    info = {"iterations": float(base.iterations), "dispersion": base.dispersion,
            "log_likelihood": base.log_likelihood, "replicates": float(replicates),
            "structural_variants": float(len(variants)),
            "candidate_paths": float(len(paths)), "classes": float(len(ct)),
            "origin_is_end": base.noise.origin[0], "origin_is_upstream": base.noise.origin[1],
            "origin_misreported": base.noise.origin[2],
            "destination_is_end": base.noise.destination[0],
            "destination_is_downstream": base.noise.destination[1],
            "destination_misreported": base.noise.destination[2]}
    return RouteEstimate(commodity, period, edges, nodes, path_df, naive, inputs, info,
                         path_draws=path_draws(paths, [base, *boots]))


def _carry(base: Fit, paths: list[tuple[str, ...]], lik: Likelihood,
           paths_v: list[tuple[str, ...]], lik_v: Likelihood) -> Fit:
    """Start a variant's fit from the main fit: shared paths and countries keep their values."""
    flow = dict(zip(paths, base.flow, strict=True))
    mean = float(base.flow.mean()) if len(base.flow) else 1.0
    det = dict(zip(lik.countries, base.detection, strict=True))
    return replace(base, flow=np.array([flow.get(p, mean) for p in paths_v]),
                   detection=np.array([det.get(c, 1.0) for c in lik_v.countries]))


def _covariates(covariates: dict[str, list[float]] | None, countries: list[str]
                ) -> np.ndarray | None:
    """Covariate matrix in ``countries`` order; missing values take the column mean."""
    if not covariates:
        return None
    width = len(next(iter(covariates.values())))
    cov = np.array([covariates.get(c, [np.nan] * width) for c in countries], dtype=float)
    if not np.isfinite(np.nanmean(cov)):
        return None
    return np.where(np.isnan(cov), np.nanmean(cov, axis=0), cov)


def _large_reporters(lik: Likelihood, weight: np.ndarray, share: float = 0.02) -> list[str]:
    """Countries holding at least ``share`` of the records (left out one at a time)."""
    records = np.bincount(lik.class_country, weights=weight, minlength=len(lik.countries))
    total = max(float(records.sum()), 1e-300)
    return [c for c, n in zip(lik.countries, records, strict=True) if n / total >= share]


def _widen(edges: pl.DataFrame, variants: list[tuple[list[tuple[str, ...]], Fit]]
           ) -> pl.DataFrame:
    """Stretch each edge's interval to cover the structural variants' estimates of it."""
    if not variants:
        return edges
    frames = []
    for paths_v, fit_v in variants:
        m, legs_v = leg_incidence(paths_v)
        f = leg_flows(fit_v.flow, m)
        frames.append(pl.DataFrame({"from_iso3": [a for a, _ in legs_v],
                                    "to_iso3": [b for _, b in legs_v],
                                    "v": f / max(float(f.sum()), 1e-300)}))
    spread = (pl.concat(frames).group_by(["from_iso3", "to_iso3"])
              .agg(v_low=pl.col("v").min(), v_high=pl.col("v").max(), n=pl.len()))
    # A variant without the edge estimates it at zero.
    spread = spread.with_columns(v_low=pl.when(pl.col("n") < len(variants)).then(0.0)
                                 .otherwise(pl.col("v_low")))
    out = edges.join(spread, on=["from_iso3", "to_iso3"], how="left").with_columns(
        share_low=pl.min_horizontal("share_low", pl.col("v_low").fill_null(0.0)),
        share_high=pl.max_horizontal("share_high", pl.col("v_high").fill_null(0.0)))
    return out.drop("v_low", "v_high", "n")
