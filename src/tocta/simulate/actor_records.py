"""Each agency's records of the actor world, as FollowTheMoney entities and flat CSV rows.

Every agency writes its own entities with its own ids (``make_entity_id`` of a secret salt,
the agency and the true id, so ids are stable per seed but reveal nothing). Person names go
through ``name_variants``; company and vessel names get legal-form variants, house case and
typos. Police and customs name the groups they know (two members or the organizer) as
Organization entities with Memberships; relations (Membership, Directorship, Ownership,
Associate) are written only where the agency holds both ends.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tocta.simulate.actor_agencies import AgencyBook, assign_people, assign_things
from tocta.simulate.actor_entities import RECORD_FIELDS, EntityWriter
from tocta.simulate.context import ActorContext
from tocta.simulate.names import NameBook

_BOOL = ("is_pep", "homonym", "typo", "transliterated", "swapped", "shortened")
RECORD_SCHEMA = {f: pl.Boolean if f in _BOOL else pl.Utf8 for f in RECORD_FIELDS}


def _known(pairs: list[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for agency, thing in pairs:
        out.setdefault(agency, []).append(thing)
    return {a: sorted(set(v)) for a, v in out.items()}


def write_records(ctx: ActorContext, book: NameBook, salt: str, groups: pl.DataFrame,
                  people: pl.DataFrame, companies: pl.DataFrame, vessels: pl.DataFrame,
                  accounts: pl.DataFrame, rng: np.random.Generator
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Every agency's entity records, and the courier records seizures may name.

    Returns:
        ``records`` (columns ``RECORD_SCHEMA``) and ``couriers`` (``year``, ``country``,
        ``entity_id``, ``agency``).
    """
    agencies = AgencyBook.from_frame(ctx.agencies)
    group_info = {g["group_id"]: g for g in groups.iter_rows(named=True)}
    holders: dict[str, list[str]] = {}
    for h, c in accounts.filter(pl.col("holder_kind") == "person").select(
            "holder_id", "country").iter_rows():
        holders.setdefault(h, []).append(c)
    span = ctx.actors.agencies_per_person
    person_pairs = assign_people(people, group_info, holders, agencies, span, rng)
    things = [(c["company_id"], [c["country"], group_info[c["group_id"]]["home_country"]],
               ("fiu", "police")) for c in companies.iter_rows(named=True)]
    things += [(v["vessel_id"], group_info[v["group_id"]]["countries"], ("customs", "police"))
               for v in vessels.iter_rows(named=True)]
    thing_pairs = assign_things(things, agencies, (1, 2), rng)
    account_pairs = [(a, acc) for acc, country in accounts.select("account_id", "country")
                     .iter_rows() if (a := agencies.reporter(country))]
    known = _known(person_pairs + thing_pairs + account_pairs)
    writer = EntityWriter(ctx, book, salt, agencies, group_info, people, companies, vessels,
                          accounts, rng)
    for agency in agencies.ids:
        writer.write_agency(agency, known.get(agency, []))
    records = pl.DataFrame(writer.rows, schema=RECORD_SCHEMA)
    return records, _couriers(records, agencies, group_info)


def _couriers(records: pl.DataFrame, agencies: AgencyBook, groups: dict[str, dict]
              ) -> pl.DataFrame:
    rows = []
    for agency, entity_id, group in records.filter(
            (pl.col("schema") == "Person") & pl.col("role").is_in(["courier", "transporter"])
    ).select("agency", "entity_id", "group_id").iter_rows():
        if agencies.kind[agency] not in ("police", "customs"):
            continue
        rows += [{"year": int(y), "country": agencies.country[agency], "entity_id": entity_id,
                  "agency": agency} for y in groups[group]["years"]]
    return pl.DataFrame(rows, schema={"year": pl.Int64, "country": pl.Utf8,
                                      "entity_id": pl.Utf8, "agency": pl.Utf8}).sort(
        "year", "country", "agency", "entity_id")
