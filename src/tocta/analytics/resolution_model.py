"""The Splink model of entity resolution: blocking rules and comparisons (DuckDB SQL).

Comparisons (each a feature with its levels, from strongest to weakest; a level's m and u
probabilities are estimated, so its Bayes factor is learnt, not set):

* ``name`` over the token keys of ``resolution_features``: a token of one name *meets* a
  token of the other when the folded tokens are equal, or one edit apart (tokens of four
  letters or more), or their metaphones are equal, or — when one of the names was written
  in another script — their consonant skeletons (two letters or more) are equal (between
  two Latin names skeletons are too loose: Maria and Omar are both ``mr``). Levels: same
  sorted tokens (term-frequency adjusted, so that a common name proves
  less) → every token of the shorter name is in the longer one (a dropped middle name) →
  every token of the shorter name is *close* to one (equal, one edit apart, or across
  scripts the same metaphone or skeleton: a typo, another romanization or script) → every
  token of the shorter name *meets* one (also the same metaphone between Latin names:
  Rizzo ~ Russo) → two tokens meet → one token meets → else.
* ``birth_date`` over year, month and day kept apart: same full date → same year and month,
  one side has no day → same year, one side has no month → full dates one digit or a
  day/month swap apart → else (a conflict). Missing on either side is neutral.
* ``identifiers``: a shared ``type:value`` → both sides hold an identifier of the same type
  but none is shared (a conflict) → no identifier type in common (neutral).
* ``nationality`` and ``country`` (of residence) as **one** comparison, because they are not
  independent (most people live in the country whose passport they hold, so two strangers
  of one nationality often share a residence too; two separate comparisons would count that
  twice): both equal → nationality equal, residence unknown → nationality equal, residence
  different (people move) → nationality unknown, residence equal → nationality unknown,
  residence different → nationality different, residence equal → else (nationality
  different). Missing both on either side is neutral.
* ``gender``, ``address`` (folded, exact): equal → different; missing is neutral.

Blocking (a pair is scored when any rule holds, always within one FtM schema): a shared
identifier; the same sorted tokens, or a shared pair of phonetic keys or of skeletons, when
the birth dates do not contradict (``DATES_AGREE``: a year missing, years at most one apart,
or the same day and month); a shared phonetic key and the same birth year (``year_keys``).
Names alike with
birth years further apart were a third of all candidate pairs and almost never one person
(on the three accuracy worlds 0.7–1.1 million such pairs, 36–39 of them one person; of the
1–19 accepted at 0.9, 0–3 true); their use was as conflicts, and the conflicts clustering
needs are scored by ``resolution.close_components`` instead. Pair keys and year keys held
by more than ``resolution_features.MAX_KEY_RECORDS`` records are dropped, so no block grows
with the input (a frequent mononym, or a frequent name part with a birth year, would
otherwise pair every holder with every other).
"""

from __future__ import annotations

import copy
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule

DIALECTS = ("duckdb", "spark")


def _one_edit(a: str, b: str, dialect: str) -> str:
    """``a`` and ``b`` one Damerau edit apart at most (a letter added, dropped, replaced,
    or two adjacent letters swapped).

    Spark has no Damerau–Levenshtein built in (Splink's Scala jar has one, but only on a
    session started with the jar): Levenshtein at most 1, or the same length and one
    position ``i`` where the two letters are swapped and all else is equal. At a
    threshold of one edit this is exactly DuckDB's ``damerau_levenshtein(a, b) <= 1``.
    """
    if dialect == "duckdb":
        return f"damerau_levenshtein({a}, {b}) <= 1"
    swap = (f"exists(sequence(1, length({a}) - 1), i -> "
            f"substring({a}, 1, i - 1) = substring({b}, 1, i - 1) AND "
            f"substring({a}, i, 1) = substring({b}, i + 1, 1) AND "
            f"substring({a}, i + 1, 1) = substring({b}, i, 1) AND "
            f"substring({a}, i + 2) = substring({b}, i + 2))")
    return f"(levenshtein({a}, {b}) <= 1 OR (length({a}) = length({b}) AND {swap}))"


