"""Quasi-linear D_mumu, D_mup, D_pp with a broadened resonance (Yan & Lazarian 2008;
docs/physics.md §4.4 and §6.3): the pi delta(k_par v mu - omega + n Omega) of the sharp
integrals (qlt/mhd.py, qlt/moving.py) replaced by

    R_n = sqrt(pi) / (|k_par| dv) exp(-((k_par v mu - omega + n Omega) / (k_par dv))^2),

dv = dv_over_v(mu) v, summed over n = 0, +-1, +-2, ... until a harmonic (static: n and
-n together) adds less than ``rtol`` of the sum three times in a row.  The k_perp
integral is the trapezoid rule on ``mhd._perp_grid`` (exact Bessel functions below
W_ASYM(n), their oscillation average beyond), the k_par integral the trapezoid rule on
``n_kpar`` logarithmic points in |k_par| (both signs), plus 241 points across the
Gaussian window around the resonant |k_par| = n Omega / |v mu - j v_A| where that is
narrow (static and Alfven waves).

How it is made fast (the values are those of the direct 2D sum, to rounding;
tests/qlt/test_broadened.py keeps the direct form as the yardstick):

* Where omega / k_par does not depend on k_perp (static and Alfven waves) R_n depends on
  k_par only, so the k_perp integral is one matrix-vector product per harmonic,
  G(k_par) = I_A(k_par, k_perp) @ (w 2 pi k_perp n^2 J_n^2/w^2) + (cos^2 I_F) @ (w 2 pi
  k_perp J_n'^2), w the trapezoid weights; the power matrices are computed once per
  |mu| and k_perp grid (they do not depend on n), and G is even in k_par.
* Static waves: D depends on |mu| only, so each |mu| is computed once.
* Fast modes (omega = k v_F(theta) depends on k_perp): the 2D sum per harmonic runs in
  ``quadrature.fast_broadened_inner`` (numba) over power, frequency and cos^2 arrays
  computed once per mu and k_perp grid.
"""
from __future__ import annotations

import numpy as np
from scipy import integrate

from .mhd import MAX_HARMONICS, SMALL_RUN, W_ASYM, TooManyHarmonics, _perp_grid, mode_bessel_terms, small_run
from .quadrature import fast_broadened_inner, trapezoid_weights

#: points across the Gaussian resonance window, +-6 widths around the resonant |k_par|
WINDOW_POINTS = 241


def transport_broadened_general(mu, spectrum, waves, *, omega: float, speed: float, dv_over_v, B0: float = 1.0,
                                harmonics="all", rtol: float = 1e-4, n_kpar: int = 400, n_max: int = MAX_HARMONICS,
                                sharp=None):
    """(D_mumu [c/L], D_mup [p0 c/L], D_pp [p0^2 c/L]) at each ``mu`` for a 3D
    ``spectrum`` (as in ``mhd.dmumu_mhd``) whose modes move as ``waves``
    (``moving.WaveMotion``; None: static, and then D_mup = D_pp = 0).  Where dv = 0 the
    sharp result ``sharp(mu) -> (D_mumu, D_mup, D_pp)`` is used."""
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    out = np.zeros((3,) + mu.shape)
    static = waves is None
    keys, where = np.unique(np.abs(mu), return_inverse=True) if static else (mu, np.arange(mu.size))
    for i, m in enumerate(keys):
        if abs(m) >= 1.0:
            continue
        dv = float(dv_over_v(m)) * speed
        if dv <= 0:
            d = sharp(np.array([m]))
            out[:, where == i] = np.array([x[0] for x in d])[:, None]
            continue
        total = _one_mu(m, dv, spectrum, waves, omega, speed, harmonics, rtol, n_kpar, n_max)
        out[:, where == i] = (omega ** 2 * (1 - m * m) * total / B0 ** 2)[:, None]
    if static:
        out[1:] = 0.0
    return out[0].reshape(mu.shape), out[1].reshape(mu.shape), out[2].reshape(mu.shape)


class _PerpGrids:
    """The k_perp grid of each W_ASYM value at one mu, with its trapezoid weights and the
    power on it at the base k_par points (computed on first use)."""

    def __init__(self, spectrum, base, r_perp, waves):
        self.spectrum, self.base, self.r_perp, self.waves = spectrum, base, r_perp, waves
        self.lo, self.hi = spectrum.k_perp_range(0.0)
        self._grids = {}

    def get(self, n_abs: int):
        key = W_ASYM(max(n_abs, 1))
        if key not in self._grids:
            kp, exact = _perp_grid(self.lo, self.hi, self.r_perp, max(n_abs, 1))
            g = {"kp": kp, "exact": exact, "wts": trapezoid_weights(kp)}
            g.update(self.power(self.base, kp))
            self._grids[key] = g
        return self._grids[key]

    def power(self, kpar, kp):
        """I_A, cos^2 I_F (and I_F, omega for fast modes) on kpar (> 0) x kp."""
        K, P = np.meshgrid(kpar, kp, indexing="ij")
        ia, if_ = self.spectrum.power(K, P)
        cos2 = K * K / (K * K + P * P)
        out = {"ia": ia, "cf": cos2 * if_}
        if self.waves is not None and self.waves.kind == "fast":
            out.update(if_=if_, cos2=cos2, om=self.waves.frequency(K, P, 1))
        return out


