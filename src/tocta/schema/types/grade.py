"""Grades of information: four schemes mapped onto one ordinal scale.

Each scheme keeps its own letters and numbers (stored as the source gave them, with the scheme
named). For comparisons across schemes — thresholds such as "B2 or better" and "no stronger than
the weakest critical input" — both halves are mapped onto the Admiralty (NATO) scale, kept
separate:

* source reliability rank 1..6 = A (completely reliable) .. E (unreliable), F (cannot be judged)
* information credibility rank 1..6 = 1 (confirmed) .. 5 (improbable), 6 (cannot be judged)

"Cannot be judged" ranks lowest (6): a figure resting on an untested source claims no more
confidence than one resting on an unreliable one. The mapping is documented in
``docs/concepts/grades.md`` and tested.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SCHEMES: tuple[str, ...] = ("admiralty", "5x5x5", "3x5x2", "europol4x4")

# scheme -> (reliability code -> common rank, credibility code -> common rank)
_MAPS: dict[str, tuple[dict[str, int], dict[str, int]]] = {
    # NATO/Admiralty: A-F, 1-6. Identity.
    "admiralty": (
        {"A": 1, "B": 2, "C": 3, "D": 4, "E": 5, "F": 6},
        {"1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6},
    ),
    # UK 5x5x5 (ACPO 2008): source A always reliable, B mostly, C sometimes, D unreliable,
    # E untested; intelligence 1 known directly, 2 known indirectly but corroborated,
    # 3 known indirectly, 4 not known, 5 suspected false.
    "5x5x5": (
        {"A": 1, "B": 2, "C": 3, "D": 5, "E": 6},
        {"1": 1, "2": 2, "3": 3, "4": 6, "5": 5},
    ),
    # UK 3x5x2 (NIM 2016): source 1 reliable, 2 untested, 3 not reliable; intelligence
    # A known directly, B known indirectly and corroborated, C known indirectly,
    # D not known, E suspected false. Note: the scheme puts the number first.
    "3x5x2": (
        {"1": 2, "2": 6, "3": 5},
        {"A": 1, "B": 2, "C": 3, "D": 6, "E": 5},
    ),
    # Europol 4x4: source A no doubt, B mostly reliable, C mostly not reliable, X cannot be
    # assessed; information 1 true without reservation, 2 known personally to the source,
    # 3 not known personally but corroborated, 4 not known personally, not corroborated.
    "europol4x4": (
        {"A": 1, "B": 2, "C": 4, "X": 6},
        {"1": 1, "2": 2, "3": 3, "4": 4},
    ),
}

_SCHEME_ALIASES = {
    "admiralty": "admiralty", "nato": "admiralty", "6x6": "admiralty", "stanag2511": "admiralty",
    "5x5x5": "5x5x5", "555": "5x5x5", "3x5x2": "3x5x2", "352": "3x5x2",
    "europol4x4": "europol4x4", "europol": "europol4x4", "4x4": "europol4x4",
}


@dataclass(frozen=True)
class Grade:
    """A grade as the source gave it, with its ranks on the common scale."""

    scheme: str
    source_reliability: str
    info_credibility: str

    @property
    def reliability_rank(self) -> int:
        return _MAPS[self.scheme][0][self.source_reliability]

    @property
    def credibility_rank(self) -> int:
        return _MAPS[self.scheme][1][self.info_credibility]

    @property
    def code(self) -> str:
        """The grade as written in its scheme, e.g. ``B2``, or ``1B`` in 3x5x2 (whose
        reliability half is the digit)."""
        return f"{self.source_reliability}{self.info_credibility}"

    def __str__(self) -> str:
        return f"{self.scheme}:{self.code}"

    def meets(self, reliability_rank: int, credibility_rank: int) -> bool:
        """True when both halves are at least as strong as the given ranks (lower is stronger)."""
        return (
            self.reliability_rank <= reliability_rank
            and self.credibility_rank <= credibility_rank
        )


def parse_scheme(raw: str) -> str | None:
    """Canonical scheme name, or None."""
    key = re.sub(r"[\s_\-]+", "", raw.strip().lower())
    return _SCHEME_ALIASES.get(key)


def parse_grade(raw: str, scheme: str | None = None) -> Grade | None:
    """Parse ``SCHEME:CODE`` (``admiralty:B2``, ``3x5x2:1B``) or a bare code with ``scheme``.

    Returns None when the scheme is unknown or the code is not valid in that scheme.
    """
    text = raw.strip()
    if ":" in text:
        head, _, text = text.partition(":")
        scheme = parse_scheme(head)
    elif scheme is not None:
        scheme = parse_scheme(scheme)
    if scheme is None:
        return None
    code = re.sub(r"[\s/\-]+", "", text).upper()
    if len(code) != 2:
        return None
    rel_map, cred_map = _MAPS[scheme]
    first, second = code[0], code[1]
    if first in rel_map and second in cred_map:
        return Grade(scheme, first, second)
    # Accept the halves in either order (e.g. "2B" for admiralty B2) — the alphabets never
    # overlap within a scheme, so the reading is unambiguous.
    if second in rel_map and first in cred_map:
        return Grade(scheme, second, first)
    return None


def make_grade(scheme: str, reliability: str, credibility: str) -> Grade | None:
    """Grade from its parts, or None when a part is not valid in the scheme."""
    canonical = parse_scheme(scheme)
    if canonical is None:
        return None
    rel, cred = reliability.strip().upper(), credibility.strip().upper()
    rel_map, cred_map = _MAPS[canonical]
    if rel in rel_map and cred in cred_map:
        return Grade(canonical, rel, cred)
    return None


def weakest_grade_ranks(grades: list[Grade]) -> tuple[int, int]:
    """Common-scale ranks of the weakest input: the highest rank of each half."""
    if not grades:
        return (6, 6)
    return (max(g.reliability_rank for g in grades), max(g.credibility_rank for g in grades))


def scheme_codes(scheme: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Valid reliability and credibility codes of a scheme (for templates and docs)."""
    rel_map, cred_map = _MAPS[scheme]
    return tuple(rel_map), tuple(cred_map)


def rank_to_admiralty(reliability_rank: int, credibility_rank: int) -> str:
    """The common-scale ranks written as an Admiralty code, e.g. (2, 2) → ``B2``."""
    return "ABCDEF"[reliability_rank - 1] + str(credibility_rank)
