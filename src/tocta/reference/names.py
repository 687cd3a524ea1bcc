"""Resolve country names, codes and demonyms to ISO 3166-1 alpha-3 (plus XKX, Kosovo).

Order of resolution (the first step that answers wins, so an exact name is never fuzzed into
another country: "Niger" is NER, never NGA):

1. codes: ISO alpha-3, alpha-2, numeric (with or without leading zeros), World Bank codes.
   Only the exact upper-case "NA" is Namibia; "na", "n/a" are placeholders.
2. the normalised text in the lexicon: aliases (UNTERM and official names in the six UN
   languages, CLDR, ISO, Natural Earth, World Bank, curated), demonyms, sub-national units,
   ambiguous names, region names and placeholders ("catch-alls"); then the same with the
   words sorted ("Korea, Republic of" = "Republic of Korea").
3. forms of a known entry: plurals of demonyms ("Nigerians"), trailing words that do not
   change the country ("Kosovo under UNSCR 1244", "Nigerian nationals", "Fiji Islands"),
   a missing "Islands" ("Cayman"), phrases made of placeholder words only ("country not
   known"), region words ("Balkan countries").
4. parts split at brackets, commas, slashes, read together: "United Kingdom (Scotland)"
   keeps the unit, "Reunion (France)" and "Samoa (US)" the territory, "Congo (DRC)" the
   more specific name, "Congo (Kinshasa)" the country of that capital; "Benin/Togo" is
   ambiguous.
5. fuzzy matching with the optimal-string-alignment edit distance over the whole lexicon,
   regions and placeholders included, so "Amercas" becomes a region and not a country. At
   most 1 edit for 4-7 characters, 2 for 8-11, 3 from 12; none below 4 characters. Names in
   languages other than the six UN languages (Natural Earth NAME_DE, NAME_PL...) only match
   exactly. Every dictionary word of the input must survive (up to one edit) in the match,
   so "North Sudan" is not fuzzed into South Sudan. The best target must be unique: a tie
   ("Austrlia" is one edit from both Australia and Austria) gives ``unknown_country`` with
   the tied candidates.

``normalize_name`` keeps non-Latin scripts (Arabic, Cyrillic and Chinese are matched in their
own script against the UN and Natural Earth names) and only strips marks.
"""

from __future__ import annotations

import csv
import io
import itertools
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

__all__ = ["CountryMatch", "alias_index", "normalize_name", "resolve_countries", "resolve_country"]

_CHAR_MAP = str.maketrans({"&": " and ", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ð": "d",
                           "ł": "l", "ı": "i", "þ": "th", "ى": "ي", "ة": "ه", "ـ": ""})  # fmt: skip


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ABBREVIATIONS = dict(
    pair.split("=")
    for pair in _words(
        "st=saint ste=sainte rep=republic dem=democratic is=islands isl=islands fed=federated "
        "sts=states"
    )
)
# Articles and the French elisions d' and l'.
_DROPPED = _words("the le la les l el los las d")
_POSSESSIVE = re.compile(r"['’](s)\b")
_NON_WORD = re.compile(r"[^\w\s]|_")


def normalize_name(s: str) -> str:
    """Normalise a country name for exact lookup.

    Case-folds, strips accents and other combining marks (in every script: Arabic vowel signs,
    Cyrillic breves), spells out "&" and abbreviations (St. -> saint, Rep. -> republic,
    Is. -> islands), turns punctuation into spaces, joins spelled out initials ("U.S.A." ->
    "usa"), drops articles ("the", "la", "l'") and collapses spaces. Non-Latin scripts are
    kept, not transliterated. A lone "N." or "S." stays a letter: it is read as north/new
    or south/saint when names are looked up.

    Args:
        s: Any text.

    Returns:
        The normalised form; an empty string when nothing name-like is left.
    """
    text = unicodedata.normalize("NFKD", s)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = _NON_WORD.sub(" ", _POSSESSIVE.sub(r"\1", text.translate(_CHAR_MAP)))
    tokens: list[str] = []
    run: list[str] = []  # consecutive single Latin letters, e.g. "u s a"
    for tok in [*text.split(), ""]:
        if len(tok) == 1 and tok.isascii() and tok.isalpha():
            run.append(tok)
            continue
        if len(run) > 1:
            tokens.append("".join(run))
        elif run and run[0] not in _DROPPED:
            tokens.append(_ABBREVIATIONS.get(run[0], run[0]))
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
    # None, country_fuzzy_match, country_catch_all, country_region_name, country_ambiguous,
    # unknown_country
    issue: str | None
    candidates: tuple[str, ...] = ()  # alternatives for ambiguous / low-confidence results


