"""Slab fast path: the slab modes of a wave family summed as one Chebyshev series per particle.

A static slab field depends on z only, and a family of slab modes that share one phase
speed V (Alfven waves, omega = j k v_A) on zeta = z - V t only: the kernel windows each
family in its own coordinate (``family_windows``), and what follows holds with z -> zeta.

Around a centre z_c, on the window |z - z_c| <= h, each mode is an exact Chebyshev series in u = (z - z_c)/h by the
Jacobi-Anger expansion (Abramowitz & Stegun 9.1.44-45, DLMF 10.12.3):

    exp(i k h u) = sum_{n>=0} eps_n i^n J_n(k h) T_n(u),   eps_0 = 1, eps_n = 2,

so a linear component a cos(k z + phi) = Re[a w exp(i k h u)], w = exp(i(k z_c + phi)),
contributes to the n-th coefficient

    n = 2i:      (-1)^i     eps_n J_n(k h) a cos(k z_c + phi)
    n = 2i + 1:  (-1)^(i+1) 2     J_n(k h) a sin(k z_c + phi).

Summing over the modes gives the coefficients of B_x, B_y (and B_z) once per window;
each step then costs one Clenshaw sum per component, independent of the number of
modes.  A particle that leaves its window gets a new one centred on it (the
``kernels/window.py`` refresh: one sine-cosine pair per mode).

Truncation: J_n(x) for n > x decays faster than (e x / 2n)^n, and the series of each
mode is cut where the tail sum_{n >= N} eps_n |J_n(k h)| falls below ``TAIL`` = 1e-17,
so the expansion is exact to double precision (tests/kernels/test_window.py: field
within a few 1e-16 of the libm sum of the modes).  The window half-width h is set by
k_max h = ``kh_max(n_modes)``: a wider window means more terms per step but fewer
refreshes; ``kh_max`` balances the two.  With fewer than MIN_MODES static slab modes
the kernel sums the modes directly (no faster below that).
"""
from __future__ import annotations

import numpy as np
from scipy.special import jv

from ..kernels.args import EMPTY_WINDOW
from ..kernels.layout import KZ, OMEGA

#: series of a mode cut where the remaining |terms| sum below this (relative to its amplitude)
TAIL = 1e-17
#: below this many static slab modes one cosine per mode and step is as fast (benchmarks)
MIN_MODES = 64


def kh_max(n_modes: int) -> float:
    """k_max h for ``n_modes`` static slab modes: a refresh costs one sine-cosine per
    mode, a step ~ k_max h + 20 Chebyshev terms; sqrt(n) in [8, 64] is within 5% of the
    fastest for 64 to 1024 modes at k_max v dt = 1 (benchmarks/push_rate.py --kh)."""
    return float(np.clip(np.sqrt(n_modes), 8.0, 64.0))


def series_length(x: float) -> int:
    """Number of Chebyshev terms after which sum_{n>=N} eps_n |J_n(x)| < TAIL."""
    n = np.arange(int(x + 40 + 8 * np.cbrt(x + 1.0)) + 2)
    terms = 2.0 * np.abs(jv(n, x))
    tail = np.cumsum(terms[::-1])[::-1]
    return int(np.argmax(tail < TAIL))


