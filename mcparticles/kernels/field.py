"""Evaluation of a plane-wave field table (layout: ``fields/modes.py``).

B(x, t) = B0 + sum_j a_j cos(k_j . x - omega_j t + phase_j), one cosine per linear
component j.  Units: B in B_ref, x in L, t in L/c.

``field_lanes`` is the production path (polynomial cosine, many particles at once), with
``window_lanes`` for the static slab modes (Chebyshev series per particle,
``fields/window.py``);
``field_general`` / ``field_slab`` evaluate one point with libm's cos and serve as the
independent reference (``gyro_orbit``, ``field_at_points``, ``ModeSet.evaluate``).
"""
import math

import numpy as np
from numba import njit, prange

from .trig import cos_poly, sincos_poly

# Keep in step with fields/modes.py (kernels import nothing of the package).
KX, KY, KZ, OMEGA, PHASE, AX, AY, AZ = range(8)
GEOMETRY_SLAB = 1


@njit(cache=True, inline="always")
def field_general(x, y, z, t, table, b0x, b0y, b0z):
    """B at one point for wave vectors in any direction."""
    bx = b0x
    by = b0y
    bz = b0z
    kx = table[KX]
    ky = table[KY]
    kz = table[KZ]
    om = table[OMEGA]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    for j in range(table.shape[1]):
        c = math.cos(kx[j] * x + ky[j] * y + kz[j] * z - om[j] * t + ph[j])
        bx += ax[j] * c
        by += ay[j] * c
        bz += az[j] * c
    return bx, by, bz


@njit(cache=True, inline="always")
def field_slab(z, t, table, b0x, b0y, b0z):
    """B at one point when every wave vector is along z (slab fast path)."""
    bx = b0x
    by = b0y
    bz = b0z
    kz = table[KZ]
    om = table[OMEGA]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    for j in range(table.shape[1]):
        c = math.cos(kz[j] * z - om[j] * t + ph[j])
        bx += ax[j] * c
        by += ay[j] * c
        bz += az[j] * c
    return bx, by, bz


@njit(cache=True, inline="always")
def field_at(x, y, z, t, table, geometry, b0x, b0y, b0z):
    if geometry == GEOMETRY_SLAB:
        return field_slab(z, t, table, b0x, b0y, b0z)
    return field_general(x, y, z, t, table, b0x, b0y, b0z)


@njit(cache=True, parallel=True)
def field_at_points(points, t, table, b0):
    """B at each row of ``points`` (n, 3); returns (n, 3)."""
    n = points.shape[0]
    out = np.empty((n, 3))
    for i in prange(n):
        bx, by, bz = field_general(points[i, 0], points[i, 1], points[i, 2], t, table,
                                   b0[0], b0[1], b0[2])
        out[i, 0] = bx
        out[i, 1] = by
        out[i, 2] = bz
    return out


@njit(cache=True, inline="always", fastmath={"contract"})
def field_lanes(m, x, y, z, t, table, n_win, n_slab, n_plane, b0x, b0y, b0z, bx, by, bz):
    """B at the positions of ``m`` particles stepped together (the fast path).

    The mode loop is outermost and the particle loop innermost, so each particle keeps
    its own sums in mode order: the loop vectorises over particles without
    re-association, and the result does not depend on the vector width.  Columns
    [n_win, n_slab) of ``table`` have k along z (phase k_z z; the first n_win are left
    to ``window_lanes``), [n_slab, n_slab + n_plane)
    have k perpendicular to z (phase k_x x + k_y y: the 2D path), the rest are general.
    cos is ``trig.cos_poly``.
    """
    for l in range(m):
        bx[l] = b0x
        by[l] = b0y
        bz[l] = b0z
    kx = table[KX]
    ky = table[KY]
    kz = table[KZ]
    om = table[OMEGA]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    n = table.shape[1]
    for j in range(n_win, n_slab):
        kzj = kz[j]
        phj = ph[j] - om[j] * t
        axj = ax[j]
        ayj = ay[j]
        azj = az[j]
        for l in range(m):
            c = cos_poly(kzj * z[l] + phj)
            bx[l] += axj * c
            by[l] += ayj * c
            bz[l] += azj * c
    for j in range(n_slab, n_slab + n_plane):
        kxj = kx[j]
        kyj = ky[j]
        phj = ph[j] - om[j] * t
        axj = ax[j]
        ayj = ay[j]
        azj = az[j]
        for l in range(m):
            c = cos_poly(kxj * x[l] + kyj * y[l] + phj)
            bx[l] += axj * c
            by[l] += ayj * c
            bz[l] += azj * c
    for j in range(n_slab + n_plane, n):
        kxj = kx[j]
        kyj = ky[j]
        kzj = kz[j]
        phj = ph[j] - om[j] * t
        axj = ax[j]
        ayj = ay[j]
        azj = az[j]
        for l in range(m):
            c = cos_poly(kxj * x[l] + kyj * y[l] + kzj * z[l] + phj)
            bx[l] += axj * c
            by[l] += ayj * c
            bz[l] += azj * c


