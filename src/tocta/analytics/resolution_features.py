"""Matching features of entity records: names in any script, partial dates, identifiers.

Each record becomes one row of comparable columns. Names are transliterated to Latin with
rigour (``Мухаммед`` → ``Muhammed``, ``张伟`` → ``zhang wei``, ``محمد`` → ``mhmd``), case-
and accent-folded and split into tokens; every token carries three keys that the name
comparison and the blocking rules use:

* ``t`` the folded Latin token (``gonzalez``);
* ``p`` its metaphone (rigour's phonetics), so that ``Youssef``/``Yusuf`` or ``Chang``/``Zhang``
  meet;
* ``s`` its consonant skeleton (vowels and the semivowels w/y dropped, doubled letters
  collapsed, ``q`` → ``k``), because abjad scripts write no short vowels: Arabic
  ``محمد`` transliterates to ``mhmd``, the skeleton of ``Mohammed``, ``Muhammad`` and
  ``Mohamed``.

Tokens are also kept *sorted*, so that "GÓMEZ RESTREPO, Juan Carlos" and "Juan Carlos Gómez
Restrepo" (or a swapped given and family name) give the same ``name_key``. Birth dates may
be partial (``1980``, ``1980-05``): year, month and day are kept apart, and a missing part
never conflicts. Identifiers (passport, national id, IMO, IBAN, registration number) are
upper-cased alphanumerics prefixed with their type, so that equal numbers of different
kinds never meet.

Nothing here is tuned to a data source: the rules are those of the scripts and of the
identifier formats themselves.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import combinations
from typing import Any

import polars as pl
from rigour.names import remove_org_types, remove_person_prefixes, tokenize_name
from rigour.text.phonetics import metaphone
from rigour.text.translit import ascii_text

from tocta.errors import NotFoundError
from tocta.reference.countries import get_country

#: identifier columns understood, and the type prefix each gets in ``ids``
ID_COLUMNS = {"passport_number": "passport", "id_number": "national_id",
              "imo_number": "imo", "account_number": "iban",
              "registration_number": "registration"}
#: the columns ``prepare_records`` reads (all but ``record_id`` and ``name`` optional)
INPUT_COLUMNS = ("record_id", "schema", "name", "birth_date", "nationality", "gender",
                 "country", "address", *ID_COLUMNS)
MAX_TOKENS = 6        # longer names keep their first six tokens for pair keys
#: a pair key held by more records than this is dropped (see ``cap_pair_keys``)
MAX_KEY_RECORDS = 300
_VOWELS = re.compile(r"[aeiouyw]")
_DOUBLE = re.compile(r"(.)\1+")
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")
_ID_CLEAN = re.compile(r"[^0-9A-Z]")
_ADDRESS_CLEAN = re.compile(r"[^0-9a-z]+")
_GENDERS = {"m": "male", "male": "male", "f": "female", "female": "female"}


def skeleton(token: str) -> str:
    """The consonant skeleton of a folded Latin token (``mohammed`` → ``mhmd``)."""
    s = _VOWELS.sub("", token.replace("q", "k").replace("ph", "f"))
    return _DOUBLE.sub(r"\1", s)


@lru_cache(maxsize=200_000)
def name_tokens(name: str, is_person: bool = True) -> tuple[str, ...]:
    """Folded Latin tokens of a name in any script, in written order.

    Person prefixes (Mr, Dr...) or organisation legal forms (Ltd, S.A., SARL...) are
    dropped first; then the name is transliterated to ASCII, case-folded and tokenised.
    """
    text = remove_person_prefixes(name) if is_person else remove_org_types(name)
    latin = ascii_text(text).casefold()
    return tuple(t for t in tokenize_name(re.sub(r"[^a-z0-9]+", " ", latin)) if t)


def is_latin(name: str) -> bool:
    """Whether every letter of ``name`` is a Latin letter (accented or not)."""
    return all(unicodedata.name(c, "").startswith("LATIN") for c in name if c.isalpha())


def token_keys(tokens: tuple[str, ...], latin: bool = True) -> list[dict[str, Any]]:
    """Each token with its metaphone, consonant skeleton and whether the name was Latin."""
    return [{"t": t, "p": metaphone(t) or t, "s": skeleton(t) or t, "l": latin}
            for t in sorted(tokens)]


def pair_keys(keys: list[dict[str, Any]]) -> list[str]:
    """Blocking keys: every pair of phonetic keys and every pair of skeletons.

    Two records of one person written with a dropped middle name, a typo in a third token,
    swapped order or another script still share at least one such pair.
    """
    out: set[str] = set()
    head = keys[:MAX_TOKENS]
    for kind in ("p", "s"):
        values = sorted({k[kind] for k in head if len(k[kind]) >= 2})
        out.update(f"{kind}:{a}|{b}" for a, b in combinations(values, 2))
        if len(values) == 1:   # mononyms (Myanmar names) still get a key
            out.add(f"{kind}:{values[0]}")
    return sorted(out)


def meet_keys(keys: list[dict[str, Any]]) -> list[str]:
    """Keys two names share whenever one of their tokens can meet (a cheap pre-check).

    Tokens meet on equal text, metaphone or skeleton, or one edit apart; two tokens one
    edit apart share a single-letter deletion (the symmetric-delete rule), so every
    deletion of each token of four letters or more is a key.
    """
    out: set[str] = set()
    for k in keys:
        t = k["t"]
        out.update((f"t:{t}", f"p:{k['p']}"))
        if len(k["s"]) >= 2:
            out.add(f"s:{k['s']}")
        if len(t) >= 4:
            out.add(f"d:{t}")
            out.update(f"d:{t[:i]}{t[i + 1:]}" for i in range(len(t)))
    return sorted(out)


def parse_partial_date(value: str | None) -> tuple[int | None, int | None, int | None]:
    """Year, month and day of a full or partial ISO date; impossible parts become None."""
    if not value:
        return None, None, None
    m = _DATE.match(value)
    if not m:
        return None, None, None
    year = int(m.group(1))
    month = int(m.group(2)) if m.group(2) else None
    day = int(m.group(3)) if m.group(3) else None
    if month is not None and not 1 <= month <= 12:
        return year, None, None
    if day is not None and not 1 <= day <= (29 if month == 2 else 31):
        day = None
    return year, month, day


@lru_cache(maxsize=4096)
def _iso3(code: str) -> str | None:
    try:
        return get_country(code).iso3
    except NotFoundError:
        return None


def country_code(value: object) -> str | None:
    """ISO alpha-3 of a country code given as alpha-3 or alpha-2 (FtM writes ``it``), so that
    both encodings meet; anything else is missing."""
    code = str(value or "").strip()
    return _iso3(code.upper()) if len(code) in (2, 3) and code.isalpha() else None


def address_key(value: object) -> str | None:
    """An address for exact comparison: Latin letters, case-folded, punctuation and
    repeated spaces dropped ("12, Rue de l'Église" = "12 rue de l eglise")."""
    if not value:
        return None
    key = _ADDRESS_CLEAN.sub(" ", ascii_text(str(value)).lower()).strip()
    return key or None


def identifiers(row: dict[str, object]) -> list[str]:
    """``type:VALUE`` identifiers of a record (upper-case alphanumerics, at least 4)."""
    out = []
    for column, kind in ID_COLUMNS.items():
        raw = row.get(column)
        if raw is None:
            continue
        for part in str(raw).split(";"):
            value = _ID_CLEAN.sub("", part.upper())
            if len(value) >= 4:
                out.append(f"{kind}:{value}")
    return sorted(set(out))


def cap_pair_keys(frame: pl.DataFrame, max_records: int = MAX_KEY_RECORDS) -> pl.DataFrame:
    """Drop the pair keys held by more than ``max_records`` records of one schema.

    A key as common as a frequent mononym or a pair of frequent name parts (``Nguyen Van``)
    would block every pair of its holders: ``k * (k - 1) / 2`` comparisons, most of them
    between strangers, and the memory they take. Such records still meet through their
    other pair keys, the same sorted name, a shared identifier, or a phonetic key with the
    same birth year. Counts are over the whole input, so every chunk sees the same keys.
    """
    if frame.height == 0:
        return frame
    # row by row through an anti-join: attaching the list of common keys to every row costs
    # memory in rows × common keys (a million records ran out of 24 GB that way)
    indexed = frame.with_row_index("_row")
    exploded = (indexed.select("_row", "schema", "pair_keys").explode("pair_keys")
                .drop_nulls("pair_keys"))
    common = (exploded.group_by("schema", "pair_keys").len()
              .filter(pl.col("len") > max_records))
    if common.height == 0:
        return frame
    kept = (exploded.join(common.select("schema", "pair_keys"), on=["schema", "pair_keys"],
                          how="anti")
            .group_by("_row", maintain_order=True).agg("pair_keys"))
    return (indexed.drop("pair_keys").join(kept, on="_row", how="left").sort("_row")
            .select(frame.columns))


def prepare_records(records: pl.DataFrame,
                    max_key_records: int = MAX_KEY_RECORDS) -> pl.DataFrame:
    """Matching features of ``records`` (one row per record, same order).

    Args:
        records: ``record_id`` and ``name`` and any of ``schema`` (FtM schema, default
            Person), ``birth_date`` (ISO, possibly partial), ``nationality`` (ISO3),
            ``gender``, ``country`` (of residence, ISO3), ``address``, ``passport_number``,
            ``id_number``, ``imo_number``, ``account_number``, ``registration_number``.
            Other columns are ignored.
        max_key_records: pair keys held by more records are dropped (``cap_pair_keys``).

    Returns:
        ``unique_id`` (the record id), ``schema``, ``name``, ``name_key`` (sorted folded
        tokens), ``name_toks`` (list of ``{t, p, s, l}``; ``l``: the name is in Latin
        script), ``pair_keys``, ``phon_keys``, ``meet_keys``,
        ``dob_y``, ``dob_m``, ``dob_d``, ``nationality``, ``gender``, ``country``,
        ``address`` (transliterated, case-folded, punctuation dropped), ``ids``, ``id_types``.
    """
    missing = [c for c in ("record_id", "name") if c not in records.columns]
    if missing:
        raise ValueError(f"records lack the column(s) {', '.join(missing)}; "
                         f"found {', '.join(records.columns)}")
    cols = [c for c in INPUT_COLUMNS if c in records.columns]
    rows = records.select(cols).with_columns(pl.col(c).cast(pl.Utf8) for c in cols).to_dicts()
    out = []
    for row in rows:
        schema = str(row.get("schema") or "Person")
        name = str(row.get("name") or "")
        keys = token_keys(name_tokens(name, schema == "Person"), is_latin(name)) \
            if name else []
        y, m, d = parse_partial_date(row.get("birth_date"))  # type: ignore[arg-type]
        ids = identifiers(row)
        nat = country_code(row.get("nationality"))
        gender = _GENDERS.get((row.get("gender") or "").strip().lower())
        country = country_code(row.get("country"))
        address = address_key(row.get("address"))
        out.append({
            "unique_id": str(row["record_id"]), "schema": schema, "name": name,
            "name_key": " ".join(k["t"] for k in keys) or None,
            "name_toks": keys or None,
            "pair_keys": pair_keys(keys) or None,
            "phon_keys": sorted({k["p"] for k in keys}) or None,
            "meet_keys": meet_keys(keys) or None,
            "dob_y": y, "dob_m": m, "dob_d": d,
            "nationality": nat,
            "gender": gender,
            "country": country,
            "address": address,
            "ids": ids or None,
            "id_types": sorted({i.split(":", 1)[0] for i in ids}) or None,
        })
    schema_: dict[str, Any] = {
               "unique_id": pl.Utf8, "schema": pl.Utf8, "name": pl.Utf8, "name_key": pl.Utf8,
               "name_toks": pl.List(pl.Struct({"t": pl.Utf8, "p": pl.Utf8, "s": pl.Utf8,
                                                    "l": pl.Boolean})),
               "pair_keys": pl.List(pl.Utf8), "phon_keys": pl.List(pl.Utf8),
               "meet_keys": pl.List(pl.Utf8),
               "dob_y": pl.Int32, "dob_m": pl.Int32, "dob_d": pl.Int32,
               "nationality": pl.Utf8, "gender": pl.Utf8, "country": pl.Utf8,
               "address": pl.Utf8, "ids": pl.List(pl.Utf8),
               "id_types": pl.List(pl.Utf8)}
    frame = pl.DataFrame(out, schema=schema_)
    dupes = frame["unique_id"].is_duplicated()
    if dupes.any():
        first = frame.filter(dupes)["unique_id"].head(3).to_list()
        raise ValueError(f"record ids must be unique: {', '.join(first)} repeat")
    return cap_pair_keys(frame, max_key_records)
