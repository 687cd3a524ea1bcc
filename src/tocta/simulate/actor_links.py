"""Relations inside one agency's records: Membership, Directorship, Ownership, Associate.

An agency writes a relation only when it holds both ends. Its flat CSV lists, for every
entity row, the ids of the entities that row is related to (``linked_records``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tocta.simulate.actor_entities import EntityWriter

ASSOCIATE_PAIRS = 2  # associate links an agency records among the members of one group
RELATIONSHIPS = ("associate", "business partner", "known contact", "friend")
ROLE_LABELS = {"organizer": "leader", "financier": "financier", "broker": "broker",
               "transporter": "transporter", "courier": "courier", "official": "contact"}


def _relate(w: EntityWriter, agency: str, schema: str, a: str, b: str, ends: tuple[str, str],
            props: dict[str, Any], group: str | None,
            links: dict[str, set[str]]) -> None:
    first, second = ends
    # Relations have no flat CSV row; they show as links on both ends' rows.
    w.add_row(agency, schema, f"{schema}:{a}:{b}",
              {first: w.eid(agency, a), second: w.eid(agency, b), **props},
              group_id=group, role=schema.lower())
    links.setdefault(a, set()).add(w.eid(agency, b))
    links.setdefault(b, set()).add(w.eid(agency, a))


def write_links(w: EntityWriter, agency: str, known: set[str], orgs: dict[str, str],
                start: int) -> None:
    """Write the relations among what ``agency`` knows and fill its rows' ``linked_records``."""
    links: dict[str, set[str]] = {}
    persons = sorted(k for k in known if k.startswith("P"))
    members: dict[str, list[str]] = {}
    for pid in persons:
        p = w.people[pid]
        gid = p["group_id"]
        if gid in orgs and p["role"] != "official":
            role = ROLE_LABELS[p["role"]] if w.chance(0.6) else None
            _relate(w, agency, "Membership", pid, gid, ("member", "organization"),
                    {"role": role}, gid, links)
        if gid and p["role"] != "official":
            members.setdefault(gid, []).append(pid)
    for cid in sorted(k for k in known if k.startswith("C")):
        c = w.companies[cid]
        for director in c["director_ids"]:
            if director in known:
                _relate(w, agency, "Directorship", director, cid, ("director", "organization"),
                        {"role": "director"}, c["group_id"], links)
        if c["owner_id"] in known:
            _relate(w, agency, "Ownership", c["owner_id"], cid, ("owner", "asset"),
                    {"percentage": "100"}, c["group_id"], links)
    for vid in sorted(k for k in known if k.startswith("V")):
        v = w.vessels[vid]
        if v["owner_id"] in known:
            _relate(w, agency, "Ownership", v["owner_id"], vid, ("owner", "asset"),
                    {"role": "registered owner"}, v["group_id"], links)
    for aid in sorted(k for k in known if k.startswith("A")):
        x = w.accounts[aid]
        if x["holder_id"] in known:
            _relate(w, agency, "Ownership", x["holder_id"], aid, ("owner", "asset"),
                    {"role": "account holder"}, x["group_id"], links)
    for pid in persons:
        p = w.people[pid]
        if p["role"] != "official":
            continue
        for other in members.get(p["group_id"], []):
            if w.people[other]["role"] == "organizer":
                _relate(w, agency, "Associate", pid, other, ("person", "associate"),
                        {"relationship": "associate"}, p["group_id"], links)
    for gid, ids in sorted(members.items()):
        done: set[tuple[str, str]] = set()
        for _ in range(ASSOCIATE_PAIRS if len(ids) >= 2 else 0):
            i, j = sorted(int(x) for x in w.rng.choice(len(ids), size=2, replace=False))
            rel = RELATIONSHIPS[int(w.rng.integers(len(RELATIONSHIPS)))]
            if (ids[i], ids[j]) not in done:
                done.add((ids[i], ids[j]))
                _relate(w, agency, "Associate", ids[i], ids[j], ("person", "associate"),
                        {"relationship": rel}, gid, links)
    for row in w.rows[start:]:
        if row["true_id"] in links and ":" not in row["true_id"]:
            row["linked_records"] = ";".join(sorted(links[row["true_id"]]))
