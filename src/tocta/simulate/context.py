"""What the actor and money parts of the simulator receive from the flow part.

The flow model (``world``/``flows``) decides who moves what where; the actor model
(``actors``) populates those routes with groups, people, companies and vessels; the money
model (``money``) moves the proceeds. These dataclasses are the whole interface between them.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True)
class ActorParams:
    """Scenario ``actors`` section (documented in docs/simulator.md)."""

    groups_per_commodity: int = 6
    members_per_group: tuple[int, int] = (8, 25)
    front_companies_per_group: tuple[int, int] = (1, 4)
    vessels_per_group: tuple[int, int] = (0, 3)
    pep_share: float = 0.25              # share of groups with a linked public official
    agencies_per_person: tuple[int, int] = (1, 3)
    typo_rate: float = 0.15              # a record's name has a keyboard/phonetic typo
    transliteration_rate: float = 0.2    # a record writes the name in another script/system
    swapped_order_rate: float = 0.1      # surname first
    missing_birthdate_rate: float = 0.3
    partial_birthdate_rate: float = 0.3  # year only or year-month
    homonym_rate: float = 0.03           # share of people who share a full name with another
    courier_seizure_link_rate: float = 0.05  # seizures naming a courier entity


@dataclass(frozen=True)
class MoneyParams:
    """Scenario ``money`` section (documented in docs/simulator.md)."""

    laundered_share: float = 0.5         # share of proceeds moved through laundering channels
    reporting_threshold_usd: float = 10_000.0
    legit_per_illicit: float = 20.0      # legitimate transfers per illicit one (look-alikes)
    max_transfers: int = 200_000         # cap on transfers per world (before --scale)


@dataclass(frozen=True)
class ActorContext:
    """The flow world as the actor and money models see it.

    Attributes:
        scenario: scenario name.
        seed: the world's seed (derive component seeds from it, never from time).
        years: the simulated years.
        legs: one row per year × commodity × leg: ``year``, ``commodity``, ``from_country``,
            ``to_country`` (ISO3), ``mode`` (air/sea/land), ``volume`` (canonical units),
            ``value_usd`` (value at wholesale price of the leg's destination).
        markets: one row per year × commodity × consumer country: ``year``, ``commodity``,
            ``country``, ``retail_value_usd`` (what consumers paid).
        agencies: ``agency`` (id), ``country``, ``kind`` (police, customs, fiu), ``source_id``
            (the agency's dataset as registered in a store).
        actors: actor parameters.
        money: money parameters.
        scale: the world's --scale factor (multiplies record counts, not true volumes).
    """

    scenario: str
    seed: int
    years: tuple[int, ...]
    legs: pl.DataFrame
    markets: pl.DataFrame
    agencies: pl.DataFrame
    actors: ActorParams
    money: MoneyParams
    scale: float = 1.0