def close(dialect: str = "duckdb") -> str:
    """Tokens ``x`` and ``y`` are close: equal, one edit apart, or (across scripts) the
    same metaphone or skeleton."""
    return ("(x.t = y.t OR (length(x.t) >= 4 AND length(y.t) >= 4 AND "
            f"{_one_edit('x.t', 'y.t', dialect)}) OR (NOT (x.l AND y.l) AND (x.p = y.p OR "
            "(length(x.s) >= 2 AND x.s = y.s))))")


def meet(dialect: str = "duckdb") -> str:
    """Tokens meet: close, or the same metaphone between Latin names (Rizzo ~ Russo)."""
    return f"({close(dialect)} OR x.p = y.p)"


def _size(array: str, dialect: str, duckdb: str = "length") -> str:
    # DuckDB's spelling (length or len, both used below) is kept as it was written
    return f"size({array})" if dialect == "spark" else f"{duckdb}({array})"


def _met(side: str, other: str, test: str, dialect: str) -> str:
    """Number of tokens of ``side`` that meet a token of ``other``."""
    if dialect == "spark":
        return f"size(filter(name_toks_{side}, x -> exists(name_toks_{other}, y -> {test})))"
    return (f"length(list_filter(name_toks_{side}, lambda x: list_bool_or("
            f"list_transform(name_toks_{other}, lambda y: {test}))))")


def _shorter_all(met_l: str, met_r: str, dialect: str) -> str:
    n_l, n_r = _size("name_toks_l", dialect), _size("name_toks_r", dialect)
    return (f"(({n_l} <= {n_r} AND {met_l} = {n_l})"
            f" OR ({n_r} < {n_l} AND "
            f"{met_r} = {n_r}))")


def _token_subset(dialect: str) -> str:
    """Every token of the shorter name is in the longer (by text)."""
    if dialect == "spark":
        return ("(size(array_intersect(transform(name_toks_l, x -> x.t), "
                "transform(name_toks_r, y -> y.t))) = "
                "least(size(name_toks_l), size(name_toks_r)))")
    return ("(len(list_intersect(list_transform(name_toks_l, lambda x: x.t), "
            "list_transform(name_toks_r, lambda y: y.t))) = "
            "least(len(name_toks_l), len(name_toks_r)))")


def _shares_any(left: str, right: str, dialect: str) -> str:
    fn = "arrays_overlap" if dialect == "spark" else "list_has_any"
    return f"{fn}({left}, {right})"


def _shared(left: str, right: str, dialect: str) -> str:
    """Number of distinct elements in both arrays."""
    if dialect == "spark":
        return f"size(array_intersect({left}, {right}))"
    return f"len(list_intersect({left}, {right}))"


def _check_dialect(dialect: str) -> None:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown SQL dialect {dialect!r}: use one of {', '.join(DIALECTS)}")


def name_comparison(dialect: str = "duckdb") -> cl.CustomComparison:
    """Names across scripts, orders, typos and dropped parts (see the module docstring)."""
    _check_dialect(dialect)
    loose, near = meet(dialect), close(dialect)
    met_l, met_r = _met("l", "r", loose, dialect), _met("r", "l", loose, dialect)
    near_l, near_r = _met("l", "r", near, dialect), _met("r", "l", near, dialect)
    subset = _token_subset(dialect)
    min2 = (f"least({_size('name_toks_l', dialect, 'len')}, "
            f"{_size('name_toks_r', dialect, 'len')}) >= 2")
    # the token-by-token test is costly: run it only where some token can meet at all
    can = _shares_any("meet_keys_l", "meet_keys_r", dialect)
    # fuzzy levels are frequency-adjusted too, on the commoner of the two written names:
    # "Mohamad Rezai" ~ "Mohammad Rezaei" proves little where Mohammad Rezaei is common
    tf: dict[str, Any] = {"tf_adjustment_column": "name_key", "tf_adjustment_weight": 1.0}
    return cl.CustomComparison(
        output_column_name="name",
        comparison_levels=[
            cll.NullLevel("name_toks"),
            cll.ExactMatchLevel("name_key").configure(
                tf_adjustment_column="name_key", tf_adjustment_weight=1.0,
                label_for_charts="same tokens in any order"),
            cll.CustomLevel(f"{can} AND {min2} AND {subset}",
                            "every token of the shorter name in the longer"),
            cll.CustomLevel(f"{can} AND {min2} AND "
                            f"{_shorter_all(near_l, near_r, dialect)}",
                            "every token of the shorter name is close to one (typo, "
                            "romanization, script)").configure(**tf),
            cll.CustomLevel(f"{can} AND {min2} AND {_shorter_all(met_l, met_r, dialect)}",
                            "every token of the shorter name sounds like one").configure(**tf),
            cll.CustomLevel(f"{can} AND greatest({met_l}, {met_r}) >= 2", "two tokens meet"),
            # meeting is symmetric: some token of the left meets one of the right exactly
            # when some token of the right meets one of the left (one pass, not two)
            cll.CustomLevel(f"{can} AND {met_l} >= 1", "one token meets"),
            cll.ElseLevel(),
        ],
        comparison_description="name tokens (transliterated, order-free)",
    )


