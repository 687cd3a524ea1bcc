"""Name pools for synthetic people: per-nationality given and family names with frequencies.

The pools live in ``data/name_pools.yaml`` (illustrative frequency lists written for tocta,
not real persons; see docs/simulator-actors.md). Each name part keeps its canonical Latin
spelling and its alternates (other romanizations, Arabic, Cyrillic or Han renderings), which
``spelling`` uses to write the same person differently in different agencies' records.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from importlib.resources import files

import numpy as np

from tocta.errors import ConfigError, NotFoundError
from tocta.reference.countries import get_country
from tocta.yamlio import load_yaml

ORDERS = ("given_family", "family_given")
MIDDLES = ("none", "father", "second_family", "list")
LISTS = ("given_male", "given_female", "family", "middle_male", "middle_female")


@dataclass(frozen=True)
class NamePart:
    """One name with its alternates; ``weight`` is its relative frequency in its list."""

    canonical: str
    alternates: tuple[str, ...]
    weight: float


@dataclass(frozen=True)
class NamePool:
    """The names of one language area, with the countries whose nationals draw from it."""

    key: str
    label: str
    countries: tuple[str, ...]
    order: str
    middle: str
    feminine: str
    lists: dict[str, tuple[NamePart, ...]]
    streets: tuple[str, ...]

    def probabilities(self, which: str) -> np.ndarray:
        """Draw probabilities of the list ``which`` (they sum to 1)."""
        w = np.array([p.weight for p in self.lists[which]], dtype=float)
        return w / w.sum()


@dataclass(frozen=True)
class NameBook:
    """All pools, the country fallbacks and the Latin→Cyrillic table."""

    pools: dict[str, NamePool]
    by_country: dict[str, str]
    fallback: dict[str, str]
    default: str
    cyrillic_countries: frozenset[str]
    arabic_script_countries: frozenset[str]
    latin_to_cyrillic: tuple[tuple[str, str], ...]  # longest key first

    def pool_for(self, iso3: str) -> NamePool:
        """The pool for nationals of ``iso3`` (listed, else by M49 area, else the default)."""
        key = self.by_country.get(iso3)
        if key is None:
            try:
                c = get_country(iso3)
                codes = [c.intermediate_code, c.subregion_code, c.region_code]
            except NotFoundError:
                codes = []
            key = next((self.fallback[k] for k in codes if k in self.fallback), self.default)
        return self.pools[key]


def _parse_list(where: str, text: str, zipf: float, problems: list[str]) -> tuple[NamePart, ...]:
    entries = [e.strip() for e in str(text).split(",") if e.strip()]
    parts: list[NamePart] = []
    weighted = [" @" in e for e in entries]
    if any(weighted) and not all(weighted):
        problems.append(f"{where}: give a weight (@w) for every entry or for none")
        return ()
    for rank, entry in enumerate(entries, start=1):
        body, _, weight = entry.partition(" @")
        names = list(dict.fromkeys(n.strip() for n in body.split("|") if n.strip()))
        w = float(weight) if weight else 1.0 / rank**zipf
        parts.append(NamePart(names[0], tuple(names[1:]), w))
    if not parts:
        problems.append(f"{where}: empty list")
    return tuple(parts)


@functools.cache
def load_name_book() -> NameBook:
    """Load and check ``name_pools.yaml`` (cached).

    Raises:
        ConfigError: listing every problem in the file.
    """
    raw = load_yaml(files("tocta.simulate").joinpath("data", "name_pools.yaml")
                    .read_text(encoding="utf-8"))
    problems: list[str] = []
    pools: dict[str, NamePool] = {}
    by_country: dict[str, str] = {}
    for key, p in raw["pools"].items():
        where = f"name_pools.yaml: pools.{key}"
        if p.get("order") not in ORDERS or p.get("middle") not in MIDDLES:
            problems.append(f"{where}: order must be one of {ORDERS}, middle one of {MIDDLES}")
        zipf = float(p.get("zipf", 1.0))
        lists = {n: _parse_list(f"{where}.{n}", p[n], zipf, problems) for n in LISTS if n in p}
        needed = ["given_male", "given_female", "family"]
        needed += ["middle_male", "middle_female"] if p.get("middle") == "list" else []
        problems += [f"{where}: missing {n}" for n in needed if n not in lists]
        for iso3 in p.get("countries", []):
            if iso3 in by_country:
                problems.append(f"{where}: {iso3} is already in pool {by_country[iso3]}")
            by_country[iso3] = key
        streets = tuple(s.split("|")[0] for s in p.get("streets", ["{n} Main Street"]))
        pools[key] = NamePool(key, str(p.get("label", key)), tuple(p.get("countries", [])),
                              str(p.get("order")), str(p.get("middle")),
                              str(p.get("feminine", "none")), lists, streets)
    fallback = {str(k): str(v) for k, v in raw.get("fallback", {}).items()}
    for target in [*fallback.values(), raw.get("default")]:
        if target not in pools:
            problems.append(f"name_pools.yaml: unknown pool {target!r} in fallback/default")
    if problems:
        raise ConfigError("name_pools.yaml is not valid:", problems)
    table = sorted(((str(k), str(v)) for k, v in raw["latin_to_cyrillic"].items()),
                   key=lambda kv: (-len(kv[0]), kv[0]))
    return NameBook(pools, by_country, fallback, str(raw["default"]),
                    frozenset(raw.get("cyrillic_countries", [])),
                    frozenset(raw.get("arabic_script_countries", [])), tuple(table))


def script_of(text: str) -> str:
    """The script of ``text``: latin, cyrillic, arabic or han (by its first letter)."""
    for ch in text:
        if not ch.isalpha():
            continue
        name = unicodedata.name(ch, "")
        for script, marker in (("cyrillic", "CYRILLIC"), ("arabic", "ARABIC"),
                               ("han", "CJK")):
            if marker in name:
                return script
        return "latin"
    return "latin"


def feminine_family(name: str, rule: str) -> str:
    """The feminine form of a family name under ``rule`` (slavic: Ivanov → Ivanova)."""
    if rule != "slavic":
        return name
    for male, female in (("ский", "ская"), ("skiy", "skaya"), ("sky", "skaya")):
        if name.endswith(male):
            return name[: -len(male)] + female
    if name.endswith(("ov", "ev", "in", "yn", "ёв", "ов", "ев", "ин")):
        return name + ("а" if script_of(name) == "cyrillic" else "a")
    return name


def draw_parts(pool: NamePool, which: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``n`` indices into ``pool.lists[which]`` by frequency."""
    return rng.choice(len(pool.lists[which]), size=n, p=pool.probabilities(which))
