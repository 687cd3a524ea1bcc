"""The commodity codelist, name resolution and the UNODC World Drug Report map."""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tocta.errors import ConfigError, NotFoundError
from tocta.reference import commodities as cm
from tocta.reference.commodities import (
    CANONICAL_UNITS,
    UNODC_BASES,
    all_commodities,
    ancestors,
    classify_unodc_drug,
    commodity_ids,
    get_commodity,
    resolve_commodities,
    resolve_commodity,
    unodc_drug_commodity,
    unodc_mappings,
)

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "unodc_drug_names.txt"
WDR = Path(__file__).resolve().parents[3] / "shared" / "data" / "unodc-wdr-drug-seizures-prices"
WDR_FILES = (
    "Drug_seizures_2018_2022.json",
    "Prices_of_drugs.json",
    "Prevalence_of_drug_use_NonNPS_General.json",
    "Prevalence_of_drug_use_NPS_General.json",
)
FAMILIES = {"drugs", "persons", "environment", "counterfeits", "firearms", "other"}


def fixture_names() -> list[str]:
    lines = FIXTURE.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


# ----------------------------------------------------------------------------- codelist


def test_codelist_is_complete_and_consistent() -> None:
    items = all_commodities()
    assert len(items) >= 100
    assert commodity_ids() == tuple(c.id for c in items)
    assert len(set(commodity_ids())) == len(items)
    groups = {c.group for c in items}
    assert groups <= set(commodity_ids()), "every group has a root commodity with its id"
    for c in items:
        assert c.label and c.description, c.id
        assert c.family in FAMILIES, c.id
        assert set(c.units) <= set(CANONICAL_UNITS), c.id
        assert ancestors(c.id)[0] == c.id


@pytest.mark.parametrize(
    ("group", "family"),
    [("cocaine_type", "drugs"), ("opioids", "drugs"), ("ats", "drugs"), ("cannabis", "drugs"),
     ("nps", "drugs"), ("hallucinogens", "drugs"), ("sedatives", "drugs"),
     ("precursors", "drugs"), ("solvents", "drugs"), ("other_drugs", "drugs"),
     ("persons", "persons"), ("wildlife", "environment"), ("timber", "environment"),
     ("waste", "environment"), ("ods", "environment"), ("counterfeits", "counterfeits"),
     ("medicines", "counterfeits"), ("firearms", "firearms"), ("other", "other")],
    ids=lambda v: str(v),
)
def test_every_flow_has_a_group_root(group: str, family: str) -> None:
    root = get_commodity(group)
    assert (root.group, root.family) == (group, family)


@pytest.mark.parametrize(
    ("commodity", "unit"),
    [("heroin", "kg"), ("smuggled_migrants", "persons"), ("tip_forced_labour", "persons"),
     ("reptiles", "heads"), ("ivory", "kg"), ("logs", "m3"), ("charcoal", "kg"),
     ("firearms", "units"), ("ammunition", "units"), ("counterfeits", "units"),
     ("cannabis_plants", "units"), ("e_waste", "kg"), ("hcfcs", "kg")],
    ids=lambda v: str(v),
)
def test_canonical_units(commodity: str, unit: str) -> None:
    assert get_commodity(commodity).canonical_unit == unit


@pytest.mark.parametrize(
    ("commodity", "iccs"),
    [("cocaine_hcl", "0601"), ("acetic_anhydride", "0601"), ("trafficking_in_persons", "0204"),
     ("tip_sexual_exploitation", "02041"), ("tip_forced_labour", "02042"),
     ("tip_organ_removal", "02043"), ("tip_other_purposes", "02044"),
     ("smuggled_migrants", "08051"), ("firearms", "09012"), ("ammunition", "09012"),
     ("ivory", "1003"), ("rosewood", "1003"), ("logs", "1004"), ("e_waste", "1002"),
     ("cfcs", None), ("counterfeits", None), ("medicines", None), ("persons", None)],
    ids=lambda v: str(v),
)
def test_iccs_codes_only_where_checked(commodity: str, iccs: str | None) -> None:
    c = get_commodity(commodity)
    assert c.iccs == iccs
    if iccs is None and c.family != "persons":
        assert "ICCS" in c.description, "an empty code says so in the description"


