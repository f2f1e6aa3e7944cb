"""Timing shared by the PyTorch twins of the bench."""
import time


def timed(fn, n):
    """Milliseconds of each of n calls of fn."""
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples
