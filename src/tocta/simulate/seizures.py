"""Seizure events: what agencies would see and report of the true flows.

Each country on a path seizes its interdiction rate of what enters it (flows.py). That seized
volume is split into events: the world's event budget is shared out in proportion to seized
volume, and event sizes are heavy-tailed (lognormal weights, rescaled so that events add up to
the seized volume exactly). An event becomes a record only with its country's reporting
probability; customs report most sea and air seizures, police the rest, and a share of events is
reported by both. What a record says about the route is noisy: origin often missing, sometimes
wrong or the departure country; transits mostly unreported or partial; destination often
missing. Everything is vectorized: a year of a 10-million-event world is a few arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import polars as pl

from tocta.reference.commodities import get_commodity, resolve_commodity
from tocta.reference.countries import airports, get_country, ports
from tocta.simulate.flows import FlowTruth, Path
from tocta.simulate.scenario import Commodity, Noise, Scenario
from tocta.simulate.world import World

UNIT_FACTOR = {"kg": 1.0, "g": 1000.0, "t": 0.001, "persons": 1.0, "heads": 1.0, "units": 1.0}


@dataclass(frozen=True)
class EventBatch:
    """One year's reported seizure records, canonical columns, plus their agency."""

    year: int
    records: pl.DataFrame  # agency + the Seizure input columns
    events: int            # true events in the year (reported or not)


def commodity_forms(commodity_id: str) -> list[str]:
    """Ways agencies write a commodity that resolve back to it (id, label, synonyms)."""
    c = get_commodity(commodity_id)
    forms = [c.id, c.label.split(" (")[0], *c.synonyms[:6]]
    return sorted({f for f in forms if resolve_commodity(f).id == c.id
                   and resolve_commodity(f).issue is None})


def _place(code: str, mode: str) -> tuple[str, float, float]:
    if mode == "sea":
        found = sorted(ports(code), key=lambda p: (p.scalerank, p.name))
        if found:
            return f"Port of {found[0].name}", found[0].lat, found[0].lon
    if mode == "air":
        hubs = sorted(airports(code), key=lambda a: (a.scalerank, a.name))
        if hubs:
            return hubs[0].name, hubs[0].lat, hubs[0].lon
    c = get_country(code)
    return f"{c.name_en_short or c.name} border post", c.lat, c.lon


def _cells(truth: FlowTruth, paths: dict[tuple[str, int], Path]) -> pl.DataFrame:
    """Seizing cells (year, commodity, path, position) with what a record could say."""
    nodes = truth.nodes.filter(pl.col("seized") > 0)
    origins, departures, destinations, transit_full, transit_last = [], [], [], [], []
    for commodity, path_id, position in nodes.select("commodity", "path_id",
                                                     "position").iter_rows():
        p = paths[(commodity, path_id)]
        origins.append(p.nodes[0])
        departures.append(p.nodes[max(0, position - 1)])
        destinations.append(p.nodes[-1])
        passed = list(p.nodes[1:position])
        transit_full.append(";".join(passed) if passed else None)
        transit_last.append(passed[-1] if passed else None)
    return nodes.with_columns(
        pl.Series("true_origin", origins), pl.Series("departure", departures),
        pl.Series("true_destination", destinations),
        pl.Series("transit_full", transit_full, dtype=pl.Utf8),
        pl.Series("transit_last", transit_last, dtype=pl.Utf8),
    )


def event_budget(truth: FlowTruth, scenario: Scenario, scale: float) -> float:
    """Events per unit seized, so that the world has ``seizure_events × scale`` events."""
    total = float(truth.nodes["seized"].sum()) or 1.0
    return scenario.volume.seizure_events * scale / total


