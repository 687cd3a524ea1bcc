"""What groups own: front and shell companies, vessels and bank accounts.

Each group registers ``front_companies_per_group`` front companies (the first at home, the
others along its legs), directed by its financier or organizer (sometimes by its official), and
half of the groups hold them through a shell company in a secrecy jurisdiction. Groups whose
legs go by sea own ``vessels_per_group`` vessels through a front company. Organizers,
financiers, brokers, officials, some couriers and transporters, and every company hold
accounts at banks of their country. Words come from ``data/actor_lexicon.yaml``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
from importlib.resources import files
from typing import Any

import numpy as np
import polars as pl

from tocta.errors import NotFoundError
from tocta.reference.countries import get_country, ports
from tocta.yamlio import load_yaml

SHELL_SHARE = 0.5
PEP_DIRECTOR_SHARE = 0.4
ACCOUNTS = {"organizer": (1, 2, 1.0), "financier": (1, 2, 1.0), "broker": (1, 1, 1.0),
            "official": (1, 1, 0.7), "courier": (1, 1, 0.5), "transporter": (1, 1, 0.3),
            "none": (1, 1, 0.5), "front": (1, 2, 1.0), "shell": (1, 1, 1.0)}


@functools.cache
def lexicon() -> dict[str, Any]:
    """The actor lexicon (company words, legal forms, vessel names, banks, positions)."""
    text = files("tocta.simulate").joinpath("data", "actor_lexicon.yaml").read_text("utf-8")
    data: dict[str, Any] = load_yaml(text)
    return data


@functools.cache
def city_names(iso3: str) -> tuple[str, ...]:
    """Capital and main ports of a country (its name when the reference has neither)."""
    try:
        country = get_country(iso3)
    except NotFoundError:
        return (iso3,)
    names = [country.capital] if country.capital else []
    names += [p.name for p in sorted(ports(iso3), key=lambda p: (p.scalerank, p.name))[:4]]
    return tuple(dict.fromkeys(names)) or (country.name,)


def legal_forms(iso3: str) -> list[str]:
    forms: dict[str, list[str]] = lexicon()["legal_forms"]
    return forms.get(iso3, forms["default"])


def bank_of(iso3: str, k: int) -> tuple[str, str]:
    """Name and 4-letter code of the ``k``-th bank of a country (stable, no generator)."""
    lex = lexicon()
    h = int(hashlib.sha1(f"{iso3}:{k}".encode()).hexdigest(), 16)
    prefix = lex["bank_prefixes"][h % len(lex["bank_prefixes"])]
    suffix = lex["bank_suffixes"][(h // 97) % len(lex["bank_suffixes"])]
    return f"{prefix} {suffix}", prefix[:4].upper()


def account_number(iso3: str, bank_code: str, rng: np.random.Generator) -> str:
    iso2 = get_country(iso3).iso2
    return f"{iso2}{int(rng.integers(10, 100))}{bank_code}{int(rng.integers(10**9, 10**10))}"


def imo_number(rng: np.random.Generator) -> str:
    """A 7-digit IMO number with a valid check digit."""
    digits = [int(rng.integers(5, 10))] + [int(d) for d in rng.integers(0, 10, size=5)]
    check = sum(d * w for d, w in zip(digits, range(7, 1, -1), strict=True)) % 10
    return "IMO" + "".join(map(str, digits)) + str(check)


def _pick(items: list[Any], rng: np.random.Generator) -> Any:
    return items[int(rng.integers(len(items)))]


def _company(cid: str, group: str, kind: str, country: str, owner: str, directors: list[str],
             ref_year: int, rng: np.random.Generator) -> dict:
    lex = lexicon()
    sector = "Holdings" if kind == "shell" else _pick(lex["sectors"], rng)
    base = f"{_pick(lex['company_words'], rng)} {sector}"
    form = _pick(legal_forms(country), rng)
    born = dt.date(ref_year - int(rng.integers(1, 15)), 1, 1) + \
        dt.timedelta(days=int(rng.integers(365)))
    return {"company_id": cid, "group_id": group, "kind": kind, "name": f"{base} {form}",
            "base_name": base, "legal_form": form, "country": country, "sector": sector,
            "registration_number": f"{get_country(country).iso2}-{int(rng.integers(10**5, 10**7))}",
            "incorporation_date": born.isoformat(), "owner_id": owner, "director_ids": directors}


def build_holdings(groups: list[dict], people: pl.DataFrame, ref_year: int,
                   rng: np.random.Generator, front_range: tuple[int, int],
                   vessel_range: tuple[int, int]
                   ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Companies, vessels and accounts of every group (and accounts of namesakes)."""
    lex = lexicon()
    companies: list[dict] = []
    vessels: list[dict] = []
    by_group = {g: part for (g,), part in people.group_by("group_id", maintain_order=True)}
    for g in groups:
        gid = g["group_id"]
        members = by_group[gid]
        roles = dict(zip(members["person_id"], members["role"], strict=True))
        boss = next(p for p, r in roles.items() if r == "organizer")
        money_men = [p for p, r in roles.items() if r in ("financier", "organizer", "broker")]
        official = [p for p, r in roles.items() if r == "official"]
        shell_id = None
        if rng.random() < SHELL_SHARE:
            shell_id = f"C{len(companies) + 1:05d}"
            companies.append(_company(shell_id, gid, "shell", _pick(lex["shell_jurisdictions"],
                                      rng), boss, [_pick(money_men, rng)], ref_year, rng))
        n_front = int(rng.integers(front_range[0], front_range[1] + 1))
        for k in range(max(1, n_front)):
            country = g["home_country"] if k == 0 else _pick(g["countries"], rng)
            owner = shell_id if (k == 0 and shell_id) else boss
            directors = [_pick(money_men, rng)]
            if official and rng.random() < PEP_DIRECTOR_SHARE / max(1, n_front):
                directors.append(official[0])
            companies.append(_company(f"C{len(companies) + 1:05d}", gid, "front", country,
                                      owner, directors, ref_year, rng))
        if g["has_sea"]:
            fronts = [c["company_id"] for c in companies
                      if c["group_id"] == gid and c["kind"] == "front"]
            for _ in range(int(rng.integers(vessel_range[0], vessel_range[1] + 1))):
                flag = g["home_country"] if rng.random() < 0.3 else \
                    _pick(lex["flags_of_convenience"], rng)
                vessels.append({"vessel_id": f"V{len(vessels) + 1:04d}", "group_id": gid,
                                "name": _pick(lex["vessel_names"], rng), "imo": imo_number(rng),
                                "flag": flag, "vessel_type": _pick(lex["vessel_types"], rng),
                                "build_year": ref_year - int(rng.integers(5, 40)),
                                "owner_id": _pick(fronts, rng)})
    company_df = pl.DataFrame(companies, infer_schema_length=None)
    vessel_df = pl.DataFrame(vessels, schema={
        "vessel_id": pl.Utf8, "group_id": pl.Utf8, "name": pl.Utf8, "imo": pl.Utf8,
        "flag": pl.Utf8, "vessel_type": pl.Utf8, "build_year": pl.Int64, "owner_id": pl.Utf8})
    return company_df, vessel_df, _accounts(people, company_df, rng)


def _accounts(people: pl.DataFrame, companies: pl.DataFrame, rng: np.random.Generator
              ) -> pl.DataFrame:
    holders = [(p["person_id"], "person", p["group_id"], p["role"], p["residence"])
               for p in people.iter_rows(named=True)]
    holders += [(c["company_id"], "company", c["group_id"], c["kind"], c["country"])
                for c in companies.iter_rows(named=True)]
    rows: list[dict] = []
    for holder, kind, group, role, country in holders:
        lo, hi, p = ACCOUNTS[role]
        if rng.random() >= p:
            continue
        for _ in range(int(rng.integers(lo, hi + 1))):
            bank, code = bank_of(country, int(rng.integers(3)))
            rows.append({"account_id": f"A{len(rows) + 1:06d}",
                         "number": account_number(country, code, rng), "bank_name": bank,
                         "country": country, "holder_id": holder, "holder_kind": kind,
                         "group_id": group, "role": role})
    return pl.DataFrame(rows, infer_schema_length=None)
