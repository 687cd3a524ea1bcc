"""How one agency writes one person's name: transliterations, typos, swapped order, house style.

Each agency record of a person starts from the person's true name and, independently, at
the scenario's rates: writes it in another romanization or script (Arabic, Cyrillic, Han, or
Cyrillic by a Russian-style table), makes one keyboard or phonetic typo, or swaps the given and
family names. Middle names and second family names are dropped at ``SHORTEN_RATE``. The
agency's house style then sets case and order ("GOMEZ RESTREPO, Juan Carlos").
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np

from tocta.simulate.names import NameBook, NamePart, feminine_family, script_of

SHORTEN_RATE = 0.3  # a record drops the middle name or the second family name
STYLES = ("natural", "surname_caps", "upper_ascii")
PHONETIC = (("sh", "s"), ("s", "sh"), ("ph", "f"), ("f", "ph"), ("c", "k"), ("k", "c"),
            ("ou", "u"), ("u", "ou"), ("ie", "ei"), ("ei", "ie"), ("y", "i"), ("i", "y"),
            ("v", "w"), ("w", "v"), ("z", "s"), ("dj", "j"), ("kh", "h"), ("q", "k"),
            ("ll", "l"), ("mm", "m"), ("tt", "t"), ("ss", "s"), ("ee", "i"), ("oo", "u"))
RESPELL = (("ch", "sh"), ("sh", "ch"), ("dj", "j"), ("j", "dj"), ("ou", "u"), ("kh", "h"),
           ("ph", "f"), ("y", "i"), ("w", "v"), ("v", "w"), ("q", "k"), ("x", "ks"),
           ("ee", "i"), ("oo", "u"), ("ie", "i"), ("ei", "ai"), ("ck", "k"), ("c", "k"))
ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_EXTRA_FOLD = {"ß": "ss", "ı": "i", "ø": "o", "Ø": "O", "đ": "d", "Đ": "D", "ə": "e", "Ə": "E",
               "ł": "l", "Ł": "L", "æ": "ae", "œ": "oe"}


@dataclass(frozen=True)
class TrueName:
    """A person's name as the person writes it."""

    pool: str
    gender: str
    given: NamePart
    family: NamePart
    middle: NamePart | None = None
    family2: NamePart | None = None


@dataclass(frozen=True)
class WrittenName:
    """A name as one record writes it, and what was done to it."""

    first: str
    middle: str | None
    last: str
    full: str
    script: str
    typo: bool
    transliterated: bool
    swapped: bool
    shortened: bool


def _neighbours() -> dict[str, str]:
    out: dict[str, str] = {}
    for r, row in enumerate(ROWS):
        for i, ch in enumerate(row):
            near = row[max(0, i - 1):i] + row[i + 1:i + 2]
            near += "".join(ROWS[rr][i] for rr in (r - 1, r + 1)
                            if 0 <= rr < len(ROWS) and i < len(ROWS[rr]))
            out[ch] = near
    return out


KEYBOARD = _neighbours()


def fold_ascii(text: str) -> str:
    """Drop accents from Latin letters, leaving other scripts untouched."""
    out = []
    for ch in text:
        if ch in _EXTRA_FOLD:
            out.append(_EXTRA_FOLD[ch])
        elif script_of(ch) == "latin" and ord(ch) > 127:
            out.append("".join(c for c in unicodedata.normalize("NFKD", ch) if ord(c) < 128))
        else:
            out.append(ch)
    return "".join(out)


def to_cyrillic(text: str, book: NameBook) -> str:
    """Transcribe a Latin name into Cyrillic with the book's table (Nguyen → Нгуен)."""
    src = fold_ascii(text).lower()
    out: list[str] = []
    i = 0
    while i < len(src):
        for key, value in book.latin_to_cyrillic:
            if src.startswith(key, i):
                # y after a vowel is й (Nguyen's u-y-e stays уе through "ye").
                if key == "y" and out and out[-1][-1:] in "аеиоуэюя":
                    value = "й"
                out.append(value)
                i += len(key)
                break
        else:
            out.append(src[i])
            i += 1
    words = "".join(out).split(" ")
    return " ".join(w[:1].upper() + w[1:] for w in words)