@dataclass(frozen=True)
class _Target:
    """What a lexicon key stands for."""

    kind: str  # name wb_code subnational demonym ambiguous region catch_all
    code: str | None = None
    candidates: tuple[str, ...] = ()
    unit: str | None = None
    method: str = "name"  # reported for an exact hit; ambiguous demonyms say "demonym"

    @property
    def identity(self) -> tuple[str, ...]:
        """Targets with the same identity mean the same thing (for fuzzy ties)."""
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
            ambiguous = "country_ambiguous"
            return CountryMatch(raw, None, score, method, self.unit, ambiguous, self.candidates)
        issue = "country_fuzzy_match" if fuzzy else None
        return CountryMatch(raw, self.code, score, method, self.unit, issue)


_KEY_STOPWORDS = _words("of and de del du des da y et")
# Words after a known name that do not change the country.
_TAIL_WORDS = _words(
    "under unscr 1244 un security council resolution sar mainland proper nationals national "
    "citizens citizen nationality islands island isles"
)
# Words that may make up a bracketed or comma-separated qualifier of a known name
# ("Netherlands (Kingdom of the)"). "Republic" is safe only there: "Dominica Republic"
# without brackets is a typo of the Dominican Republic, not Dominica.
_QUALIFIER_WORDS = _TAIL_WORDS | _words(
    "of and kingdom republic state islamic plurinational bolivarian federal federated "
    "federation special administrative region province territory overseas department "
    "collectivity dependency"
)
# A phrase made only of these words is a placeholder ("country not known", "other (specify)").
_CATCH_ALL_WORDS = _words(
    "unknown not known reported available stated specified unspecified other others country "
    "countries nationality nationalities various multiple mixed na none nil origin "
    "destination unidentified undetermined misc miscellaneous please specify see notes tbd "
    "tbc pending missing blank x xx xxx"
)
_REGION_WORDS = _words("region regions countries area zone subregion")
_PART_SPLIT = re.compile(r"[(),;:/\[\]]|\s[-–—]\s")
_NUMERIC = re.compile(r"0*(\d{1,3})(?:\.0+)?")
# Natural Earth names in languages other than the six UN languages match exactly only: in the
# fuzzy pool they make near neighbours of unrelated words (Polish "Dania", Denmark).
_OTHER_LANGUAGE = re.compile(r"Natural Earth 110m: NAME_(?!EN$|FR$|ES$|RU$|AR$|ZH$)")
_LETTER_WORDS = {"n": ("north", "new"), "s": ("south", "saint", "sao")}
_CATCH_ALL = _Target("catch_all")
_REGION = _Target("region")


def _token_key(key: str) -> str:
    return " ".join(sorted(t for t in key.split() if t not in _KEY_STOPWORDS))


def _max_distance(n: int) -> int:
    """Edits allowed for a fuzzy match of a normalised name of n characters."""
    if n < 4:
        return 0  # two- and three-letter strings are codes or noise
    return 1 if n < 8 else 2 if n < 12 else 3


@dataclass
class _Lexicon:
    exact: dict[str, _Target]
    keyed: dict[str, _Target]  # token-sorted keys that name one target only
    codes: dict[str, tuple[str, str]]  # "NGA", "NG", "566", "ROM" -> (iso3, method)
    sovereign: dict[str, str]  # territory -> sovereign state
    capitals: dict[str, str]  # iso3 -> normalised capital (a hint in brackets only)
    names_of: dict[str, tuple[str, ...]]  # iso3 -> its exact keys
    vocabulary: frozenset[str]  # every word of every key
    fuzzy_keys: list[str]
    fuzzy_targets: list[_Target]


