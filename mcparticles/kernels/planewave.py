"""Plane-wave field for many particles at once: the production path of the modes backend.

B(x, t) = B0 + sum_j a_j cos(k_j . x - omega_j t + phase_j), with cos from
``trig.cos_poly`` (table layout: ``kernels/layout.py``).  Units: B in B_ref, x in L,
t in L/c.  The static slab columns of a table may instead be summed by ``window.py``,
and every column by ``rotation.py`` (``[field] precision = "rotation"``).
"""
from numba import njit

from .layout import AX, AY, AZ, EX, EY, EZ, KX, KY, KZ, OMEGA, PHASE
from .trig import cos_poly


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
def field_e_lanes(m, x, y, z, t, table, n_win, b0x, b0y, b0z, bx, by, bz, ex, ey, ez):
    """``field_lanes`` for moving waves: B and the electric field E (rows EX, EY, EZ;
    ``fields/modes.py``) of columns [n_win, n) (the windowed families are added by the
    caller), from one cosine per column and particle.
    A loop of its own (not a flag of ``field_lanes``): the static path keeps its three
    sums per mode."""
    for l in range(m):
        bx[l] = b0x
        by[l] = b0y
        bz[l] = b0z
        ex[l] = 0.0
        ey[l] = 0.0
        ez[l] = 0.0
    kx = table[KX]
    ky = table[KY]
    kz = table[KZ]
    om = table[OMEGA]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    fx = table[EX]
    fy = table[EY]
    fz = table[EZ]
    n = table.shape[1]
    for j in range(n_win, n):
        # the three geometries of field_lanes in one loop: a moving table is evaluated
        # with the general phase (k_x x + k_y y + k_z z; zero products cost the same)
        kxj = kx[j]
        kyj = ky[j]
        kzj = kz[j]
        phj = ph[j] - om[j] * t
        axj = ax[j]
        ayj = ay[j]
        azj = az[j]
        fxj = fx[j]
        fyj = fy[j]
        fzj = fz[j]
        for l in range(m):
            c = cos_poly(kxj * x[l] + kyj * y[l] + kzj * z[l] + phj)
            bx[l] += axj * c
            by[l] += ayj * c
            bz[l] += azj * c
            ex[l] += fxj * c
            ey[l] += fyj * c
            ez[l] += fzj * c
