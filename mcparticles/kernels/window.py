"""Slab fast path: the slab columns of one wave family summed as one Chebyshev series
per particle (the series and its truncation: ``fields/window.py``).

A family is a group of slab columns [j_start, j_end) of the table that share one phase
speed V along z (V = 0: static; V = j v_A: Alfven waves), so it depends on
zeta = z - V t only.  Each particle carries a window |zeta - zeta_c| <= h per family;
``window_refresh`` computes the Chebyshev coefficients of B_x, B_y (and B_z) in
u = (zeta - zeta_c)/h from the Jacobi-Anger factors, and ``window_lanes`` sums the
series for many particles at once.
"""
from numba import njit

from .layout import AX, AY, AZ, KZ, PHASE
from .trig import sincos_poly


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
def window_refresh(l, zl, table, win_e, win_o, win_j0, j_start, n_win, with_bz, work, coef):
    """New window for lane ``l`` centred on ``zl``: the Chebyshev coefficients
    (fields/window.py) of the family's slab columns [j_start, n_win) into coef[:, :, l];
    rows x-even, x-odd, y-even, y-odd, z-even, z-odd.  win_e[i, j], win_o[i, j]: the
    factors of orders 2i, 2i+1 for mode j, negligible below mode win_j0[i] (modes in
    increasing |k| within the family).  ``work`` (6, columns) is scratch: a_j cos,
    a_j sin per component."""
    n_pairs = win_e.shape[0]
    kz = table[KZ]
    ph = table[PHASE]
    ax = table[AX]
    ay = table[AY]
    az = table[AZ]
    for j in range(j_start, n_win):
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
def window_lanes(m, z, zc, inv_h, table, win_e, win_o, win_j0, j_start, j_end, with_bz, work, coef, st, bx, by, bz):
    """Add the slab modes of one family (columns [j_start, j_end)) to (bx, by, bz) at the
    family coordinates z (z - V t) of ``m`` particles.

    Each particle carries a window (centre zc[l], half-width 1/inv_h) with the
    Chebyshev coefficients of the modes' sum (``coef``, filled by ``window_refresh``);
    a particle outside its window (or with zc = NaN: none yet) gets a new one.  Then
    the Chebyshev sums in blocks of WINDOW_LANES particles (``chebyshev_block``).
    ``coef`` has (6, n_pairs, mp) and ``st`` 5 * WINDOW_LANES entries, mp = m rounded up
    to a multiple of WINDOW_LANES (the padding lanes have zero coefficients)."""
    if j_end <= j_start:
        return
    L = WINDOW_LANES
    n_pairs = win_e.shape[0]
    for l in range(m):
        if not abs((z[l] - zc[l]) * inv_h) <= 1.0:     # also NaN: first step, or a lost particle
            zc[l] = z[l]
            window_refresh(l, z[l], table, win_e, win_o, win_j0, j_start, j_end, with_bz, work, coef)
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