def family_windows(table: np.ndarray, families, kh: float | None = None):
    """The kernel's window arrays (``kernels.args.FieldArrays``: win_e, win_o, win_j0,
    win_inv_h, win_start, win_speed) for wave families given as consecutive column
    ranges ``families`` = [(start, end, speed), ...] from column 0 (each: k along z, one
    phase speed, increasing |k|).  Each family gets its own ``window_tables``; the
    factor arrays are stacked along the columns and padded with zero pairs to the
    longest series (a padded pair reaches no mode: win_j0 = the family's end)."""
    if not families:
        return EMPTY_WINDOW
    parts = []
    for start, end, _ in families:
        sub = np.ascontiguousarray(table[:, start:end])
        parts.append(window_tables(sub, end - start, kh))
    n_pairs = max(p[0].shape[0] for p in parts)
    n_cols = families[-1][1]
    win_e = np.zeros((n_pairs, n_cols))
    win_o = np.zeros((n_pairs, n_cols))
    win_j0 = np.zeros((len(families), n_pairs), dtype=np.int64)
    for f, ((start, end, _), (we, wo, j0, _h)) in enumerate(zip(families, parts)):
        win_e[:we.shape[0], start:end] = we
        win_o[:wo.shape[0], start:end] = wo
        win_j0[f, :] = end
        win_j0[f, :j0.size] = start + j0
    inv_h = np.array([p[3] for p in parts])
    start = np.array([f[0] for f in families] + [n_cols], dtype=np.int64)
    speed = np.array([f[2] for f in families], dtype=float)
    return win_e, win_o, win_j0, inv_h, start, speed


def slab_families(table: np.ndarray, n_slab: int):
    """Consecutive column ranges [(start, end, speed)] of equal phase speed
    omega/k_z among the first ``n_slab`` (slab) columns of a kernel table."""
    if n_slab == 0:
        return []
    speed = table[OMEGA, :n_slab] / table[KZ, :n_slab]
    out = []
    start = 0
    for j in range(1, n_slab + 1):
        if j == n_slab or not _same_speed(speed[j], speed[start]):
            out.append((start, j, float(np.median(speed[start:j]))))
            start = j
    return out


def _same_speed(a: float, b: float) -> bool:
    """Phase speeds omega/k of one family agree to rounding (omega = j v_A k)."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b), 1e-300)


def window_tables(table: np.ndarray, n_win: int, kh: float | None = None):
    """(win_e, win_o, win_j0, inv_h) for the first ``n_win`` columns of a kernel table
    (one family: k along z, one phase speed, in increasing |k|): the signed Jacobi-Anger factors of the
    module docstring, win_e[i, j] for order n = 2i and win_o[i, j] for n = 2i + 1 of
    mode j, shape (n_pairs, n_win); win_j0[i] = the first mode whose series reaches pair
    i (the modes below contribute less than TAIL); inv_h = 1/h.
    The amplitudes are applied in the kernel (rows AX, AY, AZ of the table)."""
    if n_win == 0:
        return np.zeros((1, 0)), np.zeros((1, 0)), np.zeros(1, dtype=np.int64), 0.0
    k = np.abs(table[KZ, :n_win])
    if np.any(np.diff(k) < 0):
        raise ValueError("window_tables: the slab columns must come in increasing |k|")
    kmax = float(k[-1])
    if kmax == 0.0:
        raise ValueError("window_tables: the slab columns have k = 0")
    kh = kh_max(n_win) if kh is None else kh
    h = kh / kmax
    n_terms = series_length(kh)
    n_pairs = 1 + 4 * -(-((n_terms + 1) // 2 - 1) // 4)        # 1 + 4q: the kernel takes 8 orders a pass
    n = np.arange(2 * n_pairs)
    # J_n(-x) = (-1)^n J_n(x): jv takes the signed k h directly
    bessel = jv(n[:, None], table[KZ, None, :n_win] * h)
    eps = np.where(n == 0, 1.0, 2.0)
    i = n // 2
    sign = np.where(n % 2 == 0, (-1.0) ** i, (-1.0) ** (i + 1))
    f = bessel * (eps * sign)[:, None]                                # (orders, modes)
    # pair i is needed by mode j when the tail of j's series from order 2i is >= TAIL;
    # |k| increases with j, so the modes that need pair i are a suffix j >= win_j0[i]
    tail = np.cumsum(np.abs(f)[::-1], axis=0)[::-1]
    needs = tail[0::2] >= TAIL                                          # (pairs, modes)
    needs = np.maximum.accumulate(needs, axis=1)
    win_j0 = np.where(needs.any(axis=1), np.argmax(needs, axis=1), n_win).astype(np.int64)
    return np.ascontiguousarray(f[0::2]), np.ascontiguousarray(f[1::2]), win_j0, 1.0 / h

