"""Entity-resolution speed and memory at 100k and 1M person records (issue 6).

    .venv/bin/python bench/resolve.py [--records 100000 1000000] [--chunks 0] [--keep DIR]
        [--train-records N] [--max-key-records N] [--keep-conflicts linked|all]

Person records are generated with the simulator's own name machinery (the name pools of 30
nationalities with Zipf-weighted parts, ``write_name``: typos, other romanizations and scripts,
swapped order, dropped middle names; ``write_birth_date``: missing and partial dates) — one
person written by one to three agencies of different house styles, with passports and
national ids at the simulator's rates. No trafficking world is simulated: the point is the
cost of ``tocta.services.resolve.resolve_in_chunks`` (training, then chunked scoring) as the
input grows, not accuracy (see ``bench/resolution_accuracy.py``).

Printed per size: generation time (not counted), then the time of each phase (features,
training, blocking with scoring, the closure of would-be clusters at 0.9, clustering), pairs
kept, records per second, peak RSS of the process so far; and, as a by-product, pairwise
precision, recall and F1 of the default clustering (0.9) against the generated persons —
records with names only, no relations, a population with more namesakes than any single
simulated world.
Baseline in the same process: the smallest size, so the ratio shows how the cost grows
(linear growth = the ratio of the sizes).
"""

from __future__ import annotations

import argparse
import logging
import resource
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from resolution_accuracy import pairwise  # bench/ is on the path when run as a script

SEED = 20261205
#: nationalities drawn (weights): the simulator's pools across the scenarios' regions
NATIONALITIES = {"ITA": 6, "ESP": 5, "NGA": 6, "GHA": 3, "SEN": 3, "MAR": 4, "EGY": 3,
                 "SYR": 3, "AFG": 3, "IRN": 3, "PAK": 3, "IND": 3, "CHN": 5, "VNM": 4,
                 "MMR": 3, "THA": 3, "COL": 5, "MEX": 4, "BRA": 4, "VEN": 3, "RUS": 4,
                 "UKR": 3, "TUR": 3, "ALB": 2, "SRB": 2, "NLD": 2, "FRA": 3, "DEU": 3,
                 "GBR": 3, "USA": 3}
AGENCY_COUNTRIES = ("ITA", "ESP", "NLD", "FRA", "NGA", "COL", "THA", "TUR", "RUS", "USA")


