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
#: shorter identifiers (after cleaning) are ignored: too short to tell people apart
MIN_ID_LENGTH = 4
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


def to_ascii(text: str) -> str:
    """``text`` transliterated to ASCII: rigour's ``ascii_text``, with two shortcuts that
    give the same result (checked on every Latin letter with diacritics, U+00A0–U+024F and
    U+1E00–U+1EFF, and full-width forms) at a fraction of its cost (~60 µs a call): ASCII
    text is its own transliteration, and Latin letters with diacritics lose their marks
    (``Pérez`` → ``Perez``). Other scripts and letters without a decomposition (``ø``,
    ``ß``) go to rigour.
    """
    if text.isascii():
        return text
    bare = "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))
    return bare if bare.isascii() else ascii_text(text)


@lru_cache(maxsize=200_000)
def name_tokens(name: str, is_person: bool = True) -> tuple[str, ...]:
    """Folded Latin tokens of a name in any script, in written order.

    Person prefixes (Mr, Dr...) or organisation legal forms (Ltd, S.A., SARL...) are
    dropped first; then the name is transliterated to ASCII, case-folded and tokenised.
    """
    text = remove_person_prefixes(name) if is_person else remove_org_types(name)
    latin = to_ascii(text).casefold()
    return tuple(t for t in tokenize_name(re.sub(r"[^a-z0-9]+", " ", latin)) if t)


def is_latin(name: str) -> bool:
    """Whether every letter of ``name`` is a Latin letter (accented or not)."""
    return all(unicodedata.name(c, "").startswith("LATIN") for c in name if c.isalpha())


def token_keys(tokens: tuple[str, ...], latin: bool = True) -> list[dict[str, Any]]:
    """Each token with its metaphone, consonant skeleton and whether the name was Latin."""
    return [{"t": t, "p": p, "s": s, "l": latin}
            for t, p, s in (_phonetic(t) for t in sorted(tokens))]


@lru_cache(maxsize=500_000)
def _phonetic(token: str) -> tuple[str, str, str]:
    return token, metaphone(token) or token, skeleton(token) or token


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
    key = _ADDRESS_CLEAN.sub(" ", to_ascii(str(value)).lower()).strip()
    return key or None


def identifiers(row: dict[str, object]) -> list[str]:
    """``type:VALUE`` identifiers of a record (upper-case alphanumerics, at least
    ``MIN_ID_LENGTH``; ``prepare_records`` applies the same rule to whole columns)."""
    out = []
    for column, kind in ID_COLUMNS.items():
        raw = row.get(column)
        if raw is None:
            continue
        for part in str(raw).split(";"):
            value = _ID_CLEAN.sub("", part.upper())
            if len(value) >= MIN_ID_LENGTH:
                out.append(f"{kind}:{value}")
    return sorted(set(out))


#: the blocking keys ``cap_pair_keys`` caps
CAPPED_KEYS = ("pair_keys", "year_keys")


def cap_pair_keys(frame: pl.DataFrame, max_records: int = MAX_KEY_RECORDS) -> pl.DataFrame:
    """Drop the blocking keys (``CAPPED_KEYS``: pairs of phonetic keys or skeletons; a
    phonetic key with a birth year) held by more than ``max_records`` records of one schema.

    A key as common as a frequent mononym or a pair of frequent name parts (``Nguyen Van``),
    or a frequent name part with a birth year, would block every pair of its holders:
    ``k * (k - 1) / 2`` comparisons, most of them between strangers, and the memory they
    take — so that the pairs per record would grow with the input. Such records still meet
    through their other keys, the same sorted name, or a shared identifier. Counts are over
    the whole input, so every chunk sees the same keys.
    """
    if frame.height == 0:
        return frame
    for column in CAPPED_KEYS:
        frame = _cap(frame, column, max_records)
    return frame


def _cap(frame: pl.DataFrame, column: str, max_records: int) -> pl.DataFrame:
    # row by row through an anti-join: attaching the list of common keys to every row costs
    # memory in rows × common keys (a million records ran out of 24 GB that way)
    indexed = frame.with_row_index("_row")
    exploded = (indexed.select("_row", "schema", column).explode(column)
                .drop_nulls(column))
    common = (exploded.group_by("schema", column).len()
              .filter(pl.col("len") > max_records))
    if common.height == 0:
        return frame
    kept = (exploded.join(common.select("schema", column), on=["schema", column],
                          how="anti")
            .group_by("_row", maintain_order=True).agg(column))
    return (indexed.drop(column).join(kept, on="_row", how="left").sort("_row")
            .select(frame.columns))


