"""Which agencies hold a record of which person, company, vessel, account and group.

A person appears in ``agencies_per_person`` agencies (uniform in the range), chosen among the
agencies of the countries the person touches (residence, nationality, the group's legs), with
weights by role and agency kind (couriers to police and customs, financiers to FIUs), and
twice the weight in the country of residence; when those are too few, any agency. Account
holders among members are always known to their account country's FIU (so that the FIU can
name its customers). Uninvolved namesakes appear in exactly one agency of their country.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import polars as pl

KIND_WEIGHTS = {
    "courier": {"police": 3.0, "customs": 3.0, "fiu": 0.5},
    "transporter": {"police": 3.0, "customs": 3.0, "fiu": 0.5},
    "organizer": {"police": 3.0, "customs": 1.0, "fiu": 2.0},
    "broker": {"police": 3.0, "customs": 1.0, "fiu": 2.0},
    "financier": {"police": 2.0, "customs": 0.5, "fiu": 3.0},
    "official": {"police": 1.0, "customs": 1.0, "fiu": 3.0},
    "none": {"police": 1.0, "customs": 1.0, "fiu": 1.0},
}


@dataclass(frozen=True)
class AgencyBook:
    """The world's agencies in a fixed order, with lookups by country and kind."""

    ids: tuple[str, ...]
    country: dict[str, str]
    kind: dict[str, str]
    by_country: dict[str, tuple[str, ...]]

    @classmethod
    def from_frame(cls, agencies: pl.DataFrame) -> AgencyBook:
        rows = sorted(agencies.select("agency", "country", "kind").iter_rows())
        by_country: dict[str, list[str]] = {}
        for agency, country, _ in rows:
            by_country.setdefault(country, []).append(agency)
        return cls(tuple(r[0] for r in rows), {r[0]: r[1] for r in rows},
                   {r[0]: r[2] for r in rows}, {k: tuple(v) for k, v in by_country.items()})

    def reporter(self, country: str) -> str | None:
        """The agency that reports money transfers of ``country``: its FIU, else its police."""
        here = self.by_country.get(country, ())
        for kind in ("fiu", "police"):
            found = [a for a in here if self.kind[a] == kind]
            if found:
                return found[0]
        return None

    def of_kinds(self, countries: list[str], kinds: tuple[str, ...]) -> list[str]:
        return [a for c in countries for a in self.by_country.get(c, ())
                if self.kind[a] in kinds]


def _weighted_pick(candidates: list[str], weights: list[float], k: int,
                   rng: np.random.Generator) -> list[str]:
    if k <= 0 or not candidates:
        return []
    w = np.array(weights, dtype=float)
    k = min(k, int((w > 0).sum()))
    if k == 0:
        return []
    idx = rng.choice(len(candidates), size=k, replace=False, p=w / w.sum())
    return [candidates[int(i)] for i in idx]


def assign_people(people: pl.DataFrame, groups: dict[str, dict], holders: dict[str, list[str]],
                  agencies: AgencyBook, span: tuple[int, int], rng: np.random.Generator
                  ) -> list[tuple[str, str]]:
    """``(agency, person_id)`` pairs: who holds a record of whom."""
    pairs: list[tuple[str, str]] = []
    for p in people.iter_rows(named=True):
        role, pid = p["role"], p["person_id"]
        if role == "none":
            here = list(agencies.by_country.get(p["residence"], ())) or list(agencies.ids)
            pairs.append((here[int(rng.integers(len(here)))], pid))
            continue
        k = int(rng.integers(span[0], span[1] + 1))
        chosen = [a for a in (agencies.reporter(c) for c in holders.get(pid, [])) if a]
        chosen = list(dict.fromkeys(chosen))[:max(k, 1)]
        near = [p["residence"], p["nationality"], *groups[p["group_id"]]["countries"]]
        near = list(dict.fromkeys(near))
        cands = [a for a in agencies.of_kinds(near, ("police", "customs", "fiu"))
                 if a not in chosen]
        weights = [KIND_WEIGHTS[role][agencies.kind[a]]
                   * (2.0 if agencies.country[a] == p["residence"] else 1.0) for a in cands]
        chosen += _weighted_pick(cands, weights, k - len(chosen), rng)
        if len(chosen) < k:
            rest = [a for a in agencies.ids if a not in chosen]
            chosen += _weighted_pick(rest, [1.0] * len(rest), k - len(chosen), rng)
        pairs += [(a, pid) for a in chosen]
    return pairs


def assign_things(things: Sequence[tuple[str, list[str], tuple[str, ...]]], agencies: AgencyBook,
                  span: tuple[int, int], rng: np.random.Generator) -> list[tuple[str, str]]:
    """``(agency, id)`` pairs for companies and vessels.

    Args:
        things: ``(id, countries, kinds)``: the first country's FIU (when ``fiu`` is among the
            kinds) always knows the thing; others are drawn among the countries' agencies.
        agencies: the agency book.
        span: how many agencies hold each thing (inclusive range).
        rng: generator.
    """
    pairs: list[tuple[str, str]] = []
    for thing_id, countries, kinds in things:
        k = int(rng.integers(span[0], span[1] + 1))
        chosen: list[str] = []
        if "fiu" in kinds and countries:
            first = agencies.reporter(countries[0])
            chosen = [first] if first else []
        cands = [a for a in agencies.of_kinds(list(dict.fromkeys(countries)), kinds)
                 if a not in chosen]
        chosen += _weighted_pick(cands, [1.0] * len(cands), k - len(chosen), rng)
        pairs += [(a, thing_id) for a in chosen]
    return pairs
