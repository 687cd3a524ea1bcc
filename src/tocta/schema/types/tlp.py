"""TLP 2.0 labels (FIRST Traffic Light Protocol, version 2.0).

The order CLEAR < GREEN < AMBER < AMBER+STRICT < RED is used for clearance ceilings and for
"a result carries the strictest TLP of its inputs".
"""

from __future__ import annotations

import re
from collections.abc import Iterable

TLP_LEVELS: tuple[str, ...] = ("CLEAR", "GREEN", "AMBER", "AMBER+STRICT", "RED")
_RANK = {level: i for i, level in enumerate(TLP_LEVELS)}
# TLP 1.0 WHITE became CLEAR in TLP 2.0; agencies still send it.
_ALIASES = {"WHITE": "CLEAR", "AMBERSTRICT": "AMBER+STRICT", "STRICT": "AMBER+STRICT"}


def parse_tlp(raw: str | None) -> str | None:
    """Return the canonical TLP 2.0 label for ``raw`` or None when it is not a TLP label.

    Accepts ``TLP:AMBER``, ``amber``, ``TLP:WHITE`` (→ CLEAR), ``Amber Strict``.

    Args:
        raw: the label as written by the source.
    """
    if raw is None:
        return None
    text = raw.strip().upper()
    text = re.sub(r"^TLP\s*[:\-_ ]\s*", "", text)
    compact = re.sub(r"[\s_\-+]+", "", text)
    if compact in _ALIASES:
        return _ALIASES[compact]
    if compact == "AMBERSTRICT":
        return "AMBER+STRICT"
    return text if text in _RANK else None


def tlp_rank(level: str) -> int:
    """Rank of a canonical label: 0 for CLEAR up to 4 for RED."""
    return _RANK[level]


def strictest_tlp(levels: Iterable[str]) -> str:
    """The strictest of the given labels (CLEAR when none are given)."""
    ranked = [_RANK[level] for level in levels]
    return TLP_LEVELS[max(ranked)] if ranked else "CLEAR"