def _data_rows(name: str) -> list[dict[str, str]]:
    text = files("tocta.reference").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _alias_target(row: dict[str, str]) -> _Target:
    kind, unit = row["kind"], row["unit"] or None
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
    capitals: dict[str, str] = {}
    for c in all_countries():
        codes[c.iso3], codes[c.iso2] = (c.iso3, "iso3"), (c.iso3, "iso2")
        if c.numeric:
            codes[str(int(c.numeric))] = (c.iso3, "numeric")
        if c.sovereign:
            sovereign[c.iso3] = c.sovereign
        if c.capital:
            capitals[c.iso3] = normalize_name(c.capital)
    exact: dict[str, _Target] = {}
    exact_only: set[str] = set()  # names in languages other than the UN six: no fuzzy matching
    for row in _data_rows("country_aliases.csv"):
        exact[row["normalized"]] = _alias_target(row)
        if _OTHER_LANGUAGE.match(row["source"]):
            exact_only.add(row["normalized"])
        if row["kind"] == "wb_code":
            codes[row["alias"]] = (row["iso3"], "wb_code")
    for row in _data_rows("demonyms.csv"):
        cands = tuple(row["candidates"].split())
        kind = "ambiguous" if cands else "demonym"
        target = _Target(kind, row["iso3"] or None, cands, row["unit"] or None, "demonym")
        exact.setdefault(normalize_name(row["demonym"]), target)
    for region in list_regions():  # a country name wins: "Micronesia" is FSM
        for label in (region.name, *region.aliases):
            exact.setdefault(normalize_name(label), _REGION)
    grouped: dict[str, set[_Target]] = {}
    for key, target in exact.items():
        grouped.setdefault(_token_key(key), set()).add(target)
    keyed = {k: next(iter(ts)) for k, ts in grouped.items() if len({t.identity for t in ts}) == 1}
    fuzzable = {k: t for k, t in exact.items() if k not in exact_only and t.kind != "wb_code"}
    fuzzable |= {_token_key(k): t for k, t in fuzzable.items() if _token_key(k) in keyed}
    pool = [(k, t) for k, t in fuzzable.items() if len(k) >= 4]
    names_of: dict[str, list[str]] = {}
    for key, target in exact.items():
        if target.code:
            names_of.setdefault(target.code, []).append(key)
    vocabulary = frozenset(w for key in exact for w in key.split() if len(w) >= 4)
    return _Lexicon(
        exact, keyed, codes, sovereign, capitals, {c: tuple(k) for c, k in names_of.items()},
        vocabulary, [k for k, _ in pool], [t for _, t in pool],
    )  # fmt: skip


def _variants(key: str) -> list[str]:
    """Readings of lone letters: "papua n guinea" -> "papua new guinea", "s tome" -> "sao tome"."""
    options = [_LETTER_WORDS.get(w, (w,)) for w in key.split()]
    if all(len(o) == 1 for o in options):
        return []
    return [" ".join(words) for words in itertools.product(*options)][:8]


def _lookup(key: str) -> _Target | None:
    """An exact or word-order-insensitive hit, or a form of one (no fuzzy matching)."""
    lex = _lexicon()
    target = lex.exact.get(key) or lex.keyed.get(_token_key(key))
    if target is not None or not key:
        return target
    for variant in _variants(key):
        if target := lex.exact.get(variant) or lex.keyed.get(_token_key(variant)):
            return target
    tokens = key.split()
    if set(tokens) <= _CATCH_ALL_WORDS:
        return _CATCH_ALL
    if (
        key.endswith("s")
        and (t := lex.exact.get(key[:-1]))
        and t.kind not in ("region", "catch_all")
    ):
        return t  # plural demonym: "Nigerians", "Somalis"
    if (t := lex.exact.get(key + " islands")) is not None:
        return t  # "Cayman", "Turks and Caicos"
    for cut in range(len(tokens) - 1, 0, -1):
        tail, head = set(tokens[cut:]), " ".join(tokens[:cut])
        if tail <= _TAIL_WORDS and (t := _lookup(head)) and t.kind not in ("region", "catch_all"):
            return t
        if tail <= _REGION_WORDS and (t := _lookup(head)) and t.kind == "region":
            return t
    return None