def _keep_case(original: str, replacement: str) -> str:
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement


def make_typo(text: str, rng: np.random.Generator) -> str:
    """``text`` with one keyboard, phonetic, deletion, doubling or transposition error."""
    latin = script_of(text) == "latin"
    ops = ["phonetic", "keyboard", "delete", "double", "transpose"] if latin else \
        ["delete", "double", "transpose"]
    for op in rng.permutation(ops):
        lower = text.lower()
        if op == "phonetic":
            pairs = [(a, b) for a, b in PHONETIC if a in lower[1:] or lower.startswith(a)]
            if not pairs:
                continue
            a, b = pairs[int(rng.integers(len(pairs)))]
            at = lower.find(a)
            out = text[:at] + _keep_case(text[at:at + len(a)], b) + text[at + len(a):]
        else:
            spots = [i for i in range(1, len(text)) if text[i].isalpha()]
            if op == "transpose":
                spots = [i for i in spots if i + 1 < len(text) and text[i + 1].isalpha()
                         and text[i + 1] != text[i]]
            if op == "keyboard":
                spots = [i for i in spots if text[i].lower() in KEYBOARD]
            if not spots:
                continue
            i = spots[int(rng.integers(len(spots)))]
            if op == "keyboard":
                near = KEYBOARD[text[i].lower()]
                out = text[:i] + near[int(rng.integers(len(near)))] + text[i + 1:]
            elif op == "delete":
                out = text[:i] + text[i + 1:]
            elif op == "double":
                out = text[:i] + text[i] + text[i:]
            else:
                out = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        if out != text and len(out) >= 2:
            return out
    return text + text[-1]


def _alts(part: NamePart, script: str) -> list[str]:
    return [a for a in part.alternates if script_of(a) == script]


def respellings(text: str) -> list[str]:
    """Other romanization conventions for ``text`` (Cheikh → Sheikh, Ousmane → Usmane): one
    ``RESPELL`` rule applied throughout, as a transliteration system would."""
    lower = text.lower()
    words = re.split(r"([\s'-])", text)
    out = []
    for a, b in RESPELL:
        if a in lower:
            spelled = re.split(r"([\s'-])", lower.replace(a, b))
            if len(spelled) == len(words):  # keep each word's capital
                spelled = [s[:1].upper() + s[1:] if w[:1].isupper() else s
                           for w, s in zip(words, spelled, strict=True)]
            out.append("".join(spelled))
    return [o for o in dict.fromkeys(out) if o != text]


def _systems(parts: list[NamePart], agency_country: str, book: NameBook) -> tuple[list[str],
                                                                                 np.ndarray]:
    """Writing systems available for these parts, with preference weights for the agency."""
    local_cyrillic = agency_country in book.cyrillic_countries
    systems, weights = ["cyrillic"], [0.5 if local_cyrillic else 0.1]
    if any(_alts(p, "latin") for p in parts):
        systems.append("latin")
        weights.append(2.0)
    if any(respellings(p.canonical) for p in parts):
        systems.append("respell")
        weights.append(1.0)
    for script in ("arabic", "han", "cyrillic_native"):
        if all(_alts(p, script.removesuffix("_native")) for p in parts):
            systems.append(script)
            weights.append(1.5)
    local = ("cyrillic_native" if "cyrillic_native" in systems else "cyrillic") \
        if local_cyrillic else \
        "arabic" if agency_country in book.arabic_script_countries else None
    w = np.array(weights) * np.array([4.0 if s == local else 1.0 for s in systems])
    return systems, w / w.sum()


