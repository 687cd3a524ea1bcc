"""Generate a world: the truth, the agencies' files and the manifest, deterministically.

One seed drives everything through ``numpy.random.SeedSequence``: each component (world,
prices, events, observations, actors, money, breakage) gets its own child stream in a fixed
order, so the same seed gives byte-identical output and adding records to one component never
shifts another.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from tocta.errors import UsageError
from tocta.simulate.context import ActorContext, ActorParams, MoneyParams
from tocta.simulate.flows import find_paths, intervention_effects, simulate_flows
from tocta.simulate.manifest import Manifest, ManifestEntry
from tocta.simulate.observations import (
    indicators,
    intervention_register,
    market_estimates,
    markets,
    price_observations,
    true_prices,
    victim_counts,
)
from tocta.simulate.output import agencies_for, write_csv, write_xlsx
from tocta.simulate.scenario import Scenario
from tocta.simulate.seizure_files import SeizureWriter
from tocta.simulate.seizures import generate_events
from tocta.simulate.world import World, build_world, rates_frame

Progress = Callable[[str, int, int], None]
COMPONENTS = ("world", "prices", "events", "observations", "actors", "money", "breakage")
#: actors and transfers grow with --scale only up to this factor: a 10-million-event world
#: does not need a thousand times more trafficking groups to test entity resolution
ACTOR_SCALE_CAP = 5.0
GRADES = {"POL": "admiralty:B2", "CUS": "admiralty:B2", "OBS": "admiralty:B3",
          "FIU": "admiralty:A2", "REGISTER": "admiralty:A1", "WB": "admiralty:A2"}


@dataclass(frozen=True)
class WorldResult:
    """What was generated: the manifest and a few totals for the command line."""

    manifest: Manifest
    out: Path
    events: int
    records: int


def _streams(seed: int) -> dict[str, np.random.Generator]:
    children = np.random.SeedSequence(seed).spawn(len(COMPONENTS))
    return {name: np.random.default_rng(s) for name, s in zip(COMPONENTS, children, strict=True)}


def _legs_with_value(legs: pl.DataFrame, prices: pl.DataFrame) -> pl.DataFrame:
    """Legs valued at the wholesale price where they arrive (the TOCTA transit convention)."""
    wholesale = prices.filter(pl.col("level").is_in(
        ["wholesale_transit", "wholesale_destination", "wholesale_origin"])).group_by(
        ["year", "commodity", "country"]).agg(pl.col("price").max().alias("wholesale"))
    return legs.join(wholesale, left_on=["year", "commodity", "to_country"],
                     right_on=["year", "commodity", "country"], how="left").with_columns(
        (pl.col("volume") * pl.col("wholesale").fill_null(0.0)).alias("value_usd")
    ).drop("wholesale")


def _entry(manifest: Manifest, path: Path, out: Path, record_type: str, agency: str,
           dataset: str, rows: int, bad: int = 0, mapping: Path | None = None,
           tlp: str = "AMBER") -> None:
    prefix = agency.split("-")[0]
    manifest.add(ManifestEntry(
        path=str(path.relative_to(out)), record_type=record_type,
        source_id=f"{agency}/{dataset}", agency=agency, grade=GRADES.get(prefix, "admiralty:C3"),
        tlp=tlp, rows=rows, bad_rows=bad,
        mapping=str(mapping.relative_to(out)) if mapping else None,
        format=path.suffix.lstrip("."),
    ))


def simulate_world(scenario: Scenario, seed: int, out: Path, scale: float = 1.0,
                   progress: Progress | None = None, actors: bool = True) -> WorldResult:
    """Generate the world of ``scenario`` into ``out`` (which must be empty or absent)."""
    if out.exists() and any(out.iterdir()):
        raise UsageError(f"{out} is not empty: give a new --out folder (or remove it)")
    out.mkdir(parents=True, exist_ok=True)
    rng = _streams(seed)
    manifest = Manifest(scenario.name, seed, scale)
    world = build_world(scenario, rng["world"])
    paths = find_paths(world, scenario)
    truth = simulate_flows(world, scenario, paths)
    counterfactual = simulate_flows(world, scenario, paths, interventions=False)
    prices = true_prices(truth, scenario, rng["prices"])
    market = markets(truth, scenario, prices)
    truth_dir = out / "truth"
    truth_dir.mkdir()
    truth_files = {
        "rates": rates_frame(world, scenario), "paths": truth.paths, "nodes": truth.nodes,
        "legs": _legs_with_value(truth.legs, prices), "balance": truth.balance,
        "markets": market, "prices": prices,
        "interventions": intervention_effects(scenario, truth, counterfactual),
        "counterfactual_nodes": counterfactual.nodes,
    }
    for name, frame in truth_files.items():
        frame.write_parquet(truth_dir / f"{name}.parquet")
        manifest.truth.append(f"truth/{name}.parquet")
    agencies = agencies_for(world.countries)
    couriers = None
    if actors:
        couriers = _actors_and_money(scenario, seed, scale, truth_files["legs"], market,
                                     agencies, out, manifest, rng)
    events, records = _write_seizures(truth, world, scenario, paths, scale, rng, couriers,
                                      out, manifest, progress)
    records += _write_observations(truth, world, scenario, prices, market, rng, out, manifest)
    manifest.write(out)
    return WorldResult(manifest, out, events, records)


def _actors_and_money(scenario: Scenario, seed: int, scale: float, legs: pl.DataFrame,
                      market: pl.DataFrame, agencies: pl.DataFrame, out: Path,
                      manifest: Manifest, rng: dict[str, np.random.Generator]
                      ) -> pl.DataFrame | None:
    from tocta.simulate.actors import simulate_actors, write_actor_files
    from tocta.simulate.money import simulate_money, write_money_files

    ctx = ActorContext(
        scenario=scenario.name, seed=seed, years=tuple(scenario.year_list),
        legs=legs.select("year", "commodity", "from_country", "to_country", "mode", "volume",
                         "value_usd"),
        markets=market.select("year", "commodity", "country", "retail_value_usd"),
        agencies=agencies.filter(pl.col("kind") != "observatory"),
        actors=ActorParams(**_tuples(scenario.actors)),  # type: ignore[arg-type]
        money=MoneyParams(**scenario.money), scale=min(scale, ACTOR_SCALE_CAP))
    world = simulate_actors(ctx, rng["actors"])
    write_actor_files(world, out, manifest, scenario.noise.bad_rows)
    money = simulate_money(ctx, world, rng["money"])
    write_money_files(money, out, manifest, scenario.noise.bad_rows)
    couriers: pl.DataFrame | None = getattr(world, "couriers", None)
    return couriers


def _tuples(values: dict[str, object]) -> dict[str, object]:
    return {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}


def _write_seizures(truth: object, world: World, scenario: Scenario, paths: list,  # type: ignore[type-arg]
                    scale: float, rng: dict[str, np.random.Generator],
                    couriers: pl.DataFrame | None, out: Path, manifest: Manifest,
                    progress: Progress | None) -> tuple[int, int]:
    writer = SeizureWriter(out, scenario, world, rng["breakage"])
    total_events = 0
    expected = scenario.volume.seizure_events * scale

    def tick(n: int) -> None:
        nonlocal total_events
        total_events += n
        if progress:
            progress("seizures", total_events, int(expected))

    for batch in generate_events(truth, world, scenario, paths, scale,  # type: ignore[arg-type]
                                 rng["events"], couriers, tick):
        writer.write(batch)
    writer.finish(manifest)
    return total_events, writer.records


def _write_observations(truth: object, world: World, scenario: Scenario, prices: pl.DataFrame,
                        market: pl.DataFrame, rng: dict[str, np.random.Generator], out: Path,
                        manifest: Manifest) -> int:
    from tocta.simulate.output import corrupt

    r = rng["observations"]
    breakage = rng["breakage"]
    rate = scenario.noise.bad_rows
    written = 0
    observed = price_observations(prices, world, scenario, r)
    truth_dir = out / "truth"
    observed.write_parquet(truth_dir / "price_observations.parquet")
    manifest.truth.append("truth/price_observations.parquet")
    for agency, group in sorted(observed.group_by("agency"), key=lambda g: str(g[0][0])):
        name = str(agency[0])
        frame, bad = corrupt(group.drop("agency", "true_level", "true_price"), rate, breakage,
                             {"date": "2021-02-30", "country": "Atlantis"})
        consumer = group["true_level"].is_in(["retail"]).any()
        path = out / "agencies" / name / ("prices.xlsx" if consumer else "prices.csv")
        (write_xlsx if consumer else write_csv)(frame, path)
        _entry(manifest, path, out, "PriceObservation", name, "prices", frame.height, bad)
        written += frame.height
    estimates = market_estimates(market, truth, scenario, world, r)  # type: ignore[arg-type]
    for agency, group in sorted(estimates.group_by("agency"), key=lambda g: str(g[0][0])):
        name = str(agency[0])
        frame, bad = corrupt(group.drop("agency", "true_value"), rate, breakage,
                             {"year": "20x1", "country": "Atlantis"})
        path = out / "agencies" / name / "estimates.csv"
        write_csv(frame, path)
        _entry(manifest, path, out, "MarketEstimate", name, "estimates", frame.height, bad)
        written += frame.height
    register = intervention_register(scenario)
    if register.height:
        path = out / "agencies" / "REGISTER" / "interventions.xlsx"
        write_xlsx(register, path)
        _entry(manifest, path, out, "Intervention", "REGISTER", "interventions",
               register.height)
        written += register.height
    table = indicators(world, scenario)
    path = out / "agencies" / "WB-SIM" / "indicators.csv"
    write_csv(table, path)
    _entry(manifest, path, out, "Indicator", "WB-SIM", "indicators", table.height, tlp="CLEAR")
    written += table.height
    victims = victim_counts(truth, world, scenario, r)  # type: ignore[arg-type]
    if victims.height:
        for agency, group in sorted(victims.group_by("agency"), key=lambda g: str(g[0][0])):
            name = str(agency[0])
            frame, bad = corrupt(group.drop("agency"), rate, breakage,
                                 {"year": "20x1", "country_detection": "Atlantis"})
            path = out / "agencies" / name / "victims.csv"
            write_csv(frame, path)
            _entry(manifest, path, out, "VictimCount", name, "victims", frame.height, bad)
            written += frame.height
    return written


def clear_output(out: Path) -> None:
    """Remove a previous world (used by --force)."""
    if out.exists():
        shutil.rmtree(out)
