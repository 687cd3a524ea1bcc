"""Units: parsing what agencies write, and converting to canonical units."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocta.errors import ConfigError
from tocta.reference import units as un
from tocta.reference.commodities import get_commodity
from tocta.reference.defaults import get_default
from tocta.reference.units import Unit, conversion_for, parse_unit

PRICES = (Path(__file__).resolve().parents[3] / "shared" / "data"
          / "unodc-wdr-drug-seizures-prices" / "Prices_of_drugs.json")
# Every non-empty unit of the UNODC WDR 2024 price table (Prices_of_drugs.json).
WDR_PRICE_UNITS = [
    "g", "kg", "tablet", "unit", "1000 tablet", "mL", "L", "pound", "1000 unit", "Dose", "Ounce",
    "5 g", "Pill", "Trip", "Blotting paper", "Capsule", "Stamp", "100 unit", "Rock", "10 g",
    "100 g", "Cigarette", "10000 tablet", "100 mg", "10 unit", "250 mg", "200 mg", "250 g",
    "350 g", "10 tablet", "700 g", "200 tablet", "2000 tablet", "Mark", "Plasters",
    "Libra (Dominican Rep)", "Packet", "Vials",
]


def unit(raw: str) -> Unit:
    parsed = parse_unit(raw).unit
    assert parsed is not None, raw
    return parsed


@pytest.mark.parametrize(
    ("raw", "symbol", "dimension", "multiplier", "factor"),
    [("kg", "kg", "mass", 1, 1.0), ("KG", "kg", "mass", 1, 1.0), ("kilos", "kg", "mass", 1, 1.0),
     ("g", "g", "mass", 1, 0.001), ("10 g", "g", "mass", 10, 0.001),
     ("100 mg", "mg", "mass", 100, 1e-6), ("µg", "ug", "mass", 1, 1e-9),
     ("tonnes", "t", "mass", 1, 1000.0), ("lb", "lb", "mass", 1, 0.45359237),
     ("pounds", "lb", "mass", 1, 0.45359237), ("Ounce", "oz", "mass", 1, 0.028349523125),
     ("Libra (Dominican Rep)", "libra", "mass", 1, 0.45359237),
     ("mL", "ml", "volume", 1, 0.001), ("L", "l", "volume", 1, 1.0),
     ("litres", "l", "volume", 1, 1.0),
     ("m³", "m3", "volume", 1, 1000.0), ("cubic metres", "m3", "volume", 1, 1000.0),
     ("1000 tablet", "tablet", "count", 1000, 1.0),
     ("1,000 tablets", "tablet", "count", 1000, 1.0),
     ("10 000 tablets", "tablet", "count", 10000, 1.0), ("Pill", "tablet", "count", 1, 1.0),
     ("comprimés", "tablet", "count", 1, 1.0), ("Capsule", "capsule", "count", 1, 1.0),
     ("Blotting paper", "blotter", "count", 1, 1.0), ("Stamp", "blotter", "count", 1, 1.0),
     ("Trip", "blotter", "count", 1, 1.0), ("Mark", "blotter", "count", 1, 1.0),
     ("Dose", "dose", "count", 1, 1.0), ("Rock", "rock", "count", 1, 1.0),
     ("ampoules", "ampoule", "count", 1, 1.0), ("Vials", "vial", "count", 1, 1.0),
     ("Cigarette", "cigarette", "count", 1, 1.0), ("Packet", "packet", "count", 1, 1.0),
     ("Plasters", "plaster", "count", 1, 1.0), ("pieces", "unit", "count", 1, 1.0),
     ("items", "unit", "count", 1, 1.0), ("Number of specimens", "specimen", "count", 1, 1.0),
     ("persons", "person", "persons", 1, 1.0), ("victims", "person", "persons", 1, 1.0),
     ("heads", "head", "heads", 1, 1.0), ("ha", "ha", "area", 1, 10000.0),
     ("0,5 kg", "kg", "mass", 0.5, 1.0), ("per 10 g", "g", "mass", 10, 0.001),
     ("Kilograms (kg)", "kg", "mass", 1, 1.0)],
    ids=lambda v: str(v),
)
def test_parse_unit(raw: str, symbol: str, dimension: str, multiplier: float,
                    factor: float) -> None:
    match = parse_unit(raw)
    assert match.issue is None and match.unit is not None
    u = match.unit
    assert (u.raw, u.symbol, u.dimension) == (raw, symbol, dimension)
    assert u.multiplier == pytest.approx(multiplier)
    assert u.factor == pytest.approx(factor)


@pytest.mark.parametrize("raw", ["", " ", "bananas", "0 g", "-5 kg", "1e400 g", "g/kg", "10 10"],
                         ids=repr)
def test_unknown_units(raw: str) -> None:
    assert parse_unit(raw) == un.UnitMatch(raw, None, "unknown_unit")


def test_every_wdr_price_unit_parses() -> None:
    units = list(WDR_PRICE_UNITS)
    if PRICES.exists():  # keep the list honest against the shared table when it is there
        shared = {r["Unit"] for r in json.loads(PRICES.read_text(encoding="utf-8")) if r["Unit"]}
        assert shared == set(units)
    assert [u for u in units if parse_unit(u).issue] == []


@given(st.text(max_size=40))
def test_parse_unit_never_raises(text: str) -> None:
    match = parse_unit(text)
    assert (match.unit is None) == (match.issue == "unknown_unit")
    if match.unit is not None:
        assert math.isfinite(match.unit.multiplier) and match.unit.multiplier > 0


@given(st.integers(min_value=1, max_value=10**9))
def test_grams_with_any_multiplier(n: int) -> None:
    c = conversion_for(unit(f"{n} g"), get_commodity("heroin"))
    assert c.factor == pytest.approx(n / 1000)


# ----------------------------------------------------------------------------- conversions


@pytest.mark.parametrize(
    ("raw", "commodity", "factor", "canonical", "method", "source"),
    [("lb", "cocaine_hcl", 0.45359237, "kg", "mass", None),
     ("10 g", "heroin", 0.01, "kg", "mass", None),
     ("t", "cannabis_resin", 1000.0, "kg", "mass", None),
     ("1000 tablet", "ecstasy_type", 0.3, "kg", "kg_equivalent", "ecstasy_tablet_mass"),
     ("tablet", "mdma", 0.0003, "kg", "kg_equivalent", "ecstasy_tablet_mass"),
     ("tablet", "methamphetamine_tablets", 0.00009, "kg", "kg_equivalent", "yaba_tablet_mass"),
     ("tablet", "captagon", 0.00017, "kg", "kg_equivalent", "captagon_tablet_mass"),
     ("tablet", "tramadol", 0.00025, "kg", "kg_equivalent", "pharmaceutical_tablet_mass"),
     ("tablet", "ats", 0.0002, "kg", "kg_equivalent", "ats_tablet_mass"),
     ("Blotting paper", "lsd", 5e-8, "kg", "kg_equivalent", "lsd_dose"),
     ("unit", "lsd", 5e-8, "kg", "kg_equivalent", "lsd_dose"),
     ("Cigarette", "cannabis_herb", 0.00032, "kg", "kg_equivalent", "cannabis_joint_mass"),
     ("plants", "cannabis_herb", 0.0337, "kg", "kg_equivalent", "cannabis_plant_yield"),
     ("L", "gbl", 1.13, "kg", "kg_equivalent", "density_gbl"),
     ("mL", "heroin", 0.001, "kg", "kg_equivalent", "liquid_density_unodc"),
     ("L", "acetic_anhydride", 1.08, "kg", "kg_equivalent", "density_acetic_anhydride"),
     ("m3", "charcoal", 250.0, "kg", "kg_equivalent", "charcoal_bulk_density"),
     ("t", "logs", 1000 / 900, "m3", "m3_equivalent", "timber_density_logs"),
     ("kg", "rosewood", 1 / 900, "m3", "m3_equivalent", "timber_density_rosewood"),
     ("m3", "timber", 1.0, "m3", "volume", None),
     ("Libra (Dominican Rep)", "sedatives", 0.45359237, "kg", "mass",
      "libra_dominican_republic"),
     ("plants", "cannabis_plants", 1.0, "units", "count", None),
     ("persons", "smuggled_migrants", 1.0, "persons", "count", None),
     ("individuals", "tip_forced_labour", 1.0, "persons", "count", None),
     ("heads", "reptiles", 1.0, "heads", "count", None),
     ("specimens", "birds", 1.0, "heads", "count", None),
     ("heads", "wildlife", 1.0, "heads", "count", None),
     ("10 unit", "firearms", 10.0, "units", "count", None),
     ("Packet", "medicines", 1.0, "units", "count", None),
     ("kg", "counterfeits", 1.0, "kg", "mass", None),
     ("cylinder", "hcfcs", 13.6, "kg", "kg_equivalent", "refrigerant_cylinder_mass")],
    ids=lambda v: str(v),
)
def test_conversion(raw: str, commodity: str, factor: float, canonical: str, method: str,
                    source: str | None) -> None:
    c = conversion_for(unit(raw), get_commodity(commodity))
    assert (c.canonical_unit, c.method, c.source, c.issue) == (canonical, method, source, None)
    assert c.factor == pytest.approx(factor)
    if source is not None:
        assert c.low is not None and c.high is not None and c.factor is not None
        assert c.low <= c.factor <= c.high
        assert not get_default(source).is_placeholder
    else:
        assert c.low is None and c.high is None


@pytest.mark.parametrize(
    ("raw", "commodity", "issue"),
    [("dose", "heroin", "unconvertible_unit"), ("Rock", "crack", "unconvertible_unit"),
     ("tablet", "heroin", "unconvertible_unit"), ("Plasters", "fentanyl", "unconvertible_unit"),
     ("unit", "cocaine_hcl", "unconvertible_unit"), ("Vials", "cannabis_oil", "unconvertible_unit"),
     ("kg", "firearms", "unconvertible_unit"), ("kg", "reptiles", "unconvertible_unit"),
     ("persons", "cocaine_type", "unit_dimension_mismatch"),
     ("heads", "heroin", "unit_dimension_mismatch"), ("heads", "ivory", "unit_dimension_mismatch"),
     ("kg", "trafficking_in_persons", "unit_dimension_mismatch"),
     ("persons", "ivory", "unit_dimension_mismatch"),
     ("ha", "cannabis", "unit_dimension_mismatch")],
    ids=lambda v: str(v),
)
def test_no_silent_guess(raw: str, commodity: str, issue: str) -> None:
    c = conversion_for(unit(raw), get_commodity(commodity))
    assert c == un.Conversion(None, None, None, None, "none", None, issue)


def test_libra_range_comes_from_its_cited_default() -> None:
    c = conversion_for(unit("2 libras"), get_commodity("cocaine_hcl"))
    d = get_default("libra_dominican_republic")
    assert (c.low, c.high) == pytest.approx((2 * d.low, 2 * d.high))


def test_conversion_rules_point_to_cited_non_placeholder_defaults() -> None:
    for rule in un._units().rules:
        default = get_default(rule.default)
        assert default.source and not default.is_placeholder, rule.default
        assert default.kind in ("conversion", "density"), rule.default


@given(st.floats(min_value=1e-6, max_value=1e6), st.sampled_from(["g", "kg", "lb", "oz", "t"]))
def test_mass_conversion_is_linear(multiplier: float, symbol: str) -> None:
    heroin = get_commodity("heroin")
    one = conversion_for(unit(symbol), heroin).factor
    many = conversion_for(unit(f"{multiplier:.6f} {symbol}"), heroin).factor
    assert one is not None and many is not None
    assert many == pytest.approx(float(f"{multiplier:.6f}") * one, rel=1e-9)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("names: [tablet, tab,", "names: [tablet, kg,", "'kg' is used by kg and tablet"),
     ("default: density_gbl}", "default: density_gbll}", "unknown default 'density_gbll'"),
     ("commodities: [gbl]", "commodities: [gbll]", "unknown commodity 'gbll'"),
     ("{unit: l, kind: density, commodities: [gbl]", "{unit: tablet, kind: density, "
      "commodities: [gbl]", "a 'density' rule cannot start from 'tablet'"),
     ("dimension: area, factor: 10000.0", "dimension: surface, factor: 10000.0",
      "unknown dimension 'surface'")],
    ids=["name-collision", "unknown-default", "unknown-commodity", "wrong-kind", "bad-dimension"],
)
def test_broken_unit_files_fail_loudly(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    text = un._units_text()
    assert old in text
    monkeypatch.setattr(un, "_units_text", lambda: text.replace(old, new, 1))
    un._units.cache_clear()
    try:
        with pytest.raises(ConfigError, match=message):
            un._units()
    finally:
        monkeypatch.undo()
        un._units.cache_clear()