def birth_date_comparison() -> cl.CustomComparison:
    """Partial birth dates: a missing part never conflicts (see the module docstring)."""
    full = ("dob_m_l IS NOT NULL AND dob_m_r IS NOT NULL AND dob_d_l IS NOT NULL AND "
            "dob_d_r IS NOT NULL")
    one_off = (f"{full} AND ((dob_y_l = dob_y_r)::INT + (dob_m_l = dob_m_r)::INT + "
               "(dob_d_l = dob_d_r)::INT = 2 OR (dob_y_l = dob_y_r AND dob_m_l = dob_d_r "
               "AND dob_d_l = dob_m_r))")
    return cl.CustomComparison(
        output_column_name="birth_date",
        comparison_levels=[
            cll.CustomLevel("dob_y_l IS NULL OR dob_y_r IS NULL", "missing").configure(
                is_null_level=True),
            cll.CustomLevel(f"{full} AND dob_y_l = dob_y_r AND dob_m_l = dob_m_r AND "
                            "dob_d_l = dob_d_r", "same full date"),
            cll.CustomLevel("dob_y_l = dob_y_r AND dob_m_l = dob_m_r AND "
                            "(dob_d_l IS NULL OR dob_d_r IS NULL)",
                            "same year and month (a day missing)"),
            cll.CustomLevel("dob_y_l = dob_y_r AND (dob_m_l IS NULL OR dob_m_r IS NULL)",
                            "same year (a month missing)"),
            cll.CustomLevel(one_off, "one part different or day/month swapped"),
            cll.ElseLevel(),
        ],
        comparison_description="birth date (partial dates compatible)",
    )


def identifier_comparison(dialect: str = "duckdb") -> cl.CustomComparison:
    """Passport, national id, IMO, IBAN, registration number: equal, conflicting or none."""
    _check_dialect(dialect)
    return cl.CustomComparison(
        output_column_name="identifiers",
        comparison_levels=[
            cll.CustomLevel("ids_l IS NULL OR ids_r IS NULL OR "
                            f"{_shared('id_types_l', 'id_types_r', dialect)} = 0",
                            "no identifier of a common type").configure(is_null_level=True),
            cll.CustomLevel(f"{_shared('ids_l', 'ids_r', dialect)} > 0",
                            "a shared identifier"),
            cll.ElseLevel(),
        ],
        comparison_description="identifiers of the same type",
    )


def origin_comparison() -> cl.CustomComparison:
    """Nationality and country of residence, jointly (see the module docstring)."""
    nat_eq, nat_na = "nationality_l = nationality_r", \
        "(nationality_l IS NULL OR nationality_r IS NULL)"
    res_eq, res_na = "country_l = country_r", "(country_l IS NULL OR country_r IS NULL)"
    return cl.CustomComparison(
        output_column_name="nationality",
        comparison_levels=[
            cll.CustomLevel(f"{nat_na} AND {res_na}", "missing").configure(
                is_null_level=True),
            cll.CustomLevel(f"{nat_eq} AND {res_eq}", "same nationality and residence"),
            cll.CustomLevel(f"{nat_eq} AND {res_na}", "same nationality (residence unknown)"),
            cll.CustomLevel(nat_eq, "same nationality, another residence"),
            cll.CustomLevel(f"{nat_na} AND {res_eq}", "same residence (nationality unknown)"),
            cll.CustomLevel(nat_na, "another residence (nationality unknown)"),
            cll.CustomLevel(res_eq, "another nationality, same residence"),
            cll.ElseLevel(),
        ],
        comparison_description="nationality and country of residence",
    )


