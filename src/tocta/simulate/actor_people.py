"""The people of the actor world: members and officials, their names, and planted homonyms.

Names are drawn per nationality from the pools in ``names`` and kept distinct (a colliding
draw is redrawn up to ``REDRAWS`` times). Then ``homonym_rate`` of all people are made to share
a full name with someone else: half of the pairs are two members of the same name pool, half a
member and an uninvolved namesake (``role`` "none", no group) who appears in one agency's
records. The name a pair shares is chosen with probability proportional to its frequency, so
homonyms carry common names (Mohammed Ali, Nguyen Van Hung), and ``HOMONYM_SAME_YEAR`` of the
pairs were born in the same year.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np

from tocta.reference.countries import get_country
from tocta.simulate.actor_holdings import city_names, lexicon
from tocta.simulate.context import ActorContext
from tocta.simulate.name_variants import TrueName
from tocta.simulate.names import NameBook, draw_parts, feminine_family

AGES = {"organizer": (35, 65), "financier": (30, 65), "broker": (28, 60),
        "transporter": (22, 55), "courier": (18, 45), "official": (35, 65)}
FEMALE = {"courier": 0.3, "transporter": 0.1}  # every other role: 0.15
HOMONYM_SAME_YEAR = 0.3
REDRAWS = 30
NAME_KEYS = ("given_i", "middle_i", "family_i", "family2_i")


def _roles(n: int) -> list[str]:
    lead = ["organizer"] * (1 + (n >= 16)) + ["financier"] * (1 + (n >= 20))
    lead += ["broker"] * max(1, n // 8)
    rest = max(0, n - len(lead))
    transporters = round(0.35 * rest)
    return lead + ["transporter"] * transporters + ["courier"] * (rest - transporters)


def _pick(items: Sequence[str], rng: np.random.Generator) -> str:
    return items[int(rng.integers(len(items)))]


def _residence(role: str, g: dict, legs: list[tuple[str, str]], rng: np.random.Generator
               ) -> str:
    if role in ("organizer", "financier"):
        return str(g["home_country"]) if rng.random() < 0.8 else _pick(g["countries"], rng)
    if role == "broker":
        return _pick([c for c in g["countries"] if c != g["home_country"]] or g["countries"], rng)
    leg = legs[int(rng.integers(len(legs)))] if legs else (g["home_country"],) * 2
    return leg[0] if role == "transporter" or rng.random() < 0.5 else leg[1]


def _birth_date(role: str, ref_year: int, rng: np.random.Generator) -> str:
    lo, hi = AGES.get(role, (18, 75))
    year = ref_year - int(rng.integers(lo, hi + 1))
    return (dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(365)))).isoformat()


def _person(role: str, group: str | None, residence: str, nationality: str, ref_year: int,
            rng: np.random.Generator) -> dict:
    female = rng.random() < FEMALE.get(role, 0.15)
    return {"group_id": group, "role": role, "is_pep": role == "official",
            "gender": "female" if female else "male", "nationality": nationality,
            "residence": residence, "birth_date": _birth_date(role, ref_year, rng),
            "passport": f"{get_country(nationality).iso2}{int(rng.integers(10**6, 10**7))}",
            "national_id": str(int(rng.integers(10**8, 10**9))), "position": None}


def cast_people(ctx: ActorContext, groups: list[dict], group_legs: dict[str, list],
                rng: np.random.Generator) -> list[dict]:
    """Members and linked officials of every group (names come from ``name_people``)."""
    p = ctx.actors
    ref_year = max(ctx.years)
    people: list[dict] = []
    n_pep = round(p.pep_share * len(groups))
    pep_groups = set(rng.choice(len(groups), size=n_pep, replace=False).tolist()) \
        if n_pep else set()
    positions = list(lexicon()["pep_positions"])
    for gi, g in enumerate(groups):
        n = int(rng.integers(p.members_per_group[0], p.members_per_group[1] + 1))
        for role in _roles(n):
            home = _residence(role, g, group_legs.get(g["group_id"], []), rng)
            nat = home if rng.random() < 0.75 else str(g["home_country"])
            people.append(_person(role, g["group_id"], home, nat, ref_year, rng))
        if gi in pep_groups:
            where = _pick(g["countries"], rng)
            official = _person("official", g["group_id"], where, where, ref_year, rng)
            official["position"] = _pick(positions, rng).format(
                city=_pick(city_names(where), rng))
            people.append(official)
    for i, person in enumerate(people):
        person["person_id"] = f"P{i + 1:06d}"
    return people


def true_name(person: dict, book: NameBook) -> TrueName:
    """The ``TrueName`` of a person row (pool and part indices)."""
    pool = book.pools[person["pool"]]
    male = person["gender"] == "male"
    middle_list = {"father": "given_male", "second_family": "family",
                   "list": "middle_male" if male else "middle_female"}.get(pool.middle)
    given = pool.lists["given_male" if male else "given_female"][person["given_i"]]
    middle = pool.lists[middle_list][person["middle_i"]] \
        if middle_list and pool.middle != "second_family" and person["middle_i"] >= 0 else None
    family2 = pool.lists["family"][person["family2_i"]] if person["family2_i"] >= 0 else None
    return TrueName(pool.key, person["gender"], given, pool.lists["family"][person["family_i"]],
                    middle, family2)


def _render(person: dict, book: NameBook) -> None:
    """Set the canonical name columns from the part indices."""
    name = true_name(person, book)
    pool = book.pools[name.pool]
    fem = name.gender == "female"
    fams = [f.canonical for f in (name.family, name.family2) if f is not None]
    last = " ".join(feminine_family(f, pool.feminine) if fem else f for f in fams)
    middle = name.middle.canonical if name.middle else None
    first = name.given.canonical
    seq = [first, middle, last] if pool.order == "given_family" else [last, middle, first]
    person.update(first_name=first, middle_name=middle, last_name=last,
                  full_name=" ".join(s for s in seq if s))


def _draw(person: dict, book: NameBook, rng: np.random.Generator) -> None:
    pool = book.pool_for(person["nationality"])
    male = person["gender"] == "male"
    person["pool"] = pool.key
    person["given_i"] = int(draw_parts(pool, "given_male" if male else "given_female", 1, rng)[0])
    person["family_i"] = int(draw_parts(pool, "family", 1, rng)[0])
    person["middle_i"] = person["family2_i"] = -1
    if pool.middle == "father":
        person["middle_i"] = int(draw_parts(pool, "given_male", 1, rng)[0])
    elif pool.middle == "list":
        which = "middle_male" if male else "middle_female"
        person["middle_i"] = int(draw_parts(pool, which, 1, rng)[0])
    elif pool.middle == "second_family":
        person["family2_i"] = int(draw_parts(pool, "family", 1, rng)[0])
    _render(person, book)


def name_people(people: list[dict], book: NameBook, rng: np.random.Generator) -> None:
    """Give every person a distinct name from their nationality's pool (in place)."""
    seen: set[str] = set()
    for person in people:
        for _ in range(REDRAWS):
            _draw(person, book, rng)
            if person["full_name"] not in seen:
                break
        seen.add(person["full_name"])


