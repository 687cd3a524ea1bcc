"""Record identity (DESIGN.md §3) and the classification of a submission against the store.

Identity = source + the agency's own record id where given, else source + content hash +
occurrence number within the submission: two identical real rows in one file are two records,
and the same row in a later file of the same dataset is already present. The content hash
covers the cleaned content fields (not the labels), so the same fact written as ``1,000`` in
one file and ``1000`` in another is the same fact.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import polars_hash as plh

from tocta.schema.model import LABEL_FIELDS, RecordType

#: labels that must agree between a stored record and a re-submission of it
CONFLICT_LABELS = ("grade_scheme", "source_reliability", "info_credibility", "tlp",
                   "handling", "owner_agency")


def digest(texts: pl.Series) -> pl.Series:
    """BLAKE3 of each string, first 128 bits as 32 hex characters.

    A cryptographic hash with a fixed specification, so keys stay the same across library
    versions (polars' own ``hash`` does not promise that), computed in Rust by polars-hash.
    """
    frame = pl.DataFrame({"t": texts.fill_null("")})
    return frame.select(plh.col("t").chash.blake3().str.slice(0, 32))["t"]


def content_hashes(rt: RecordType, records: pl.DataFrame) -> pl.Series:
    """A stable hash of each record's cleaned content fields (not its labels or record id)."""
    parts = []
    for f in rt.content_fields:
        if f.name == rt.identity:
            continue
        column = pl.col(f.name)
        if f.multiple:
            column = column.list.join(";")
        parts.append(column.cast(pl.Utf8).fill_null("\x00"))
    joined = records.select(pl.concat_str(parts, separator="\x1f").alias("c"))["c"]
    return digest(joined).alias("content_hash")


@dataclass
class OccurrenceCounter:
    """Counts content hashes, and remembers agency record ids, across a submission's files."""

    earlier: list[pl.Series]  # content hashes of the files already numbered
    ids: pl.DataFrame         # record id, file, row of its first use

    @classmethod
    def new(cls) -> OccurrenceCounter:
        return cls([], pl.DataFrame(schema={"rid": pl.Utf8, "file": pl.Utf8, "row": pl.Int64}))

    def number(self, hashes: pl.Series) -> pl.Series:
        """Occurrence number (1, 2, ...) of each hash, continuing from earlier files."""
        frame = pl.DataFrame({"h": hashes}).with_row_index("pos")
        numbers = pl.Series("occurrence", [1] * frame.height, dtype=pl.Int64)
        # Only repeated hashes need counting; most submissions have few or none.
        repeated = frame.filter(pl.col("h").is_duplicated())
        if repeated.height:
            repeated = repeated.with_columns((pl.int_range(pl.len()).over("h") + 1).alias("n"))
            numbers = numbers.scatter(repeated["pos"], repeated["n"])
        if self.earlier:
            seen = pl.concat(self.earlier).value_counts(name="seen")
            seen = seen.rename({seen.columns[0]: "h"})
            prior = frame.join(seen, on="h", how="inner")
            if prior.height:
                numbers = numbers.scatter(
                    prior["pos"], numbers.gather(prior["pos"]) + prior["seen"].cast(pl.Int64))
        self.earlier.append(hashes)
        return numbers


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
    return digest(source_id + "\x1e" + basis).alias("record_key")


@dataclass
class Classified:
    """What to do with each accepted row of a submission."""

    insert: pl.Series          # bool mask over the prepared records
    already_present: pl.Series  # bool mask
    conflicts: pl.DataFrame    # position, code, message (rows that must be quarantined)
    supersede_ids: list[int]   # ids of stored records replaced by this submission


def classify(records: pl.DataFrame, existing: pl.DataFrame, replace: bool) -> Classified:
    """Compare prepared rows with the stored current records of the same source.

    Args:
        records: prepared rows (record_key, content_hash and the label fields).
        existing: stored current records of the source: id, record_key, content_hash, labels.
        replace: the submission supersedes the source's earlier records (``--replace``).
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
    conflicts = pl.DataFrame(conflict_rows, schema={"pos": pl.UInt32, "code": pl.Utf8,
                                                    "message": pl.Utf8})
    return Classified(insert, already, conflicts, sorted(set(supersede)))


def records_gone(existing: pl.DataFrame, submitted: list[pl.Series]) -> list[int]:
    """Ids of stored records whose key a replacing submission no longer contains."""
    if existing.height == 0:
        return []
    keys = pl.concat(submitted) if submitted else pl.Series([], dtype=pl.Utf8)
    gone = existing.filter(~pl.col("record_key").is_in(keys.implode()))
    return sorted(gone["id"].cast(pl.Int64).to_list())


__all__ = ["CONFLICT_LABELS", "LABEL_FIELDS", "Classified", "OccurrenceCounter", "classify",
           "content_hashes", "digest", "record_keys", "records_gone"]
