"""Resolve country names, codes and demonyms to ISO 3166-1 alpha-3 (plus XKX, Kosovo).

Order of resolution (the first that answers wins, so an exact name can never be fuzzed into
another country: "Niger" is NER, never NGA):

1. codes: ISO alpha-3, alpha-2, numeric (with or without leading zeros), World Bank codes.
   Only the exact upper-case "NA" is Namibia; "na", "n/a" are placeholders.
2. the normalised text in the exact lexicon: aliases (UNTERM / official names in the six UN
   languages, CLDR, ISO, Natural Earth NAME_xx, World Bank, curated), demonyms, sub-national
   units, ambiguous names, region names and placeholders ("catch-alls");
3. the same with tokens sorted ("Korea, Republic of" = "Republic of Korea"), demonym plurals
   ("Nigerians") and trailing words like "nationals";
4. parts split at brackets and commas ("United Kingdom (Scotland)", "Reunion (France)") and
   an alias followed by qualifier words only ("Kosovo under UNSCR 1244");
5. fuzzy matching (optimal-string-alignment edit distance, see ``_max_distance``) over the
   whole lexicon, regions and placeholders included, so "Amercas" becomes a region and not a
   country. A fuzzy answer needs a unique best target: a tie (e.g. "Austrlia" is one edit from
   both Australia and Austria) is ``unknown_country`` with the tied candidates.

Normalisation keeps non-Latin scripts (Arabic, Cyrillic, Chinese are matched in their own
script against the UN and Natural Earth names) and only strips marks: see ``normalize_name``.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib.resources import files
from types import MappingProxyType

from rapidfuzz import process
from rapidfuzz.distance import OSA

from tocta.reference.countries import all_countries

__all__ = [
    "CountryMatch",
    "alias_index",
    "normalize_name",
    "resolve_countries",
    "resolve_country",
]

_CHAR_MAP = str.maketrans(
    {
        "&": " and ",
        "ø": "o",
        "æ": "ae",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ı": "i",
        "þ": "th",
        "ى": "ي",
        "ة": "ه",
        "ـ": "",
    }
)
_ABBREVIATIONS = {
    "st": "saint",
    "ste": "sainte",
    "rep": "republic",
    "dem": "democratic",
    "is": "islands",
    "isl": "islands",
    "fed": "federated",
    "sts": "states",
}
# Articles and French elisions ("d'", "l'") and the possessive "s" of "People's".
_DROPPED = frozenset({"the", "le", "la", "les", "l", "el", "los", "las", "d", "s"})
_NON_WORD = re.compile(r"[^\w\s]|_")


def normalize_name(s: str) -> str:
    """Normalise a country name for exact lookup.

    Case-folds, strips accents and other combining marks (in every script: Arabic vowel signs,
    Cyrillic breves), spells out "&" and abbreviations (St. -> saint, Rep. -> republic,
    Is. -> islands), turns punctuation into spaces, joins spelled-out initials ("U.S.A." ->
    "usa"), drops articles ("the", "la", "l'") and collapses spaces. Non-Latin scripts are
    kept, not transliterated.

    Args:
        s: Any text.

    Returns:
        The normalised form; an empty string when nothing name-like is left.
    """
    text = unicodedata.normalize("NFKD", s)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _NON_WORD.sub(" ", text.translate(_CHAR_MAP))
    tokens: list[str] = []
    run: list[str] = []  # consecutive single Latin letters, e.g. "u s a"
    for tok in [*text.split(), ""]:
        if len(tok) == 1 and tok.isascii() and tok.isalpha():
            run.append(tok)
            continue
        if len(run) > 1:
            tokens.append("".join(run))
        elif run and run[0] not in _DROPPED:
            tokens.append(run[0])
        run = []
        if tok and tok not in _DROPPED:
            tokens.append(_ABBREVIATIONS.get(tok, tok))
    return " ".join(tokens)


@dataclass(frozen=True)
class CountryMatch:
    """The outcome of resolving one raw value; ``issue`` is None when it is clean."""

    raw: str
    code: str | None  # ISO alpha-3 (or XKX); None when no single country
    score: float  # 100 exact; lower for fuzzy
    method: str  # iso3 iso2 numeric wb_code name demonym subnational fuzzy catch_all region none
    unit: str | None  # sub-national unit kept, e.g. "England and Wales"
    issue: str | None  # country_fuzzy_match country_catch_all country_region_name
    # country_ambiguous unknown_country
    candidates: tuple[str, ...] = ()  # alternatives for ambiguous / low-confidence results


@dataclass(frozen=True)
class _Target:
    """What a lexicon key stands for."""

    kind: str  # name wb_code subnational demonym ambiguous region catch_all
    code: str | None = None
    candidates: tuple[str, ...] = ()
    unit: str | None = None
    method: str = "name"  # the method reported for an exact hit on an ambiguous key

    @property
    def identity(self) -> tuple[str, ...]:
        """Targets that mean the same thing for fuzzy tie-breaking."""
        if self.kind in ("region", "catch_all"):
            return (self.kind,)
        return (self.code or "", *self.candidates, self.unit or "")

    def match(self, raw: str, score: float = 100.0, fuzzy: bool = False) -> CountryMatch:
        """The CountryMatch for this target."""
        if self.kind == "region":
            return CountryMatch(raw, None, score, "region", None, "country_region_name")
        if self.kind == "catch_all":
            return CountryMatch(raw, None, score, "catch_all", None, "country_catch_all")
        method = "fuzzy" if fuzzy else self.method
        if self.kind == "ambiguous":
            return CountryMatch(
                raw, None, score, method, self.unit, "country_ambiguous", self.candidates
            )
        issue = "country_fuzzy_match" if fuzzy else None
        return CountryMatch(raw, self.code, score, method, self.unit, issue)


_KEY_STOPWORDS = frozenset({"of", "and", "de", "del", "du", "des", "da", "y", "et"})
# Words that may follow a known name without changing the country ("Kosovo under UNSCR
# 1244", "Nigerian nationals", "Hong Kong SAR").
_TAIL_WORDS = frozenset(
    {
        "under",
        "unscr",
        "1244",
        "un",
        "security",
        "council",
        "resolution",
        "sar",
        "mainland",
        "proper",
        "nationals",
        "national",
        "citizens",
        "citizen",
        "nationality",
    }
)
# Words that may stand in a bracketed or comma-separated qualifier of a known name
# ("Netherlands (Kingdom of the)", "Congo, Republic of").
_QUALIFIER_WORDS = _TAIL_WORDS | {
    "of",
    "and",
    "kingdom",
    "republic",
    "state",
    "islamic",
    "plurinational",
    "bolivarian",
    "federal",
    "federated",
    "federation",
    "special",
    "administrative",
    "region",
    "province",
    "territory",
    "island",
    "islands",
    "overseas",
    "department",
    "collectivity",
    "dependency",
}
_PART_SPLIT = re.compile(r"[(),;:/\[\]]|\s[-–—]\s")
_NUMERIC = re.compile(r"0*(\d{1,3})(?:\.0+)?")


def _token_key(key: str) -> str:
    return " ".join(sorted(t for t in key.split() if t not in _KEY_STOPWORDS))


def _max_distance(n: int) -> int:
    """Edits allowed for a fuzzy match of a normalised name of length n."""
    if n < 4:
        return 0  # "Chad"/"Chda" is fine, but 3-letter strings are codes or noise
    if n < 6:
        return 1
    return 2 if n < 10 else 3


@dataclass
class _Lexicon:
    exact: dict[str, _Target]
    keyed: dict[str, _Target]
    codes: dict[str, tuple[str, str]]  # "NGA"/"NG"/"566"/"ROM" -> (iso3, method)
    sovereign: dict[str, str]
    fuzzy_keys: list[str]
    fuzzy_targets: list[_Target]


def _data_rows(name: str) -> list[dict[str, str]]:
    text = files("tocta.reference").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _alias_target(row: dict[str, str]) -> _Target:
    kind, unit = row["kind"], row.get("unit") or None
    if kind == "ambiguous":
        return _Target(kind, None, tuple(row["iso3"].split()), unit)
    if kind in ("region", "catch_all"):
        return _Target(kind)
    return _Target(kind, row["iso3"], (), unit, kind)


@cache
def _lexicon() -> _Lexicon:
    # Imported here: regions imports normalize_name from this module.
    from tocta.reference.regions import list_regions

    codes: dict[str, tuple[str, str]] = {}
    sovereign: dict[str, str] = {}
    for c in all_countries():
        codes[c.iso3], codes[c.iso2] = (c.iso3, "iso3"), (c.iso3, "iso2")
        if c.numeric:
            codes[str(int(c.numeric))] = (c.iso3, "numeric")
        if c.sovereign:
            sovereign[c.iso3] = c.sovereign
    exact: dict[str, _Target] = {}
    for row in _data_rows("country_aliases.csv"):
        target = _alias_target(row)
        exact[row["normalized"]] = target
        if target.kind == "wb_code":
            codes[row["alias"]] = (row["iso3"], "wb_code")
    for row in _data_rows("demonyms.csv"):
        cands = tuple(row["candidates"].split())
        kind = "ambiguous" if cands else "demonym"
        target = _Target(kind, row["iso3"] or None, cands, row["unit"] or None, "demonym")
        exact.setdefault(normalize_name(row["demonym"]), target)
    for region in list_regions():  # a country name wins: "Micronesia" is FSM
        for label in (region.name, *region.aliases):
            exact.setdefault(normalize_name(label), _Target("region"))
    grouped: dict[str, set[_Target]] = {}
    for key, target in exact.items():
        grouped.setdefault(_token_key(key), set()).add(target)
    keyed = {k: next(iter(ts)) for k, ts in grouped.items() if len({t.identity for t in ts}) == 1}
    fuzzy = [(k, t) for k, t in exact.items() if len(k) >= 4 and t.kind != "wb_code"]
    return _Lexicon(exact, keyed, codes, sovereign, [k for k, _ in fuzzy], [t for _, t in fuzzy])


def _lookup(key: str) -> _Target | None:
    """An exact or token-order-insensitive hit, without fuzzy matching."""
    lex = _lexicon()
    return lex.exact.get(key) or lex.keyed.get(_token_key(key))


def _match_code(raw: str, text: str) -> CountryMatch | None:
    lex = _lexicon()
    if text.isascii() and text.isalpha() and len(text) in (2, 3):
        if text.upper() == "NA" and text != "NA":
            return None  # "na", "Na": "not available" (only the exact code NA is Namibia)
        hit = lex.codes.get(text.upper())
    elif m := _NUMERIC.fullmatch(text):
        hit = lex.codes.get(str(int(m.group(1))))
    else:
        return None
    return CountryMatch(raw, hit[0], 100.0, hit[1], None, None) if hit else None


def _match_forms(raw: str, key: str) -> CountryMatch | None:
    """Demonym plurals ("Nigerians") and a known name followed by tail words."""
    if key.endswith("s"):
        target = _lexicon().exact.get(key[:-1])
        if target is not None and target.method == "demonym":
            return target.match(raw)
    tokens = key.split()
    for cut in range(len(tokens) - 1, 0, -1):
        if set(tokens[cut:]) <= _TAIL_WORDS:
            head = " ".join(tokens[:cut])
            target = _lookup(head) or _match_forms_target(head)
            if target is not None and target.kind not in ("region", "catch_all"):
                return target.match(raw, 95.0)
    return None


def _match_forms_target(key: str) -> _Target | None:
    if key.endswith("s"):
        target = _lexicon().exact.get(key[:-1])
        if target is not None and target.method == "demonym":
            return target
    return None


def _match_parts(raw: str) -> CountryMatch | None:
    """Names split by brackets or commas: "United Kingdom (Scotland)", "Reunion (France)"."""
    parts = [normalize_name(p) for p in _PART_SPLIT.split(raw)]
    parts = [p for p in parts if p]
    if len(parts) < 2:
        return None
    codes: list[str] = []
    units: list[str] = []
    loose = False  # a part that is neither a country nor qualifier words
    for part in parts:
        target = _lookup(part)
        if target is None and not set(part.split()) <= _QUALIFIER_WORDS:
            stripped = " ".join(t for t in part.split() if t not in _QUALIFIER_WORDS)
            target = _lookup(stripped) if stripped else None
            loose = loose or target is None
        if target is None:
            continue
        if target.kind in ("region", "catch_all", "ambiguous"):
            return None
        codes.append(target.code or "")
        if target.unit:
            units.append(target.unit)
    distinct = set(codes)
    if len(distinct) == 2:  # a territory with its sovereign: keep the territory
        a, b = sorted(distinct)
        sov = _lexicon().sovereign
        distinct = {b} if sov.get(b) == a else {a} if sov.get(a) == b else distinct
    if not distinct:
        return None
    if len(distinct) > 1:
        cands = tuple(dict.fromkeys(c for c in codes if c in distinct))
        return CountryMatch(raw, None, 90.0, "name", None, "country_ambiguous", cands)
    code = distinct.pop()
    if loose:  # "Guinea (Conakry)": probably right, but the qualifier is not understood
        return CountryMatch(raw, code, 80.0, "name", None, "country_fuzzy_match")
    if units:
        return CountryMatch(raw, code, 100.0, "subnational", units[0], None)
    return CountryMatch(raw, code, 95.0, "name", None, None)


def _match_fuzzy(raw: str, key: str) -> CountryMatch:
    lex = _lexicon()
    limit = _max_distance(len(key))
    if limit == 0:
        return CountryMatch(raw, None, 0.0, "none", None, "unknown_country")
    found = process.extract(
        key, lex.fuzzy_keys, scorer=OSA.distance, limit=40, score_cutoff=limit + 2
    )
    best: dict[tuple[str, ...], tuple[int, _Target, str]] = {}
    for choice, dist, idx in found:
        target = lex.fuzzy_targets[idx]
        if target.identity not in best or dist < best[target.identity][0]:
            best[target.identity] = (int(dist), target, choice)
    ranked = sorted(best.values(), key=lambda x: x[0])
    codes = tuple(dict.fromkeys(c for _, t, _ in ranked for c in ((t.code,) if t.code else ())))
    if ranked and ranked[0][0] <= limit and (len(ranked) == 1 or ranked[1][0] > ranked[0][0]):
        dist, target, choice = ranked[0]
        score = round(100.0 * (1 - dist / max(len(key), len(choice))), 1)
        return target.match(raw, score, fuzzy=True)
    score = 0.0
    if ranked:
        score = round(100.0 * (1 - ranked[0][0] / max(len(key), len(ranked[0][2]))), 1)
    return CountryMatch(raw, None, score, "none", None, "unknown_country", codes[:3])


@lru_cache(maxsize=1 << 16)
def resolve_country(name: str) -> CountryMatch:
    """Resolve one raw value to a country, a region, a placeholder or an issue.

    Args:
        name: A code, name (any UN language), demonym or sub-national unit, as found in a
            source. Never raises, whatever the text.

    Returns:
        A CountryMatch: ``code`` is set for countries (with ``issue`` None, or
        ``country_fuzzy_match`` for a typo-corrected match to show with its score); regions,
        placeholders, ambiguous and unknown names have ``code`` None and an ``issue``.
    """
    text = str(name).strip()
    if text == "NA":
        return CountryMatch(name, "NAM", 100.0, "iso2", None, None)
    by_code = _match_code(name, text) if text else None
    if by_code is not None:
        return by_code
    key = normalize_name(text)
    if not key:
        return CountryMatch(name, None, 100.0, "catch_all", None, "country_catch_all")
    target = _lookup(key)
    if target is not None:
        return target.match(name)
    return _match_forms(name, key) or _match_parts(name) or _match_fuzzy(name, key)


def resolve_countries(names: Iterable[str]) -> dict[str, CountryMatch]:
    """Resolve each distinct value once.

    Args:
        names: Raw values, e.g. a column of a million rows.

    Returns:
        A dict from each distinct raw value to its CountryMatch.
    """
    return {n: resolve_country(n) for n in dict.fromkeys(names)}


@cache
def alias_index() -> Mapping[str, str]:
    """Every exact alias the resolver knows that names one country: normalised -> iso3.

    Includes names, World Bank codes, demonyms and sub-national units; excludes ambiguous
    names, regions and placeholders.
    """
    lex = _lexicon()
    return MappingProxyType({k: t.code for k, t in lex.exact.items() if t.code})
