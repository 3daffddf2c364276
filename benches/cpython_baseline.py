"""CPython's side of `cargo bench --bench primitives`: the same shapes, measured on threading.

Shapes (each the median of 5 repetitions after a warm-up; the four are interleaved within
every repetition, as in the Rust bench):

- rlock_ns: threading.RLock acquire()+release() on one thread, timeit-style (ns per pair);
- semaphore_ns: threading.Semaphore(1) acquire()+release() on one thread (ns per pair);
- event_rtt_us: Event ping-pong between two threads (A, B): this thread sets A, waits B,
  clears B; the other waits A, clears A, sets B (µs per round trip);
- condition_rtt_us: Condition() ping-pong: a turn variable guarded by the condition's lock,
  each side waits for its turn, passes it and notifies (µs per round trip).

Prints one JSON object on stdout. `--quick` divides the iterations by 20 (CI smoke).
"""

import json
import os
import sys
import threading
import timeit
from time import perf_counter

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True  # no __pycache__ in benches/
from cpython_timing import divisor, interleaved_medians  # noqa: E402

REPS = 5
RLOCK_ITERS = 1_000_000
SEMAPHORE_ITERS = 200_000
ROUND_TRIPS = 2_000


def uncontended_ns(acquire, release, n):
    """ns per acquire()+release(), timeit's way (its loop, gc off, no overhead subtracted)."""
    timer = timeit.Timer("acquire(); release()", globals={"acquire": acquire, "release": release})
    return timer.timeit(n) / n * 1e9


def ping_pong_us(n, side1, side2):
    """Runs side1 n times here and side2 n times on a second thread, started together.

    Returns µs per round trip, timed from the common start until the second thread is joined.
    """
    start = threading.Barrier(2)

    def other():
        start.wait()
        for _ in range(n):
            side2()

    t = threading.Thread(target=other)
    t.start()
    start.wait()
    t0 = perf_counter()
    for _ in range(n):
        side1()
    t.join()
    return (perf_counter() - t0) / n * 1e6


def event_rtt_us(n):
    a, b = threading.Event(), threading.Event()

    def side1():
        a.set()
        b.wait()
        b.clear()

    def side2():
        a.wait()
        a.clear()
        b.set()

    return ping_pong_us(n, side1, side2)


def condition_rtt_us(n):
    cond = threading.Condition()  # over an RLock, CPython's default
    turn = [0]

    def side(me):
        def run():
            with cond:
                while turn[0] != me:
                    cond.wait()
                turn[0] = 1 - me
                cond.notify()

        return run

    return ping_pong_us(n, side(0), side(1))


def main():
    div = divisor()
    rlock = threading.RLock()
    sem = threading.Semaphore(1)
    runs = {
        "rlock_ns": lambda: uncontended_ns(rlock.acquire, rlock.release, RLOCK_ITERS // div),
        "semaphore_ns": lambda: uncontended_ns(sem.acquire, sem.release, SEMAPHORE_ITERS // div),
        "event_rtt_us": lambda: event_rtt_us(ROUND_TRIPS // div),
        "condition_rtt_us": lambda: condition_rtt_us(ROUND_TRIPS // div),
    }
    medians = interleaved_medians(runs, REPS)
    print(json.dumps({key: round(m, 3) for key, m in medians.items()}))


if __name__ == "__main__":
    main()
