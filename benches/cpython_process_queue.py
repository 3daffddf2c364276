"""CPython's side of `cargo bench --bench process_queue`: multiprocessing.Queue throughput.

Shapes (nanoseconds per item; each the median of 7 runs after a warm-up, the two interleaved
within every repetition, as in the Rust bench):

- queue_item_ns: ints 0..=N through `multiprocessing.Queue()`, put by a producer child process
  and got by this process;
- bounded_queue_item_ns: the same through `multiprocessing.Queue(100)`.

Each run starts a producer (the default start method: fork on Linux for 3.11), which puts
N + 1 items; the clock starts at the first item received and stops at the last, so process
start-up is not counted. N is 200,000 items per run; `--quick` divides it by 20 (CI smoke).

Prints one JSON object on stdout.
"""

import json
import multiprocessing
import os
import sys
from time import perf_counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in benches/
from cpython_timing import divisor, interleaved_medians  # noqa: E402

REPS = 7
ITEMS = 200_000


def produce(q, n):
    put = q.put
    for i in range(n + 1):
        put(i)


def item_ns(n, maxsize):
    q = multiprocessing.Queue(maxsize)
    p = multiprocessing.Process(target=produce, args=(q, n))
    p.start()
    get = q.get
    if get() != 0:
        raise AssertionError("first item")
    t0 = perf_counter()
    for i in range(1, n + 1):
        if get() != i:
            raise AssertionError("out of order")
    ns = (perf_counter() - t0) * 1e9 / n
    p.join(30)
    return ns


def main():
    n = ITEMS // divisor()
    runs = {
        "queue_item_ns": lambda: item_ns(n, 0),
        "bounded_queue_item_ns": lambda: item_ns(n, 100),
    }
    medians = interleaved_medians(runs, REPS)
    print(json.dumps({key: round(m, 1) for key, m in medians.items()}))


if __name__ == "__main__":
    main()