@pytest.mark.parametrize(
    ("commodity", "chain"),
    [("crack", ("crack", "cocaine_type")),
     ("mdma", ("mdma", "ecstasy_type", "ats")),
     ("methamphetamine_tablets", ("methamphetamine_tablets", "methamphetamine", "amphetamines",
                                  "ats")),
     ("tramadol", ("tramadol", "pharmaceutical_opioids", "opioids")),
     ("tip_sexual_exploitation", ("tip_sexual_exploitation", "trafficking_in_persons",
                                  "persons")),
     ("arapaima", ("arapaima", "fish", "wildlife"))],
    ids=lambda v: v if isinstance(v, str) else "-",
)
def test_parents(commodity: str, chain: tuple[str, ...]) -> None:
    assert ancestors(commodity) == chain


def test_unknown_id_names_close_matches() -> None:
    with pytest.raises(NotFoundError, match="cocaine_hcl"):
        get_commodity("cocaine_hlc")


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [("synonyms: [heroine,", "synonyms: [cocaine, heroine,", "already belongs to cocaine_type"),
     ('iccs: "0204"', "iccs: 0204", "ICCS code '132'"),
     ("parent: cocaine_type", "parent: nowhere", "parent chain broken"),
     ("canonical_unit: heads", "canonical_unit: boxes", "canonical unit 'boxes'"),
     ("group: sedatives", "group: sleeping", "unknown group 'sleeping'")],
    ids=["synonym-collision", "unquoted-iccs", "unknown-parent", "unknown-unit", "unknown-group"],
)
def test_broken_codelists_fail_loudly(
    monkeypatch: pytest.MonkeyPatch, old: str, new: str, message: str
) -> None:
    original = cm._read_data

    def patched(name: str) -> str:
        text = original(name)
        assert old in text
        return text.replace(old, new, 1) if name == "commodities.yaml" else text

    monkeypatch.setattr(cm, "_read_data", patched)
    cm._codelist.cache_clear()
    try:
        with pytest.raises(ConfigError, match=message):
            cm._codelist()
    finally:
        monkeypatch.undo()
        cm._codelist.cache_clear()


