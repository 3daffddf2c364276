"""CPython's side of `cargo bench --bench pipe`: multiprocessing.Pipe round trips.

Shapes (microseconds per round trip; each the median of 7 repetitions after a warm-up; the two
are interleaved within every repetition, as in the Rust bench):

- pipe_obj_rt_us: conn.send(i) then conn.recv() of an int, against a child process that
  recv()s and send()s it back (pickle both ways);
- pipe_bytes_rt_us: conn.send_bytes(8 bytes) then conn.recv_bytes(), the child echoing bytes.

`multiprocessing.Pipe()` (duplex, a socketpair) with the default start method (fork on Linux
for 3.11); each child is started once and kept for all rounds. N is 20,000 round trips per
run; `--quick` divides it by 20 (CI smoke).

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
ROUND_TRIPS = 20_000


def echo_objects(conn):
    while True:
        x = conn.recv()
        if x is None:
            return
        conn.send(x)


def echo_bytes(conn):
    while True:
        b = conn.recv_bytes()
        if not b:
            return
        conn.send_bytes(b)


def obj_rt_us(conn, n):
    send, recv = conn.send, conn.recv
    t0 = perf_counter()
    for i in range(n):
        send(i)
        if recv() != i:
            raise AssertionError("echo mismatch")
    return (perf_counter() - t0) * 1e6 / n


def bytes_rt_us(conn, n):
    send, recv = conn.send_bytes, conn.recv_bytes
    t0 = perf_counter()
    for i in range(n):
        b = i.to_bytes(8, "little")
        send(b)
        if recv() != b:
            raise AssertionError("echo mismatch")
    return (perf_counter() - t0) * 1e6 / n


def main():
    n = ROUND_TRIPS // divisor()
    obj_parent, obj_child = multiprocessing.Pipe()
    raw_parent, raw_child = multiprocessing.Pipe()
    children = [
        multiprocessing.Process(target=echo_objects, args=(obj_child,)),
        multiprocessing.Process(target=echo_bytes, args=(raw_child,)),
    ]
    for p in children:
        p.start()
    obj_child.close()
    raw_child.close()
    runs = {
        "pipe_obj_rt_us": lambda: obj_rt_us(obj_parent, n),
        "pipe_bytes_rt_us": lambda: bytes_rt_us(raw_parent, n),
    }
    medians = interleaved_medians(runs, REPS)
    obj_parent.send(None)
    raw_parent.send_bytes(b"")
    for p in children:
        p.join(10)
    print(json.dumps({key: round(m, 3) for key, m in medians.items()}))


if __name__ == "__main__":
    main()