def _frequency(person: dict, book: NameBook) -> float:
    name = true_name(person, book)
    return name.given.weight * name.family.weight


def plant_homonyms(people: list[dict], rate: float, ref_year: int, book: NameBook,
                   rng: np.random.Generator) -> list[dict]:
    """Make ``rate`` of all people share a full name; returns people plus namesakes."""
    n = len(people)
    pairs = round(rate * n / (2 - rate / 2)) if rate > 0 else 0
    namesakes, twins = (pairs + 1) // 2, pairs // 2
    weights = np.array([_frequency(p, book) for p in people])
    order = rng.choice(n, size=min(n, 2 * pairs), replace=False, p=weights / weights.sum())
    used = {int(i) for i in order}
    sources = [people[int(i)] for i in order]
    out = list(people)
    for k, source in enumerate(sources[: namesakes + twins]):
        if k < namesakes:
            other = _person("none", None, source["residence"], source["nationality"],
                            ref_year, rng)
            other["person_id"] = f"P{len(out) + 1:06d}"
            out.append(other)
        else:
            same_pool = [i for i, p in enumerate(people) if i not in used
                         and p["pool"] == source["pool"]]
            if not same_pool:
                continue
            other = people[same_pool[int(rng.integers(len(same_pool)))]]
            used.add(people.index(other))
        other["gender"] = source["gender"]
        for key in ("pool", *NAME_KEYS):
            other[key] = source[key]
        _render(other, book)
        if rng.random() < HOMONYM_SAME_YEAR:
            born = dt.date.fromisoformat(other["birth_date"])
            other["birth_date"] = dt.date(int(source["birth_date"][:4]), born.month,
                                          min(born.day, 28)).isoformat()
    counts: dict[str, list[str]] = {}
    for p in out:
        counts.setdefault(p["full_name"], []).append(p["person_id"])
    for p in out:
        others = [q for q in counts[p["full_name"]] if q != p["person_id"]]
        p["homonym"] = bool(others)
        p["homonym_of"] = ";".join(others) or None
    return out
