"""Legitimate transfers, many of them shaped like laundering (the look-alikes), vectorized.

Parties are ordinary people (named from the same pools as traffickers, so namesakes occur by
chance as well as by design: the actor world's uninvolved namesakes bank here too) and
ordinary companies, each with one account. Kinds, by share of legitimate transfers:
``remittance`` (small money-service transfers to family abroad, like structuring and fan-in),
``payroll`` (a company pays 5–25 employees on one day, like fan-out), ``business_wire``
(regular wires to a foreign supplier, like front-company trade), ``cash_business`` (shops
depositing takings in cash, some just under the threshold) and ``personal`` transfers.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from tocta.reference.countries import get_country
from tocta.simulate.actor_holdings import bank_of, legal_forms, lexicon
from tocta.simulate.money_patterns import wallet
from tocta.simulate.names import NameBook, draw_parts, feminine_family

KINDS = {"remittance": 0.40, "payroll": 0.25, "business_wire": 0.12, "cash_business": 0.13,
         "personal": 0.10}
PERSONS_PER_TRANSFER = 1 / 8
COMPANIES_PER_TRANSFER = 1 / 150


def _names(countries: np.ndarray, book: NameBook, rng: np.random.Generator) -> list[str]:
    """Canonical full names for people of ``countries`` (drawn per pool, vectorized)."""
    names = [""] * len(countries)
    pools = np.array([book.pool_for(c).key for c in countries])
    female = rng.random(len(countries)) < 0.5
    for key in sorted(set(pools.tolist())):
        pool = book.pools[key]
        for fem in (False, True):
            idx = np.flatnonzero((pools == key) & (female == fem))
            if not len(idx):
                continue
            given = draw_parts(pool, "given_female" if fem else "given_male", len(idx), rng)
            family = draw_parts(pool, "family", len(idx), rng)
            extra = draw_parts(pool, "family", len(idx), rng)
            for i, g, f, x in zip(idx, given, family, extra, strict=True):
                last = pool.lists["family"][f].canonical
                if pool.middle == "second_family":
                    last += " " + pool.lists["family"][x].canonical
                last = feminine_family(last, pool.feminine) if fem else last
                first = pool.lists["given_female" if fem else "given_male"][g].canonical
                names[i] = f"{last} {first}" if pool.order == "family_given" else \
                    f"{first} {last}"
    return names


def _accounts(ids: list[str], countries: np.ndarray, rng: np.random.Generator
              ) -> pl.DataFrame:
    banks = {c: [bank_of(c, k) for k in range(3)] for c in sorted(set(countries.tolist()))}
    which = rng.integers(0, 3, size=len(ids))
    check = rng.integers(10, 100, size=len(ids))
    serial = rng.integers(10**9, 10**10, size=len(ids))
    iso2 = {c: get_country(c).iso2 for c in banks}
    rows = [(f"L{pid}", f"{iso2[c]}{k}{banks[c][w][1]}{s}", banks[c][w][0], c, pid)
            for pid, c, w, k, s in zip(ids, countries, which, check, serial, strict=True)]
    return pl.DataFrame(rows, schema=["account_id", "number", "bank_name", "country",
                                      "holder_id"], orient="row")


def legit_parties(n_transfers: int, countries: list[str], namesakes: pl.DataFrame,
                  book: NameBook, rng: np.random.Generator
                  ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Ordinary people and companies (``parties``) and their accounts.

    ``namesakes`` (``person_id``, ``full_name``, ``residence``) join the people, so that the
    actor world's uninvolved namesakes show up in ordinary transfers.
    """
    n_p = max(50, int(n_transfers * PERSONS_PER_TRANSFER))
    n_c = max(10, int(n_transfers * COMPANIES_PER_TRANSFER))
    pc = np.array(countries)[rng.integers(len(countries), size=n_p)]
    cc = np.array(countries)[rng.integers(len(countries), size=n_c)]
    lex = lexicon()
    words = np.array(lex["company_words"])[rng.integers(len(lex["company_words"]), size=n_c)]
    sectors = np.array(lex["legit_sectors"])[rng.integers(len(lex["legit_sectors"]), size=n_c)]
    forms = [legal_forms(c)[int(u * len(legal_forms(c)))] for c, u in
             zip(cc, rng.random(n_c), strict=True)]
    people = pl.DataFrame({
        "party_id": [f"LP{i + 1:06d}" for i in range(n_p)], "kind": "person",
        "name": _names(pc, book, rng), "country": pc})
    people = pl.concat([people, namesakes.select(
        pl.col("person_id").alias("party_id"), pl.lit("person").alias("kind"),
        pl.col("full_name").alias("name"), pl.col("residence").alias("country"))])
    companies = pl.DataFrame({
        "party_id": [f"LC{i + 1:05d}" for i in range(n_c)], "kind": "company",
        "name": [f"{w} {s} {f}" for w, s, f in zip(words, sectors, forms, strict=True)],
        "country": cc})
    parties = pl.concat([people, companies])
    accounts = _accounts(parties["party_id"].to_list(), parties["country"].to_numpy(), rng)
    return parties, accounts


