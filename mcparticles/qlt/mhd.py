"""General quasi-linear D_mumu for MHD-mode turbulence (docs/physics.md §4.3;
Schlickeiser 2002; Yan & Lazarian 2002, 2004, 2008), static fields, sharp resonance:

    D_mumu = Omega^2 (1-mu^2) int d^3k sum_n pi delta(k_par v mu + n Omega)
             [ n^2 J_n(w)^2 / w^2 I_A(k)  +  (k_par/k)^2 J_n'(w)^2 I_F(k) ] / B0^2

with w = k_perp v sqrt(1-mu^2) / Omega, I_A the power whose dB lies along k x B0
(Alfven-like) and I_F the power whose dB lies in the (k, B0) plane, perpendicular to k
(fast-like); both are 3D spectra in B_ref^2 L^3 with int d^3k (I_A + I_F) = dB2.
Only dB_perp drives mu = v_z/v in a static field, which is why the fast-like term
carries (k_par/k)^2 = cos^2(theta).

The delta function fixes k_par = -n Omega/(v mu); for spectra even in k_par the terms
+n and -n are equal.  n = 0 needs k_par = 0 and vanishes for mu != 0 (no transit-time
resonance without wave motion).  The k_perp integral is a trapezoid rule on a
grid, logarithmic for w < 1 and linear in w with 16 points per Bessel period up to
w = W_ASYM(n) = max(60, 4|n|); beyond, J_n^2 and J_n'^2 are replaced by their
oscillation average 1/(pi w) (the large-argument form J_n ~ sqrt(2/(pi w)) cos(...)),
which is smooth, so a coarse grid suffices out to the largest k_perp (relative error
of that tail ~ n^2/w^2 < 0.5%).  Harmonics are summed until a term adds less
than ``rtol`` of the sum three times in a row, or up to ``harmonics`` when that is an integer.

Pinned by tests/qlt/test_mhd.py: the k_perp -> 0 limit of the Alfven term is the slab
formula (pi/4) Omega (1-mu^2) k_res P(k_res) exactly.
"""
from __future__ import annotations

import numpy as np
from scipy import integrate, special

#: at most this many gyro-harmonics: resonances reach n = k_par,max r_g |mu|; a sum that
#: has not converged by then (r_g far above the turbulence scales, where QLT is not the
#: question) would take minutes, so it is reported as unavailable instead
MAX_HARMONICS = 50


#: a harmonic sum stops after this many harmonics in a row each adding at most rtol of it
SMALL_RUN = 3


def small_run(run: int, term: float, total: float, rtol: float) -> int:
    """The length of the current run of harmonics that each add at most ``rtol`` of the
    sum, after one more ``term`` (the stopping rule of every harmonic sum: SMALL_RUN)."""
    return run + 1 if abs(term) <= rtol * abs(total) else 0


class TooManyHarmonics(ValueError):
    """The resonance sum would need more than MAX_HARMONICS harmonics."""


def harmonics_needed(spectrum, omega: float, speed: float) -> float:
    """Highest harmonic n with a resonant k_par = n Omega / (v |mu|) <= k_par_max."""
    return spectrum.k_par_max * speed / omega


def dmumu_mhd(mu, spectrum, *, omega: float, speed: float, B0: float = 1.0,
              harmonics="all", rtol: float = 1e-4, n_grid: int = 600, n_max: int = MAX_HARMONICS):
    """D_mumu [c/L] at each ``mu``.

    ``spectrum`` provides ``power(k_par, k_perp) -> (I_A, I_F)`` (broadcasting arrays,
    even in k_par), ``k_perp_range(k_par) -> (lo, hi)`` (the support at that k_par;
    hi <= lo when empty) and ``k_par_max`` (no power beyond).  Harmonics are taken
    ``HARMONIC_BLOCK`` at a time on one k_perp grid (``_block_terms``).  The result
    depends on |mu| only (static waves, spectra even in k_par), so each distinct |mu| is
    computed once.
    """
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    abs_mu, where = np.unique(np.abs(mu), return_inverse=True)
    out = np.zeros_like(abs_mu)
    r_g = speed / omega
    for i, am in enumerate(abs_mu):
        if am == 0.0 or am >= 1.0:
            continue
        total = harmonic_sum(spectrum, omega, speed, am, r_g * np.sqrt(1.0 - am * am), harmonics, rtol, n_grid, n_max)
        out[i] = omega ** 2 * (1 - am * am) * np.pi / (speed * am) * total / B0 ** 2
    return out[where].reshape(mu.shape)


