"""Units of reported quantities and their conversion to canonical units.

Units are data (``data/units.yaml``). ``parse_unit`` reads what agencies write ("kg",
"1,000 tablets", "10 g", "Libra (Dominican Rep)"); ``conversion_for`` says how one reported
unit of a commodity becomes its canonical unit (kg, persons, heads, m3, units). Mass, volume and
counts convert exactly; a tablet, a litre of a drug or a kilogram of timber convert only
through a cited entry of ``data/defaults.yaml``, with its range. Anything else is an issue
(``unconvertible_unit`` or ``unit_dimension_mismatch``), never a silent guess.
"""

from __future__ import annotations

import functools
import math
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tocta.errors import ConfigError, NotFoundError
from tocta.reference.commodities import Commodity, ancestors, get_commodity
from tocta.reference.defaults import Default, get_default
from tocta.yamlio import load_yaml

DIMENSIONS = ("mass", "volume", "count", "persons", "heads", "area")
# A number in front of a unit is a multiplier: "1,000 tablets", "10 g", "per 100 mg", "x10 tabs".
_LEADING = re.compile(
    r"^(?:per\s+|x\s*)?(?P<num>\d[\d.,\s\u00a0\u202f]*)?\s*(?:x\s+)?(?P<rest>.*)$"
)
_THOUSANDS = re.compile(r"^\d{1,3}(?:[,\s\u00a0\u202f]\d{3})+(?:\.\d+)?$")
_EUROPEAN = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")


@dataclass(frozen=True)
class Unit:
    """A parsed unit: ``multiplier`` x ``symbol``; ``factor`` converts one symbol to the base unit.

    The base unit is kg for mass, l for volume, m2 for area and 1 for counts, persons and heads.
    ``uncertain`` names the defaults entry giving the range of a unit of uncertain size.
    """

    raw: str
    symbol: str
    dimension: str
    multiplier: float
    factor: float
    uncertain: str | None = None


@dataclass(frozen=True)
class UnitMatch:
    """Result of ``parse_unit``: the unit, or ``issue`` = ``unknown_unit``."""

    raw: str
    unit: Unit | None
    issue: str | None


@dataclass(frozen=True)
class Conversion:
    """How one reported unit becomes the commodity's canonical unit.

    ``factor`` is the canonical quantity per one reported unit (multiplier included), with
    ``low``/``high`` when it rests on an assumed factor. ``method`` is ``mass``, ``volume`` or
    ``count`` (exact), ``kg_equivalent`` or ``m3_equivalent`` (through the cited default named
    in ``source``), or ``none`` with an ``issue``.
    """

    factor: float | None
    low: float | None
    high: float | None
    canonical_unit: str | None
    method: str
    source: str | None
    issue: str | None


@dataclass(frozen=True)
class _Rule:
    unit: str
    kind: str
    default: str
    commodities: frozenset[str]
    families: frozenset[str]


@dataclass(frozen=True)
class _Units:
    by_name: dict[str, tuple[str, str, float, str | None]]  # key -> symbol, dim, factor, uncertain
    bases: dict[str, str]
    rules: tuple[_Rule, ...]
    head_countable: frozenset[str]
    person_countable: frozenset[str]


def unit_key(text: str) -> str:
    """Fold a unit name: lower case, no accents, µ as u, punctuation to single spaces."""
    text = text.lower().replace("µ", "u").replace("μ", "u")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


# The dimension of the reported unit that each kind of conversion rule starts from.
_RULE_DIMENSIONS = {"per_unit": "count", "density": "volume", "inverse_density": "mass"}


def _units_text() -> str:
    return resources.files("tocta.reference").joinpath("data", "units.yaml").read_text("utf-8")


@functools.cache
def _units() -> _Units:
    raw: dict[str, Any] = load_yaml(_units_text())
    problems: list[str] = []
    by_name: dict[str, tuple[str, str, float, str | None]] = {}
    for u in raw["units"]:
        if u["dimension"] not in DIMENSIONS:
            problems.append(f"unit {u['symbol']}: unknown dimension {u['dimension']!r}")
        entry = (u["symbol"], u["dimension"], float(u["factor"]), u.get("uncertain"))
        for name in [u["symbol"], *u["names"]]:
            key = unit_key(str(name))
            if by_name.setdefault(key, entry)[0] != u["symbol"]:
                owner = by_name[key][0]
                problems.append(f"unit name {name!r} is used by {owner} and {u['symbol']}")
    symbols = {e[0] for e in by_name.values()}
    rules = []
    for r in raw["conversions"]:
        rule = _Rule(r["unit"], r.get("kind", "per_unit"), r["default"],
                     frozenset(r.get("commodities", ())), frozenset(r.get("families", ())))
        found = by_name.get(unit_key(rule.unit))
        if rule.unit not in symbols or found is None:
            problems.append(f"conversion for {rule.default}: unknown unit {rule.unit!r}")
        elif _RULE_DIMENSIONS.get(rule.kind) != found[1]:
            problems.append(f"conversion for {rule.default}: a {rule.kind!r} rule cannot start "
                            f"from {rule.unit!r} ({found[1]})")
        for cid in rule.commodities:
            try:
                get_commodity(cid)
            except NotFoundError as exc:  # collect every problem before failing
                problems.append(f"conversion for {rule.default}: {exc}")
        try:
            get_default(rule.default)
        except NotFoundError as exc:
            problems.append(f"conversion rule: {exc}")
        rules.append(rule)
    if problems:
        raise ConfigError("units.yaml is invalid", problems)
    return _Units(by_name, raw["dimensions"], tuple(rules),
                  frozenset(raw["head_countable"]), frozenset(raw["person_countable"]))


