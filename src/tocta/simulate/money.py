"""Money: proceeds moving back to organizers, laundering patterns, and legitimate look-alikes.

A group's proceeds in a year are the wholesale value of its share of the legs it runs
(``group_legs.share × legs.value_usd``); ``laundered_share`` of them is laundered
(``truth/group_proceeds.parquet``). Transfer records are a sample of those movements: the world
holds ``max_transfers × scale`` transfers, one in ``1 + legit_per_illicit`` illicit. Illicit
patterns (``money_patterns``) are given to group-years in proportion to proceeds; a pattern is
a laundering typology with probability ``laundered_share``, else another criminal payment.
Each transfer is reported by the FIU (else the police) of its sending or receiving country.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from tocta.simulate.actor_agencies import AgencyBook
from tocta.simulate.actors import ActorWorld
from tocta.simulate.context import ActorContext
from tocta.simulate.money_files import write_money_files
from tocta.simulate.money_legit import legit_parties, legit_transfers
from tocta.simulate.money_patterns import LAUNDERING, OTHER, SIZES, Purse, moves
from tocta.simulate.name_variants import NoiseRates
from tocta.simulate.names import load_name_book

__all__ = ["MoneyWorld", "simulate_money", "write_money_files"]


@dataclass(frozen=True)
class MoneyWorld:
    """The simulated transfers with their truth, and what the writer needs to name parties.

    Attributes:
        seed, salt: as in the actor world (ids of the same entity agree across files).
        transfers: one row per transfer, reported or not: ``transfer_id``, ``record_id`` and
            ``agency`` (null when no agency of either country reports it), ``date``, ``amount``
            (USD), parties, accounts, countries, ``channel``, ``purpose``, and the truth
            columns ``is_illicit``, ``is_laundering``, ``typology``, ``illicit_kind``,
            ``lookalike``, ``group_id``, ``pattern_id``.
        parties: every party (``party_id``, ``kind``, ``name``, ``country``).
        accounts: every bank account (``account_id``, ``number``, ``bank_name``, ``country``).
        proceeds: ``group_id``, ``year``, ``proceeds_usd``, ``laundered_usd``.
        known: ``agency``, ``true_id``, ``entity_id`` of entities already in the agencies'
            entity files (transfers point at them instead of repeating them).
        people: the actor world's people (names of parties unknown to the reporting agency
            are written from them with the same noise).
        agencies: the world's agencies.
        rates: the name noise rates of the actor parameters.
    """

    seed: int
    salt: str
    transfers: pl.DataFrame
    parties: pl.DataFrame
    accounts: pl.DataFrame
    proceeds: pl.DataFrame
    known: pl.DataFrame
    people: pl.DataFrame
    agencies: pl.DataFrame
    rates: NoiseRates


def group_proceeds(ctx: ActorContext, world: ActorWorld) -> pl.DataFrame:
    """Proceeds and laundered value per group and year (US$)."""
    return (world.group_legs.join(ctx.legs, on=["commodity", "from_country", "to_country"])
            .group_by("group_id", "year")
            .agg((pl.col("share") * pl.col("value_usd").fill_null(0.0)).sum()
                 .alias("proceeds_usd"))
            .with_columns((pl.col("proceeds_usd") * ctx.money.laundered_share)
                          .alias("laundered_usd"))
            .sort("group_id", "year"))


def _purses(ctx: ActorContext, world: ActorWorld) -> dict[str, Purse]:
    purses = {g: Purse(g, h, countries=list(cs)) for g, h, cs in world.groups.select(
        "group_id", "home_country", "countries").iter_rows()}
    for acc, holder, country, group, role in world.accounts.select(
            "account_id", "holder_id", "country", "group_id", "role").iter_rows():
        if group in purses:
            purses[group].accounts.setdefault(role, []).append((holder, acc, country))
    for pid, group, role, home in world.people.select(
            "person_id", "group_id", "role", "residence").iter_rows():
        if group not in purses:
            continue
        if role in ("courier", "transporter"):
            purses[group].hands.append((pid, None, home))
        if role == "organizer" and purses[group].boss is None:
            purses[group].boss = (pid, None, home)
    commodity = dict(world.groups.select("group_id", "commodity").iter_rows())
    retail = ctx.markets.group_by("commodity", "country").agg(pl.col("retail_value_usd").sum())
    sales = (world.group_legs.join(retail, left_on=["commodity", "to_country"],
                                   right_on=["commodity", "country"], how="left")
             .sort("group_id", "retail_value_usd", "to_country", descending=[False, True, False]))
    for g, to in sales.select("group_id", "to_country").iter_rows():
        if to not in purses[g].sale_countries:
            purses[g].sale_countries.append(to)
    for g, purse in purses.items():
        purse.suppliers = [a for h, p in purses.items() if h != g and
                           commodity[h] == commodity[g] for a in p.any_of("organizer", "broker")]
    return purses


def _mean_size(table: dict[str, float]) -> float:
    total = sum(table.values())
    return sum(w / total * (SIZES[k][0] + SIZES[k][1]) / 2 for k, w in table.items())


def _illicit(ctx: ActorContext, world: ActorWorld, proceeds: pl.DataFrame, n: int,
             rng: np.random.Generator) -> list[dict]:
    purses = _purses(ctx, world)
    gy = proceeds.filter(pl.col("proceeds_usd") > 0)
    if n <= 0 or gy.height == 0:
        return []
    weights = gy["proceeds_usd"].to_numpy()
    weights = weights / weights.sum()
    slots = list(gy.select("group_id", "year").iter_rows())
    officials = {g for g, r in world.people.select("group_id", "role").iter_rows()
                 if r == "official"}
    rows: list[dict] = []
    threshold = ctx.money.reporting_threshold_usd
    # Laundering patterns hold more transfers than other criminal payments: draw them at the
    # rate that makes ``laundered_share`` of illicit *transfers* laundering.
    share, size_l, size_o = ctx.money.laundered_share, _mean_size(LAUNDERING), _mean_size(OTHER)
    p_laundering = share * size_o / max(share * size_o + (1 - share) * size_l, 1e-12)
    pattern = 0
    # Every kind appears once first (when the budget allows), then kinds are drawn.
    first = [*LAUNDERING, *OTHER]
    while len(rows) < n:
        group, year = slots[int(rng.choice(len(slots), p=weights))]
        if first:
            kind = first.pop(0)
        else:
            table = LAUNDERING if rng.random() < p_laundering else OTHER
            kind = str(rng.choice(list(table), p=np.array(list(table.values()))
                                  / sum(table.values())))
        if kind == "bribe" and group not in officials:
            kind = "wages"
        lo, hi = SIZES[kind]
        found = moves(kind, purses[group], int(rng.integers(lo, hi + 1)), threshold, rng)
        if not found:
            continue
        pattern += 1
        start = np.datetime64(f"{year}-01-01") + int(rng.integers(0, 300))
        end = np.datetime64(f"{year}-12-31")
        for day, amount, frm, to, channel, purpose in found:
            rows.append({"date": min(start + day, end).item(), "amount": amount,
                         "from_party": frm[0], "from_account_id": frm[1], "from_country": frm[2],
                         "to_party": to[0], "to_account_id": to[1], "to_country": to[2],
                         "channel": channel, "purpose": purpose, "is_illicit": True,
                         "is_laundering": kind in LAUNDERING,
                         "typology": kind if kind in LAUNDERING else None,
                         "illicit_kind": None if kind in LAUNDERING else kind,
                         "group_id": group, "pattern_id": f"M{pattern:06d}"})
    return rows[:n]


_TEXT = ("from_party", "from_kind", "from_country", "from_account_id", "from_account",
         "to_party", "to_kind", "to_country", "to_account_id", "to_account", "channel",
         "purpose")
_TRUTH = ("is_illicit", "is_laundering", "typology", "illicit_kind", "lookalike", "group_id",
          "pattern_id")
TRANSFER_SCHEMA = pl.Schema({
    "date": pl.Date(), "amount": pl.Float64(), **dict.fromkeys(_TEXT, pl.Utf8()),
    **{c: pl.Boolean() if c.startswith("is_") else pl.Utf8() for c in _TRUTH}})


def _kind(col: str) -> pl.Expr:
    return pl.when(pl.col(col).str.starts_with("C") | pl.col(col).str.starts_with("LC")) \
        .then(pl.lit("company")).otherwise(pl.lit("person"))


def _numbered(rows: list[dict], accounts: pl.DataFrame) -> pl.DataFrame:
    """Illicit rows with party kinds and account numbers (wallets stay as written)."""
    frame = pl.DataFrame(rows, schema=pl.Schema({
        k: v for k, v in TRANSFER_SCHEMA.items() if k not in (
            "from_kind", "to_kind", "from_account", "to_account", "lookalike")}))
    numbers = dict(accounts.select("account_id", "number").iter_rows())
    out = []
    for side in ("from", "to"):
        ids = frame[f"{side}_account_id"].to_list()
        out.append(pl.Series(f"{side}_account", [numbers.get(a, a) if a else None for a in ids],
                             dtype=pl.Utf8))
        out.append(pl.Series(f"{side}_account_id", [None if a and a.startswith("bc1q") else a
                                                     for a in ids], dtype=pl.Utf8))
    return frame.with_columns(*out, _kind("from_party").alias("from_kind"),
                              _kind("to_party").alias("to_kind"),
                              pl.lit(None, pl.Utf8).alias("lookalike"))


def _report(transfers: pl.DataFrame, agencies: AgencyBook, rng: np.random.Generator
            ) -> pl.DataFrame:
    """Shuffle, pick the reporting agency, number records per agency and year by date."""
    n = transfers.height
    countries = sorted(set(transfers["from_country"]) | set(transfers["to_country"]))
    reporter = {c: agencies.reporter(c) for c in countries}
    shuffled = transfers.with_columns(pl.Series("_order", rng.permutation(n)),
                                      pl.Series("_from_side", rng.random(n) < 0.5))
    frm = pl.col("from_country").replace_strict(reporter, return_dtype=pl.Utf8)
    to = pl.col("to_country").replace_strict(reporter, return_dtype=pl.Utf8)
    agency = pl.when(pl.col("_from_side") & frm.is_not_null()).then(frm) \
        .otherwise(pl.coalesce(to, frm))
    out = (shuffled.with_columns(agency.alias("agency")).sort("_order")
           .with_columns(pl.format("T{}", pl.int_range(1, n + 1).cast(pl.Utf8).str.zfill(7))
                         .alias("transfer_id"))
           .sort("agency", "date", "_order", nulls_last=True))
    seq = pl.int_range(1, pl.len() + 1).over("agency", pl.col("date").dt.year())
    return out.with_columns(
        pl.when(pl.col("agency").is_not_null()).then(pl.format(
            "{}-{}-{}", "agency", pl.col("date").dt.year(),
            seq.cast(pl.Utf8).str.zfill(6))).alias("record_id")
    ).drop("_order", "_from_side")


def simulate_money(ctx: ActorContext, world: ActorWorld, rng: np.random.Generator
                   ) -> MoneyWorld:
    """Simulate the proceeds, the illicit patterns and the legitimate transfers around them.

    Args:
        ctx: the flow world and the money parameters.
        world: the actor world (groups, people, companies, accounts, agency records).
        rng: the money model's generator.

    Returns:
        The money world; nothing is written to disk.
    """
    m = ctx.money
    total = int(m.max_transfers * ctx.scale)
    n_illicit = round(total / (1 + m.legit_per_illicit))
    proceeds = group_proceeds(ctx, world)
    illicit = _numbered(_illicit(ctx, world, proceeds, n_illicit, rng), world.accounts)
    agencies = AgencyBook.from_frame(ctx.agencies)
    countries = sorted(set(agencies.country.values()) | {
        c for cs in world.groups["countries"] for c in cs})
    namesakes = world.people.filter(pl.col("role") == "none")
    parties, legit_accounts = legit_parties(total - n_illicit, countries, namesakes,
                                            load_name_book(), rng)
    legit = legit_transfers(parties, legit_accounts, total - n_illicit, ctx.years, rng)
    legit = legit.with_columns(
        pl.lit(False).alias("is_illicit"), pl.lit(False).alias("is_laundering"),
        *[pl.lit(None, pl.Utf8).alias(c) for c in ("typology", "illicit_kind", "group_id",
                                                   "pattern_id")])
    both = pl.concat([illicit.select(list(TRANSFER_SCHEMA)),
                      legit.select(list(TRANSFER_SCHEMA)).cast(TRANSFER_SCHEMA)])
    transfers = _report(both, agencies, rng)
    actor_parties = _actor_parties(world)
    accounts = pl.concat([
        world.accounts.select("account_id", "number", "bank_name", "country", "group_id",
                              "role"),
        legit_accounts.select("account_id", "number", "bank_name", "country",
                              pl.lit(None, pl.Utf8).alias("group_id"),
                              pl.lit("legitimate").alias("role"))])
    known = world.records.filter(pl.col("schema").is_in(["Person", "Company", "BankAccount"])
                                 ).select("agency", "true_id", "entity_id")
    a = ctx.actors
    legit_only = parties.filter(~pl.col("party_id").is_in(actor_parties["party_id"].implode()))
    all_parties = pl.concat([actor_parties, legit_only.with_columns(
        pl.lit(None, pl.Utf8).alias("group_id"), pl.lit("legitimate").alias("role"),
        pl.lit(False).alias("is_pep"))])
    return MoneyWorld(ctx.seed, world.salt, transfers, all_parties,
                      accounts, proceeds, known, world.people, ctx.agencies,
                      NoiseRates(a.typo_rate, a.transliteration_rate, a.swapped_order_rate))


def _actor_parties(world: ActorWorld) -> pl.DataFrame:
    return pl.concat([
        world.people.select(pl.col("person_id").alias("party_id"), pl.lit("person").alias("kind"),
                            pl.col("full_name").alias("name"),
                            pl.col("residence").alias("country"), "group_id", "role", "is_pep"),
        world.companies.select(pl.col("company_id").alias("party_id"),
                               pl.lit("company").alias("kind"), "name", "country", "group_id",
                               pl.col("kind").alias("role"), pl.lit(False).alias("is_pep"))])
