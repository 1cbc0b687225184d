"""The arguments of ``push.push_batch`` as two named tuples of plain values and arrays.

``FieldArrays`` is what a field backend hands the kernel (one realisation: plane-wave
table, Chebyshev windows, grid); ``StepSettings`` is what the plan fixes (mean field,
charge-to-rigidity ratio, time step, diagnostics).  Both are built only through their
``make`` constructors, which fix every type (int64, float64, bool, C-contiguous arrays),
so the driver, the JIT warm-up, the tests and the benchmarks all call the one compiled
specialisation of ``push_batch``.  The kernel itself takes the flattened tuples:
``push(x0, v0, field, steps)`` is ``push_batch(x0, v0, *field, *steps)``.
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .layout import N_ROWS
from .push import push_batch

#: no plane-wave columns / no windowed columns / no grid: the other backends' placeholders
EMPTY_TABLE = np.zeros((N_ROWS, 0))
EMPTY_WINDOW = (np.zeros((1, 0)), np.zeros((1, 0)), np.zeros(1, dtype=np.int64), 0.0)
EMPTY_GRID = np.zeros((1, 1, 1, 3))


class FieldArrays(NamedTuple):
    """One field realisation as the kernel reads it.

    table: (N_ROWS, n) plane-wave columns (``kernels/layout.py``), static slab columns
    first in increasing |k|, then the other slab columns, then the k-perpendicular-to-z
    (2D) columns, then the rest; n_slab, n_plane: the sizes of the slab and 2D groups;
    win_e, win_o, win_j0, win_inv_h: the Chebyshev windows of the first
    ``win_e.shape[1]`` columns (``fields/window.py``; zero columns: none);
    grid (N, N, N, 3), inv_dx, use_grid: the grid backend (the table is then ignored);
    rotation: advance the non-window phases by rotation (``[field] precision``)."""

    table: np.ndarray
    n_slab: int
    n_plane: int
    win_e: np.ndarray
    win_o: np.ndarray
    win_j0: np.ndarray
    win_inv_h: float
    grid: np.ndarray
    inv_dx: float
    use_grid: bool
    rotation: bool

    @classmethod
    def modes(cls, table, n_slab: int, n_plane: int, window=EMPTY_WINDOW, rotation: bool = False) -> FieldArrays:
        """Plane-wave backend: a kernel table and, optionally, windows for its first columns."""
        win_e, win_o, win_j0, inv_h = window
        return cls(np.ascontiguousarray(table, dtype=np.float64), int(n_slab), int(n_plane),
                   np.ascontiguousarray(win_e, dtype=np.float64), np.ascontiguousarray(win_o, dtype=np.float64),
                   np.ascontiguousarray(win_j0, dtype=np.int64), float(inv_h), EMPTY_GRID, 0.0, False,
                   bool(rotation))

    @classmethod
    def on_grid(cls, values, inv_dx: float) -> FieldArrays:
        """Grid backend: node values (N, N, N, 3) with spacing 1/inv_dx."""
        win_e, win_o, win_j0, inv_h = EMPTY_WINDOW
        return cls(EMPTY_TABLE, 0, 0, win_e, win_o, win_j0, inv_h,
                   np.ascontiguousarray(values, dtype=np.float64), float(inv_dx), True, False)


class StepSettings(NamedTuple):
    """Everything but the field and the particles that ``push_batch`` needs.

    b0: (3,) mean field [B_ref]; qm = sign(q) v / R; dt [L/c]; n_steps; out_steps:
    increasing step indices of the displacement moments; mu_stride: steps between mu
    samples; n_lag: lags (in samples) accumulated; n_bins: mu bins on [-1, 1]; chunk:
    particles stepped together (and per accumulator); traj_n, traj_stride, traj_len:
    tracked particles, steps between stored points, points stored."""

    b0: np.ndarray
    qm: float
    dt: float
    n_steps: int
    out_steps: np.ndarray
    mu_stride: int
    n_lag: int
    n_bins: int
    chunk: int
    traj_n: int
    traj_stride: int
    traj_len: int

    @classmethod
    def make(cls, *, b0, qm, dt, n_steps, out_steps, mu_stride, n_lag, n_bins, chunk, traj_n, traj_stride,
             traj_len) -> StepSettings:
        return cls(np.ascontiguousarray(b0, dtype=np.float64).reshape(3), float(qm), float(dt), int(n_steps),
                   np.ascontiguousarray(out_steps, dtype=np.int64), int(mu_stride), int(n_lag), int(n_bins),
                   int(chunk), int(traj_n), int(traj_stride), int(traj_len))


def push(x0: np.ndarray, v0: np.ndarray, field: FieldArrays, steps: StepSettings):
    """``push_batch`` on (n, 3) initial positions [L] and velocities [c]; returns
    (disp, lag_acc, cor_acc, traj, bad) (``kernels/push.py``)."""
    return push_batch(np.ascontiguousarray(x0, dtype=np.float64), np.ascontiguousarray(v0, dtype=np.float64),
                      *field, *steps)


def compile_push(chunk: int) -> None:
    """Compile ``push_batch`` (or load it from numba's cache) with a one-particle call of
    the production types."""
    steps = StepSettings.make(b0=[0.0, 0.0, 1.0], qm=1.0, dt=0.01, n_steps=2, out_steps=[1], mu_stride=1,
                              n_lag=1, n_bins=2, chunk=chunk, traj_n=0, traj_stride=1, traj_len=1)
    field = FieldArrays.modes(np.zeros((N_ROWS, 1)), 0, 0)
    push(np.zeros((1, 3)), np.array([[0.0, 0.6, 0.8]]), field, steps)