_TOKS = pl.List(pl.Struct({"t": pl.Utf8, "p": pl.Utf8, "s": pl.Utf8, "l": pl.Boolean}))
#: the columns of ``prepare_records``' result, in order, with their types
FEATURE_SCHEMA: dict[str, Any] = {
    "unique_id": pl.Utf8, "schema": pl.Utf8, "name": pl.Utf8, "name_key": pl.Utf8,
    "name_toks": _TOKS, "pair_keys": pl.List(pl.Utf8), "phon_keys": pl.List(pl.Utf8),
    "meet_keys": pl.List(pl.Utf8), "year_keys": pl.List(pl.Utf8), "dob_y": pl.Int32,
    "dob_m": pl.Int32, "dob_d": pl.Int32,
    "nationality": pl.Utf8, "gender": pl.Utf8, "country": pl.Utf8, "address": pl.Utf8,
    "ids": pl.List(pl.Utf8), "id_types": pl.List(pl.Utf8)}


def _name_features(names: pl.DataFrame) -> pl.DataFrame:
    """The name columns of each distinct (``name``, ``schema``) of ``names``.

    The Python work (transliteration, tokens, phonetics) is done once per distinct name;
    the lists are built from flat rows by polars (building nested lists from Python objects
    row by row took longer than the name work itself).
    """
    tok_i: list[int] = []
    tok_t: list[str] = []
    tok_p: list[str] = []
    tok_s: list[str] = []
    tok_l: list[bool] = []
    key_i: dict[str, list[int]] = {"pair_keys": [], "phon_keys": [], "meet_keys": []}
    key_v: dict[str, list[str]] = {"pair_keys": [], "phon_keys": [], "meet_keys": []}
    name_key: list[str | None] = []
    for i, (name, schema) in enumerate(names.iter_rows()):
        keys = token_keys(name_tokens(name, schema == "Person"), is_latin(name)) \
            if name else []
        name_key.append(" ".join(k["t"] for k in keys) or None)
        for k in keys:
            tok_i.append(i)
            tok_t.append(k["t"])
            tok_p.append(k["p"])
            tok_s.append(k["s"])
            tok_l.append(k["l"])
        for column, values in (("pair_keys", pair_keys(keys)),
                               ("phon_keys", sorted({k["p"] for k in keys})),
                               ("meet_keys", meet_keys(keys))):
            key_i[column] += [i] * len(values)
            key_v[column] += values
    out = names.with_row_index("_i").with_columns(pl.Series("name_key", name_key, pl.Utf8))
    toks = (pl.DataFrame({"_i": tok_i, "t": tok_t, "p": tok_p, "s": tok_s, "l": tok_l},
                         schema={"_i": pl.UInt32, "t": pl.Utf8, "p": pl.Utf8, "s": pl.Utf8,
                                 "l": pl.Boolean})
            .group_by("_i", maintain_order=True)
            .agg(pl.struct("t", "p", "s", "l").alias("name_toks")))
    out = out.join(toks, on="_i", how="left")
    for column in key_i:
        lists = (pl.DataFrame({"_i": key_i[column], column: key_v[column]},
                              schema={"_i": pl.UInt32, column: pl.Utf8})
                 .group_by("_i", maintain_order=True).agg(column))
        out = out.join(lists, on="_i", how="left")
    return out.drop("_i")


def _by_value(column: pl.Series, fn: Any, dtype: Any) -> pl.Series:
    """``fn`` applied once per distinct value of ``column`` (nulls stay null)."""
    values = column.drop_nulls().unique()
    mapped = pl.Series([fn(v) for v in values], dtype=dtype)
    return column.replace_strict(values, mapped, default=None, return_dtype=dtype)


def _identifier_lists(rows: pl.DataFrame) -> pl.DataFrame:
    """``ids`` and ``id_types`` of each row: ``identifiers``' rule over whole columns
    (tested to agree with it)."""
    parts = [rows.select("_row", pl.col(column).str.split(";").alias("value"))
             .explode("value")
             .select("_row", pl.lit(f"{kind}:").alias("kind"),
                     pl.col("value").str.to_uppercase().str.replace_all(_ID_CLEAN.pattern, ""))
             for column, kind in ID_COLUMNS.items() if column in rows.columns]
    empty = pl.DataFrame({"_row": [], "ids": [], "id_types": []},
                         schema={"_row": pl.UInt32, "ids": pl.List(pl.Utf8),
                                 "id_types": pl.List(pl.Utf8)})
    if not parts:
        return empty
    flat = pl.concat(parts).filter(pl.col("value").str.len_chars() >= MIN_ID_LENGTH)
    return flat.group_by("_row").agg(
        (pl.col("kind") + pl.col("value")).unique().sort().alias("ids"),
        pl.col("kind").str.strip_suffix(":").unique().sort().alias("id_types"))