def _match_code(raw: str, text: str) -> CountryMatch | None:
    lex = _lexicon()
    if text.isascii() and text.isalpha() and len(text) in (2, 3):
        if text.upper() == "NA" and text != "NA":
            return None  # "na", "Na": not available (only the exact code NA is Namibia)
        hit = lex.codes.get(text.upper())
    elif m := _NUMERIC.fullmatch(text):
        hit = lex.codes.get(str(int(m.group(1))))
    else:
        return None
    return CountryMatch(raw, hit[0], 100.0, hit[1], None, None) if hit else None


def _match_parts(raw: str) -> CountryMatch | None:
    """Names split at brackets, commas or slashes.

    The answer is the one country that every part agrees with: a part names it, names its
    sovereign ("Reunion (France)", "Samoa (US)"), is its capital ("Congo (Kinshasa)") or is
    contained in one of its names ("Congo (DRC)"); sub-national units are kept ("United
    Kingdom (Scotland)"). Parts naming different countries make the value ambiguous.
    """
    parts = [p for p in (normalize_name(x) for x in _PART_SPLIT.split(raw)) if p]
    if len(parts) < 2:
        return None
    lex = _lexicon()
    read: list[tuple[str, _Target | None]] = []
    for part in parts:
        if set(part.split()) <= _QUALIFIER_WORDS or part.isdigit():
            continue  # "(Kingdom of the)", "(UNSCR 1244/99)"
        stripped = " ".join(w for w in part.split() if w not in _QUALIFIER_WORDS)
        read.append((part, _lookup(part) or _lookup(stripped)))
    definite = [t.code for _, t in read if t is not None and t.code]
    candidates = {c for _, t in read if t is not None for c in t.candidates}

    def named(x: str, part: str, t: _Target | None) -> bool:
        if t is not None and (t.code == x or x in t.candidates):
            return True
        return lex.capitals.get(x) == part or any(
            f" {part} " in f" {n} " for n in lex.names_of.get(x, ())
        )

    def fits(x: str, part: str, t: _Target | None) -> bool:
        return named(x, part, t) or (t is not None and t.code == lex.sovereign.get(x, "-"))

    universe = set(definite) | candidates
    universe |= {x for x, sov in lex.sovereign.items() if sov in universe}
    universe |= {x for x, cap in lex.capitals.items() if cap in parts}
    fitting = [
        x for x in sorted(universe)
        if any(named(x, p, t) for p, t in read) and all(fits(x, p, t) for p, t in read)
    ]  # fmt: skip
    if len(fitting) == 1:
        code = fitting[0]
        units = [t.unit for _, t in read if t is not None and t.code == code and t.unit]
        if units:
            return CountryMatch(raw, code, 100.0, "subnational", units[0], None)
        return CountryMatch(raw, code, 95.0, "name", None, None)
    if len(set(definite)) == 1 and not candidates and not fitting:
        # "Cyprus (North)": likely right, but part of the text was not understood
        return CountryMatch(raw, definite[0], 80.0, "name", None, "country_fuzzy_match")
    options = tuple(dict.fromkeys(fitting or definite or sorted(candidates)))
    if options:
        return CountryMatch(raw, None, 90.0, "name", None, "country_ambiguous", options)
    kinds = {t.kind for _, t in read if t is not None}
    target = _REGION if "region" in kinds else _CATCH_ALL if kinds else None
    return target.match(raw, 90.0) if target else None


