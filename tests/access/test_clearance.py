"""The one access rule: a case table over TLP, agency, grants and handling."""

from __future__ import annotations

import pytest

from tocta.access.clearance import Clearance, Grants, Labels, allowed

SHARED = Grants(agencies=frozenset({"NCB-GH"}), panels=frozenset({"panel-1267"}),
                users=frozenset({"alice"}))
OWNER = "NCB-SN"

CASES = [
    # (tlp, clearance, expected)
    ("CLEAR", Clearance.public(), True),
    ("GREEN", Clearance.public(), False),
    ("GREEN", Clearance(agency="anyone"), True),
    ("AMBER", Clearance(agency=OWNER), True),
    ("AMBER", Clearance(agency="NCB-GH"), True),
    ("AMBER", Clearance(agency="NCB-CI"), False),
    ("AMBER", Clearance(agency="UN", panels=frozenset({"panel-1267"})), True),
    ("AMBER+STRICT", Clearance(agency="NCB-GH"), False),
    ("AMBER+STRICT", Clearance(agency=OWNER), True),
    ("RED", Clearance(agency=OWNER, user="bob"), False),
    ("RED", Clearance(agency="NCB-GH", user="alice"), True),
    ("AMBER", Clearance(agency=OWNER, tlp_ceiling="GREEN"), False),
    ("RED", Clearance(user="alice", tlp_ceiling="AMBER"), False),
]


@pytest.mark.parametrize(("tlp", "clearance", "expected"), CASES,
                         ids=[f"{c[0]}-{c[1].describe()}" for c in CASES])
def test_allowed(tlp: str, clearance: Clearance, expected: bool) -> None:
    labels = Labels(tlp=tlp, owner_agency=OWNER, grants=SHARED)
    assert allowed(clearance, "read", labels) is expected


def test_handling_codes_must_be_permitted() -> None:
    labels = Labels(tlp="GREEN", owner_agency=OWNER, handling="LE-ONLY")
    assert allowed(Clearance(agency="x"), "read", labels)  # None = all handling permitted
    assert not allowed(Clearance(agency="x", handling=frozenset({"P"})), "read", labels)
    assert allowed(Clearance(agency="x", handling=frozenset({"LE-ONLY"})), "read", labels)


def test_full_access_sees_everything() -> None:
    assert allowed(Clearance.full(), "export", Labels(tlp="RED", owner_agency=OWNER))


def test_unknown_action_is_a_code_error() -> None:
    with pytest.raises(ValueError, match="unknown action"):
        allowed(Clearance.public(), "delete", Labels(tlp="CLEAR"))
