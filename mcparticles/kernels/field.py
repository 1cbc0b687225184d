"""Evaluation of a plane-wave field table (layout: ``fields/modes.py``).

B(x, t) = B0 + sum_j a_j cos(k_j . x - omega_j t + phase_j), one cosine per linear
component j.  Units: B in B_ref, x in L, t in L/c.

``field_lanes`` is the production path (polynomial cosine, many particles at once);
``field_general`` / ``field_slab`` evaluate one point with libm's cos and serve as the
independent reference (``gyro_orbit``, ``field_at_points``, ``ModeSet.evaluate``).
"""
import math

import numpy as np
from numba import njit, prange

from .trig import cos_poly

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
def field_lanes(m, x, y, z, t, table, n_slab, n_plane, b0x, b0y, b0z, bx, by, bz):
    """B at the positions of ``m`` particles stepped together (the fast path).

    The mode loop is outermost and the particle loop innermost, so each particle keeps
    its own sums in mode order: the loop vectorises over particles without
    re-association, and the result does not depend on the vector width.  Columns
    [0, n_slab) of ``table`` have k along z (phase k_z z), [n_slab, n_slab + n_plane)
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
    for j in range(n_slab):
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
