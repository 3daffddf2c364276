"""CPython's side of `cargo bench --bench queue`: queue throughput, one producer, one consumer.

Shapes (items per second; each the median of 5 repetitions after a warm-up; the three are
interleaved within every repetition, as in the Rust bench):

- queue_unbounded_per_s: queue.Queue() (maxsize 0);
- queue_1024_per_s: queue.Queue(1024);
- simplequeue_per_s: queue.SimpleQueue().

In each, a producer thread put()s the ints 0..N-1 and a consumer thread get()s N items (both
blocking, the defaults), started together by a barrier; timed from the common start until both
threads are joined. N is 200,000; `--quick` divides it by 20 (CI smoke).

Prints one JSON object on stdout.
"""

import json
import os
import queue
import sys
import threading
from time import perf_counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in benches/
from cpython_timing import divisor, interleaved_medians  # noqa: E402

REPS = 5
ITEMS = 200_000


def spsc_per_s(q, n):
    """Items per second through `q`, one producer thread and one consumer thread."""
    start = threading.Barrier(3)
    total = [0]

    def producer():
        put = q.put
        start.wait()
        for i in range(n):
            put(i)

    def consumer():
        get = q.get
        s = 0
        start.wait()
        for _ in range(n):
            s += get()
        total[0] = s

    threads = [threading.Thread(target=producer), threading.Thread(target=consumer)]
    for t in threads:
        t.start()
    start.wait()
    t0 = perf_counter()
    for t in threads:
        t.join()
    elapsed = perf_counter() - t0
    if total[0] != n * (n - 1) // 2:
        raise AssertionError(f"consumer got a wrong sum: {total[0]}")
    return n / elapsed


def main():
    n = ITEMS // divisor()
    runs = {
        "queue_unbounded_per_s": lambda: spsc_per_s(queue.Queue(), n),
        "queue_1024_per_s": lambda: spsc_per_s(queue.Queue(1024), n),
        "simplequeue_per_s": lambda: spsc_per_s(queue.SimpleQueue(), n),
    }
    medians = interleaved_medians(runs, REPS)
    print(json.dumps({key: round(m, 1) for key, m in medians.items()}))


if __name__ == "__main__":
    main()
