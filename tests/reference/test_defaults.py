"""Cited defaults: every figure has a source, a unit and an ordered range."""

from __future__ import annotations

import pytest

from tocta.errors import ConfigError, NotFoundError
from tocta.reference.defaults import KINDS, STATUSES, all_defaults, get_default, load_defaults
from tocta.reference.units import parse_unit


def test_every_default_is_cited_and_ordered() -> None:
    entries = all_defaults()
    assert len(entries) >= 30
    for d in entries:
        assert d.low <= d.value <= d.high, d.key
        assert len(d.source) > 20, f"{d.key}: a full citation is required"
        assert d.unit and d.note, d.key
        assert d.kind in KINDS and d.status in STATUSES, d.key


def test_mass_and_density_units_parse() -> None:
    for d in all_defaults():
        if d.kind in ("conversion", "density"):
            numerator = d.unit.split("/")[0]
            assert parse_unit(numerator).unit is not None, d.key


@pytest.mark.parametrize(
    ("key", "value", "low", "high", "unit", "status", "cites"),
    [("liquid_density_unodc", 1.0, 0.8, 1.3, "kg/l", "assumption", "1 kg per litre"),
     ("ats_tablet_mass", 0.2, 0.09, 0.3, "g/tablet", "assumption", "90 mg and 300 mg"),
     ("yaba_tablet_mass", 0.09, 0.08, 0.11, "g/tablet", "published", "about 90 mg"),
     ("mdma_content_per_tablet", 125, 50, 340, "mg/tablet", "published", "doi:10.2810/817237"),
     ("cannabis_plant_yield", 33.7, 15, 200, "g/plant", "assumption", "Toonen"),
     ("cannabis_joint_mass", 0.32, 0.2, 0.5, "g/cigarette", "published", "Ridgeway"),
     ("density_gbl", 1.13, 1.12, 1.14, "kg/l", "published", "CRC Handbook"),
     ("timber_density", 0.7, 0.4, 1.1, "t/m3", "assumption", "doi:10.5061/dryad.234"),
     ("cocaine_consumption_per_user", 26, 15, 60, "g/user/year", "derived", "440 tons"),
     ("heroin_consumption_per_user", 25, 10, 60, "g/user/year", "derived", "375 tons"),
     ("laundering_available_share", 0.75, 0.5, 0.8, "fraction", "derived", "2.7% of GDP"),
     ("losses_in_transit", 0.05, 0.0, 0.15, "fraction", "derived", "1,110 t"),
     ("libra_dominican_republic", 0.45359237, 0.45359237, 0.460093, "kg/libra", "assumption",
      "0.45359237")],
    ids=lambda v: str(v),
)
def test_published_figures(key: str, value: float, low: float, high: float, unit: str,
                           status: str, cites: str) -> None:
    d = get_default(key)
    assert (d.value, d.low, d.high, d.unit, d.status) == (value, low, high, unit, status)
    assert cites in d.source


def test_placeholders_are_marked_and_explain_themselves() -> None:
    placeholders = [d for d in all_defaults() if d.is_placeholder]
    assert {d.key for d in placeholders} == {"cannabis_consumption_per_user"}
    for d in placeholders:
        assert "Placeholder" in d.source and "Not for use" in d.note, d.key


def test_unknown_key_names_close_matches() -> None:
    with pytest.raises(NotFoundError, match="density_gbl"):
        get_default("density_gbll")


def test_invalid_entries_are_all_listed_at_once() -> None:
    text = """
defaults:
  no_source: {kind: density, status: assumption, value: 1, low: 0.5, high: 2, unit: kg/l}
  unordered: {kind: density, status: published, value: 3, low: 0.5, high: 2, unit: kg/l,
              source: A citation that is long enough to count, note: n}
  not_a_number: {kind: loss, status: placeholder, value: x, low: 0, high: 1, unit: fraction,
                 source: A citation that is long enough to count}
  bad_kind: {kind: magic, status: guess, value: 1, low: 1, high: 1, unit: kg,
             source: A citation that is long enough to count}
"""
    with pytest.raises(ConfigError) as error:
        load_defaults(text)
    problems = error.value.problems
    assert any(p.startswith("no_source: source") for p in problems)
    assert any(p.startswith("unordered: need low <= value <= high") for p in problems)
    assert any(p.startswith("not_a_number: value, low and high") for p in problems)
    assert any(p.startswith("bad_kind: kind") for p in problems)
    assert any(p.startswith("bad_kind: status") for p in problems)