#: blocking: the birth dates of two records do not contradict — a year is missing, the years
#: are at most one apart, or day and month are the same (a typo in the year)
DATES_AGREE = ("(l.dob_y IS NULL OR r.dob_y IS NULL OR abs(l.dob_y - r.dob_y) <= 1 OR "
               "(l.dob_m = r.dob_m AND l.dob_d = r.dob_d))")


def blocking_rules() -> list[Any]:
    """The rules that generate candidate pairs (see the module docstring)."""
    return [
        block_on("schema", "ids", arrays_to_explode=["ids"]),
        CustomRule(f"l.schema = r.schema AND l.name_key = r.name_key AND {DATES_AGREE}"),
        CustomRule(f"l.schema = r.schema AND l.pair_keys = r.pair_keys AND {DATES_AGREE}",
                   arrays_to_explode=["pair_keys"]),
        block_on("schema", "year_keys", arrays_to_explode=["year_keys"]),
    ]


def prior_rules() -> list[Any]:
    """Deterministic rule for the prior: a shared identifier."""
    return [block_on("ids", arrays_to_explode=["ids"])]


def training_rules(dialect: str = "duckdb") -> list[Any]:
    """EM sessions: one blocked on a shared identifier, one on the full birth date.

    Each session trains the m of every comparison but the one it blocks on. Pairs sharing a
    passport or national id are nearly all matches, so they teach how a person's name, date,
    nationality and gender vary across records; pairs born on one day teach names and
    identifiers. A session blocked on the sorted name is not used: where a few names are
    common, most such pairs are homonyms and EM takes them for matches (different birth
    dates and identifiers then look like no evidence against a match).
    """
    # the first identifier (sorted) stands for all: EM cannot explode arrays (Splink does
    # not translate the index: DuckDB counts from 1, Spark from 0)
    _check_dialect(dialect)
    first = "ids[0]" if dialect == "spark" else "ids[1]"
    return [block_on(first), block_on("dob_y", "dob_m", "dob_d")]


def settings(prior: float = 1e-4, dialect: str = "duckdb") -> SettingsCreator:
    """Splink settings of tocta's model (dedupe over one table of records).

    Args:
        prior: probability that two random records match (estimated in training).
        dialect: the SQL of the comparisons, ``duckdb`` or ``spark`` (the same model; only
            the spelling of list functions and the one-edit test differ).
    """
    _check_dialect(dialect)
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=[name_comparison(dialect), birth_date_comparison(),
                     identifier_comparison(dialect),
                     origin_comparison(), cl.ExactMatch("gender"),
                     cl.ExactMatch("address")],
        blocking_rules_to_generate_predictions=blocking_rules(),
        probability_two_random_records_match=prior,
        retain_intermediate_calculation_columns=True,
        retain_matching_columns=True,   # the gamma (level) columns
        additional_columns_to_retain=["name"],
    )


def translate_settings(trained: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A trained model's settings with the SQL of ``dialect`` (m, u and prior kept).

    A model trained on one backend scores on the other: only the SQL conditions, the
    blocking rules and the dialect are replaced, level by level, by those of
    ``settings(dialect=dialect)``.
    """
    _check_dialect(dialect)
    if trained.get("sql_dialect") == dialect:
        return trained
    fresh = settings(dialect=dialect).get_settings(dialect).as_dict()
    out = copy.deepcopy(trained)
    for comp, new in zip(out["comparisons"], fresh["comparisons"], strict=True):
        if comp["output_column_name"] != new["output_column_name"]:
            raise ValueError(f"the trained model has comparison {comp['output_column_name']!r} "
                             f"where tocta's model has {new['output_column_name']!r}")
        for level, new_level in zip(comp["comparison_levels"], new["comparison_levels"],
                                    strict=True):
            level["sql_condition"] = new_level["sql_condition"]
    out["blocking_rules_to_generate_predictions"] = fresh["blocking_rules_to_generate_predictions"]
    out["sql_dialect"] = dialect
    return out
