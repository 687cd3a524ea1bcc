"""One agency's FollowTheMoney entities and flat rows for the people and things it knows."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import polars as pl
from followthemoney import model

from tocta.errors import NotFoundError
from tocta.reference.commodities import get_commodity
from tocta.reference.countries import get_country
from tocta.simulate.actor_agencies import AgencyBook
from tocta.simulate.actor_holdings import city_names, legal_forms, lexicon
from tocta.simulate.actor_links import write_links
from tocta.simulate.actor_people import true_name
from tocta.simulate.context import ActorContext
from tocta.simulate.ftm_lines import entity_id
from tocta.simulate.name_variants import (
    STYLES,
    NoiseRates,
    fold_ascii,
    make_typo,
    write_birth_date,
    write_name,
)
from tocta.simulate.names import NameBook

TOPICS = {"drugs": "crime.traffick.drug", "persons": "crime.traffick.human",
          "environment": "crime.env"}
RECORD_FIELDS = ("agency", "entity_id", "schema", "true_id", "group_id", "role", "is_pep",
                 "homonym", "homonym_of", "typo", "transliterated", "script", "swapped",
                 "shortened", "birth_precision", "ftm", "name", "first_name", "middle_name",
                 "last_name", "gender", "birth_date", "nationality", "country",
                 "passport_number", "id_number", "position", "address", "registration_number",
                 "imo_number", "account_number", "bank_name", "flag", "topics", "group_name",
                 "linked_records")


def topic_for(commodity: str) -> str:
    """The FtM crime topic of a commodity's family."""
    try:
        return TOPICS.get(get_commodity(commodity).family, "crime.traffick")
    except NotFoundError:
        return "crime.traffick"


def iso2(iso3: str) -> str:
    return get_country(iso3).iso2.lower()


def ftm_json(schema: str, entity_id: str, props: dict[str, Any]) -> str:
    """One FtM entity as a JSON line (sorted keys); values pass the library's cleaning."""
    proxy = model.make_entity(schema)
    proxy.id = entity_id
    for prop, value in props.items():
        if value is not None:
            proxy.add(prop, value)
    return json.dumps(proxy.to_dict(), sort_keys=True, ensure_ascii=False,
                      separators=(",", ":"))