def _one_mu(m, dv, spectrum, waves, omega, speed, harmonics, rtol, n_kpar, n_max):
    """[int d^3k sum_n R_n W_xx S_n] (xx = mumu, mup, pp) at one mu, without the prefactor
    Omega^2 (1 - mu^2) / B0^2."""
    r_perp = speed / omega * np.sqrt(1 - m * m)
    lo_perp, _ = spectrum.k_perp_range(0.0)
    base = np.geomspace(min(1e-3, lo_perp), spectrum.k_par_max, n_kpar)
    grids = _PerpGrids(spectrum, base, r_perp, waves)
    fast = waves is not None and waves.kind == "fast"
    families = ((0, 1.0),) if waves is None else (((1, 1.0),) if fast else waves.families)
    n_stop = n_max if harmonics == "all" else int(harmonics)
    total = np.zeros(3)
    small = 0
    for n_abs in range(0, n_stop + 1):
        g = grids.get(n_abs)
        kp = g["kp"]
        ta, jp2 = mode_bessel_terms(n_abs, kp * r_perp, g["exact"])
        va = g["wts"] * 2 * np.pi * kp * ta            # k_perp integrals as dot products
        vf = g["wts"] * 2 * np.pi * kp * jp2
        term = np.zeros(3)
        for n in ((0,) if n_abs == 0 else ((n_abs,) if waves is None else (n_abs, -n_abs))):
            for j, fraction in families:
                if fast:
                    term += fraction * _fast_term(g, base, ta, jp2, speed, m, n * omega, dv)
                else:
                    term += fraction * _separable_term(grids, g, base, va, vf, waves, j, speed, m, n, omega, dv)
        if waves is None and n_abs > 0:
            term *= 2.0                                   # n and -n (static waves: equal)
        total += term
        if harmonics == "all" and n_abs > 0:
            small = small_run(small, term[0], total[0], rtol)
            if small >= SMALL_RUN and total[0] > 0:
                return total
    if harmonics == "all" and total[0] > 0:
        raise TooManyHarmonics(f"the broadened QLT resonance sum has not converged after {n_max} gyro-harmonics")
    return total


def _separable_term(grids, g, base, va, vf, waves, j, speed, m, n, omega, dv):
    """One harmonic n of one family j where omega = j k_par v_A (static: j v_A = 0): R_n
    and the frame weights depend on k_par only."""
    v_wave = 0.0 if waves is None else j * waves.v_A
    rel = speed * m - v_wave                          # k_par v mu - omega = k_par rel
    pos = base
    if n != 0 and rel != 0.0:
        k_c = abs(n * omega / rel)
        delta = dv / abs(rel)
        if waves is not None:
            delta = min(delta, 0.5)
        if np.isfinite(delta):
            local = k_c * (1 + delta * np.linspace(-6, 6, WINDOW_POINTS))
            local = local[local > 0]
            pos, first = np.unique(np.concatenate([base, local]), return_index=True)
            G_local = np.zeros(local.size)
            inside = local <= grids.spectrum.k_par_max          # no power beyond
            if np.any(inside):
                lp = grids.power(local[inside], g["kp"])
                G_local[inside] = lp["ia"] @ va + lp["cf"] @ vf
            G = np.concatenate([g["ia"] @ va + g["cf"] @ vf, G_local])[first]
        else:
            G = g["ia"] @ va + g["cf"] @ vf
    else:
        G = g["ia"] @ va + g["cf"] @ vf
    kpar = np.concatenate([-pos[::-1], pos])
    Gk = np.concatenate([G[::-1], G])                 # the spectra are even in k_par
    x = (kpar * rel + n * omega) / (kpar * dv)
    inner = np.sqrt(np.pi) / (np.abs(kpar) * dv) * np.exp(-x * x) * Gk
    eps = v_wave / speed
    frame = 1.0 - m * eps
    return integrate.trapezoid(inner, kpar) * np.array([frame * frame, eps * frame, eps * eps])


def _fast_term(g, base, ta, jp2, speed, m, n_omega, dv):
    """One harmonic (n Omega = ``n_omega``) of fast modes: omega = k v_F(theta)."""
    inner = fast_broadened_inner(base, g["kp"], g["wts"], g["ia"], g["if_"], g["cos2"], g["om"], ta, jp2,
                                 speed, m, n_omega, dv)
    kpar = np.concatenate([-base[::-1], base])
    return np.array([integrate.trapezoid(inner[x], kpar) for x in range(3)])