def people_records(n_records: int, seed: int = SEED) -> pl.DataFrame:
    """About ``n_records`` person records (record_id, name, birth date, ...) of n/2 people."""
    from tocta.simulate.actor_people import name_people, true_name
    from tocta.simulate.context import ActorParams
    from tocta.simulate.name_variants import STYLES, NoiseRates, write_birth_date, write_name
    from tocta.simulate.names import load_name_book

    rng = np.random.default_rng(seed)
    book = load_name_book()
    a = ActorParams()
    rates = NoiseRates(a.typo_rate, a.transliteration_rate, a.swapped_order_rate)
    nats = list(NATIONALITIES)
    w = np.array(list(NATIONALITIES.values()), dtype=float)
    n_people = n_records // 2
    people = []
    for i in range(n_people):
        nat = nats[int(rng.choice(len(nats), p=w / w.sum()))]
        year = 2024 - int(rng.integers(18, 75))
        people.append({"person_id": f"P{i:08d}", "nationality": nat,
                       "gender": "female" if rng.random() < 0.2 else "male",
                       "birth_date": f"{year}-{int(rng.integers(1, 13)):02d}-"
                                     f"{int(rng.integers(1, 29)):02d}",
                       "passport": f"{nat[:2]}{int(rng.integers(10**6, 10**7))}",
                       "national_id": str(int(rng.integers(10**8, 10**9)))})
    # names are kept distinct within batches of 25,000 people (the simulator's rule for one
    # world); across batches namesakes occur, as in any large population
    for start in range(0, len(people), 25_000):
        name_people(people[start:start + 25_000], book, rng)
    rows = []
    for p in people:
        name = true_name(p, book)
        for k in range(int(rng.integers(a.agencies_per_person[0],
                                         a.agencies_per_person[1] + 1))):
            agency = AGENCY_COUNTRIES[int(rng.integers(len(AGENCY_COUNTRIES)))]
            style = STYLES[AGENCY_COUNTRIES.index(agency) % len(STYLES)]
            written = write_name(name, rates, style, agency, book, rng)
            birth, _ = write_birth_date(p["birth_date"], a.missing_birthdate_rate,
                                        a.partial_birthdate_rate, rng)
            rows.append({"record_id": f"{agency}/{p['person_id']}/{k}", "name": written.full,
                         "birth_date": birth,
                         "nationality": p["nationality"] if rng.random() < 0.9 else None,
                         "gender": p["gender"] if rng.random() < 0.7 else None,
                         "passport_number": p["passport"] if rng.random() < 0.4 else None,
                         "id_number": p["national_id"] if rng.random() < 0.2 else None})
            if len(rows) >= n_records:
                break
        if len(rows) >= n_records:
            break
    return pl.DataFrame(rows)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run(records: pl.DataFrame, work: Path, chunks: int, params: Any) -> dict[str, float]:
    from tocta.analytics.resolution import PairScorer, ResolutionResult, prepare_records
    from tocta.analytics.resolution_clusters import ClusterParams, cluster_judgements
    from tocta.services.resolve import close_result, load_or_train, score_in_chunks

    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    t0 = time.perf_counter()
    features = prepare_records(records, params.max_key_records)
    t1 = time.perf_counter()
    print(f"  features of {records.height:,} records in {t1 - t0:.0f} s; "
          f"peak RSS {peak_mb():,.0f} MB", flush=True)
    model = load_or_train(features, work, params)   # saves model.json
    t2 = time.perf_counter()
    print(f"  trained on {model.records:,} records in {t2 - t1:.0f} s; "
          f"peak RSS {peak_mb():,.0f} MB", flush=True)
    with PairScorer(features, model, chunks) as scorer:   # one connection for both steps
        pairs = score_in_chunks(features, model, work, chunks, scorer=scorer)   # block, score
        t3 = time.perf_counter()
        print(f"  blocked and scored in {t3 - t2:.0f} s; peak RSS {peak_mb():,.0f} MB",
              flush=True)
        result = ResolutionResult(pairs, model, model.params, records.height)
        closure = close_result(records, result, ClusterParams().accept_probability,
                               scorer=scorer)
    del features
    pairs = closure.pairs
    t4 = time.perf_counter()
    print(f"  closure: {closure.added:,} pairs within would-be clusters scored in "
          f"{t4 - t3:.0f} s ({closure.rounds} rounds)", flush=True)
    clusters = cluster_judgements(records["record_id"].to_list(), pairs).clusters
    t5 = time.perf_counter()
    print(f"  clustered in {t5 - t4:.0f} s", flush=True)
    truth = records.select("record_id", pl.col("record_id").str.split("/").list.get(1)
                           .alias("true_id"))
    prec, rec, f1 = pairwise(clusters.select("record_id",
                                             pl.col("canonical_id").alias("cluster")), truth)
    return {"features_s": t1 - t0, "train_s": t2 - t1, "score_s": t3 - t2,
            "closure_s": t4 - t3, "cluster_s": t5 - t4, "pairs": pairs.height,
            "peak_mb": peak_mb(),
            "p": prec, "r": rec, "f1": f1}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--chunks", type=int, default=0,
                    help="chunks per run (0: one per 50,000 records, at least 8)")
    ap.add_argument("--keep", type=Path, default=None, help="work folder to keep")
    ap.add_argument("--train-records", type=int, default=None,
                    help="train on a sample of this many records (default: ResolutionParams)")
    ap.add_argument("--keep-conflicts", choices=("all", "linked"), default="linked",
                    help="conflicts kept in the result (ResolutionParams.keep_conflicts; "
                         "all: ~140M pairs at a million records, more than memory holds)")
    ap.add_argument("--max-key-records", type=int, default=None,
                    help="drop blocking keys held by more records (default: ResolutionParams)")
    args = ap.parse_args()
    from tocta.analytics.resolution import ResolutionParams

    params = ResolutionParams(keep_conflicts=args.keep_conflicts)
    if args.train_records:
        params = replace(params, train_records=args.train_records)
    if args.max_key_records:
        params = replace(params, max_key_records=args.max_key_records)
    logging.basicConfig(level=logging.WARNING, format="  %(message)s")
    logging.getLogger("splink").setLevel(logging.ERROR)
    logging.getLogger("tocta.services.resolve").setLevel(logging.INFO)   # phase times
    logging.getLogger("tocta.analytics.resolution").setLevel(logging.INFO)   # per chunk
    base, base_n = None, 0
    root = args.keep or Path(tempfile.mkdtemp(prefix="tocta-bench-resolve-"))
    for n in sorted(args.records):
        t = time.perf_counter()
        records = people_records(n)
        gen = time.perf_counter() - t
        chunks = args.chunks or max(8, n // 50_000)
        r = run(records, root / f"n{n}", chunks, params)
        total = r["features_s"] + r["train_s"] + r["score_s"] + r["closure_s"] + r["cluster_s"]
        ratio = "" if base is None else f"; ×{total / base:.1f} the time of {base_n:,}"
        if base is None:
            base, base_n = total, n
        print(f"{records.height:,} records (generated in {gen:.0f} s, not counted): features "
              f"{r['features_s']:.0f} s, train {r['train_s']:.0f} s, block and score "
              f"{r['score_s']:.0f} s in {chunks} chunks, closure {r['closure_s']:.0f} s, "
              f"cluster {r['cluster_s']:.0f} s, total "
              f"{total:.0f} s ({records.height / total:,.0f} records/s); {r['pairs']:,} "
              f"pairs kept; peak RSS {r['peak_mb']:,.0f} MB{ratio}; at 0.9 precision "
              f"{r['p']:.3f} recall {r['r']:.3f} F1 {r['f1']:.3f}", flush=True)
    if args.keep is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