class EntityWriter:
    """Renders the records of one agency after another into ``rows``."""

    def __init__(self, ctx: ActorContext, book: NameBook, salt: str, agencies: AgencyBook,
                 groups: dict[str, dict], people: pl.DataFrame, companies: pl.DataFrame,
                 vessels: pl.DataFrame, accounts: pl.DataFrame, rng: np.random.Generator):
        a = ctx.actors
        self.book, self.salt, self.agencies, self.groups, self.rng = book, salt, agencies, \
            groups, rng
        self.rates = NoiseRates(a.typo_rate, a.transliteration_rate, a.swapped_order_rate)
        self.birth = (a.missing_birthdate_rate, a.partial_birthdate_rate)
        self.people = {p["person_id"]: p for p in people.iter_rows(named=True)}
        self.companies = {c["company_id"]: c for c in companies.iter_rows(named=True)}
        self.vessels = {v["vessel_id"]: v for v in vessels.iter_rows(named=True)}
        self.accounts = {x["account_id"]: x for x in accounts.iter_rows(named=True)}
        order = rng.permutation(len(agencies.ids))
        self.styles = {agencies.ids[int(i)]: STYLES[k % len(STYLES)] for k, i in
                       enumerate(order)}
        self.rows: list[dict[str, Any]] = []

    def eid(self, agency: str, true_id: str) -> str:
        return entity_id(self.salt, agency, true_id)

    def add_row(self, agency: str, schema: str, true_id: str, props: dict[str, Any],
             **fields: Any) -> dict[str, Any]:
        row: dict[str, Any] = dict.fromkeys(RECORD_FIELDS)
        row.update(agency=agency, entity_id=self.eid(agency, true_id), schema=schema,
                   true_id=true_id, **fields)
        row["ftm"] = ftm_json(schema, row["entity_id"], props)
        self.rows.append(row)
        return row

    def chance(self, p: float) -> bool:
        return bool(self.rng.random() < p)

    def write_agency(self, agency: str, known: list[str]) -> None:
        kind = self.agencies.kind[agency]
        persons = [k for k in known if k.startswith("P")]
        start = len(self.rows)
        orgs = self._organizations(agency, persons) if kind in ("police", "customs") else {}
        for pid in persons:
            self._person(agency, self.people[pid], orgs)
        for cid in (k for k in known if k.startswith("C")):
            self._company(agency, self.companies[cid])
        for vid in (k for k in known if k.startswith("V")):
            self._vessel(agency, self.vessels[vid])
        for aid in (k for k in known if k.startswith("A")):
            self._account(agency, self.accounts[aid])
        write_links(self, agency, set(known), orgs, start)

    def _organizations(self, agency: str, persons: list[str]) -> dict[str, str]:
        by_group: dict[str, list[dict]] = {}
        for pid in persons:
            p = self.people[pid]
            if p["group_id"] and p["role"] != "official":
                by_group.setdefault(p["group_id"], []).append(p)
        lex = lexicon()
        names: dict[str, str] = {}
        for gid, members in sorted(by_group.items()):
            if len(members) < 2 and members[0]["role"] != "organizer":
                continue
            g = self.groups[gid]
            boss = min(members, key=lambda m: (m["role"] != "organizer", m["person_id"]))
            template = lex["group_names"][int(self.rng.integers(len(lex["group_names"])))]
            cities = city_names(g["home_country"])
            name = template.format(
                surname=fold_ascii(boss["last_name"].split(" ")[0]).upper()
                if "{surname}" in template and self.chance(0.5) else boss["last_name"],
                code=f"{agency.split('-')[-1]}-{int(self.rng.integers(1, 400)):03d}",
                city=cities[int(self.rng.integers(len(cities)))],
                word=lex["operation_words"][int(self.rng.integers(len(lex["operation_words"])))])
            self.add_row(agency, "Organization", gid,
                      {"name": name, "topics": topic_for(g["commodity"]),
                       "country": iso2(g["home_country"])},
                      group_id=gid, role="group", name=name,
                      country=g["home_country"], topics=topic_for(g["commodity"]))
            names[gid] = name
        return names

    def _person(self, agency: str, p: dict, orgs: dict[str, str]) -> None:
        kind, country = self.agencies.kind[agency], self.agencies.country[agency]
        w = write_name(true_name(p, self.book), self.rates, self.styles[agency], country,
                       self.book, self.rng)
        birth, precision = write_birth_date(p["birth_date"], *self.birth, self.rng)
        topics = []
        if p["role"] == "official" and (kind == "fiu" or self.chance(0.5)):
            topics.append("role.pep")
        if p["group_id"] and p["role"] != "official" and kind != "fiu" and self.chance(0.7):
            topics.append(topic_for(self.groups[p["group_id"]]["commodity"]))
        vals = {
            "nationality": p["nationality"] if self.chance(0.9) else None,
            "gender": p["gender"] if self.chance(0.7) else None,
            "passport": p["passport"] if self.chance(0.5 if kind != "police" else 0.25)
            else None,
            "id_number": p["national_id"] if self.chance(0.2) else None,
            "position": p["position"] if p["position"] and self.chance(0.7) else None,
            "address": p["address"] if self.chance(0.3) else None,
            "country": p["residence"] if self.chance(0.5) else None,
        }
        props = {"name": w.full, "firstName": w.first, "middleName": w.middle,
                 "lastName": w.last, "birthDate": birth, "gender": vals["gender"],
                 "nationality": iso2(vals["nationality"]) if vals["nationality"] else None,
                 "country": iso2(vals["country"]) if vals["country"] else None,
                 "passportNumber": vals["passport"], "idNumber": vals["id_number"],
                 "position": vals["position"], "address": vals["address"],
                 "topics": topics or None}
        self.add_row(agency, "Person", p["person_id"], props, group_id=p["group_id"],
                  role=p["role"], is_pep=p["is_pep"], homonym=p["homonym"],
                  homonym_of=p["homonym_of"], typo=w.typo, transliterated=w.transliterated,
                  script=w.script, swapped=w.swapped, shortened=w.shortened,
                  birth_precision=precision, name=w.full, first_name=w.first,
                  middle_name=w.middle, last_name=w.last, gender=vals["gender"],
                  birth_date=birth, nationality=vals["nationality"], country=vals["country"],
                  passport_number=vals["passport"], id_number=vals["id_number"],
                  position=vals["position"], address=vals["address"],
                  topics=";".join(topics) or None,
                  group_name=orgs.get(p["group_id"] or ""))

    def company_name(self, agency: str, c: dict) -> tuple[str, bool]:
        """How this agency writes a company's name, and whether it has a typo."""
        base, form = c["base_name"], c["legal_form"]
        u = self.rng.random(3)
        if u[0] < 0.3:
            others = [f for f in legal_forms(c["country"]) if f != form]
            form = others[int(self.rng.integers(len(others)))] if others else form
        elif u[0] < 0.45:
            form = ""
        typo = bool(u[1] < self.rates.typo)
        if typo:
            words = base.split(" ")
            i = int(self.rng.integers(len(words)))
            words[i] = make_typo(words[i], self.rng)
            base = " ".join(words)
        name = f"{base} {form}".strip()
        return (fold_ascii(name).upper() if self.styles[agency] == "upper_ascii" else name), typo

    def _company(self, agency: str, c: dict) -> None:
        name, typo = self.company_name(agency, c)
        reg = c["registration_number"] if self.chance(0.6) else None
        born = c["incorporation_date"] if self.chance(0.4) else None
        offshore = c["kind"] == "shell" and self.agencies.kind[agency] == "fiu" and \
            self.chance(0.5)
        props = {"name": name, "jurisdiction": iso2(c["country"]), "registrationNumber": reg,
                 "incorporationDate": born, "topics": "corp.offshore" if offshore else None}
        self.add_row(agency, "Company", c["company_id"], props, group_id=c["group_id"],
                  role=c["kind"], typo=typo, name=name, country=c["country"],
                  registration_number=reg, topics="corp.offshore" if offshore else None)

    def _vessel(self, agency: str, v: dict) -> None:
        name = v["name"]
        typo = self.chance(self.rates.typo)
        if typo:
            name = make_typo(name, self.rng)
        name = name.upper() if self.chance(0.6) else name
        name = f"M/V {name}" if self.chance(0.2) else name
        imo = v["imo"] if self.chance(0.8) else None
        props = {"name": name, "imoNumber": imo, "flag": iso2(v["flag"]),
                 "type": v["vessel_type"], "buildDate": str(v["build_year"])}
        self.add_row(agency, "Vessel", v["vessel_id"], props, group_id=v["group_id"],
                  role="vessel", typo=typo, name=name, imo_number=imo, flag=v["flag"])

    def _account(self, agency: str, x: dict) -> None:
        props = {"accountNumber": x["number"], "bankName": x["bank_name"],
                 "country": iso2(x["country"])}
        self.add_row(agency, "BankAccount", x["account_id"], props, group_id=x["group_id"],
                  role=x["role"], name=x["number"], country=x["country"],
                  account_number=x["number"], bank_name=x["bank_name"])