def _write_part(part: NamePart, system: str, book: NameBook, rng: np.random.Generator) -> str:
    if system == "latin":
        alts = _alts(part, "latin")
        return alts[int(rng.integers(len(alts)))] if alts and rng.random() < 0.7 else \
            part.canonical
    if system == "respell":
        alts = respellings(part.canonical)
        return alts[int(rng.integers(len(alts)))] if alts and rng.random() < 0.7 else \
            part.canonical
    if system == "cyrillic":
        return to_cyrillic(part.canonical, book)
    alts = _alts(part, system.removesuffix("_native"))
    return alts[int(rng.integers(len(alts)))]


@dataclass(frozen=True)
class NoiseRates:
    """Per-record rates of the three kinds of name noise."""

    typo: float
    transliteration: float
    swapped: float


def _pick_system(parts: list[NamePart], agency_country: str, book: NameBook,
                 rng: np.random.Generator) -> str:
    systems, p = _systems(parts, agency_country, book)
    return systems[int(rng.choice(len(systems), p=p))]


def _format(first: str, middle: str | None, last: str, order: str, script: str,
            style: str) -> tuple[str, str | None, str, str]:
    if style == "upper_ascii":
        first, last = fold_ascii(first).upper(), fold_ascii(last).upper()
        middle = fold_ascii(middle).upper() if middle else None
    elif style == "surname_caps":
        last = last.upper()
    if script == "han":
        return first, middle, last, last + first
    if style == "surname_caps":
        return first, middle, last, f"{last}, {first}" + (f" {middle}" if middle else "")
    seq = [first, middle, last] if order == "given_family" else [last, middle, first]
    return first, middle, last, " ".join(s for s in seq if s)


def write_name(name: TrueName, rates: NoiseRates, style: str, agency_country: str,
               book: NameBook, rng: np.random.Generator) -> WrittenName:
    """Write ``name`` as one record of an agency in ``agency_country`` with house ``style``."""
    pool = book.pools[name.pool]
    u = rng.random(4)
    shortened = bool(u[0] < SHORTEN_RATE and (name.middle or name.family2))
    middle = None if shortened else name.middle
    family2 = None if shortened else name.family2
    parts = [p for p in (name.given, middle, name.family, family2) if p is not None]
    transliterated = bool(u[1] < rates.transliteration)
    texts = [p.canonical for p in parts]
    if transliterated:
        system = _pick_system(parts, agency_country, book, rng)
        for _ in range(5):
            texts = [_write_part(p, system, book, rng) for p in parts]
            if texts != [p.canonical for p in parts]:
                break
        else:  # a Latin system kept every part canonical: force the first alternate
            other = _alts if system == "latin" else lambda p, _: respellings(p.canonical)
            i = next(i for i, p in enumerate(parts) if other(p, "latin"))
            texts[i] = other(parts[i], "latin")[0]
    given = texts[0]
    middle_s = texts[1] if middle is not None else None
    fam = texts[2 if middle is not None else 1:]
    if name.gender == "female":
        fam = [feminine_family(f, pool.feminine) for f in fam]
    script = script_of(fam[0])
    typo = bool(u[2] < rates.typo)
    if typo:
        if rng.random() < 0.5:
            given = make_typo(given, rng)
        else:
            fam[0] = make_typo(fam[0], rng)
    last = " ".join(fam)
    swapped = bool(u[3] < rates.swapped)
    first = given
    if swapped:
        first, last = last, first
    first, middle_s, last, full = _format(first, middle_s, last, pool.order, script, style)
    return WrittenName(first, middle_s, last, full, script, typo, transliterated, swapped,
                       shortened)


def write_birth_date(iso: str, missing: float, partial: float,
                     rng: np.random.Generator) -> tuple[str | None, str]:
    """A record's birth date (full, year-month, year or missing) and its precision."""
    u = rng.random()
    if u < missing:
        return None, "missing"
    if u < missing + partial:
        return (iso[:4], "year") if rng.random() < 0.5 else (iso[:7], "month")
    return iso, "full"