def generate_events(
    truth: FlowTruth, world: World, scenario: Scenario, paths: list[Path], scale: float,
    rng: np.random.Generator, couriers: pl.DataFrame | None = None,
    progress: Callable[[int], None] | None = None,
) -> Iterator[EventBatch]:
    """Yield each year's reported seizure records (canonical columns, before any breakage)."""
    index = {(p.commodity, p.path_id): p for p in paths}
    cells = _cells(truth, index)
    per_unit = event_budget(truth, scenario, scale)
    noise = scenario.noise
    countries = np.array(world.countries)
    commodities = {c.id: c for c in scenario.commodities}
    forms = {c.id: commodity_forms(c.id) for c in scenario.commodities}
    for year in scenario.year_list:
        year_cells = cells.filter(pl.col("year") == year)
        if year_cells.height == 0:
            continue
        expected = year_cells["seized"].to_numpy() * per_unit
        counts = rng.poisson(expected)
        counts = np.where((counts == 0) & (expected > 0.5), 1, counts)
        cell = np.repeat(np.arange(year_cells.height), counts)
        n = len(cell)
        if n == 0:
            continue
        sigma = np.array([commodities[c].event_sigma for c in year_cells["commodity"]])[cell]
        weight = rng.lognormal(0.0, 1.0, n) ** sigma
        total_weight = np.bincount(cell, weights=weight, minlength=year_cells.height)
        size = year_cells["seized"].to_numpy()[cell] * weight / total_weight[cell]
        country = year_cells["country"].to_numpy()[cell]
        reporting = np.array([world.reporting[c] for c in year_cells["country"]])[cell]
        reported = rng.random(n) < reporting
        frame = _records(year, year_cells, cell[reported], size[reported],
                         country[reported], rng, noise, countries, commodities, forms)
        frame = _attach_entities(frame, couriers, year, rng, scenario)
        if progress:
            progress(n)
        yield EventBatch(year, frame, n)


def _choose(rng: np.random.Generator, n: int, probs: list[float]) -> np.ndarray:
    return rng.choice(len(probs), size=n, p=np.array(probs) / sum(probs))


def _records(
    year: int, cells: pl.DataFrame, cell: np.ndarray, size: np.ndarray, country: np.ndarray,
    rng: np.random.Generator, noise: Noise, countries: np.ndarray,
    commodities: dict[str, Commodity], forms: dict[str, list[str]],
) -> pl.DataFrame:
    n = len(cell)
    none = np.full(n, None, dtype=object)
    col = {name: cells[name].to_numpy() for name in (
        "commodity", "mode", "true_origin", "departure", "true_destination", "transit_full",
        "transit_last")}
    commodity = col["commodity"][cell]
    mode = col["mode"][cell]
    # Origin: missing, wrong, the departure country, or the true origin.
    origin = col["true_origin"][cell].astype(object)
    pick = rng.random(n)
    o_missing = noise.origin_missing
    o_wrong = noise.origin_wrong
    o_depart = noise.origin_is_departure
    origin = np.where(pick < o_missing, none, origin)
    wrong = (pick >= o_missing) & (pick < o_missing + o_wrong)
    origin = np.where(wrong, countries[rng.integers(0, len(countries), n)], origin)
    depart = (pick >= o_missing + o_wrong) & (pick < o_missing + o_wrong + o_depart)
    origin = np.where(depart, col["departure"][cell], origin)
    origin = np.where(origin == country, none, origin)
    # Transit: mostly unreported; when reported, all of it or only the last country.
    t = rng.random(n)
    reported = noise.transit_reported
    transit = np.where(t < reported / 2, col["transit_full"][cell],
                       np.where(t < reported, col["transit_last"][cell], none))
    # Destination: often missing, sometimes wrong.
    d = rng.random(n)
    d_missing = noise.destination_missing
    d_wrong = noise.destination_wrong
    destination = np.where(d < d_missing, none, col["true_destination"][cell].astype(object))
    destination = np.where((d >= d_missing) & (d < d_missing + d_wrong),
                           countries[rng.integers(0, len(countries), n)], destination)
    destination = np.where(destination == country, none, destination)
    # Who reports it: customs at ports and airports, police inland; some events both.
    customs = np.where(np.isin(mode, ["sea", "air"]), rng.random(n) < 0.85, rng.random(n) < 0.2)
    agency = np.where(customs, "CUS-", "POL-").astype(object) + country.astype(object)
    day = rng.integers(0, 365, n)
    dates = (np.datetime64(f"{year}-01-01") + day.astype("timedelta64[D]")).astype(str)
    unit, quantity, purity = _quantities(commodity, size, rng, commodities)
    form_idx = rng.random(n)
    written = np.empty(n, dtype=object)
    for cid in np.unique(commodity):
        mask = commodity == cid
        options = np.array(forms[cid], dtype=object)
        written[mask] = options[(form_idx[mask] * len(options)).astype(int)]
    keys = pl.DataFrame({"country": country.tolist(), "mode": mode.tolist()},
                        schema={"country": pl.Utf8, "mode": pl.Utf8})
    distinct = keys.unique(maintain_order=True)
    found = [_place(c, m) for c, m in distinct.iter_rows()]
    table = distinct.with_columns(
        pl.Series("place", [f[0] for f in found], dtype=pl.Utf8),
        pl.Series("plat", [f[1] for f in found], dtype=pl.Float64),
        pl.Series("plon", [f[2] for f in found], dtype=pl.Float64))
    placed = keys.join(table, on=["country", "mode"], how="left", maintain_order="left")
    place = placed["place"].to_numpy()
    lat = placed["plat"].to_numpy()
    lon = placed["plon"].to_numpy()
    def text(values: np.ndarray) -> pl.Series:
        return pl.Series(values.tolist(), dtype=pl.Utf8)

    frame = pl.DataFrame({
        "agency": text(agency), "event": np.arange(n), "date": text(dates),
        "country": text(country), "place_name": text(place),
        "lat": np.round(lat + rng.normal(0, 0.01, n), 4),
        "lon": np.round(lon + rng.normal(0, 0.01, n), 4), "commodity": text(written),
        "quantity": text(quantity), "unit": text(unit),
        "purity": pl.Series(purity).fill_nan(None), "mode": text(mode),
        "origin": text(origin), "transit": text(transit), "destination": text(destination),
        "iccs": text(np.where(np.isin(commodity, _drug_ids(commodities)),
                              np.full(n, "0601", dtype=object), none)),
        "true_commodity": text(commodity), "true_size": size,
    })
    dup = rng.random(n) < noise.duplicate_report
    if dup.any():
        twin = frame.filter(pl.Series(dup)).with_columns(
            pl.when(pl.col("agency").str.starts_with("CUS-"))
            .then(pl.lit("POL-") + pl.col("agency").str.slice(4))
            .otherwise(pl.lit("CUS-") + pl.col("agency").str.slice(4)).alias("agency"))
        frame = pl.concat([frame, twin])
    return frame