@njit(cache=True, inline="always", fastmath={"contract"})
def grid_lanes(m, x, y, z, grid, inv_dx, b0x, b0y, b0z, bx, by, bz):
    """B at ``m`` positions from a periodic grid (N, N, N, 3) of spacing 1/inv_dx by
    trilinear interpolation (grid backend, fields/grid.py)."""
    n = grid.shape[0]
    for l in range(m):
        fx = x[l] * inv_dx
        fy = y[l] * inv_dx
        fz = z[l] * inv_dx
        ix = math.floor(fx)
        iy = math.floor(fy)
        iz = math.floor(fz)
        wx = fx - ix
        wy = fy - iy
        wz = fz - iz
        i0 = int(ix) % n
        j0 = int(iy) % n
        k0 = int(iz) % n
        i1 = (i0 + 1) % n
        j1 = (j0 + 1) % n
        k1 = (k0 + 1) % n
        w000 = (1 - wx) * (1 - wy) * (1 - wz)
        w100 = wx * (1 - wy) * (1 - wz)
        w010 = (1 - wx) * wy * (1 - wz)
        w110 = wx * wy * (1 - wz)
        w001 = (1 - wx) * (1 - wy) * wz
        w101 = wx * (1 - wy) * wz
        w011 = (1 - wx) * wy * wz
        w111 = wx * wy * wz
        out0 = b0x
        out1 = b0y
        out2 = b0z
        for c in range(3):
            v = (w000 * grid[i0, j0, k0, c] + w100 * grid[i1, j0, k0, c] + w010 * grid[i0, j1, k0, c]
                 + w110 * grid[i1, j1, k0, c] + w001 * grid[i0, j0, k1, c] + w101 * grid[i1, j0, k1, c]
                 + w011 * grid[i0, j1, k1, c] + w111 * grid[i1, j1, k1, c])
            if c == 0:
                out0 += v
            elif c == 1:
                out1 += v
            else:
                out2 += v
        bx[l] = out0
        by[l] = out1
        bz[l] = out2


@njit(cache=True, fastmath={"contract", "reassoc"})
def window_dot(a, b, j0, n):
    """sum_{j0 <= j < n} a[j] b[j], re-associated so that it vectorises (the one sum
    in the kernels whose order follows the vector width of the machine)."""
    aa = a[j0:n]          # slices: indices from 0, which the vectoriser needs (j0 + j
    bb = b[j0:n]          # would keep numba's negative-index wrap-around in the loop)
    s = 0.0
    for j in range(aa.shape[0]):
        s += aa[j] * bb[j]
    return s