def harmonic_sum(spectrum, omega: float, speed: float, a_res: float, r_perp: float, harmonics="all",
                 rtol: float = 1e-4, n_grid: int = 600, n_max: int = MAX_HARMONICS) -> float:
    """sum over n >= 1 of the ``_block_terms`` at the resonant k_par = n Omega/(v a_res):
    a_res = |mu| for static waves, |mu - j eps| for an Alfven family moving at j v_A
    (qlt/moving.py); r_perp = r_g sqrt(1 - mu^2).  Converged as in ``dmumu_mhd``."""
    n_stop = n_max if harmonics == "all" else int(harmonics)
    total = 0.0
    small = 0
    n = 1
    done = False
    while n <= n_stop and not done:
        ns = np.arange(n, min(n + HARMONIC_BLOCK, n_stop + 1))
        k_par = ns * omega / (speed * a_res)
        inside = k_par <= spectrum.k_par_max
        if not inside[0]:
            break
        ns, k_par = ns[inside], k_par[inside]
        for term in _block_terms(spectrum, ns, k_par, r_perp, n_grid):
            total += term
            n += 1
            if harmonics == "all":
                small = small_run(small, term, total, rtol)
                if small >= SMALL_RUN and total > 0:
                    done = True
                    break
        if not inside[-1]:
            break
    else:
        if not done and harmonics == "all" and n_stop < harmonics_needed(spectrum, omega, speed) * a_res:
            raise TooManyHarmonics(f"the QLT resonance sum has not converged after {n_max} gyro-harmonics "
                                   f"(resonances up to n = {harmonics_needed(spectrum, omega, speed) * a_res:.3g})")
    return total


def W_ASYM(n: int) -> float:
    return max(60.0, 4.0 * n)


#: harmonics integrated together on one k_perp grid
HARMONIC_BLOCK = 8
#: below this |J| the downward recurrence could start from an underflowed value
_J_TINY = 1e-250


def bessel_orders(n_lo: int, n_hi: int, w: np.ndarray) -> np.ndarray:
    """J_n(w) for n = n_lo .. n_hi (rows) at the points w > 0, by recurrence in whichever
    direction is stable (scipy's jv of high order is slow: ~5-10 us per point where
    w > 1.5 n, against 0.1 us for j0 and j1).

    * w > n_hi + 1 (every order oscillates): upward from j0, j1,
      J_{n+1} = (2n/w) J_n - J_{n-1}.
    * otherwise: jv of the two highest orders, then downward,
      J_{n-1} = (2n/w) J_n - J_{n+1}, stable for the minimal solution J.  Where J_{n_hi}
      is too small to start from (w << n_hi), the ratios r_n = J_n/J_{n-1} are taken
      downward instead, r_n = w / (2n - w r_{n+1}) from r_{n_hi} ~ w/(2 n_hi), and
      J_n = r_n J_{n-1} upward from jv(n_lo, w): orders that underflow are negligible.

    Agrees with scipy's jv to 1.4e-13 of max_k |J_k(w)| (tests/qlt/test_mhd.py)."""
    n_orders = n_hi - n_lo + 1
    out = np.empty((n_orders, w.size))
    up = w > n_hi + 1.0
    if np.any(up):
        x = w[up]
        prev, cur = special.j0(x), special.j1(x)            # J_0, J_1
        rows = np.empty((n_orders, x.size))
        if n_lo == 0:
            rows[0] = prev
        if n_lo <= 1 <= n_hi:
            rows[1 - n_lo] = cur
        for order in range(1, n_hi):
            prev, cur = cur, (2.0 * order / x) * cur - prev   # J_{order+1}
            if order + 1 >= n_lo:
                rows[order + 1 - n_lo] = cur
        out[:, up] = rows
    down = ~up
    if np.any(down):
        x = w[down]
        rows = np.empty((n_orders, x.size))
        rows[-1] = special.jv(n_hi, x)
        if n_orders > 1:
            rows[-2] = special.jv(n_hi - 1, x)
        for k in range(n_orders - 2, 0, -1):
            order = n_lo + k                                   # row k holds J_order
            rows[k - 1] = (2.0 * order / x) * rows[k] - rows[k + 1]
        weak = np.abs(rows[-1]) < _J_TINY
        if np.any(weak) and n_orders > 1:
            y = x[weak]
            ratio = np.empty((n_orders, y.size))             # ratio[k] = J_{n_lo+k} / J_{n_lo+k-1}
            ratio[-1] = y / (2.0 * n_hi)
            for k in range(n_orders - 2, 0, -1):
                ratio[k] = y / (2.0 * (n_lo + k) - y * ratio[k + 1])
            sub = np.empty((n_orders, y.size))
            sub[0] = special.jv(n_lo, y)
            for k in range(1, n_orders):
                sub[k] = ratio[k] * sub[k - 1]
            rows[:, weak] = sub
        out[:, down] = rows
    return out