# ----------------------------------------------------------------------------- resolution


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("cocaine HCl", "cocaine_hcl"), ("Cocaine hydrochloride", "cocaine_hcl"),
     ("coke", "cocaine_hcl"), ("crack", "crack"), ('"Crack" cocaine', "crack"),
     ("cocaína", "cocaine_type"), ("COCAINE", "cocaine_type"), ("basuco", "smokable_cocaine"),
     ("pasta básica de cocaína", "coca_paste_base"), ("hashish", "cannabis_resin"),
     ("hash", "cannabis_resin"), ("haschich", "cannabis_resin"), ("marijuana", "cannabis_herb"),
     ("Marihuana", "cannabis_herb"), ("herbe de cannabis", "cannabis_herb"),
     ("yaba", "methamphetamine_tablets"), ("“Yaba”", "methamphetamine_tablets"),
     ("ice", "methamphetamine"), ("shabu", "methamphetamine"), ("captagon", "captagon"),
     ("ecstasy", "ecstasy_type"), ("éxtasis", "ecstasy_type"), ("MDMA", "mdma"),
     ("héroïne", "heroin"), ("heroína", "heroin"), ("fentanilo", "fentanyl"),
     ("carfentanil", "fentanyl"), ("spice", "synthetic_cannabinoids"),
     ("mephedrone", "synthetic_cathinones"), ("khat", "khat"), ("kratom", "kratom"),
     ("Rohypnol", "benzodiazepines"), ("P-2-P", "p2p"), ("BMK", "p2p"),
     ("acetic anhydride", "acetic_anhydride"), ("trata de personas", "trafficking_in_persons"),
     ("sex trafficking", "tip_sexual_exploitation"), ("migrant smuggling", "smuggled_migrants"),
     ("trafic illicite de migrants", "smuggled_migrants"), ("marfil", "ivory"),
     ("pangolin scales", "pangolin_scales"), ("paiche", "arapaima"), ("bois de rose", "rosewood"),
     ("WEEE", "e_waste"), ("R-22", "hcfcs"), ("contrefaçons", "counterfeits"),
     ("falsified medicines", "medicines"), ("armes à feu", "firearms"), ("ammo", "ammunition"),
     ("tramadol tablets", "tramadol"), ("Cannabis herb (marijuana)", "cannabis_herb"),
     ("Amphetamines and Stimulants", "ats")],
    ids=lambda v: v,
)
def test_names_resolve_without_issue(raw: str, expected: str) -> None:
    match = resolve_commodity(raw)
    assert (match.id, match.issue, match.score) == (expected, None, 1.0)
    assert match.raw == raw


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("cocain", "cocaine_type"), ("heroinn", "heroin"), ("methamfetamine", "methamphetamine"),
     ("canabis resin", "cannabis_resin"), ("oxycodon", "oxycodone"),
     ("smuggling of migrant", "smuggled_migrants")],
    ids=lambda v: v,
)
def test_typos_resolve_with_a_warning(raw: str, expected: str) -> None:
    match = resolve_commodity(raw)
    assert (match.id, match.method, match.issue) == (expected, "fuzzy", "commodity_fuzzy_match")
    assert cm.FUZZY_THRESHOLD / 100 <= match.score < 1.0


@pytest.mark.parametrize("raw", ["", "   ", "xyzzy", "ic", "rice", "coca", "stuff and things",
                                 "cannabis plant seeds"], ids=repr)
def test_unknown_names_are_an_issue_not_a_guess(raw: str) -> None:
    match = resolve_commodity(raw)
    assert (match.id, match.issue, match.method) == (None, "unknown_commodity", "none")


def test_resolve_commodities_resolves_each_distinct_value_once() -> None:
    names = ["crack", "crack", "hashish", "xyzzy", "crack"]
    result = resolve_commodities(names)
    assert list(result) == ["crack", "hashish", "xyzzy"]
    assert result["hashish"].id == "cannabis_resin"
    assert result["xyzzy"].issue == "unknown_commodity"


@given(st.text(max_size=60))
def test_resolve_never_raises(text: str) -> None:
    match = resolve_commodity(text)
    assert (match.id is None) == (match.issue == "unknown_commodity")
    assert 0.0 <= match.score <= 1.0
    if match.id is not None:
        get_commodity(match.id)


@given(st.sampled_from([s for c in all_commodities() for s in c.synonyms]),
       st.sampled_from([str.upper, str.lower, str.title, lambda s: f"  {s}. ", lambda s: f"'{s}'"]))
def test_synonyms_survive_case_and_punctuation(
    synonym: str, transform: Callable[[str], str]
) -> None:
    expected = resolve_commodity(synonym).id
    assert expected is not None
    assert resolve_commodity(transform(synonym)).id == expected


# ----------------------------------------------------------------------------- UNODC names


def test_every_unodc_name_in_the_fixture_maps() -> None:
    names = fixture_names()
    assert len(names) >= 200
    unresolved = {n: m for n, m in resolve_commodities(names).items() if m.issue is not None}
    assert unresolved == {}


def test_map_rows_are_valid_and_reproducible() -> None:
    rows = unodc_mappings()
    assert len(rows) >= 250
    for m in rows:
        assert m.basis in UNODC_BASES
        get_commodity(m.commodity)
        derived = classify_unodc_drug(m.drug_group, m.drug_subgroup or None, m.drug)
        assert derived == m, "the reviewed map is stale: rerun scripts/derive_commodities.py"


def test_every_fixture_name_occurs_in_the_map() -> None:
    in_map = {n for m in unodc_mappings() for n in (m.drug_group, m.drug_subgroup, m.drug) if n}
    assert set(fixture_names()) == in_map


