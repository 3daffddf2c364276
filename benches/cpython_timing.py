"""What the CPython bench scripts share: `--quick` and interleaved medians."""

import statistics
import sys


def divisor():
    """What every iteration count is divided by: 20 with `--quick` (CI smoke), else 1."""
    return 20 if "--quick" in sys.argv[1:] else 1


def interleaved_medians(runs, reps):
    """Runs every callable in `runs` (key -> run) once to warm up, then `reps` interleaved
    rounds; returns each key's median."""
    for run in runs.values():
        run()  # warm-up
    samples = {key: [] for key in runs}
    for _ in range(reps):
        for key, run in runs.items():
            samples[key].append(run())
    return {key: statistics.median(v) for key, v in samples.items()}