def _text(values: np.ndarray) -> pl.Series:
    """A string column from a numpy array that may hold None."""
    return pl.Series(values=values.tolist(), dtype=pl.Utf8)


def random_dates(n: int, years: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """``n`` uniform dates within ``years`` (numpy datetime64[D])."""
    starts = np.array([np.datetime64(f"{y}-01-01") for y in years])
    return starts[rng.integers(len(years), size=n)] + rng.integers(0, 365, size=n)


def _side(parties: dict[str, np.ndarray], idx: np.ndarray, with_account: np.ndarray
          ) -> dict[str, np.ndarray]:
    acc = np.where(with_account, parties["account_id"][idx], None)
    num = np.where(with_account, parties["number"][idx], None)
    return {"party": parties["party_id"][idx], "kind": parties["kind"][idx],
            "country": parties["country"][idx], "account_id": acc, "account": num}


def _cols(parties: pl.DataFrame, kind: str) -> dict[str, np.ndarray]:
    part = parties.filter(pl.col("kind") == kind)
    return {c: part[c].to_numpy() for c in ("party_id", "kind", "country", "account_id",
                                            "number")}


def _same_country(country: np.ndarray, want: np.ndarray, rng: np.random.Generator
                  ) -> np.ndarray:
    """For each wanted country, a random index into ``country`` with that country (any
    index where the country has no one)."""
    order = np.argsort(country, kind="stable")
    ranked = country[order]
    lo = np.searchsorted(ranked, want, "left")
    count = np.searchsorted(ranked, want, "right") - lo
    at = np.minimum(lo + (rng.random(len(want)) * count).astype(np.int64), len(order) - 1)
    return np.where(count > 0, order[at], rng.integers(len(country), size=len(want)))


def _abroad(country: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A partner index per party, in another country where one can be drawn."""
    out = rng.integers(len(country), size=len(country))
    for _ in range(6):
        bad = country[out] == country
        if not bad.any():
            break
        out[bad] = rng.integers(len(country), size=int(bad.sum()))
    return out


def legit_transfers(parties: pl.DataFrame, accounts: pl.DataFrame, n: int,
                    years: tuple[int, ...], rng: np.random.Generator) -> pl.DataFrame:
    """``n`` legitimate transfers among ``parties`` (vectorized)."""
    parties = parties.join(accounts.select("holder_id", "account_id", "number"),
                           left_on="party_id", right_on="holder_id", how="left")
    per, com = _cols(parties, "person"), _cols(parties, "company")
    counts = dict(zip(KINDS, rng.multinomial(n, list(KINDS.values())), strict=True))
    frames = []
    family = _abroad(per["country"], rng)
    neighbour = _same_country(per["country"], per["country"], rng)
    supplier = _abroad(com["country"], rng)

    def emit(kind: str, frm: dict, to: dict, amount: np.ndarray, dates: np.ndarray,
             channel: np.ndarray, purpose: np.ndarray) -> None:
        sides = {f"{s}_{k}": _text(v) for s, side in (("from", frm), ("to", to))
                 for k, v in side.items()}
        frames.append(pl.DataFrame({
            "date": dates.astype("datetime64[D]"), "amount": np.round(amount, 2), **sides,
            "channel": _text(channel), "purpose": _text(purpose),
            "lookalike": np.full(len(amount), kind)}))

    k = counts["remittance"]
    s = rng.integers(len(per["party_id"]), size=k)
    wire = rng.random(k) < 0.2
    emit("remittance", _side(per, s, wire), _side(per, family[s], wire),
         np.clip(np.exp(rng.normal(np.log(250), 0.8, k)), 20, 5000).round(0),
         random_dates(k, years, rng), np.where(wire, "wire", "money_service"),
         np.array([None, "family support"], dtype=object)[(rng.random(k) < 0.6).astype(int)])
    k = counts["payroll"]
    events = k // 5 + 1  # at least five employees an event: enough rows, then cut to k
    size = rng.integers(5, 26, size=events)
    payer = np.repeat(rng.integers(len(com["party_id"]), size=events), size)[:k]
    month = np.repeat(random_dates(events, years, rng).astype("datetime64[M]"), size)[:k]
    k = len(payer)
    staff = _same_country(per["country"], com["country"][payer], rng)
    yes = np.ones(k, dtype=bool)
    emit("payroll", _side(com, payer, yes), _side(per, staff, yes),
         np.exp(rng.normal(np.log(1500), 0.4, k)).round(2),
         (month + 1).astype("datetime64[D]") - 1, np.full(k, "wire"),
         np.array([f"salary {str(m)[5:7]}/{str(m)[:4]}" for m in month], dtype=object))
    k = counts["business_wire"]
    c = rng.integers(len(com["party_id"]), size=k)
    yes = np.ones(k, dtype=bool)
    emit("business_wire", _side(com, c, yes), _side(com, supplier[c], yes),
         np.clip(np.exp(rng.normal(np.log(40_000), 1.0, k)), 1000, 3_000_000),
         random_dates(k, years, rng), np.where(rng.random(k) < 0.1, "trade_based", "wire"),
         np.array([f"invoice {int(x)}" for x in rng.integers(10_000, 99_999, size=k)],
                  dtype=object))
    k = counts["cash_business"]
    c = rng.integers(len(com["party_id"]), size=k)
    emit("cash_business", _side(com, c, np.zeros(k, dtype=bool)),
         _side(com, c, np.ones(k, dtype=bool)),
         np.clip(np.exp(rng.normal(np.log(2500), 0.9, k)), 100, 60_000).round(0),
         random_dates(k, years, rng), np.full(k, "cash"), np.full(k, "cash deposit"))
    k = counts["personal"]
    s = rng.integers(len(per["party_id"]), size=k)
    chan = rng.choice(np.array(["card", "wire", "money_service", "crypto"]), size=k,
                      p=[0.3, 0.5, 0.15, 0.05])
    has = (chan == "wire") | (chan == "card")
    frm, to = _side(per, s, has), _side(per, neighbour[s], has)
    for side in (frm, to):
        side["account"] = side["account"].astype(object)
        for i in np.flatnonzero(chan == "crypto"):
            side["account"][i] = wallet(str(side["party"][i]))
    emit("personal", frm, to,
         np.clip(np.exp(rng.normal(np.log(400), 1.0, k)), 10, 20_000).round(2),
         random_dates(k, years, rng), chan, np.full(k, None))
    return pl.concat(frames, how="vertical_relaxed")