def _block_terms(spectrum, ns, k_par, r_perp, n_grid):
    """2 x int 2 pi k_perp dk_perp [n^2 J_n^2/w^2 I_A + (k_par/k)^2 J_n'^2 I_F] (+n and -n)
    for each harmonic n of ``ns`` at its resonant ``k_par``, w = k_perp r_perp.

    One k_perp grid serves the whole block -- logarithmic (``n_grid`` points) below
    w = 1, linear with 16 points per Bessel period above, up to the largest
    w = W_ASYM(n) any harmonic needs exactly -- and each harmonic takes the trapezoid
    rule over the grid points inside its own range [a_n, b_n] (its support, cut at
    W_ASYM(n)) with the two ends added as points; J_{n-1} and J_n come from one
    recurrence (``bessel_orders``), J_n' = J_{n-1} - (n/w) J_n.  Beyond W_ASYM(n)/r_perp,
    J_n^2 and J_n'^2 are replaced by their oscillation average 1/(pi w), on 400
    logarithmic points."""
    nb = len(ns)
    nf = ns.astype(float)[:, None]
    kq = k_par[:, None]
    bounds = np.array([spectrum.k_perp_range(kp) for kp in k_par], dtype=float).reshape(nb, 2)
    lo, hi = bounds[:, 0], bounds[:, 1]
    w_c = np.array([W_ASYM(int(n)) for n in ns]) / r_perp
    a, b = lo, np.minimum(hi, w_c)
    live = b > a
    terms = np.zeros(nb)

    def integrand(n, kpar, kp, jn, jp):
        ia, if_ = spectrum.power(kpar, kp)
        w = kp * r_perp
        return 2 * np.pi * kp * (n * n * (jn / w) ** 2 * ia + kpar ** 2 / (kpar ** 2 + kp ** 2) * jp ** 2 * if_)

    if np.any(live):
        k1 = 1.0 / r_perp
        k_lo, k_top = a[live].min(), b[live].max()
        parts = []
        if k_lo < min(k1, k_top):
            parts.append(np.geomspace(k_lo, min(k1, k_top), n_grid))
        if k_top > max(k_lo, k1):
            start = max(k_lo, k1)
            n_lin = int(16 * (k_top - start) * r_perp / (2 * np.pi)) + n_grid // 2
            parts.append(np.linspace(start, k_top, n_lin))
        grid = np.unique(np.concatenate(parts))
        n_lo, n_hi = int(ns[0]), int(ns[-1])
        jg = bessel_orders(n_lo - 1, n_hi, grid * r_perp)              # rows J_{n_lo-1} .. J_{n_hi}
        jn, jm = jg[1:], jg[:-1]
        g = grid[None, :]
        f = integrand(nf, kq, g, jn, jm - (nf / (g * r_perp)) * jn)    # (nb, G)
        inside = (g > a[:, None]) & (g < b[:, None])
        f = np.where(inside, f, 0.0)
        # interior intervals (both ends inside), then the pieces from a_n and to b_n
        both = inside[:, 1:] & inside[:, :-1]
        dg = np.diff(grid)
        terms += np.sum(np.where(both, 0.5 * (f[:, 1:] + f[:, :-1]) * dg[None, :], 0.0), axis=1)
        ends = np.stack([np.where(live, a, 1.0), np.where(live, b, 1.0)], axis=1)    # (nb, 2)
        je = special.jv(np.arange(n_lo - 1, n_hi + 1)[:, None, None], (ends * r_perp)[None, :, :])
        jen, jem = je[1:][np.arange(nb), np.arange(nb)], je[:-1][np.arange(nb), np.arange(nb)]   # (nb, 2)
        fe = integrand(nf, kq, ends, jen, jem - (nf / (ends * r_perp)) * jen)
        first = np.argmax(inside, axis=1)
        last = g.shape[1] - 1 - np.argmax(inside[:, ::-1], axis=1)
        has = inside.any(axis=1)
        rows = np.arange(nb)
        f_first, f_last = f[rows, first], f[rows, last]
        edge = np.where(has, 0.5 * (grid[first] - a) * (fe[:, 0] + f_first)
                        + 0.5 * (b - grid[last]) * (f_last + fe[:, 1]),
                        0.5 * (b - a) * (fe[:, 0] + fe[:, 1]))
        terms += np.where(live, edge, 0.0)
    tail = (hi > w_c) & (hi > lo)
    if np.any(tail):
        start = np.maximum(lo, w_c)[tail]
        kp = np.exp(np.linspace(np.log(start), np.log(hi[tail]), 400, axis=1))       # (nt, 400)
        w = kp * r_perp
        mean_sq = 1.0 / (np.pi * w)              # <J_n^2> = <J_n'^2> for w >> n
        ia, if_ = spectrum.power(kq[tail], kp)
        n2 = nf[tail]
        ft = 2 * np.pi * kp * (n2 * n2 * mean_sq / w ** 2 * ia + kq[tail] ** 2 / (kq[tail] ** 2 + kp ** 2)
                               * mean_sq * if_)
        terms[tail] += integrate.trapezoid(ft * kp, np.log(kp), axis=1)
    return 2.0 * terms


