"""The access rule, in one function: ``allowed(actor, action, resource)``.

A clearance is an agency, a TLP ceiling and the handling codes it may see (DESIGN.md §3):

* CLEAR — anyone;
* GREEN — any authenticated reader;
* AMBER — the owner agency, agencies it shared the source with, and members of panels it shared
  the source with;
* AMBER+STRICT — the owner agency only;
* RED — named recipients only.

On top of that the record's TLP must not exceed the reader's ceiling and its handling code, if
any, must be one the reader is permitted. Every read, analytic and export goes through
``allowed``; the store's SQL filters are built by evaluating it over the distinct label
combinations present, so the rule is never written twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tocta.schema.types.tlp import TLP_LEVELS, tlp_rank

ACTIONS = ("read", "export", "analyse")


@dataclass(frozen=True)
class Clearance:
    """A reader: user, agency, panels, TLP ceiling and permitted handling codes.

    ``handling=None`` permits every handling code; an empty set permits only records without one.
    """

    user: str | None = None
    agency: str | None = None
    panels: frozenset[str] = frozenset()
    tlp_ceiling: str = "RED"
    handling: frozenset[str] | None = None
    authenticated: bool = True

    @classmethod
    def public(cls) -> Clearance:
        """An anonymous reader: CLEAR only."""
        return cls(tlp_ceiling="CLEAR", authenticated=False, handling=frozenset())

    @classmethod
    def full(cls, user: str = "system") -> Clearance:
        """Everything: for the data owner's own administration of a local store."""
        return cls(user=user, agency=None, tlp_ceiling="RED", handling=None, unrestricted=True)

    unrestricted: bool = field(default=False, repr=False)

    def __post_init__(self) -> None:
        if self.tlp_ceiling not in TLP_LEVELS:
            raise ValueError(f"tlp_ceiling must be one of {TLP_LEVELS}")

    def describe(self) -> str:
        """One line for reports and logs."""
        if self.unrestricted:
            return f"full access ({self.user})"
        who = self.user or ("authenticated" if self.authenticated else "anonymous")
        agency = f" of {self.agency}" if self.agency else ""
        return f"{who}{agency}, up to TLP:{self.tlp_ceiling}"


@dataclass(frozen=True)
class Grants:
    """Who an owner agency shared a source with."""

    agencies: frozenset[str] = frozenset()
    panels: frozenset[str] = frozenset()
    users: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Labels:
    """The labels of a resource (a record, a source, a result) that access depends on."""

    tlp: str
    owner_agency: str | None = None
    handling: str | None = None
    source_id: str | None = None
    grants: Grants = Grants()


def allowed(actor: Clearance, action: str, resource: Labels) -> bool:
    """May ``actor`` perform ``action`` on a resource with these labels?

    Args:
        actor: the reader's clearance.
        action: one of ``read``, ``export``, ``analyse`` (all follow the same rule today; the
            argument exists so that later rules, e.g. export tiers, stay in this one place).
        resource: the labels of what is accessed.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; known: {ACTIONS}")
    if actor.unrestricted:
        return True
    if tlp_rank(resource.tlp) > tlp_rank(actor.tlp_ceiling):
        return False
    if (
        resource.handling is not None
        and actor.handling is not None
        and resource.handling not in actor.handling
    ):
        return False
    level = resource.tlp
    if level == "CLEAR":
        return True
    if level == "GREEN":
        return actor.authenticated
    own = actor.agency is not None and actor.agency == resource.owner_agency
    if level == "AMBER":
        return actor.authenticated and (
            own
            or (actor.agency is not None and actor.agency in resource.grants.agencies)
            or bool(actor.panels & resource.grants.panels)
        )
    if level == "AMBER+STRICT":
        return actor.authenticated and own
    # RED: named recipients only.
    return actor.authenticated and actor.user is not None and actor.user in resource.grants.users