def _parse_number(text: str) -> float | None:
    text = text.strip().rstrip(".,")
    if _THOUSANDS.match(text):
        text = re.sub(r"[,\s\u00a0\u202f]", "", text)
    elif _EUROPEAN.match(text):
        text = text.replace(".", "").replace(",", ".")
    elif text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")  # decimal comma: "0,5 g"
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def _lookup(rest: str) -> tuple[str, str, float, str | None] | None:
    by_name = _units().by_name
    key = unit_key(rest)
    candidates = [key, unit_key(re.sub(r"\(.*?\)", " ", rest))]
    for cand in list(candidates):
        if cand.endswith("es"):
            candidates.append(cand[:-2])
        if cand.endswith("s"):
            candidates.append(cand[:-1])
    for cand in candidates:
        if cand and cand in by_name:
            return by_name[cand]
    return None


@functools.lru_cache(maxsize=4096)
def parse_unit(raw: str) -> UnitMatch:
    """Parse a reported unit. Never raises: an unreadable unit gives ``issue="unknown_unit"``.

    Case-, space- and accent-insensitive; plural forms and a leading multiplier
    ("1,000 tablets", "10 g", "0,5 kg") are understood.
    """
    text = raw if isinstance(raw, str) else ""
    match = _LEADING.match(text.strip())
    if match is None:
        return UnitMatch(text, None, "unknown_unit")
    multiplier: float | None = 1.0
    if match.group("num"):
        multiplier = _parse_number(match.group("num"))
    found = _lookup(match.group("rest")) if multiplier is not None else None
    if found is None or multiplier is None:
        return UnitMatch(text, None, "unknown_unit")
    symbol, dimension, factor, uncertain = found
    return UnitMatch(text, Unit(text, symbol, dimension, multiplier, factor, uncertain), None)


def _ratio(default: Default) -> float:
    """Factor turning the default's numbers into base units: "g/tablet" -> 0.001, "t/m3" -> 1."""
    parts = default.unit.split("/")
    num = parse_unit(parts[0]).unit
    den = parse_unit(parts[1]).unit if len(parts) > 1 else None
    ratio = num.factor if num is not None else 1.0
    if den is not None and den.dimension == "volume":  # densities: per litre or per m3
        ratio /= den.factor
    return ratio


def _rule_for(unit: Unit, commodity: Commodity) -> _Rule | None:
    units = _units()
    key = units.bases.get(unit.dimension) if unit.dimension in ("mass", "volume") else unit.symbol
    candidates = [r for r in units.rules if r.unit == key]
    chain = [*ancestors(commodity.id), commodity.group]
    for target in chain:
        for rule in candidates:
            if target in rule.commodities:
                return rule
    return next((r for r in candidates if commodity.family in r.families), None)


def _exact(unit: Unit, commodity: Commodity) -> Conversion | None:
    quantity = unit.multiplier * unit.factor
    units = _units()
    pairs = [("mass", "kg", "mass", quantity), ("volume", "m3", "volume", quantity / 1000.0),
             ("count", "units", "count", quantity), ("persons", "persons", "count", quantity),
             ("heads", "heads", "count", quantity)]
    lenient = [("heads", unit.symbol in units.head_countable),
               ("persons", unit.symbol in units.person_countable)]
    for dimension, canonical, method, factor in pairs:
        if unit.dimension == dimension and canonical in commodity.units:
            if unit.uncertain:
                d = get_default(unit.uncertain)
                low, high = (unit.multiplier * x * _ratio(d) for x in (d.low, d.high))
                return Conversion(factor, low, high, canonical, method, d.key, None)
            return Conversion(factor, None, None, canonical, method, None, None)
    for canonical, allowed in lenient:
        if unit.dimension == "count" and allowed and canonical in commodity.units:
            return Conversion(quantity, None, None, canonical, "count", None, None)
    return None


def conversion_for(unit: Unit, commodity: Commodity) -> Conversion:
    """How one ``unit`` of ``commodity`` becomes the commodity's canonical unit.

    Exact when the unit's dimension is one the commodity is counted in; otherwise through the
    conversion rule and cited default that ``data/units.yaml`` names for the commodity (or its
    parents, group, family); otherwise an issue: ``unit_dimension_mismatch`` (persons of
    cocaine, heads of heroin, any area) or ``unconvertible_unit`` (a dose of heroin).
    """
    exact = _exact(unit, commodity)
    if exact is not None:
        return exact
    rule = _rule_for(unit, commodity)
    if rule is not None:
        d = get_default(rule.default)
        base = unit.multiplier * unit.factor  # in kg, l or counted units
        per = _ratio(d)
        if rule.kind == "inverse_density":  # kg -> m3: divide by kg per m3
            values = (base / (x * per * 1000.0) for x in (d.value, d.high, d.low))
            factor, low, high = values
            return Conversion(factor, low, high, "m3", "m3_equivalent", d.key, None)
        factor, low, high = (base * x * per for x in (d.value, d.low, d.high))
        return Conversion(factor, low, high, "kg", "kg_equivalent", d.key, None)
    mismatch = (
        unit.dimension == "area"
        or (unit.dimension == "persons") != (commodity.canonical_unit == "persons")
        or (unit.dimension == "heads" and "heads" not in commodity.units)
    )
    issue = "unit_dimension_mismatch" if mismatch else "unconvertible_unit"
    return Conversion(None, None, None, None, "none", None, issue)