# -- broadened resonance (Yan & Lazarian 2008) ------------------------------------------

def broadening_width(mu, dB_par_rms: float, B0: float = 1.0):
    """Delta v_par / v = sqrt(1 - mu^2) sqrt(dB_par,rms / B0): the spread of v_par of a
    particle conserving its magnetic moment in a field whose strength varies by
    dB_par,rms (Yan & Lazarian 2008, our reading of their section 2; the Gaussian below is
    exp(-x^2/(k_par dv)^2), i.e. dv is sqrt(2) times a standard deviation -- published
    choices differ by that factor)."""
    return np.sqrt(1.0 - np.asarray(mu) ** 2) * np.sqrt(dB_par_rms / B0)


def mode_bessel_terms(n: int, w, exact):
    """(n^2 J_n(w)^2 / w^2, J_n'(w)^2) of the Alfven-like and fast-like terms of harmonic
    n >= 0 on a k_perp grid (w > 0), each replaced by its oscillation average 1/(pi w)
    where not ``exact`` (beyond W_ASYM); J_{n-1} and J_n from ``bessel_orders``,
    J_n' = J_{n-1} - (n/w) J_n, J_0' = -J_1."""
    avg = 1 / (np.pi * w)
    jp2 = avg.copy()
    ta = np.zeros_like(w) if n == 0 else n * n * avg / w ** 2
    if not np.any(exact):
        return ta, jp2
    x = w[exact]
    if n == 0:
        jp2[exact] = special.j1(x) ** 2
        return ta, jp2
    j = bessel_orders(n - 1, n, x)
    ta[exact] = (n * j[1] / x) ** 2
    jp2[exact] = (j[0] - (n / x) * j[1]) ** 2
    return ta, jp2


def _perp_grid(lo, hi, r_perp, n):
    """k_perp grid and whether each point is below the asymptotic-Bessel cut."""
    k1 = 1.0 / r_perp
    kc = W_ASYM(n) / r_perp
    parts = [np.geomspace(lo, min(hi, k1), 300)] if lo < k1 else []
    if hi > k1 and kc > max(lo, k1):
        a, b = max(lo, k1), min(hi, kc)
        parts.append(np.linspace(a, b, int(16 * (b - a) * r_perp / (2 * np.pi)) + 50))
    if hi > kc:
        parts.append(np.geomspace(max(lo, kc), hi, 200))
    kp = np.unique(np.concatenate(parts))
    return kp, kp * r_perp < W_ASYM(n)


def dmumu_mhd_broadened(mu, spectrum, *, omega: float, speed: float, dv_over_v, B0: float = 1.0,
                        harmonics="all", rtol: float = 1e-4, n_kpar: int = 400, n_max: int = MAX_HARMONICS):
    """D_mumu [c/L] with the resonance function
        R_n = sqrt(pi) / (|k_par| dv) exp(-((k_par v mu + n Omega) / (k_par dv))^2)
    instead of pi delta(k_par v mu + n Omega) (static waves), dv = dv_over_v(mu) * v,
    summed over n including n = 0 (the mirror / transit-time-like term, which survives
    for static fields only through the broadening).  Tends to dmumu_mhd as dv -> 0.
    The integrals: qlt/broadened.py."""
    from .broadened import transport_broadened_general

    def sharp(m):
        return dmumu_mhd(m, spectrum, omega=omega, speed=speed, B0=B0, harmonics=harmonics), None, None

    return transport_broadened_general(mu, spectrum, None, omega=omega, speed=speed, dv_over_v=dv_over_v, B0=B0,
                                       harmonics=harmonics, rtol=rtol, n_kpar=n_kpar, n_max=n_max, sharp=sharp)[0]
