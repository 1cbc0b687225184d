"""Shared check for the kernel tests."""
import numba
import numpy as np

from mcparticles.kernels.args import StepSettings, push


def steps(b0, qm, dt, n_steps, out_steps, mu_stride, n_lag, n_bins, chunk, traj_n, traj_stride, traj_len):
    """StepSettings from positional values (the kernel's order)."""
    return StepSettings.make(b0=b0, qm=qm, dt=dt, n_steps=n_steps, out_steps=out_steps, mu_stride=mu_stride,
                             n_lag=n_lag, n_bins=n_bins, chunk=chunk, traj_n=traj_n, traj_stride=traj_stride,
                             traj_len=traj_len)


def push_on_one_and_two_threads(args):
    """push(x0, v0, field, steps) for args = (x0, v0, FieldArrays, StepSettings) with 1 and
    with 2 threads; asserts every output is bit-identical and returns them."""
    numba.set_num_threads(1)
    r1 = push(*args)
    numba.set_num_threads(min(2, numba.config.NUMBA_NUM_THREADS))
    r2 = push(*args)
    for a, b in zip(r1, r2):
        assert np.array_equal(a, b)
    return r1