def _match_fuzzy(raw: str, key: str) -> CountryMatch:
    """Typo-tolerant match; a name that only matches once qualifiers are dropped is flagged."""
    lex = _lexicon()
    words = key.split()
    # Without brackets, "Somali Republic" may be Somalia and "Dominica Republic" a typo of the
    # Dominican Republic: dropping "republic" and fuzzy matching must agree, or neither wins.
    core = " ".join(w for w in words if w not in _QUALIFIER_WORDS)
    loose = _lookup(core) if core and core != key else None
    loose = loose if loose is not None and loose.code else None
    # A lone "N." must be matched as north or new: "N. Ireland" is not two edits from Ireland.
    readings = _variants(key) or [key]
    trimmed = [" ".join(w for w in r.split() if w not in _TAIL_WORDS) for r in readings]
    queries = [q for q in dict.fromkeys([*readings, *map(_token_key, readings), *trimmed]) if q]
    found = [
        (int(dist), lex.fuzzy_targets[idx], choice, int(dist) <= _max_distance(len(query)))
        for query in queries
        if _max_distance(len(query)) > 0
        for choice, dist, idx in process.extract(
            query,
            lex.fuzzy_keys,
            scorer=OSA.distance,
            limit=40,
            score_cutoff=_max_distance(len(query)) + 1,
        )
        if _keeps_words(query, choice)
    ]
    best: dict[tuple[str, ...], tuple[int, _Target, str, bool]] = {}
    for item in sorted(found, key=lambda x: x[0]):
        best.setdefault(item[1].identity, item)
    ranked = list(best.values())  # by distance
    if ranked:
        dist, target, choice, close = ranked[0]
        score = round(100.0 * (1 - dist / max(len(key), len(choice))), 1)
        unique = len(ranked) == 1 or ranked[1][0] > dist
        if close and unique and (loose is None or loose.identity == target.identity):
            return target.match(raw, score, fuzzy=True)
    else:
        dist, score = 0, 0.0
    if loose is not None and (not ranked or ranked[0][1].code is None):
        return CountryMatch(raw, loose.code, 85.0, "name", loose.unit, "country_fuzzy_match")
    near = [t for d, t, _, _ in ranked if d <= dist + 1]
    near = [loose, *near] if loose is not None else near
    codes = tuple(dict.fromkeys(c for t in near for c in ((t.code,) if t.code else t.candidates)))
    return CountryMatch(raw, None, score, "none", None, "unknown_country", codes[:5])


def _keeps_words(query: str, choice: str) -> bool:
    """Whether every dictionary word of the query is in the choice, up to one edit or "-ern".

    A typo is a small change to a word: "North Sudan" is not South Sudan and "Somali
    Republic" is not "Mali Republic", though each is two edits away; "North Ireland" may be
    Northern Ireland.
    """
    vocabulary = _lexicon().vocabulary
    words = choice.split()
    return all(
        any(w in (c, c + "ern", c[:-3]) or OSA.distance(w, c, score_cutoff=1) <= 1 for c in words)
        for w in query.split()
        if w in vocabulary
    )


@lru_cache(maxsize=1 << 16)
def resolve_country(name: str) -> CountryMatch:
    """Resolve one raw value to a country, a region, a placeholder or an issue.

    Args:
        name: A code, a name in any UN language, a demonym or a sub-national unit, as found
            in a source. Never raises, whatever the text.

    Returns:
        A CountryMatch. ``code`` is set for countries, with ``issue`` None, or
        ``country_fuzzy_match`` for a typo-corrected match to show with its score. Regions,
        placeholders, ambiguous and unknown names have ``code`` None and an ``issue``.
    """
    text = str(name).strip()
    by_code = _match_code(name, text) if text else None
    if by_code is not None:
        return by_code
    key = normalize_name(text)
    if not key:
        return CountryMatch(name, None, 100.0, "catch_all", None, "country_catch_all")
    target = _lookup(key)
    if target is not None:
        exact = key in _lexicon().exact or _token_key(key) in _lexicon().keyed
        return target.match(name, 100.0 if exact else 95.0)
    return _match_parts(name) or _match_fuzzy(name, key)


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

    Holds names, World Bank codes, demonyms and sub-national units; leaves out ambiguous
    names, regions and placeholders.
    """
    return MappingProxyType({k: t.code for k, t in _lexicon().exact.items() if t.code})