def _drug_ids(commodities: dict[str, Commodity]) -> list[str]:
    return [c for c in commodities if get_commodity(c).family == "drugs"]


def _quantities(commodity: np.ndarray, size: np.ndarray, rng: np.random.Generator,
                commodities: dict[str, Commodity]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n = len(size)
    unit = np.empty(n, dtype=object)
    quantity = np.empty(n, dtype=object)
    purity = np.full(n, np.nan)
    for cid in np.unique(commodity):
        mask = commodity == cid
        c = commodities[cid]
        canonical = get_commodity(cid).canonical_unit
        if canonical in ("persons", "heads", "units"):
            unit[mask] = canonical
            quantity[mask] = np.maximum(1, np.round(size[mask])).astype(int).astype(str)
            continue
        choice = np.array(c.unit_forms)[rng.integers(0, len(c.unit_forms), mask.sum())]
        values = size[mask] * np.vectorize(UNIT_FACTOR.get)(choice)
        # Grams for small seizures, tonnes only for large ones: as agencies write them.
        odd = ((choice == "t") & (size[mask] < 1000)) | ((choice == "g") & (size[mask] >= 5))
        choice = np.where(odd, "kg", choice)
        values = np.where(odd, size[mask], values)
        unit[mask] = choice
        quantity[mask] = np.char.mod("%.3f", np.round(values.astype(float), 3))
        if get_commodity(cid).family == "drugs":
            purity[mask] = np.clip(c.purity[0] * rng.lognormal(0, 0.15, mask.sum()), 0.05, 0.99)
    return unit, quantity, np.round(purity, 2)


def _attach_entities(frame: pl.DataFrame, couriers: pl.DataFrame | None, year: int,
                     rng: np.random.Generator, scenario: Scenario) -> pl.DataFrame:
    """A few records name the courier entity an agency holds (seizure ↔ FtM link)."""
    ids = np.full(frame.height, None, dtype=object)
    if couriers is not None and couriers.height and frame.height:
        rate = float(scenario.actors.get("courier_seizure_link_rate", 0.05))
        pool = couriers.filter(pl.col("year") == year)
        by_agency = {str(a[0]): g["entity_id"].to_list()
                     for a, g in pool.group_by("agency", maintain_order=True)}
        chosen = np.flatnonzero(rng.random(frame.height) < rate)
        picks = rng.random(len(chosen))
        agencies = frame["agency"].gather(chosen).to_list() if len(chosen) else []
        for row, agency, pick in zip(chosen, agencies, picks, strict=True):
            options = by_agency.get(agency)
            if options:
                ids[row] = options[int(pick * len(options))]
    return frame.with_columns(pl.Series("entity_ids", ids.tolist(), dtype=pl.Utf8))