def prepare_records(records: pl.DataFrame,
                    max_key_records: int = MAX_KEY_RECORDS) -> pl.DataFrame:
    """Matching features of ``records`` (one row per record, same order).

    Args:
        records: ``record_id`` and ``name`` and any of ``schema`` (FtM schema, default
            Person), ``birth_date`` (ISO, possibly partial), ``nationality`` (ISO3),
            ``gender``, ``country`` (of residence, ISO3), ``address``, ``passport_number``,
            ``id_number``, ``imo_number``, ``account_number``, ``registration_number``.
            Other columns are ignored.
        max_key_records: blocking keys held by more records are dropped (``cap_pair_keys``).

    Returns:
        ``unique_id`` (the record id), ``schema``, ``name``, ``name_key`` (sorted folded
        tokens), ``name_toks`` (list of ``{t, p, s, l}``; ``l``: the name is in Latin
        script), ``pair_keys``, ``phon_keys``, ``meet_keys``, ``year_keys`` (each phonetic
        key with the birth year),
        ``dob_y``, ``dob_m``, ``dob_d``, ``nationality``, ``gender``, ``country``,
        ``address`` (transliterated, case-folded, punctuation dropped), ``ids``, ``id_types``.
        Each function of a name, date, country or address runs once per distinct value.
    """
    missing = [c for c in ("record_id", "name") if c not in records.columns]
    if missing:
        raise ValueError(f"records lack the column(s) {', '.join(missing)}; "
                         f"found {', '.join(records.columns)}")
    cols = [c for c in INPUT_COLUMNS if c in records.columns]
    rows = records.select(cols).with_columns(pl.col(c).cast(pl.Utf8) for c in cols)
    rows = rows.with_columns(
        pl.col("record_id").alias("unique_id"),
        (pl.col("schema").replace("", None) if "schema" in cols else pl.lit(None, pl.Utf8))
        .fill_null("Person").alias("schema"),
        pl.col("name").fill_null(""),
        *[pl.lit(None, pl.Utf8).alias(c) for c in INPUT_COLUMNS
          if c not in cols and c != "schema"]
    ).with_row_index("_row")
    dupes = rows["unique_id"].is_duplicated()
    if dupes.any():
        first = rows.filter(dupes)["unique_id"].head(3).to_list()
        raise ValueError(f"record ids must be unique: {', '.join(first)} repeat")
    names = _name_features(rows.select("name", "schema").unique(maintain_order=True))
    dates = _by_value(rows["birth_date"], lambda v: dict(zip("ymd", parse_partial_date(v),
                                                             strict=True)),
                      pl.Struct({"y": pl.Int32, "m": pl.Int32, "d": pl.Int32}))
    ids = _identifier_lists(rows)
    frame = (rows.with_columns(
        dates.struct.field("y").alias("dob_y"), dates.struct.field("m").alias("dob_m"),
        dates.struct.field("d").alias("dob_d"),
        _by_value(rows["nationality"], country_code, pl.Utf8).alias("nationality"),
        _by_value(rows["gender"], lambda g: _GENDERS.get(g.strip().lower()), pl.Utf8)
        .alias("gender"),
        _by_value(rows["country"], country_code, pl.Utf8).alias("country"),
        _by_value(rows["address"], address_key, pl.Utf8).alias("address"))
        .join(names, on=["name", "schema"], how="left")
        .join(ids, on="_row", how="left"))
    year_keys = (frame.select("_row", "dob_y", "phon_keys").drop_nulls("dob_y")
                 .explode("phon_keys").drop_nulls("phon_keys")
                 .group_by("_row", maintain_order=True)
                 .agg((pl.col("phon_keys") + "|" + pl.col("dob_y").cast(pl.Utf8))
                      .alias("year_keys")))
    frame = (frame.join(year_keys, on="_row", how="left").sort("_row")   # rows in input order
             .select([pl.col(c).cast(t) for c, t in FEATURE_SCHEMA.items()]))
    return cap_pair_keys(frame, max_key_records)
