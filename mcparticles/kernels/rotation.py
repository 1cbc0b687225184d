"""``[field] precision = "rotation"``: each column's phase advanced by a rotation per step
instead of one cosine (accuracy and cost: ``fields/precision.py``)."""
import math

from numba import njit

from .layout import AX, AY, AZ, KX, KY, KZ, OMEGA, PHASE
from .trig import sincos_poly

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
