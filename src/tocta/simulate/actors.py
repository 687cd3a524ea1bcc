"""Trafficking groups and their people: who runs which legs, in which roles, under which names.

Groups take legs of the flow world's routes; members (organizer, financier, broker,
transporter, courier) live along those legs; some groups have a linked public official (PEP).
Names are drawn per nationality from frequency-weighted pools, kept distinct, and then a
documented share of people is made to share a full name (homonyms): pairs of members, and
members paired with an uninvolved namesake who appears in one agency's records.
``holdings`` adds companies, vessels and accounts; ``actor_records`` writes each agency's
view of them. See docs/simulator-actors.md.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from tocta.simulate.actor_files import write_actor_files
from tocta.simulate.actor_groups import plan_groups
from tocta.simulate.actor_holdings import build_holdings, city_names
from tocta.simulate.actor_people import cast_people, name_people, plant_homonyms
from tocta.simulate.actor_records import write_records
from tocta.simulate.context import ActorContext
from tocta.simulate.names import NameBook, load_name_book

__all__ = ["ActorWorld", "simulate_actors", "write_actor_files"]


@dataclass(frozen=True)
class ActorWorld:
    """The true actors and every agency's records of them.

    Attributes:
        seed: the world seed (the writers derive their own generators from it).
        salt: secret mixed into entity ids so that ids do not reveal true identities.
        groups: one row per group (``group_id``, ``commodity``, ``home_country``, ``countries``,
            ``has_sea``, ``years``...).
        group_legs: ``group_id``, ``commodity``, ``from_country``, ``to_country``, ``share``.
        people: one row per true person (members, officials, uninvolved namesakes).
        companies: front and shell companies; vessels; accounts: see docs/simulator-actors.md.
        records: one row per entity record an agency holds, with its FtM JSON (``ftm``), its
            flat CSV fields and its truth columns.
        couriers: ``year``, ``country``, ``entity_id``, ``agency`` of courier and transporter
            records held by police and customs, for seizure records to name.
        agencies: the world's agencies (``agency``, ``country``, ``kind``, ``source_id``).
    """

    seed: int
    salt: str
    groups: pl.DataFrame
    group_legs: pl.DataFrame
    people: pl.DataFrame
    companies: pl.DataFrame
    vessels: pl.DataFrame
    accounts: pl.DataFrame
    records: pl.DataFrame
    couriers: pl.DataFrame
    agencies: pl.DataFrame


def _addresses(people: list[dict], book: NameBook, rng: np.random.Generator) -> None:
    """A home address per person: a street of the residence's name pool in one of its cities."""
    for p in people:
        streets = book.pool_for(p["residence"]).streets
        cities = city_names(p["residence"])
        street = streets[int(rng.integers(len(streets)))].format(n=int(rng.integers(1, 240)))
        p["address"] = f"{street}, {cities[int(rng.integers(len(cities)))]}"


def simulate_actors(ctx: ActorContext, rng: np.random.Generator) -> ActorWorld:
    """Build the groups, people, holdings and every agency's records of them.

    Args:
        ctx: the flow world (legs, markets, agencies) and the actor parameters.
        rng: the actor model's generator (same seed, same world).

    Returns:
        The actor world; nothing is written to disk.
    """
    book = load_name_book()
    # the scenario goes into the salt: two scenarios simulated with one seed draw the same
    # bytes, and their agencies' ids for different people would collide in one store
    salt = hashlib.sha256(f"{ctx.scenario}:{rng.bytes(8).hex()}".encode()).hexdigest()[:16]
    groups, group_legs = plan_groups(ctx, rng)
    legs_of: dict[str, list[tuple[str, str]]] = {}
    for gid, a, b in group_legs.select("group_id", "from_country", "to_country").iter_rows():
        legs_of.setdefault(gid, []).append((a, b))
    people = cast_people(ctx, groups, legs_of, rng)
    name_people(people, book, rng)
    people = plant_homonyms(people, ctx.actors.homonym_rate, max(ctx.years), book, rng)
    _addresses(people, book, rng)
    people_df = pl.DataFrame(people, infer_schema_length=None).select(
        "person_id", pl.exclude("person_id")).sort("person_id")
    a = ctx.actors
    companies, vessels, accounts = build_holdings(
        groups, people_df, max(ctx.years), rng, a.front_companies_per_group,
        a.vessels_per_group)
    groups_df = pl.DataFrame(groups, infer_schema_length=None)
    records, couriers = write_records(ctx, book, salt, groups_df, people_df, companies,
                                      vessels, accounts, rng)
    return ActorWorld(ctx.seed, salt, groups_df, group_legs, people_df, companies, vessels,
                      accounts, records, couriers, ctx.agencies)
