"""Grid backend: the turbulent field on a periodic cube, interpolated trilinearly
(the field is made by ``fields/grid.py``)."""
import math

import numpy as np
from numba import njit


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


@njit(cache=True)
def grid_at_points(points, grid, inv_dx):
    """dB at each row of ``points`` (n, 3) by ``grid_lanes`` (B0 = 0); returns (n, 3)."""
    n = points.shape[0]
    out = np.empty((n, 3))
    x = np.ascontiguousarray(points[:, 0])
    y = np.ascontiguousarray(points[:, 1])
    z = np.ascontiguousarray(points[:, 2])
    bx = np.empty(n)
    by = np.empty(n)
    bz = np.empty(n)
    grid_lanes(n, x, y, z, grid, inv_dx, 0.0, 0.0, 0.0, bx, by, bz)
    out[:, 0] = bx
    out[:, 1] = by
    out[:, 2] = bz
    return out
