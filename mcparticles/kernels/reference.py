"""Reference evaluation of a plane-wave table with libm's cos, one point at a time.

B(x, t) = B0 + sum_j a_j cos(k_j . x - omega_j t + phase_j), one cosine per linear
component j (table layout: ``kernels/layout.py``), and likewise the electric field
E(x, t) = sum_j f_j cos(...) of moving modes.  Units: B in B_ref, x in L, t in L/c.

These loops are the independent yardstick for the fast paths (``planewave``,
``window``, ``rotation``): tests, ``ModeSet.evaluate``, and ``push.gyro_orbit`` use them.
"""
import math

import numpy as np
from numba import njit, prange

from .layout import AX, AY, AZ, EX, EY, EZ, KX, KY, KZ, OMEGA, PHASE

#: every wave vector is along z: the field depends on z (and t) only
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


@njit(cache=True, inline="always")
def electric_general(x, y, z, t, table):
    """E at one point (rows EX, EY, EZ; zero for static columns)."""
    ex = 0.0
    ey = 0.0
    ez = 0.0
    kx = table[KX]
    ky = table[KY]
    kz = table[KZ]
    om = table[OMEGA]
    ph = table[PHASE]
    fx = table[EX]
    fy = table[EY]
    fz = table[EZ]
    for j in range(table.shape[1]):
        c = math.cos(kx[j] * x + ky[j] * y + kz[j] * z - om[j] * t + ph[j])
        ex += fx[j] * c
        ey += fy[j] * c
        ez += fz[j] * c
    return ex, ey, ez


@njit(cache=True, parallel=True)
def electric_at_points(points, t, table):
    """E at each row of ``points`` (n, 3); returns (n, 3)."""
    n = points.shape[0]
    out = np.empty((n, 3))
    for i in prange(n):
        ex, ey, ez = electric_general(points[i, 0], points[i, 1], points[i, 2], t, table)
        out[i, 0] = ex
        out[i, 1] = ey
        out[i, 2] = ez
    return out
