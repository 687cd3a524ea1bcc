"""Record identity (DESIGN.md §3) and the classification of a submission against the store.

Identity = source + the agency's own record id where given, else source + content hash +
occurrence number within the submission: two identical real rows in one file are two records,
and the same row in a later file of the same dataset is already present. The content hash
covers the cleaned content fields (not the labels), so the same fact written as ``1,000`` in
one file and ``1000`` in another is the same fact.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import polars as pl

from tocta.schema.model import LABEL_FIELDS, RecordType

#: labels that must agree between a stored record and a re-submission of it
CONFLICT_LABELS = ("grade_scheme", "source_reliability", "info_credibility", "tlp",
                   "handling", "owner_agency")


def _digest(texts: list[str | None]) -> list[str]:
    return [hashlib.blake2b((t or "").encode(), digest_size=16).hexdigest() for t in texts]


def content_hashes(rt: RecordType, records: pl.DataFrame) -> pl.Series:
    """A stable hash of each record's cleaned content fields."""
    parts = []
    for f in rt.content_fields:
        if f.name == rt.identity:
            continue
        column = pl.col(f.name)
        if f.multiple:
            column = column.list.join(";")
        parts.append(column.cast(pl.Utf8).fill_null("\x00"))
    joined = records.select(pl.concat_str(parts, separator="\x1f").alias("c"))["c"]
    return pl.Series("content_hash", _digest(joined.to_list()), dtype=pl.Utf8)


@dataclass
class OccurrenceCounter:
    """Counts content hashes, and remembers agency record ids, across a submission's files."""

    seen: dict[str, int]
    ids: dict[str, tuple[str, int]]  # record id -> (file, spreadsheet row) of first use

    @classmethod
    def new(cls) -> OccurrenceCounter:
        return cls({}, {})

    def number(self, hashes: pl.Series) -> pl.Series:
        """Occurrence number (1, 2, ...) of each hash, continuing from earlier files."""
        out: list[int] = []
        seen = self.seen
        for h in hashes.to_list():
            n = seen.get(h, 0) + 1
            seen[h] = n
            out.append(n)
        return pl.Series("occurrence", out, dtype=pl.Int64)


def record_keys(source_id: str, record_ids: pl.Series | None, hashes: pl.Series,
                occurrences: pl.Series) -> pl.Series:
    """The record key of each row: by agency record id when given, else by content."""
    by_content = ("h\x1f" + hashes + "\x1f" + occurrences.cast(pl.Utf8))
    if record_ids is not None:
        basis = pl.select(
            pl.when(record_ids.is_not_null()).then("i\x1f" + record_ids).otherwise(by_content)
        ).to_series()
    else:
        basis = by_content
    keyed = (source_id + "\x1e" + basis).to_list()
    return pl.Series("record_key", _digest(keyed), dtype=pl.Utf8)


@dataclass
class Classified:
    """What to do with each accepted row of a submission."""

    insert: pl.Series          # bool mask over the prepared records
    already_present: pl.Series  # bool mask
    conflicts: pl.DataFrame    # position, code, message (rows that must be quarantined)
    supersede_ids: list[int]   # ids of stored records replaced by this submission


def classify(
    records: pl.DataFrame, existing: pl.DataFrame, replace: bool, submission_keys: set[str]
) -> Classified:
    """Compare prepared rows with the stored current records of the same source.

    Args:
        records: prepared rows (record_key, content_hash and the label fields).
        existing: stored current records of the source: id, record_key, content_hash, labels.
        replace: the submission supersedes the source's earlier records (``--replace``).
        submission_keys: every key of the whole submission (all files), to know which stored
            records a replacing submission no longer contains.
    """
    n = records.height
    left = records.select(["record_key", "content_hash", *CONFLICT_LABELS]).with_row_index("pos")
    right = existing.select(
        pl.col("id"), pl.col("record_key"), pl.col("content_hash").alias("_hash"),
        *[pl.col(c).alias(f"_{c}") for c in CONFLICT_LABELS],
    )
    joined = left.join(right, on="record_key", how="left", maintain_order="left")
    present = joined["id"].is_not_null()
    label_differs = pl.Series([False] * n, dtype=pl.Boolean)
    for c in CONFLICT_LABELS:
        a, b = joined[c].cast(pl.Utf8), joined[f"_{c}"].cast(pl.Utf8)
        differs = (a.fill_null("\x00") != b.fill_null("\x00")) & present
        label_differs = label_differs | differs
    content_differs = present & (joined["content_hash"] != joined["_hash"]).fill_null(False)
    conflict_rows: list[dict[str, object]] = []
    supersede: list[int] = []
    insert = ~present
    already = present & ~label_differs & ~content_differs
    if label_differs.any():
        for pos in joined.filter(label_differs)["pos"].to_list():
            conflict_rows.append({
                "pos": pos, "code": "label_conflict",
                "message": "already stored with other labels (grade/TLP/handling/owner); "
                           "labels are not overwritten: correct the labels or re-submit "
                           "with --replace",
            })
    changed = content_differs & ~label_differs
    if changed.any():
        if replace:
            insert = insert | changed
            supersede.extend(joined.filter(changed)["id"].cast(pl.Int64).to_list())
        else:
            for pos in joined.filter(changed)["pos"].to_list():
                conflict_rows.append({
                    "pos": pos, "code": "record_changed",
                    "message": "a record with this id is stored with other values; use "
                               "--replace to supersede it (history is kept)",
                })
    if replace and existing.height:
        gone = existing.filter(~pl.col("record_key").is_in(list(submission_keys)))
        supersede.extend(gone["id"].cast(pl.Int64).to_list())
    conflicts = pl.DataFrame(conflict_rows, schema={"pos": pl.UInt32, "code": pl.Utf8,
                                                    "message": pl.Utf8})
    return Classified(insert, already, conflicts, sorted(set(supersede)))


__all__ = ["CONFLICT_LABELS", "LABEL_FIELDS", "Classified", "OccurrenceCounter", "classify",
           "content_hashes", "record_keys"]