@njit(cache=True, fastmath={"contract"})
def window_refresh(l, zl, table, win_e, win_o, win_j0, with_bz, work, coef):
    """New window for lane ``l`` centred on ``zl``: the Chebyshev coefficients
    (fields/window.py) of the static slab columns [0, n_win) into coef[:, :, l];
    rows x-even, x-odd, y-even, y-odd, z-even, z-odd.  win_e[i, j], win_o[i, j]: the
    factors of orders 2i, 2i+1 for mode j, negligible below mode win_j0[i] (modes in
    increasing |k|).  ``work`` (6, n_win) is scratch: a_j cos, a_j sin per component."""
    n_pairs = win_e.shape[0]
    n_win = win_e.shape[1]
    kz = table[KZ]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    for j in range(n_win):
        s, c = sincos_poly(kz[j] * zl + ph[j])
        work[0, j] = ax[j] * c
        work[1, j] = ax[j] * s
        work[2, j] = ay[j] * c
        work[3, j] = ay[j] * s
        work[4, j] = az[j] * c
        work[5, j] = az[j] * s
    for i in range(n_pairs):
        j0 = win_j0[i]
        coef[0, i, l] = window_dot(win_e[i], work[0], j0, n_win)
        coef[1, i, l] = window_dot(win_o[i], work[1], j0, n_win)
        coef[2, i, l] = window_dot(win_e[i], work[2], j0, n_win)
        coef[3, i, l] = window_dot(win_o[i], work[3], j0, n_win)
        if with_bz:
            coef[4, i, l] = window_dot(win_e[i], work[4], j0, n_win)
            coef[5, i, l] = window_dot(win_o[i], work[5], j0, n_win)


#: lanes of one Chebyshev block: a compile-time trip count lets the loops over lanes
#: vectorise with the recurrence state in one flat array (no runtime alias checks)
WINDOW_LANES = 32


@njit(cache=True, inline="always", fastmath={"contract"})
def chebyshev_block(b, n_pairs, coef, re, rf, st):
    """sum_n c_n T_n(u) for lanes b .. b+WINDOW_LANES and two components (rows re, re+1
    and rf, rf+1 of ``coef``: even and odd n) into st[3L:4L], st[4L:5L]; u in st[0:L].
    T_n by the forward recurrence T_{n+1} = 2u T_n - T_{n-1} (|u| <= 1: stable), eight
    orders per pass over the lanes; n_pairs - 1 is a multiple of 4 (zero padded)."""
    L = WINDOW_LANES
    for l in range(L):
        ul = st[l]
        st[L + l] = 1.0
        st[2 * L + l] = ul
        st[3 * L + l] = coef[re, 0, b + l] + coef[re + 1, 0, b + l] * ul
        st[4 * L + l] = coef[rf, 0, b + l] + coef[rf + 1, 0, b + l] * ul
    for i in range(1, n_pairs, 4):
        for l in range(L):
            u2 = 2.0 * st[l]
            t0 = st[L + l]
            t1 = st[2 * L + l]
            e1 = u2 * t1 - t0
            o1 = u2 * e1 - t1
            e2 = u2 * o1 - e1
            o2 = u2 * e2 - o1
            e3 = u2 * o2 - e2
            o3 = u2 * e3 - o2
            e4 = u2 * o3 - e3
            o4 = u2 * e4 - o3
            st[L + l] = e4
            st[2 * L + l] = o4
            k = b + l
            st[3 * L + l] += (((coef[re, i, k] * e1 + coef[re + 1, i, k] * o1)
                               + (coef[re, i + 1, k] * e2 + coef[re + 1, i + 1, k] * o2))
                              + ((coef[re, i + 2, k] * e3 + coef[re + 1, i + 2, k] * o3)
                                 + (coef[re, i + 3, k] * e4 + coef[re + 1, i + 3, k] * o4)))
            st[4 * L + l] += (((coef[rf, i, k] * e1 + coef[rf + 1, i, k] * o1)
                               + (coef[rf, i + 1, k] * e2 + coef[rf + 1, i + 1, k] * o2))
                              + ((coef[rf, i + 2, k] * e3 + coef[rf + 1, i + 2, k] * o3)
                                 + (coef[rf, i + 3, k] * e4 + coef[rf + 1, i + 3, k] * o4)))


