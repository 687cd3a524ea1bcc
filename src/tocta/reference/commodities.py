"""The commodity codelist and commodity-name resolution.

Commodities are declared once, in ``data/commodities.yaml``, and loaded into frozen
dataclasses. Names from agency files ("cocaína", '"Crack" cocaine', "Cannabis herb
(marijuana)") resolve to a commodity id through ids, labels, synonyms and the UNODC World Drug
Report names in ``data/unodc_drug_map.csv``; a fuzzy match is only accepted when it is both
close and clearly better than the runner-up, and it is flagged. Nothing is guessed silently.
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

from normality import normalize
from rapidfuzz import fuzz, process

from tocta.errors import ConfigError, NotFoundError
from tocta.yamlio import load_yaml

CANONICAL_UNITS = ("kg", "persons", "heads", "m3", "units")
UNODC_BASES = ("exact", "synonym", "subgroup_fallback", "group_fallback")
# Fuzzy matching: a score of 0-100 (rapidfuzz token_sort_ratio) must reach FUZZY_THRESHOLD and
# beat the best other commodity by FUZZY_MARGIN; short strings never match fuzzily because one
# edit changes their meaning ("ice" vs "rice").
FUZZY_THRESHOLD = 86.0
FUZZY_MARGIN = 4.0
FUZZY_MIN_LENGTH = 4
_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
# ICCS codes have 2 (section), 4 (division), 5 (group) or 6 (class) digits; an unquoted YAML
# number such as 0601 would lose its leading zero and fail here.
_ICCS_PATTERN = re.compile(r"^\d{2}(?:\d{2}\d{0,2})?$")
_PARENS = re.compile(r"\(([^()]*)\)")
# Words about the form of a seizure, not the commodity: "tramadol tablets" is tramadol.
_FORM_WORDS = frozenset(
    ["tablet", "tablets", "pill", "pills", "powder", "capsule", "capsules", "leaf", "leaves",
     "liquid", "seized"]
)


@dataclass(frozen=True)
class Commodity:
    """One commodity of the codelist (see ``data/commodities.yaml``)."""

    id: str
    label: str
    description: str
    group: str
    family: str
    canonical_unit: str
    iccs: str | None
    synonyms: tuple[str, ...]
    parent: str | None = None
    alt_units: tuple[str, ...] = ()

    @property
    def units(self) -> tuple[str, ...]:
        """Canonical units this commodity may be counted in, the main one first."""
        return (self.canonical_unit, *self.alt_units)


@dataclass(frozen=True)
class CommodityMatch:
    """How a raw name resolved.

    ``issue`` is None, ``commodity_fuzzy_match`` (a warning: ``id`` is given) or
    ``unknown_commodity`` (``id`` is None).
    """

    raw: str
    id: str | None
    score: float
    method: str
    issue: str | None


@dataclass(frozen=True)
class UnodcMapping:
    """One UNODC (group, subgroup, drug) triple and the commodity it maps to."""

    drug_group: str
    drug_subgroup: str
    drug: str
    commodity: str
    basis: str
    is_total: bool


@dataclass(frozen=True)
class _Codelist:
    commodities: dict[str, Commodity]
    index: dict[str, tuple[str, str]]  # normalised name -> (commodity id, method)
    unodc_groups: dict[str, str]
    unodc_subgroups: dict[str, str]
    generic_names: frozenset[str]
    unodc_group_names: tuple[str, ...]


def normalize_key(text: Any) -> str:
    """Fold a name for matching: lower case, ASCII, punctuation to spaces, spaces collapsed."""
    if not isinstance(text, str):
        return ""
    try:
        return normalize(text, lowercase=True, ascii=True) or ""
    except (UnicodeError, ValueError):
        return ""


def _read_data(name: str) -> str:
    return resources.files("tocta.reference").joinpath("data", name).read_text(encoding="utf-8")


@functools.cache
def _codelist() -> _Codelist:
    raw = load_yaml(_read_data("commodities.yaml"))
    groups: dict[str, dict[str, Any]] = raw["groups"]
    problems: list[str] = []
    commodities: dict[str, Commodity] = {}
    for row in raw["commodities"]:
        cid = row.get("id", "")
        group = groups.get(row.get("group", ""))
        if not _ID_PATTERN.match(cid) or cid in commodities:
            problems.append(f"commodities: id {cid!r} is not snake_case or is repeated")
            continue
        if group is None:
            problems.append(f"{cid}: unknown group {row.get('group')!r}")
            continue
        iccs = str(row.get("iccs", group.get("iccs", ""))) or None
        description = row.get("description", "").strip()
        if iccs is None and group.get("iccs_note"):
            description = f"{description} ICCS: {group['iccs_note']}"
        commodities[cid] = Commodity(
            id=cid,
            label=str(row.get("label") or ""),
            description=description,
            group=row["group"],
            family=group["family"],
            canonical_unit=row.get("canonical_unit", group["canonical_unit"]),
            iccs=iccs,
            synonyms=tuple(str(s) for s in row.get("synonyms") or ()),
            parent=row.get("parent"),
            alt_units=tuple(row.get("alt_units") or ()),
        )
    problems += _check(commodities, groups, raw.get("families", {}))
    index: dict[str, tuple[str, str]] = {}
    for c in commodities.values():
        names = [(c.id.replace("_", " "), "id"), (c.label, "label")]
        names += [(s, "synonym") for s in c.synonyms]
        for name, method in names:
            key = normalize_key(name)
            if not key:
                problems.append(f"{c.id}: name {name!r} is empty once normalised")
                continue
            owner = index.setdefault(key, (c.id, method))[0]
            if owner != c.id:
                problems.append(f"{c.id}: name {name!r} already belongs to {owner}")
    unodc_groups = {normalize_key(k): v for k, v in raw["unodc_groups"].items()}
    unodc_subgroups = {normalize_key(k): v for k, v in raw["unodc_subgroups"].items()}
    for target in {*unodc_groups.values(), *unodc_subgroups.values()} - commodities.keys():
        problems.append(f"unodc_groups/unodc_subgroups: unknown commodity {target!r}")
    if problems:
        raise ConfigError("commodities.yaml is invalid", problems)
    generic = frozenset(normalize_key(n) for n in raw.get("unodc_generic_names", ()))
    return _Codelist(commodities, index, unodc_groups, unodc_subgroups, generic,
                     tuple(raw["unodc_groups"]))


def _check(
    commodities: dict[str, Commodity], groups: dict[str, dict[str, Any]], families: dict[str, str]
) -> list[str]:
    problems = [f"group {g}: unknown family {v.get('family')!r}"
                for g, v in groups.items() if v.get("family") not in families]
    problems += [f"group {g}: no root commodity with id {g!r}"
                 for g in groups if g not in commodities]
    for c in commodities.values():
        if not c.label or not c.description:
            problems.append(f"{c.id}: label and description are required")
        if c.iccs is not None and not _ICCS_PATTERN.match(c.iccs):
            problems.append(f"{c.id}: ICCS code {c.iccs!r} is not 2, 4, 5 or 6 digits")
        for unit in c.units:
            if unit not in CANONICAL_UNITS:
                problems.append(f"{c.id}: canonical unit {unit!r} not in {CANONICAL_UNITS}")
        seen, node = {c.id}, c.parent
        while node is not None:
            if node not in commodities or node in seen:
                problems.append(f"{c.id}: parent chain broken or cyclic at {node!r}")
                break
            seen.add(node)
            node = commodities[node].parent
    return problems


def all_commodities() -> tuple[Commodity, ...]:
    """Every commodity, in codelist order."""
    return tuple(_codelist().commodities.values())


def commodity_ids() -> tuple[str, ...]:
    """Every commodity id, in codelist order."""
    return tuple(_codelist().commodities)


def get_commodity(commodity_id: str) -> Commodity:
    """Return the commodity with this id.

    Raises:
        NotFoundError: the id is unknown; the message names the closest ids.
    """
    commodities = _codelist().commodities
    if commodity_id in commodities:
        return commodities[commodity_id]
    close = process.extract(str(commodity_id), list(commodities), scorer=fuzz.ratio, limit=3)
    hint = ", ".join(c for c, _, _ in close)
    raise NotFoundError(f"unknown commodity {commodity_id!r}; closest: {hint}")


def ancestors(commodity_id: str) -> tuple[str, ...]:
    """The commodity id followed by its parents up to the root, e.g. crack -> cocaine_type."""
    chain: list[str] = []
    node: str | None = commodity_id
    while node is not None:
        chain.append(node)
        node = get_commodity(node).parent
    return tuple(chain)


def _variants(name: str) -> list[str]:
    """The name without parenthetical parts, each part in parentheses, then without form words."""
    outer = _PARENS.sub(" ", name)
    inner = [p for group in _PARENS.findall(name) for p in re.split(r"[,;]", group)]
    bare = " ".join(w for w in normalize_key(outer).split() if w not in _FORM_WORDS)
    return [outer, *inner, bare]


def _exact(key: str) -> tuple[str, str] | None:
    return _codelist().index.get(key) or _unodc_names().get(key)


@functools.lru_cache(maxsize=65536)
def resolve_commodity(name: str) -> CommodityMatch:
    """Resolve a raw commodity name to a commodity id. Never raises.

    Tries, in order: exact ids, labels and synonyms (case, accent and punctuation
    insensitive); UNODC drug, sub-group and group names; the name without its parenthetical
    parts and each part in parentheses; finally a fuzzy match, accepted only above
    ``FUZZY_THRESHOLD`` and ``FUZZY_MARGIN`` points ahead of any other commodity.
    """
    key = normalize_key(name)
    raw = name if isinstance(name, str) else str(name)
    if not key:
        return CommodityMatch(raw, None, 0.0, "none", "unknown_commodity")
    hit = _exact(key)
    if hit is None:
        for variant in _variants(raw):
            hit = _exact(normalize_key(variant))
            if hit is not None:
                hit = (hit[0], "variant")
                break
    if hit is not None:
        return CommodityMatch(raw, hit[0], 1.0, hit[1], None)
    return _fuzzy(raw, key)


def _fuzzy(raw: str, key: str) -> CommodityMatch:
    if len(key) < FUZZY_MIN_LENGTH:
        return CommodityMatch(raw, None, 0.0, "none", "unknown_commodity")
    choices = _choices()
    best: dict[str, float] = {}
    for _, score, i in process.extract(key, choices[0], scorer=fuzz.token_sort_ratio, limit=10):
        best.setdefault(choices[1][i], score)
    ranked = sorted(best.items(), key=lambda item: -item[1])
    if not ranked:
        return CommodityMatch(raw, None, 0.0, "none", "unknown_commodity")
    top_id, top = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top >= FUZZY_THRESHOLD and top - runner_up >= FUZZY_MARGIN:
        return CommodityMatch(raw, top_id, top / 100.0, "fuzzy", "commodity_fuzzy_match")
    return CommodityMatch(raw, None, top / 100.0, "none", "unknown_commodity")


@functools.cache
def _choices() -> tuple[list[str], list[str]]:
    names = {**_unodc_names(), **_codelist().index}
    keys = [k for k in names if k]
    return keys, [names[k][0] for k in keys]


def resolve_commodities(names: Iterable[str]) -> dict[str, CommodityMatch]:
    """Resolve many raw names, each distinct value once (results are cached)."""
    return {name: resolve_commodity(name) for name in dict.fromkeys(names)}


# --------------------------------------------------------------------------- UNODC names


@functools.cache
def _unodc_rows() -> tuple[UnodcMapping, ...]:
    rows = []
    for row in csv.DictReader(_read_data("unodc_drug_map.csv").splitlines()):
        m = UnodcMapping(row["drug_group"], row["drug_subgroup"], row["drug"], row["commodity"],
                         row["basis"], row["is_total"] == "true")
        get_commodity(m.commodity)  # a stale map fails loudly, naming the bad id
        rows.append(m)
    return tuple(rows)


@functools.cache
def _unodc_table() -> dict[tuple[str, str, str], UnodcMapping]:
    # Spellings that differ only in quotes or case ("Ecstasy" vs “Ecstasy”) share one key.
    return {_triple_key(m.drug_group, m.drug_subgroup, m.drug): m for m in _unodc_rows()}


@functools.cache
def _unodc_names() -> dict[str, tuple[str, str]]:
    """UNODC drug, sub-group and group names that name exactly one commodity."""
    seen: dict[str, set[str]] = {}
    codelist = _codelist()
    for key, cid in [*codelist.unodc_groups.items(), *codelist.unodc_subgroups.items()]:
        seen.setdefault(key, set()).add(cid)
    for m in _unodc_rows():
        seen.setdefault(normalize_key(m.drug), set()).add(m.commodity)
    return {k: (next(iter(v)), "unodc") for k, v in seen.items() if len(v) == 1}


def _triple_key(group: str, subgroup: str | None, drug: str) -> tuple[str, str, str]:
    return normalize_key(group), normalize_key(subgroup or ""), normalize_key(drug)


def _is_total(subgroup: str, drug: str) -> bool:
    return subgroup.startswith("reported total") or drug.startswith("total ") or (
        "total of the above" in drug
    )


def classify_unodc_drug(group: str, subgroup: str | None, drug: str) -> UnodcMapping:
    """Derive the commodity of a UNODC (group, subgroup, drug) triple from the codelist rules.

    The drug name (or a variant of it without parentheses) is matched against ids and labels
    ("exact") or synonyms ("synonym"); generic names such as "Other drugs/substances" and
    names that match nothing fall back to the sub-group, then to the group. This is how
    ``data/unodc_drug_map.csv`` is generated; ingest should call ``unodc_drug_commodity``.

    Raises:
        NotFoundError: neither the drug, the sub-group nor the group is known.
    """
    codelist = _codelist()
    g, s, d = _triple_key(group, subgroup, drug)
    is_total = _is_total(s, d)
    if d not in codelist.generic_names:
        for variant in [d, *(normalize_key(v) for v in _variants(drug))]:
            hit = codelist.index.get(variant)
            if hit is not None:
                basis = "synonym" if hit[1] == "synonym" else "exact"
                return UnodcMapping(group, subgroup or "", drug, hit[0], basis, is_total)
    if s in codelist.unodc_subgroups:
        return UnodcMapping(group, subgroup or "", drug, codelist.unodc_subgroups[s],
                            "subgroup_fallback", is_total)
    if g in codelist.unodc_groups:
        return UnodcMapping(group, subgroup or "", drug, codelist.unodc_groups[g],
                            "group_fallback", is_total)
    known = ", ".join(codelist.unodc_group_names)
    raise NotFoundError(f"UNODC drug {drug!r}: unknown drug group {group!r}; known: {known}")


def unodc_drug_commodity(group: str, subgroup: str | None, drug: str) -> tuple[str, bool]:
    """Commodity id of a UNODC World Drug Report row, and whether the row is an aggregate.

    ``is_total`` marks "Reported total ..." rows and "Total ..."/"(total of the above)" drugs,
    which sum other rows of the same table: ingest must not add them to their parts.

    Raises:
        NotFoundError: the triple is not in the reviewed map and its group is unknown.
    """
    mapping = _unodc_table().get(_triple_key(group, subgroup, drug))
    if mapping is None:
        mapping = classify_unodc_drug(group, subgroup, drug)
    return mapping.commodity, mapping.is_total


def unodc_mappings() -> tuple[UnodcMapping, ...]:
    """Every row of the reviewed UNODC drug map, in file order."""
    return _unodc_rows()
