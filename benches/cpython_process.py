"""CPython's side of `cargo bench --bench process`: multiprocessing.Process start + join.

Shapes (milliseconds per process; each the median of 5 repetitions after a warm-up; the three
start methods are interleaved within every repetition, as in the Rust bench):

- fork_ms, spawn_ms, forkserver_ms: `ctx.Process(target=noop)`, `start()`, `join()`, one
  process at a time, with the context of that start method (the forkserver's server is
  started by the warm-up, so its one-time cost is not counted).

Iterations per repetition: fork 100, forkserver 100, spawn 10; `--quick` divides them by 20
(at least 1).

Prints one JSON object on stdout.
"""

import json
import multiprocessing as mp
import os
import sys
from time import perf_counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in benches/
from cpython_timing import divisor, interleaved_medians  # noqa: E402

REPS = 5
ITERATIONS = {"fork": 100, "forkserver": 100, "spawn": 10}


def noop():
    pass


def start_join_ms(ctx, n):
    """Milliseconds per start + join of a process that does nothing."""
    t0 = perf_counter()
    for _ in range(n):
        p = ctx.Process(target=noop)
        p.start()
        p.join()
        if p.exitcode != 0:
            raise AssertionError(f"exitcode {p.exitcode}")
    return (perf_counter() - t0) * 1e3 / n


def main():
    runs = {}
    for method, n in ITERATIONS.items():
        ctx = mp.get_context(method)
        n = max(1, n // divisor())
        runs[f"{method}_ms"] = lambda ctx=ctx, n=n: start_join_ms(ctx, n)
    print(json.dumps(interleaved_medians(runs, REPS)))


if __name__ == "__main__":
    main()
