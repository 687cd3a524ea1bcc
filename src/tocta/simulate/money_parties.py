"""Parties and accounts a reporting agency learns of from transfers alone.

When a transfer names a party or account the agency's entity file does not hold, the agency's
``transfers.ftm.jsonl`` carries a minimal entity for it (a Person or Company with the name as
the wire gives it and a country; a BankAccount with number, bank and country). Traffickers'
names there get the same noise as in entity records; ordinary parties keep their names.
``truth/transfer_parties.parquet`` says who each of those entities really is.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import numpy as np
import polars as pl

from tocta.simulate.actor_people import true_name
from tocta.simulate.ftm_lines import entity_ids, ftm_lines
from tocta.simulate.name_variants import STYLES, write_name
from tocta.simulate.names import load_name_book

if TYPE_CHECKING:
    from tocta.simulate.money import MoneyWorld

TRUTH_SCHEMA = pl.Schema({
    "agency": pl.Utf8(), "entity_id": pl.Utf8(), "schema": pl.Utf8(), "true_id": pl.Utf8(),
    "group_id": pl.Utf8(), "role": pl.Utf8(), "is_pep": pl.Boolean(), "homonym": pl.Boolean()})


def _style(agency: str) -> str:
    return STYLES[int(hashlib.sha1(agency.encode()).hexdigest(), 16) % len(STYLES)]


def _unknown(pairs: pl.DataFrame, known: pl.DataFrame) -> pl.DataFrame:
    return pairs.unique().join(known, left_on=["agency", "true_id"],
                               right_on=["agency", "true_id"], how="anti") \
        .sort("agency", "true_id")


def party_entities(money: MoneyWorld, t: pl.DataFrame, iso2: dict[str, str],
                   rng: np.random.Generator) -> tuple[dict[str, pl.Series], pl.DataFrame]:
    """Per agency, the JSON lines of parties and accounts it lacks; and their truth."""
    sides = [t.select("agency", pl.col(f"{s}_party").alias("true_id")) for s in ("from", "to")]
    parties = _unknown(pl.concat(sides), money.known).join(
        money.parties.rename({"party_id": "true_id"}), on="true_id", how="left")
    book = load_name_book()
    people = {p["person_id"]: p for p in money.people.iter_rows(named=True)}
    where = dict(money.agencies.select("agency", "country").iter_rows())
    names = []
    for agency, true_id, name in parties.select("agency", "true_id", "name").iter_rows():
        person = people.get(true_id)
        if person is not None:
            name = write_name(true_name(person, book), money.rates, _style(agency),
                              where[agency], book, rng).full
        names.append(name)
    parties = parties.with_columns(
        pl.Series("written", names, dtype=pl.Utf8),
        entity_ids(money.salt, parties["agency"], parties["true_id"]).alias("entity_id"),
        pl.when(pl.col("kind") == "company").then(pl.lit("Company")).otherwise(pl.lit("Person"))
        .alias("schema"))
    accounts = _unknown(pl.concat([t.select("agency", pl.col(f"{s}_account_id").alias("true_id"))
                                   for s in ("from", "to")]).drop_nulls(), money.known).join(
        money.accounts.rename({"account_id": "true_id"}), on="true_id", how="left")
    accounts = accounts.with_columns(
        entity_ids(money.salt, accounts["agency"], accounts["true_id"]).alias("entity_id"))
    lines: dict[str, pl.Series] = {}
    country = pl.col("country").replace_strict(iso2, default=None)
    for schema in ("Person", "Company"):
        part = parties.filter(pl.col("schema") == schema)
        part = part.with_columns(ftm_lines(part.select(
            pl.col("entity_id").alias("id"), "schema", pl.col("written").alias("name"),
            country.alias("country" if schema == "Person" else "jurisdiction"))).alias("line"))
        _collect(lines, part)
    accounts = accounts.with_columns(ftm_lines(accounts.select(
        pl.col("entity_id").alias("id"), pl.lit("BankAccount").alias("schema"),
        pl.col("number").alias("accountNumber"), pl.col("bank_name").alias("bankName"),
        country.alias("country"))).alias("line"))
    _collect(lines, accounts)
    return lines, _truth(money, parties, accounts)


def _collect(lines: dict[str, pl.Series], part: pl.DataFrame) -> None:
    for (agency,), chunk in part.group_by("agency", maintain_order=True):
        key = str(agency)
        lines[key] = pl.concat([lines[key], chunk["line"]]) if key in lines else chunk["line"]


def _truth(money: MoneyWorld, parties: pl.DataFrame, accounts: pl.DataFrame) -> pl.DataFrame:
    persons = money.parties.filter(pl.col("kind") == "person")
    shared = persons.group_by("name").agg(pl.len().alias("n")).filter(pl.col("n") > 1)["name"]
    rows = pl.concat([
        parties.select("agency", "entity_id", "schema", "true_id", "group_id", "role",
                       "is_pep", ((pl.col("schema") == "Person")
                                  & pl.col("name").is_in(shared.implode())).alias("homonym")),
        accounts.select("agency", "entity_id", pl.lit("BankAccount").alias("schema"),
                        "true_id", "group_id", "role", pl.lit(False).alias("is_pep"),
                        pl.lit(False).alias("homonym"))])
    return rows.cast(TRUTH_SCHEMA)
