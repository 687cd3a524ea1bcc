"""Entity resolution: features, hand-made pairs, judgements, and a small simulated world."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import polars as pl
import pytest

from tests.analytics.resolution_world import SIM_SEED, pairwise, simulated_entities
from tocta.analytics.resolution import (
    Closure,
    ResolutionModel,
    ResolutionParams,
    close_components,
    estimate_id_recall,
    explain_row,
    resolve_records,
    score_chunk,
)
from tocta.analytics.resolution_clusters import (
    ClusterParams,
    Judgement,
    cluster_judgements,
    latest_judgements,
)
from tocta.analytics.resolution_features import (
    name_tokens,
    parse_partial_date,
    prepare_records,
    skeleton,
)


@pytest.mark.parametrize(("a", "b"), [
    ("GÓMEZ RESTREPO, Juan Carlos", "Juan Carlos Gomez Restrepo"),
    ("Муhammed Ali", "Muhammed ALI"),
    ("Олусегун Обасанджо", "Olusegun Obasandzho"),
], ids=["order-and-accents", "cyrillic-mixed", "cyrillic"])
def test_name_tokens_fold_order_and_script(a: str, b: str) -> None:
    assert sorted(name_tokens(a)) == sorted(name_tokens(b))


def test_skeleton_meets_abjad_spelling() -> None:
    # Arabic script writes no short vowels: محمد transliterates to mhmd
    arabic = [skeleton(t) for t in name_tokens("محمد")]
    assert arabic == [skeleton("mohammed")] == [skeleton("muhammad")]


@pytest.mark.parametrize(("raw", "parts"), [
    ("1980", (1980, None, None)), ("1980-05", (1980, 5, None)),
    ("1980-05-17", (1980, 5, 17)), ("1984-02-30", (1984, 2, None)),
    ("31/31/1984", (None, None, None)), (None, (None, None, None)),
], ids=["year", "month", "full", "impossible-day", "not-iso", "missing"])
def test_partial_dates(raw: str | None, parts: tuple) -> None:
    assert parse_partial_date(raw) == parts


def test_identifiers_are_typed_and_cleaned() -> None:
    f = prepare_records(pl.DataFrame({"record_id": ["a"], "name": ["X Y"],
                                      "passport_number": ["ly 123-4567"],
                                      "imo_number": ["IMO 9074729"]}))
    assert f["ids"][0].to_list() == ["imo:IMO9074729", "passport:LY1234567"]


def test_identifier_columns_follow_the_row_rule() -> None:
    from tocta.analytics.resolution_features import ID_COLUMNS, identifiers

    values = ["ly 123-4567", "ab-123;xy 9999", "12", ";;", "ß1234", "imo 9074729; IMO9074729",
              "é-12345", None, "x;yyyy;zz-zz"]
    rows = [{c: values[(i + k) % len(values)] for k, c in enumerate(ID_COLUMNS)}
            for i in range(len(values))] + [dict.fromkeys(ID_COLUMNS, "12;x")]   # none kept
    frame = pl.DataFrame([{"record_id": str(i), "name": "X Y", **r} for i, r in enumerate(rows)])
    got = prepare_records(frame)["ids"].to_list()
    assert got == [identifiers(r) or None for r in rows]
    assert any(got) and None in got


def test_ascii_shortcuts_agree_with_rigour() -> None:
    from rigour.text.translit import ascii_text

    from tocta.analytics.resolution_features import to_ascii

    letters = [chr(c) for c in (*range(0xA0, 0x250), *range(0x1E00, 0x1F00),
                                *range(0xFF01, 0xFF5F))]
    assert all(to_ascii(f"a{c}b") == ascii_text(f"a{c}b") for c in letters)
    assert to_ascii("Pérez Øster") == ascii_text("Pérez Øster")     # ø: rigour's path
    assert to_ascii("محمد") == ascii_text("محمد")


def test_features_are_computed_per_record_in_order() -> None:
    frame = pl.DataFrame({"record_id": ["a", "b", "c", "d"],
                          "name": ["Juan Pérez", None, "Juan Pérez", "محمد علي"],
                          "schema": ["Person", "", "Company", None],
                          "birth_date": ["1980-05", "1980-13-01", None, "1975-02-30"],
                          "passport_number": ["ab-123;xy 9999", "12", None, None],
                          "gender": [" M ", "f", "x", None]})
    f = prepare_records(frame)
    assert f["unique_id"].to_list() == ["a", "b", "c", "d"]
    assert f["schema"].to_list() == ["Person", "Person", "Company", "Person"]
    assert f["name_key"].to_list() == ["juan perez", None, "juan perez", "ly mhmd"]
    assert f["name_toks"][3].to_list()[0]["l"] is False
    assert f.select("dob_y", "dob_m", "dob_d").rows() == [
        (1980, 5, None), (1980, None, None), (None, None, None), (1975, 2, None)]
    assert f["ids"].to_list() == [["passport:AB123", "passport:XY9999"], None, None, None]
    assert f["gender"].to_list() == ["male", "female", None, None]


def test_common_pair_keys_are_dropped_rare_ones_kept() -> None:
    names = ["Aung Win Naing"] * 5 + ["Aung Win Htun", "Juan Gomez"]
    f = prepare_records(pl.DataFrame({"record_id": [str(i) for i in range(7)],
                                      "name": names}), max_key_records=5)
    keys = f["pair_keys"].to_list()
    assert all("p:ANK|WN" not in k for k in keys)     # held by 6 records > 5
    assert "p:NNK|WN" in keys[0]                       # held by 5: kept
    assert keys[6] == prepare_records(pl.DataFrame(
        {"record_id": ["x"], "name": ["Juan Gomez"]}))["pair_keys"][0].to_list()


def test_phonetic_keys_with_a_birth_year_are_capped_too() -> None:
    # six people called Aung ... born in 1980, two called Aung ... born in 1981
    names = [f"Aung {x}" for x in ("Win", "Htun", "Naing", "Kyaw", "Soe", "Zaw", "Myo", "Lin")]
    years = ["1980-01-02"] * 6 + ["1981", None]
    f = prepare_records(pl.DataFrame({"record_id": [str(i) for i in range(8)],
                                      "name": names, "birth_date": years}), max_key_records=5)
    keys = f["year_keys"].to_list()
    assert all("ANK|1980" not in k for k in keys[:6])   # held by 6 records > 5: dropped
    assert keys[0] == ["WN|1980"] and keys[6] == ["ANK|1981", "MY|1981"]   # kept
    assert keys[7] is None                              # no birth year, no key


def test_identifier_recall_is_measured_on_same_name_and_date_pairs() -> None:
    # 30 people, two records each with the same name and date; 12 of them share a passport
    rows = [(f"{i}{s}", f"Person{i} Family", f"1970-01-{1 + i % 28:02d}",
             f"P{i:05d}" if i < 12 or s == "a" else None)
            for i in range(30) for s in "ab"]
    frame = pl.DataFrame(rows, schema=["record_id", "name", "birth_date", "passport_number"],
                         orient="row")
    assert estimate_id_recall(prepare_records(frame)) == pytest.approx(12 / 30)
    assert estimate_id_recall(prepare_records(frame.head(10))) == 0.5   # too few: fallback


def test_duplicate_record_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="unique"):
        prepare_records(pl.DataFrame({"record_id": ["a", "a"], "name": ["X", "Y"]}))


def _people() -> pl.DataFrame:
    """Hand-made records: people seen by several agencies, plus filler to train on."""
    rows = [
        # one person, three scripts and orders, partial dates, a shared passport
        ("m1", "Mohammed Ben Ali", "1975-03-02", "LBY", "LY1234567"),
        ("m2", "BEN ALI, Muhammad", "1975-03", "LBY", None),
        ("m3", "Мухаммед Бен Али", "1975", "LBY", "LY1234567"),
        # homonyms: same name, different birth dates and passports
        ("h1", "Giovanni Rossi", "1961-01-01", "ITA", "IT1111111"),
        ("h2", "Giovanni Rossi", "1990-07-30", "ITA", "IT2222222"),
    ]
    given = ["Ana", "Luis", "Marta", "Pedro", "Sofia", "Diego", "Lucia", "Pablo", "Elena",
             "Jorge", "Irene", "Hugo", "Clara", "Mario", "Rosa", "Tomas", "Nuria", "Raul"]
    family = ["Vega", "Soto", "Lara", "Mora", "Rios", "Cruz", "Paz", "Leon", "Gil", "Pena",
              "Ruiz", "Diaz", "Ortiz", "Rubio", "Marin", "Nieto", "Prieto", "Calvo"]
    k = 0
    for i, g in enumerate(given):
        for j, f in enumerate(family):
            k += 1
            dob = f"{1950 + (i * 7 + j) % 45}-{1 + j % 12:02d}-{1 + (i + j) % 28:02d}"
            pp = f"ES{k:07d}"
            rows.append((f"f{k}a", f"{g} {f}", dob, "ESP", pp))
            if k % 2:   # half of them seen twice, swapped and partial
                rows.append((f"f{k}b", f"{f.upper()}, {g}", dob if k % 3 else dob[:7], "ESP",
                             pp if k % 4 == 1 else None))
    return pl.DataFrame(rows, schema=["record_id", "name", "birth_date", "nationality",
                                      "passport_number"], orient="row")


@pytest.fixture(scope="module")
def resolved(sim_world):
    """The hand-made records scored with the model trained on the simulated world."""
    return resolve_records(_people(), model=sim_world[2].model)


def test_transliterated_records_match(resolved) -> None:
    for a, b in (("m1", "m2"), ("m1", "m3"), ("m2", "m3")):
        assert resolved.pair(a, b)["match_probability"] >= 0.9, resolved.explain(a, b)


def test_homonyms_with_different_dates_and_passports_do_not(resolved) -> None:
    from tocta.analytics.resolution import PairScorer

    # born 29 years apart: the same name brings no candidate pair (DATES_AGREE) ...
    assert resolved.pair("h1", "h2") is None
    assert "never compared" in resolved.explain("h1", "h2")
    # ... and scored all the same, the model finds their evidence in conflict
    with PairScorer(prepare_records(_people()), resolved.model) as scorer:
        row = scorer.score_pairs(pl.DataFrame({"left_id": ["h2"], "right_id": ["h1"]}))
    assert row.height == 1 and row["left_id"][0] == "h1"
    assert row["match_probability"][0] < 0.01
    text = explain_row(row.row(0, named=True), resolved.model, resolved.params)
    assert "same tokens in any order" in text and "against" in text


def test_names_alike_are_blocked_unless_the_birth_dates_contradict(sim_world) -> None:
    rows = pl.DataFrame(
        [("a", "Karim Haddad", "1971-04-09"), ("b", "Karim Haddad", "1971"),
         ("c", "Karim Haddad", None), ("d", "Karim Haddad", "1972-01-01"),
         ("e", "Karim Haddad", "1981-04-09"), ("f", "Karim Haddad", "1990-04-10"),
         ("g", "Haddad Karim Nasser", "1995-05-05"), ("h", "Karim Nasser Haddad", "1960")],
        schema=["record_id", "name", "birth_date"], orient="row")
    model = sim_world[2].model
    every = ResolutionModel(model.settings, model.records,
                            replace(model.params, min_probability=0.0))   # keep all pairs
    pairs = score_chunk(rows, every)
    blocked = {(a, b) for a, b in pairs.select("left_id", "right_id").iter_rows()}
    # a year missing, years one apart, the same day and month (a typo in the year)
    for pair in (("a", "b"), ("a", "c"), ("a", "d"), ("a", "e"), ("c", "f")):
        assert pair in blocked, pair
    # the same name born 19 years apart; a pair of tokens shared, born 35 years apart
    assert ("a", "f") not in blocked and ("g", "h") not in blocked


def test_explain_names_every_feature(resolved) -> None:
    text = resolved.explain("m1", "m3")
    for feature in ("name", "birth_date", "identifiers", "nationality", "gender"):
        assert f"  {feature}: " in text
    assert "same year (a month missing)" in text
    assert "never compared" in resolved.explain("m1", "h1")


T0 = datetime(2026, 1, 5, 9, 0)


def _pairs(*rows: tuple[str, str, float]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=["left_id", "right_id", "match_probability"],
                        orient="row")


def test_negative_judgement_cuts_the_weakest_link_and_undo_restores() -> None:
    pairs = _pairs(("a", "b", 0.99), ("b", "c", 0.92), ("c", "d", 0.99))
    ids = ["a", "b", "c", "d", "e"]
    before = cluster_judgements(ids, pairs)
    assert before.clusters.filter(pl.col("canonical_id") == "a").height == 4
    no = Judgement("a", "d", "negative", "analyst1", T0)
    after = cluster_judgements(ids, pairs, [no])
    assert after.canonical_id("a") == after.canonical_id("b") == "a"
    assert after.canonical_id("c") == after.canonical_id("d") == "c"
    why = after.explain("a")
    assert "negative judgement by analyst1" in why and "b ~ c" in why
    undo = Judgement("d", "a", "retracted", "analyst1", datetime(2026, 1, 6))
    restored = cluster_judgements(ids, pairs, [no, undo])
    assert restored.clusters.equals(before.clusters)


def test_positive_judgement_merges_and_unsure_changes_nothing() -> None:
    pairs = _pairs(("a", "b", 0.5))
    base = cluster_judgements(["a", "b"], pairs)
    assert base.canonical_id("b") == "b"
    yes = cluster_judgements(["a", "b"], pairs,
                             [Judgement("a", "b", "positive", "u", T0)])
    assert yes.canonical_id("b") == "a"
    unsure = cluster_judgements(["a", "b"], pairs, [Judgement("a", "b", "unsure", "u", T0)])
    assert unsure.clusters.equals(base.clusters)


def test_model_conflict_blocks_a_transitive_merge() -> None:
    # a~b and b~c are accepted, but the model's evidence says a and c differ
    pairs = _pairs(("a", "b", 0.95), ("b", "c", 0.93), ("a", "c", 0.0001))
    res = cluster_judgements(["a", "b", "c"], pairs, [], ClusterParams(0.9, 0.001))
    assert res.canonical_id("b") == "a" and res.canonical_id("c") == "c"
    assert "evidence is against a ~ c" in res.explain("c")


def test_latest_judgement_wins() -> None:
    log = [Judgement("a", "b", "positive", "u1", T0),
           Judgement("b", "a", "negative", "u2", datetime(2026, 2, 1))]
    (j,) = latest_judgements(log)
    assert j.judgement == "negative" and j.user == "u2"


RELATION_RECALL_GAIN = 0.03   # measured +0.073 (0.610 -> 0.683) at 0.9; tolerance: under half
F1_FLOOR = 0.84       # measured 0.901 (precision 0.947, recall 0.858) at 0.5; tolerance 0.06


@pytest.fixture(scope="module")
def sim_world(tmp_path_factory):
    """A small simulated world (~3,400 person records of one agency set), resolved."""
    every, rows = simulated_entities(tmp_path_factory.mktemp("world"), SIM_SEED)
    links = (every.select("rid", "agency", pl.col("linked_records").str.split(";"))
             .explode("linked_records").drop_nulls("linked_records")
             .select(pl.col("rid").alias("record_id"),
                     (pl.col("agency") + "/" + pl.col("linked_records")).alias("linked_id")))
    keys = every.filter(pl.col("account_number").is_not_null()).select(
        pl.col("rid").alias("record_id"), ("iban:" + pl.col("account_number")).alias("key"))
    res = resolve_records(rows.drop("true_id"), ResolutionParams(seed=SIM_SEED))
    return rows, rows.select("record_id", "true_id"), res, links, keys


def _closed(sim_world, threshold: float) -> Closure:
    from tocta.analytics.resolution import PairScorer

    rows, _, res, _, _ = sim_world
    with PairScorer(prepare_records(rows.drop("true_id")), res.model) as scorer:
        return close_components(res.pairs, scorer.score_pairs, threshold)


def test_simulated_world_f1_floor(sim_world) -> None:
    rows, truth, _, _, _ = sim_world
    assert 2000 <= rows.height <= 5000
    for threshold, floor in ((0.5, F1_FLOOR), (0.9, None)):
        closure = _closed(sim_world, threshold)
        assert closure.added > 0 and closure.unclosed == 0
        clusters = cluster_judgements(rows["record_id"], closure.pairs, [],
                                      ClusterParams(threshold))
        p, r, f1 = pairwise(clusters, truth)
        print(f"simulated world at {threshold}: precision {p:.4f} recall {r:.4f} F1 {f1:.4f}")
        if floor is not None:
            assert f1 >= floor, (p, r, f1)
        else:      # the default threshold keeps precision high
            assert p >= 0.97, (p, r, f1)


def test_closure_scores_every_pair_a_cluster_would_join(sim_world) -> None:
    rows, truth, res, _, _ = sim_world
    closure = _closed(sim_world, 0.9)
    ids = rows["record_id"].to_list()
    # every pair of records within one cluster now has the model's verdict
    clusters = cluster_judgements(ids, closure.pairs, [], ClusterParams(0.9)).clusters
    members = clusters.filter(pl.col("size") > 1).select("record_id", "canonical_id")
    within = (members.join(members, on="canonical_id", suffix="_r")
              .filter(pl.col("record_id") < pl.col("record_id_r")))
    scored = within.join(closure.pairs, left_on=["record_id", "record_id_r"],
                         right_on=["left_id", "right_id"], how="anti")
    assert within.height > 0 and scored.height == 0
    # the added pairs are scored as blocking would have scored them (same model, same SQL)
    added = closure.pairs.join(res.pairs, on=["left_id", "right_id"], how="anti")
    assert added.height == closure.added and added["match_probability"].min() <= 0.001
    # and precision is no lower than without them, at every threshold
    for threshold in (0.5, 0.7, 0.9):
        before = pairwise(cluster_judgements(ids, res.pairs, [], ClusterParams(threshold)),
                          truth)
        after = pairwise(cluster_judgements(ids, _closed(sim_world, threshold).pairs, [],
                                            ClusterParams(threshold)), truth)
        assert after[0] >= before[0], (threshold, before, after)


def test_given_pairs_score_as_blocked_pairs_do(sim_world) -> None:
    from tocta.analytics.resolution import PairScorer

    rows, _, res, _, _ = sim_world
    sample = res.pairs.sample(500, seed=SIM_SEED)
    with PairScorer(prepare_records(rows.drop("true_id")), res.model) as scorer:
        # given in either order, duplicated, with a pair of one record with itself
        given = pl.concat([sample.select("left_id", "right_id"),
                           sample.head(50).select(pl.col("right_id").alias("left_id"),
                                                  pl.col("left_id").alias("right_id")),
                           sample.head(1).select("left_id", right_id="left_id")])
        again = scorer.score_pairs(given).sort("left_id", "right_id")
    assert again.equals(sample.sort("left_id", "right_id"))


def test_closure_rounds_links_and_limits() -> None:
    # a fake scorer: pairs of records whose letters are two apart conflict, others are sure
    def score(pairs: pl.DataFrame) -> pl.DataFrame:
        gap = (pl.col("right_id").str.head(1).map_elements(ord, pl.Int64) -
               pl.col("left_id").str.head(1).map_elements(ord, pl.Int64))
        return pairs.with_columns(
            pl.when(gap == 2).then(0.0001).otherwise(0.95).alias("match_probability"))

    pairs = _pairs(("a", "b", 0.95), ("b", "c", 0.95), ("x", "y", 0.95))
    links = pl.DataFrame({"left_id": ["c"], "right_id": ["x"]})
    closure = close_components(pairs, score, 0.9, links)
    got = {(a, b): p for a, b, p in closure.pairs.iter_rows()}
    # a~c conflicts; c is linked to x by a judgement, so x and y join the component
    assert got[("a", "c")] == 0.0001 and ("a", "x") in got and ("c", "y") in got
    assert closure.added == 10 - 3 and closure.rounds == 1 and closure.unclosed == 0
    res = cluster_judgements(list("abcxy"), closure.pairs, [], ClusterParams(0.9))
    assert res.canonical_id("c") != res.canonical_id("a")
    # a rescore that accepts a new pair opens a second round
    bridge = _pairs(("y", "z", 0.95))

    def rescore(p: pl.DataFrame) -> pl.DataFrame:
        return pl.concat([p, bridge]) if ("a", "c") in {
            (a, b) for a, b in p.select("left_id", "right_id").iter_rows()} else p

    assert close_components(pairs, score, 0.9, links, rescore).rounds == 2
    # components beyond max_pairs stay as they were, counted
    small = close_components(pairs, score, 0.9, None, max_pairs=1)   # x~y fits, a-b-c not
    assert small.added == 0 and small.unclosed == 3
    assert close_components(pairs, score, 0.9, None, max_pairs=4).added == 1   # a~c


def test_records_sharing_no_identifier_train_and_a_chunk_without_pairs_is_empty() -> None:
    from tocta.analytics.resolution import train_model

    people = _people().with_columns(pl.lit(None, dtype=pl.Utf8).alias("passport_number"))
    model = train_model(people)
    assert 0 < model.settings["probability_two_random_records_match"] < 1
    lonely = pl.DataFrame({"record_id": ["x1", "x2"], "name": ["Ana Vega", "Zhou Xing"],
                           "birth_date": ["1950-01-01", "1990-02-02"],
                           "nationality": ["ESP", "CHN"], "passport_number": [None, None]})
    pairs = score_chunk(lonely, model)
    assert pairs.height == 0 and "match_probability" in pairs.columns


def test_relation_evidence_raises_recall_on_the_simulated_world(sim_world) -> None:
    from tocta.analytics.resolution import PairScorer
    from tocta.analytics.resolution_relations import rescore_with_relations

    rows, truth, res, links, keys = sim_world
    ids = rows["record_id"].to_list()
    rescored, model = rescore_with_relations(ids, res.pairs, links, keys)
    assert model.used and model.bayes_factor(1) > 10 and model.bayes_factor(0) < 1
    with PairScorer(prepare_records(rows.drop("true_id")), res.model) as scorer:
        plain = close_components(res.pairs, scorer.score_pairs, 0.9).pairs
        rescored = close_components(
            res.pairs, scorer.score_pairs, 0.9,
            rescore=lambda p: rescore_with_relations(ids, p, links, keys)[0]).pairs
    before = pairwise(cluster_judgements(ids, plain, [], ClusterParams(0.9)), truth)
    after = pairwise(cluster_judgements(ids, rescored, [], ClusterParams(0.9)), truth)
    print(f"relations at 0.9: before {before}, after {after}")
    assert after[1] >= before[1] + RELATION_RECALL_GAIN, (before, after)
    assert after[0] >= 0.97                    # recall gained without losing precision
    row = rescored.filter(pl.col("gamma_relations") >= 1).row(0, named=True)
    assert "related entit" in explain_row(row, res.model, res.params)


def test_name_levels_by_joins_equal_splinks_sql_on_the_simulated_world(sim_world) -> None:
    from tocta.analytics.resolution import PairScorer

    rows, _, res, _, _ = sim_world
    features = prepare_records(rows.drop("true_id"))
    every = ResolutionModel(res.model.settings, res.model.records,
                            replace(res.model.params, min_probability=0.0))   # keep all pairs
    scored = []
    for joins in (True, False):
        with PairScorer(features, every, chunks=2, name_joins=joins) as scorer:
            scored.append(pl.concat([scorer.score_chunk(1), scorer.score_chunk(2)])
                          .sort("left_id", "right_id"))
    assert scored[0].height > 5_000
    assert set(scored[0]["gamma_name"]) >= {1, 2, 3, 4, 5, 6}   # all a blocked pair can reach
    assert scored[0].equals(scored[1])
