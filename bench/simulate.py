"""Simulator speed: worlds of 1M and 10M seizure events (time and peak memory).

    .venv/bin/python bench/simulate.py [--events 1000000 10000000] [--out bench/out/sim]

Each world is `west-africa-cocaine` scaled so that it holds the given number of seizure
events (before reporting), actors and money included (their growth with --scale is capped at
5×), generated in a child process so that its peak memory (max RSS) is its own. Writing
is streamed year by year, so memory stays bounded by one year of events.
Baseline in the same run: writing the same number of rows of random text with polars alone
(no model, no noise), the floor for producing that much CSV here.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import resource
import shutil
import time
from pathlib import Path
from typing import Any


def _world(events: int, out: Path, queue: Any) -> None:
    from tocta.simulate.run import simulate_world
    from tocta.simulate.scenario import load_scenario

    scenario = load_scenario("west-africa-cocaine")
    scale = events / scenario.volume.seizure_events
    start = time.perf_counter()
    result = simulate_world(scenario, 1, out, scale=scale)
    elapsed = time.perf_counter() - start
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
               result.events, result.records, size))


def _floor(rows: int, out: Path, queue: Any) -> None:
    import numpy as np
    import polars as pl

    start = time.perf_counter()
    rng = np.random.default_rng(1)
    out.mkdir(parents=True, exist_ok=True)
    chunk = 1_250_000
    for i in range(0, rows, chunk):
        n = min(chunk, rows - i)
        frame = pl.DataFrame({f"c{j}": rng.integers(0, 10**6, n).astype(str)
                              for j in range(17)})
        with (out / "floor.csv").open("ab") as handle:
            frame.write_csv(handle, include_header=i == 0)
    elapsed = time.perf_counter() - start
    queue.put((elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rows, rows,
               (out / "floor.csv").stat().st_size))


def run(target: Any, *args: Any) -> tuple[float, float, int, int, int]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = queue.get()
    proc.join()
    return result  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out" / "sim")
    args = parser.parse_args()
    for events in args.events:
        shutil.rmtree(args.out, ignore_errors=True)
        seconds, peak, made, records, size = run(_world, events, args.out / "world")
        print(f"world {events:>11,} events: {seconds:7.1f} s, peak {peak:,.0f} MB, "
              f"{made:,} events, {records:,} records, {size / 1e6:,.0f} MB on disk",
              flush=True)
        fs, fpeak, _, _, fsize = run(_floor, records, args.out / "floor")
        print(f"  floor: polars writing {records:,} rows of 17 random columns: {fs:6.1f} s "
              f"(peak {fpeak:,.0f} MB, {fsize / 1e6:,.0f} MB); simulator / floor = "
              f"{seconds / fs:.1f}x", flush=True)
        shutil.rmtree(args.out, ignore_errors=True)


if __name__ == "__main__":
    main()
