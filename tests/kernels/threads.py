"""Shared check for the kernel tests."""
import numba
import numpy as np

from mcparticles.kernels.push import push_batch


def push_on_one_and_two_threads(args):
    """push_batch(*args) with 1 and with 2 threads; asserts every output is bit-identical
    and returns them."""
    numba.set_num_threads(1)
    r1 = push_batch(*args)
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    r2 = push_batch(*args)
    for a, b in zip(r1, r2):
        assert np.array_equal(a, b)
    return r1
