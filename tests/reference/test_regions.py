"""Regions: M49 areas by name or code, curated regions, user files, helpful errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tocta.errors import ConfigError, NotFoundError
from tocta.reference import regions
from tocta.reference.countries import all_countries
from tocta.reference.regions import list_regions, load_regions, region_codes


def codes(text: str) -> frozenset[str]:
    """A set of codes written as one space-separated string."""
    return frozenset(text.split())

CODES = {c.iso3 for c in all_countries()}
EU27 = codes(
    "AUT BEL BGR CYP CZE DEU DNK ESP EST FIN FRA GRC HRV HUN IRL ITA LTU LUX LVA MLT NLD POL "
    "PRT ROU SVK SVN SWE"
)


@pytest.fixture(autouse=True)
def _no_user_regions(monkeypatch: pytest.MonkeyPatch) -> None:
    # load_regions() adds to module state: each test starts without user regions.
    monkeypatch.setattr(regions, "_user_regions", [])


@pytest.mark.parametrize(
    ("name", "same_as"),
    [("Western Africa", "011"), ("western  africa", "11"), ("Africa", "002"), ("AFRICA", "2"),
     ("Sub-Saharan Africa", "202"), ("sub saharan africa", "202"), ("Caribbean", "029"),
     ("Central Asia", "143"), ("World", "001")],
    ids=lambda v: v,
)  # fmt: skip
def test_m49_by_name_or_code(name: str, same_as: str) -> None:
    assert region_codes(name) == region_codes(same_as)


def test_m49_membership() -> None:
    western = region_codes("Western Africa")
    assert {"NGA", "NER", "SEN", "GNB", "CPV", "SHN"} <= western
    assert "CMR" not in western  # Middle Africa
    # 54 states, Western Sahara and five territories (SHN, REU, MYT, IOT, ATF)
    assert len(region_codes("Africa")) == 60
    assert "ATA" not in region_codes("World")  # Antarctica has no M49 area


@pytest.mark.parametrize(
    ("name", "size", "some", "not_in"),
    [("West Africa", 16, {"MRT", "NGA", "CPV"}, {"CMR", "TCD"}),
     ("ECOWAS", 12, {"NGA", "GHA"}, {"MLI", "BFA", "NER"}),
     ("Central America", 7, {"GTM", "PAN", "BLZ"}, {"MEX"}),
     ("Mekong", 6, {"CHN", "KHM", "LAO", "MMR", "THA", "VNM"}, {"MYS"}),
     ("Golden Crescent", 3, {"AFG", "IRN", "PAK"}, set()),
     ("European Union", 27, EU27, {"GBR", "NOR"}),
     ("EU", 27, EU27, set()),
     ("Schengen", 29, {"CHE", "NOR", "ISL", "LIE", "BGR", "ROU"}, {"IRL", "CYP"}),
     ("Gulf (GCC)", 6, {"SAU", "ARE"}, {"IRN", "IRQ"}),
     ("GCC", 6, {"QAT"}, set()),
     ("Southeast Asia (ASEAN)", 11, {"SGP", "TLS"}, {"CHN"}),
     ("Southern Africa (SADC)", 16, {"ZAF", "COD", "COM"}, {"KEN"}),
     ("East Africa (EAC)", 8, {"KEN", "SOM", "COD"}, {"ETH"}),
     ("Mediterranean", 23, {"ESP", "TUR", "LBY", "GIB", "PSE"}, {"PRT", "JOR", "MKD"}),
     ("Caribbean", 28, {"JAM", "CUB", "PRI", "CUW"}, {"GUY"}),
     ("Andean region", 5, {"BOL", "COL", "PER"}, {"CHL"}),
     ("Balkans", 10, {"SRB", "XKX", "ALB"}, {"ROU"})],
    ids=lambda v: v if isinstance(v, str) else "",
)  # fmt: skip
def test_named_regions(name: str, size: int, some: set[str], not_in: set[str]) -> None:
    members = region_codes(name)
    assert len(members) == size
    assert some <= members and not (not_in & members)


def test_named_region_shadows_m49_name_but_code_still_works() -> None:
    assert "MEX" not in region_codes("Central America")
    assert "MEX" in region_codes("013")


def test_every_named_region_is_sourced_and_known() -> None:
    named = [r for r in list_regions() if r.m49 is None]
    assert len(named) >= 21
    for r in named:
        assert r.source and r.members <= CODES, r.name
    names = {r.name for r in list_regions()}
    required = {"West Africa", "Central America", "Andean region", "Southern Cone",
                "Caribbean", "Balkans", "Mekong", "Golden Crescent", "Sahel", "Horn of Africa",
                "Great Lakes", "East Africa (EAC)", "Southern Africa (SADC)", "European Union",
                "Schengen", "Gulf (GCC)", "Central Asia", "Southeast Asia (ASEAN)",
                "East Asia and the Pacific", "Mediterranean", "North Africa"}  # fmt: skip
    assert required <= names


def test_unknown_region_names_close_matches() -> None:
    with pytest.raises(NotFoundError, match="West Africa"):
        region_codes("West Afrika")
    with pytest.raises(NotFoundError, match="unknown region"):
        region_codes("Atlantis")
    with pytest.raises(NotFoundError):
        region_codes("999")


def test_load_user_regions(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(
        "regions:\n"
        "  Cocaine hubs:\n    members: [esp, NLD, BEL]\n    aliases: [hubs]\n"
        "    source: analyst note 2024-05\n"
        "  West Africa:\n    members: [NGA, GHA]\n    source: narrower view\n"
        "  Southern Africa M49:\n    m49: '018'\n    source: M49\n",
        encoding="utf-8",
    )
    loaded = load_regions(path)
    assert [r.name for r in loaded] == ["Cocaine hubs", "West Africa", "Southern Africa M49"]
    assert region_codes("cocaine HUBS") == region_codes("hubs") == {"ESP", "NLD", "BEL"}
    assert region_codes("West Africa") == {"NGA", "GHA"}  # a later definition wins
    assert region_codes("Southern Africa M49") == region_codes("018")


def test_invalid_user_regions_list_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(
        "regions:\n  A:\n    members: [NGA, XXX]\n    source: s\n"
        "  B:\n    members: [NGA]\n"
        "  C:\n    m49: '777'\n    source: s\n",
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as err:
        load_regions(path)
    assert len(err.value.problems) == 3
    assert "XXX" in str(err.value) and "777" in str(err.value)
    with pytest.raises(ConfigError):
        load_regions(tmp_path / "missing.yaml")