@pytest.mark.parametrize(
    ("group", "subgroup", "drug", "expected"),
    [("Cocaine and Derivatives", "Cocaine", "Cocaine hydrochloride", ("cocaine_hcl", False)),
     ("Cocaine and Derivatives", "Cocaine",
      "Cocaine (total of the above, including if unspecified/undistinguished, but excluding "
      "coca leaf and coca bush)", ("cocaine_type", True)),
     ("Amphetamines and Stimulants", 'Reported total ATS (excluding "ecstasy")',
      "Total amphetamine-type stimulants (ATS) (including the above, all other ATS, and any "
      "unspecified/undistinguished quantities of ATS)", ("ats", True)),
     ("Cannabis and Synthetic Cannabinoids", "Reported total Cannabis-type", "Cannabis-type",
      ("cannabis", True)),
     ("MDMA and Ecstasy-like Drugs", "“Ecstasy”-type substances",
      'Total "ecstasy"-type substances (including the above, all other substances of this type '
      "and any unspecified/undistinguished quantities of substances of this type)",
      ("ecstasy_type", True)),
     ("Tranquillizers and Sedatives", "Non-specified sedatives and tranquillizers",
      "Other drugs/substances", ("sedatives", False)),
     ("Miscellaneous", "Other miscellaneous", "Other drugs/substances", ("other_drugs", False)),
     ("Opioids and Opiates", "Pharmaceutical opioids", "Naloxone",
      ("pharmaceutical_opioids", False)),
     ("Amphetamines and Stimulants", None, "Methamphetamine tablets",
      ("methamphetamine_tablets", False)),
     ("Opioids and Opiates", "Opiates", "A drug never seen before", ("opiates", False)),
     ("NPS", None, "A drug never seen before", ("nps", False))],
    ids=["hcl", "cocaine-total", "ats-total", "cannabis-total", "ecstasy-total-in-subgroup",
         "generic-in-sedatives", "generic-in-misc", "subgroup-fallback", "price-row",
         "unseen-subgroup", "unseen-group"],
)
def test_unodc_drug_commodity(group: str, subgroup: str | None, drug: str,
                              expected: tuple[str, bool]) -> None:
    assert unodc_drug_commodity(group, subgroup, drug) == expected


def test_unknown_unodc_group_is_an_error_naming_known_groups() -> None:
    with pytest.raises(NotFoundError, match="Opioids and Opiates"):
        unodc_drug_commodity("Not a group", None, "Not a drug")


def _wdr_triples() -> set[tuple[str, str, str]]:
    triples = set()
    for name in WDR_FILES:
        for row in json.loads((WDR / name).read_text(encoding="utf-8")):
            group = row.get("Drug group") or row.get("DrugGroup") or ""
            triples.add((group, row.get("DrugSubGroup") or "", row["Drug"]))
    return triples


@pytest.mark.skipif(not WDR.exists(), reason="../shared/data is absent: fixture tests cover it")
def test_every_drug_of_the_shared_wdr_tables_maps() -> None:
    triples = _wdr_triples()
    assert len(triples) >= 250
    table = {cm._triple_key(m.drug_group, m.drug_subgroup, m.drug) for m in unodc_mappings()}
    missing = [t for t in triples if cm._triple_key(*t) not in table]
    assert missing == []
    for group, subgroup, drug in triples:
        commodity, _ = unodc_drug_commodity(group, subgroup or None, drug)
        assert get_commodity(commodity).family == "drugs"


def test_reference_page_is_up_to_date() -> None:
    root = Path(__file__).resolve().parents[2]
    spec = importlib.util.spec_from_file_location("derive_commodities",
                                                  root / "scripts" / "derive_commodities.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    page = (root / "docs" / "reference" / "commodities.md").read_text(encoding="utf-8")
    assert script.render_docs(unodc_mappings()) == page, "rerun scripts/derive_commodities.py"