@njit(cache=True, fastmath={"contract"})
def window_lanes(m, z, zc, inv_h, table, win_e, win_o, win_j0, with_bz, work, coef, st, bx, by, bz):
    """Add the static slab modes to (bx, by, bz) at the positions z of ``m`` particles.

    Each particle carries a window (centre zc[l], half-width 1/inv_h) with the
    Chebyshev coefficients of the modes' sum (``coef``, filled by ``window_refresh``);
    a particle outside its window (or with zc = NaN: none yet) gets a new one.  Then
    the Chebyshev sums in blocks of WINDOW_LANES particles (``chebyshev_block``).
    ``coef`` has (6, n_pairs, mp) and ``st`` 5 * WINDOW_LANES entries, mp = m rounded up
    to a multiple of WINDOW_LANES (the padding lanes have zero coefficients)."""
    if win_e.shape[1] == 0:
        return
    L = WINDOW_LANES
    n_pairs = win_e.shape[0]
    for l in range(m):
        if not abs((z[l] - zc[l]) * inv_h) <= 1.0:     # also NaN: first step, or a lost particle
            zc[l] = z[l]
            window_refresh(l, z[l], table, win_e, win_o, win_j0, with_bz, work, coef)
    for b in range(0, m, L):
        n_l = min(L, m - b)
        for l in range(L):
            st[l] = 0.0
        for l in range(n_l):
            st[l] = (z[b + l] - zc[b + l]) * inv_h
        chebyshev_block(b, n_pairs, coef, 0, 2, st)
        for l in range(n_l):
            bx[b + l] += st[3 * L + l]
            by[b + l] += st[4 * L + l]
        if with_bz:
            chebyshev_block(b, n_pairs, coef, 4, 4, st)
            for l in range(n_l):
                bz[b + l] += st[3 * L + l]


# ---------------------------------------------------------------------------------------
# precision = "rotation": phases advanced by rotation (fields/precision.py documents it)

#: exact recomputation of every phase every ROTATION_PERIOD steps
ROTATION_PERIOD = 64
#: |exp(i d) - Taylor_deg(d)| <= |d|^(deg+1)/(deg+1)! <= ROTATION_TOL for |d| <= the bound
ROTATION_TOL = 1e-12
ROT_BOUND_5 = (720.0 * ROTATION_TOL) ** (1.0 / 6.0)
ROT_BOUND_7 = (40320.0 * ROTATION_TOL) ** (1.0 / 8.0)
ROT_BOUND_9 = (3628800.0 * ROTATION_TOL) ** (1.0 / 10.0)
ROT_BOUND_13 = (87178291200.0 * ROTATION_TOL) ** (1.0 / 14.0)


# Taylor coefficients of cos (even) and sin (odd): (-1)^i / (2i)!, (-1)^i / (2i+1)!
C2, C4, C6, C8, C10, C12 = -1 / 2, 1 / 24, -1 / 720, 1 / 40320, -1 / 3628800, 1 / 479001600
S3, S5, S7, S9, S11, S13 = -1 / 6, 1 / 120, -1 / 5040, 1 / 362880, -1 / 39916800, 1 / 6227020800


@njit(cache=True, inline="always", fastmath={"contract"})
def _turn5(d):
    """(cos d, sin d) to degree 5."""
    q = d * d
    c = 1.0 + q * (C2 + q * C4)
    s = d * (1.0 + q * (S3 + q * S5))
    return c, s


@njit(cache=True, inline="always", fastmath={"contract"})
def _turn7(d):
    q = d * d
    c = 1.0 + q * (C2 + q * (C4 + q * C6))
    s = d * (1.0 + q * (S3 + q * (S5 + q * S7)))
    return c, s


@njit(cache=True, inline="always", fastmath={"contract"})
def _turn9(d):
    q = d * d
    c = 1.0 + q * (C2 + q * (C4 + q * (C6 + q * C8)))
    s = d * (1.0 + q * (S3 + q * (S5 + q * (S7 + q * S9))))
    return c, s


@njit(cache=True, inline="always", fastmath={"contract"})
def _turn13(d):
    q = d * d
    c = 1.0 + q * (C2 + q * (C4 + q * (C6 + q * (C8 + q * (C10 + q * C12)))))
    s = d * (1.0 + q * (S3 + q * (S5 + q * (S7 + q * (S9 + q * (S11 + q * S13))))))
    return c, s


