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

from .layout import N_ROWS, OMEGA
from .push import push_batch

#: no plane-wave columns / no windowed columns / no grid: the other backends' placeholders
EMPTY_TABLE = np.zeros((N_ROWS, 0))
EMPTY_WINDOW = (np.zeros((1, 0)), np.zeros((1, 0)), np.zeros((0, 1), dtype=np.int64), np.zeros(0),
                np.zeros(1, dtype=np.int64), np.zeros(0))
EMPTY_GRID = np.zeros((1, 1, 1, 3))


class FieldArrays(NamedTuple):
    """One field realisation as the kernel reads it.

    table: (N_ROWS, n) plane-wave columns (``kernels/layout.py``), the windowed slab
    families first (each in increasing |k|), then the other slab columns, then the
    k-perpendicular-to-z (2D) columns, then the rest; n_slab, n_plane: the sizes of the
    slab and 2D groups; win_e, win_o (n_pairs, n_win), win_j0 (F, n_pairs), win_inv_h
    (F,), win_start (F + 1,), win_speed (F,): the Chebyshev windows of F wave families,
    family f the columns [win_start[f], win_start[f + 1]) moving at win_speed[f] along z
    (``fields/window.py``; F = 0: none); grid (N, N, N, 3), inv_dx, use_grid: the grid
    backend (the table is then ignored); rotation: advance the non-window phases by
    rotation (``[field] precision``); moving: some column has omega != 0 (the kernel
    evaluates E and pushes with it)."""

    table: np.ndarray
    n_slab: int
    n_plane: int
    win_e: np.ndarray
    win_o: np.ndarray
    win_j0: np.ndarray
    win_inv_h: np.ndarray
    win_start: np.ndarray
    win_speed: np.ndarray
    grid: np.ndarray
    inv_dx: float
    use_grid: bool
    rotation: bool
    moving: bool

    @classmethod
    def modes(cls, table, n_slab: int, n_plane: int, window=EMPTY_WINDOW, rotation: bool = False) -> FieldArrays:
        """Plane-wave backend: a kernel table and, optionally, the windows of its first
        columns (``fields.window.family_windows``)."""
        table = np.ascontiguousarray(table, dtype=np.float64)
        win_e, win_o, win_j0, inv_h, start, speed = window
        return cls(table, int(n_slab), int(n_plane),
                   np.ascontiguousarray(win_e, dtype=np.float64), np.ascontiguousarray(win_o, dtype=np.float64),
                   np.ascontiguousarray(win_j0, dtype=np.int64).reshape(len(speed), -1) if len(speed) else
                   np.zeros((0, 1), dtype=np.int64),
                   np.ascontiguousarray(inv_h, dtype=np.float64), np.ascontiguousarray(start, dtype=np.int64),
                   np.ascontiguousarray(speed, dtype=np.float64), EMPTY_GRID, 0.0, False, bool(rotation),
                   bool(np.any(table[OMEGA] != 0.0)))

    @classmethod
    def on_grid(cls, values, inv_dx: float) -> FieldArrays:
        """Grid backend: node values (N, N, N, 3) with spacing 1/inv_dx (static)."""
        win_e, win_o, win_j0, inv_h, start, speed = EMPTY_WINDOW
        return cls(EMPTY_TABLE, 0, 0, win_e, win_o, win_j0, inv_h, start, speed,
                   np.ascontiguousarray(values, dtype=np.float64), float(inv_dx), True, False, False)


class StepSettings(NamedTuple):
    """Everything but the field and the particles that ``push_batch`` needs.

    b0: (3,) mean field [B_ref]; qm = sign(q) v / R; mass2 = 1/(gamma v)^2 (c = 1; 0 for
    v = 1), used with moving waves (kernels/lorentz.py); dt [L/c]; n_steps; out_steps:
    increasing step indices of the displacement moments; mu_stride: steps between mu
    samples; n_lag: lags (in samples) accumulated; n_bins: mu bins on [-1, 1]; chunk:
    particles stepped together (and per accumulator); traj_n, traj_stride, traj_len:
    tracked particles, steps between stored points, points stored; n_avg: mu samples
    per gyro-average of the momentum estimators (kernels/momentum.py)."""

    b0: np.ndarray
    qm: float
    mass2: float
    dt: float
    n_steps: int
    out_steps: np.ndarray
    mu_stride: int
    n_lag: int
    n_bins: int
    n_avg: int
    chunk: int
    traj_n: int
    traj_stride: int
    traj_len: int

    @classmethod
    def make(cls, *, b0, qm, dt, n_steps, out_steps, mu_stride, n_lag, n_bins, chunk, traj_n, traj_stride,
             traj_len, mass2=0.0, n_avg=1) -> StepSettings:
        return cls(np.ascontiguousarray(b0, dtype=np.float64).reshape(3), float(qm), float(mass2), float(dt),
                   int(n_steps),
                   np.ascontiguousarray(out_steps, dtype=np.int64), int(mu_stride), int(n_lag), int(n_bins),
                   max(1, int(n_avg)), int(chunk), int(traj_n), int(traj_stride), int(traj_len))


def push(x0: np.ndarray, v0: np.ndarray, field: FieldArrays, steps: StepSettings):
    """``push_batch`` on (n, 3) initial positions [L] and velocities [c]; returns
    (disp, lag_acc, cor_acc, traj, bad) (``kernels/push.py``)."""
    return push_batch(np.ascontiguousarray(x0, dtype=np.float64), np.ascontiguousarray(v0, dtype=np.float64),
                      *field, *steps)


def compile_push(chunk: int) -> None:
    """Compile ``push_batch`` (or load it from numba's cache) with a one-particle call of
    the production types (one specialisation serves static and moving fields)."""
    steps = StepSettings.make(b0=[0.0, 0.0, 1.0], qm=1.0, dt=0.01, n_steps=2, out_steps=[1], mu_stride=1,
                              n_lag=1, n_bins=2, chunk=chunk, traj_n=0, traj_stride=1, traj_len=1)
    field = FieldArrays.modes(np.zeros((N_ROWS, 1)), 0, 0)
    push(np.zeros((1, 3)), np.array([[0.0, 0.6, 0.8]]), field, steps)
