"""The median of repeated runs, shared by the benchmark scripts."""

import statistics
import time


def median_seconds(fn, repeat, warm_up=True):
    if warm_up:  # caches and connections, as in a server that has been running
        fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)