@njit(cache=True, fastmath={"contract"})
def rotation_lanes(m, x, y, z, dx, dy, dz, t, dt, exact, table, j0, rc, rs, b0x, b0y, b0z, bx, by, bz):
    """B0 plus columns [j0, n) of ``table`` at the positions of ``m`` particles, each
    column's (cos, sin) of its phase kept per particle in rc[j - j0, l], rs[...] and
    advanced by the rotation exp(i d), d = k . dx - omega dt, since the last call
    (dx = the particles' displacements).  exp(i d) by its Taylor polynomial of degree 5,
    7, 9 or 13 -- the lowest whose remainder |d|^(deg+1)/(deg+1)! stays below
    ROTATION_TOL for the largest |d| of the chunk --; a column beyond ROT_BOUND_13, and
    every column when ``exact`` (the first step and every ROTATION_PERIOD-th), is
    recomputed with ``sincos_poly``.  So each column's cos is within ~ROTATION_PERIOD x
    ROTATION_TOL of the exact one at any step (tests/kernels/test_rotation.py)."""
    for l in range(m):
        bx[l] = b0x
        by[l] = b0y
        bz[l] = b0z
    dmax = 0.0
    for l in range(m):
        dmax = max(dmax, math.sqrt(dx[l] * dx[l] + dy[l] * dy[l] + dz[l] * dz[l]))
    if not math.isfinite(dmax):
        exact = True
    kx = table[KX]
    ky = table[KY]
    kz = table[KZ]
    om = table[OMEGA]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    for j in range(j0, table.shape[1]):
        r = j - j0
        kxj = kx[j]
        kyj = ky[j]
        kzj = kz[j]
        omdt = om[j] * dt
        axj = ax[j]
        ayj = ay[j]
        azj = az[j]
        bound = math.sqrt(kxj * kxj + kyj * kyj + kzj * kzj) * dmax + abs(omdt)
        if exact or bound > ROT_BOUND_13:
            phj = ph[j] - om[j] * t
            for l in range(m):
                s, c = sincos_poly(kxj * x[l] + kyj * y[l] + kzj * z[l] + phj)
                rc[r, l] = c
                rs[r, l] = s
                bx[l] += axj * c
                by[l] += ayj * c
                bz[l] += azj * c
        # the four Taylor classes are written out: passing the polynomial as an argument,
        # or branching on the degree inside the particle loop, stops the loop vectorising
        # (measured 3.7x slower)
        elif bound <= ROT_BOUND_5:
            for l in range(m):
                cd, sd = _turn5(kxj * dx[l] + kyj * dy[l] + kzj * dz[l] - omdt)
                c = rc[r, l] * cd - rs[r, l] * sd
                s = rs[r, l] * cd + rc[r, l] * sd
                rc[r, l] = c
                rs[r, l] = s
                bx[l] += axj * c
                by[l] += ayj * c
                bz[l] += azj * c
        elif bound <= ROT_BOUND_7:
            for l in range(m):
                cd, sd = _turn7(kxj * dx[l] + kyj * dy[l] + kzj * dz[l] - omdt)
                c = rc[r, l] * cd - rs[r, l] * sd
                s = rs[r, l] * cd + rc[r, l] * sd
                rc[r, l] = c
                rs[r, l] = s
                bx[l] += axj * c
                by[l] += ayj * c
                bz[l] += azj * c
        elif bound <= ROT_BOUND_9:
            for l in range(m):
                cd, sd = _turn9(kxj * dx[l] + kyj * dy[l] + kzj * dz[l] - omdt)
                c = rc[r, l] * cd - rs[r, l] * sd
                s = rs[r, l] * cd + rc[r, l] * sd
                rc[r, l] = c
                rs[r, l] = s
                bx[l] += axj * c
                by[l] += ayj * c
                bz[l] += azj * c
        else:
            for l in range(m):
                cd, sd = _turn13(kxj * dx[l] + kyj * dy[l] + kzj * dz[l] - omdt)
                c = rc[r, l] * cd - rs[r, l] * sd
                s = rs[r, l] * cd + rc[r, l] * sd
                rc[r, l] = c
                rs[r, l] = s
                bx[l] += axj * c
                by[l] += ayj * c
                bz[l] += azj * c
