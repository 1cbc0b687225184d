"""Quasi-linear transport in moving MHD waves (docs/physics.md §6.3): D_mumu, D_mup, D_pp
from the general MHD-mode integral with the wave frequency in the resonance,

    D_xx = Omega^2 (1-mu^2) / B0^2  int d^3k  sum_n  R_n  W_xx  S_n(k),
    R_n  = pi delta(k_par v mu - omega + n Omega)                       (sharp),
    S_n  = n^2 J_n(w)^2 / w^2 I_A(k)  +  (k_par/k)^2 J_n'(w)^2 I_F(k)     (the static form, qlt/mhd.py),

with the frame weights of a mode whose parallel phase speed is V_k = omega/k_par
(eps_k = V_k/v; every mode is magnetostatic in the frame moving at V_k, Schlickeiser
1989, ApJ 336, 243): W_mumu = (1 - mu eps_k)^2, W_mup = p eps_k (1 - mu eps_k),
W_pp = p^2 eps_k^2 (p = 1: momenta in units of the initial one).  For static waves
W_mumu = 1 and this is qlt/mhd.py.

* Alfven modes (``alfvenic_gs95``), family j = +-1 with power fraction f_j: omega =
  j k_par v_A, so V_k = j v_A for every mode and the resonance is the static one with mu
  replaced by mu - j eps in k_par = -n Omega / (v (mu - j eps)) and in the delta
  function's 1/(v |mu - j eps|); ``mhd.harmonic_sum`` does the k_perp integrals.
* Fast modes (``fast_modes``; I_A = 0): omega = k v_F(theta) > 0, each mode travelling
  along its k.  In spherical coordinates (k, c = cos theta) the resonance
  k c v mu - k v_F(c) + n Omega = 0 fixes c for each k (one root c = (k v_A - n Omega) /
  (k v mu) at beta = 0; roots bracketed on a grid in c otherwise), and the (k_par/k)^2 of
  S_n combines with W: c^2 W_mumu = (c v - mu v_F)^2 / v^2, c^2 W_mup = v_F (c v - mu v_F)
  / v^2, c^2 W_pp = v_F^2 / v^2 -- finite at k_par = 0.  n = 0 is transit-time damping
  (Yan & Lazarian 2004, ApJ 614, 757; Schlickeiser 2002, ch. 12-13), resonant at
  c = v_F / (v mu), so only for |mu| >= v_F/v.  The k integral is a trapezoid rule in
  ln k; Bessel functions as in qlt/mhd.py (oscillation average 1/(pi w) beyond
  W_ASYM(n)).  Harmonics n = 0, +-1, +-2, ... until a pair adds less than ``rtol`` of
  the sum three times in a row.
* Broadened resonance (``transport_broadened``): R_n = sqrt(pi)/(|k_par| dv)
  exp(-((k_par v mu - omega + n Omega)/(k_par dv))^2) on a (k_par, k_perp) grid, every n.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import integrate, special

from ..fields.waves import fast_speed, sound_speed2
from .mhd import MAX_HARMONICS, SMALL_RUN, W_ASYM, TooManyHarmonics, bessel_orders, harmonic_sum, small_run


@dataclass(frozen=True)
class WaveMotion:
    """How the modes of a 3D spectrum move: ``kind`` "alfven" (families ((j, fraction),
    ...), omega = j k_par v_A) or "fast" (omega = k v_F(theta) with ``beta``)."""

    kind: str
    v_A: float
    families: tuple = ()
    beta: float = 0.0

    def frequency(self, k_par, k_perp, j: int = 1):
        """omega [c/L] of a mode (family j for Alfven waves)."""
        if self.kind == "alfven":
            return j * self.v_A * np.asarray(k_par, dtype=float)
        k = np.hypot(k_par, k_perp)
        c = np.divide(k_par, k, out=np.zeros_like(k), where=k > 0)
        return k * fast_speed(self.v_A, self.beta, c)


def transport_mhd(mu, spectrum, waves: WaveMotion, *, omega: float, speed: float, B0: float = 1.0,
                  harmonics="all", rtol: float = 1e-4, n_grid: int = 600, n_max: int = MAX_HARMONICS):
    """(D_mumu [c/L], D_mup [p0 c/L], D_pp [p0^2 c/L]) at each ``mu``, sharp resonance
    (module docstring); ``spectrum`` as for ``mhd.dmumu_mhd``."""
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    if waves.kind == "alfven":
        return _alfven(mu, spectrum, waves, omega, speed, B0, harmonics, rtol, n_grid, n_max)
    if waves.kind == "fast":
        abs_mu, where = np.unique(np.abs(mu), return_inverse=True)
        out = np.array([_fast_one(m, spectrum, waves, omega, speed, harmonics, rtol, n_max) for m in abs_mu])
        pre = omega ** 2 * (1.0 - abs_mu ** 2) / B0 ** 2
        d = (pre[:, None] * out)[where].reshape(mu.shape + (3,))
        sign = np.where(mu < 0, -1.0, 1.0)          # D_mup is odd in mu (c -> -c, n -> -n)
        return d[..., 0], sign * d[..., 1], d[..., 2]
    raise ValueError(f"unknown wave motion {waves.kind!r}")


def _alfven(mu, spectrum, waves, omega, speed, B0, harmonics, rtol, n_grid, n_max):
    eps = waves.v_A / speed
    r_g = speed / omega
    d_mumu, d_mup, d_pp = (np.zeros_like(mu) for _ in range(3))
    for i, m in enumerate(mu):
        if abs(m) >= 1.0:
            continue
        for j, fraction in waves.families:
            a = abs(m - j * eps)
            frame = 1.0 - j * m * eps
            if a == 0.0 or frame == 0.0:
                continue
            total = harmonic_sum(spectrum, omega, speed, a, r_g * np.sqrt(1.0 - m * m), harmonics, rtol, n_grid,
                                 n_max)
            d = omega ** 2 * (1 - m * m) * np.pi / (speed * a) * total * fraction * frame ** 2 / B0 ** 2
            d_mumu[i] += d
            d_mup[i] += d * j * eps / frame
            d_pp[i] += d * eps * eps / frame ** 2
    return d_mumu, d_mup, d_pp


def _fast_roots(k, n, omega, speed, m, waves, n_c=65):
    """Resonant cos(theta) for each k: (c, |d g / d c|, k index) of every root of
    g(c) = k c v mu - k v_F(c) + n Omega on c in [-1, 1]: closed form at beta = 0; else
    bracketed on [-1, 1] where g is monotonic (v |mu| above the largest |dv_F/dc|), by the
    sign changes on a grid of ``n_c`` points otherwise, then 8 bisections and 5 Newton
    steps (quadratic convergence from 1/256 of the bracket: to rounding)."""
    v_A = waves.v_A
    if sound_speed2(v_A, waves.beta) == 0.0:
        c = (k * v_A - n * omega) / (k * speed * m)
        ok = np.abs(c) <= 1.0
        return c[ok], k[ok] * speed * m, np.flatnonzero(ok)
    cg = np.linspace(-1.0, 1.0, n_c)
    vf = fast_speed(v_A, waves.beta, cg)
    if speed * m > 1.01 * np.max(np.abs(np.diff(vf) / np.diff(cg))):
        # g increases with c: at most one root, bracketed by the ends where they differ in sign
        g_lo = -k * speed * m - k * vf[0] + n * omega
        g_hi = k * speed * m - k * vf[-1] + n * omega
        ki = np.flatnonzero(np.signbit(g_lo) != np.signbit(g_hi))
        lo, hi = np.full(ki.size, -1.0), np.ones(ki.size)
        glo, ghi = g_lo[ki], g_hi[ki]
    else:
        g = k[:, None] * cg[None, :] * speed * m - k[:, None] * vf[None, :] + n * omega
        flip = np.signbit(g[:, 1:]) != np.signbit(g[:, :-1])
        ki, ci = np.nonzero(flip)
        lo, hi = cg[ci], cg[ci + 1]
        glo, ghi = g[ki, ci], g[ki, ci + 1]
    kk = k[ki]

    cs2 = sound_speed2(v_A, waves.beta)
    s2 = v_A * v_A + cs2

    def gfun(c):
        return kk * c * speed * m - kk * fast_speed(v_A, waves.beta, c) + n * omega

    def slope_of(c):                                  # dg/dc = k (v mu - dv_F/dc)
        vf = fast_speed(v_A, waves.beta, c)
        disc = np.sqrt(np.maximum(s2 * s2 - 4.0 * v_A * v_A * cs2 * c * c, 1e-300))
        return kk * (speed * m + v_A * v_A * cs2 * c / (disc * vf))

    for _ in range(8):                                # bisection to 1/256 of the bracket
        mid = 0.5 * (lo + hi)
        gm = gfun(mid)
        left = np.signbit(gm) == np.signbit(glo)
        lo, glo = np.where(left, mid, lo), np.where(left, gm, glo)
        hi, ghi = np.where(left, hi, mid), np.where(left, ghi, gm)
    c = 0.5 * (lo + hi)
    for _ in range(5):                                # then Newton, kept inside the bracket
        c = np.clip(c - gfun(c) / slope_of(c), lo, hi)
    slope = np.abs(slope_of(c))
    return c, slope, ki


def _fast_one(m, spectrum, waves, omega, speed, harmonics, rtol, n_max, n_k=2000):
    """[int d^3k sum_n pi delta(...) c^2 W_xx J_n'^2 I_F] for xx = mumu, mup, pp at |mu| = m
    (without the prefactor Omega^2 (1 - mu^2) / B0^2)."""
    out = np.zeros(3)
    if m == 0.0 or m >= 1.0:
        return out
    k_lo, k_hi = spectrum.k_perp_range(0.0)
    r_perp = speed / omega * np.sqrt(1.0 - m * m)
    base = np.geomspace(k_lo, k_hi, n_k)
    n_stop = n_max if harmonics == "all" else int(harmonics)
    small = 0
    for n_abs in range(0, n_stop + 1):
        pair = np.zeros(3)
        for n in ((0,) if n_abs == 0 else (n_abs, -n_abs)):
            k = base
            if sound_speed2(waves.v_A, waves.beta) == 0.0 and speed * m != waves.v_A:
                # the ends c = +-1 of the resonance curve, where J_1'(w = 0) jumps to 1/2
                ends = np.array([n * omega / (waves.v_A - speed * m), n * omega / (waves.v_A + speed * m)])
                ends = ends[(ends > k_lo) & (ends < k_hi)]
                k = np.unique(np.concatenate([base, ends, ends * (1 - 1e-12), ends * (1 + 1e-12)]))
            c, slope, idx = _fast_roots(k, n, omega, speed, m, waves)
            if c.size == 0:
                continue
            kk = k[idx]
            w = kk * np.sqrt(np.maximum(1.0 - c * c, 0.0)) * r_perp
            exact = w < W_ASYM(max(n_abs, 1))
            jp2 = 1.0 / (np.pi * np.where(w > 0, w, 1.0))          # oscillation average beyond W_ASYM
            if np.any(exact):
                jp2[exact] = _bessel_jp(n_abs, w[exact]) ** 2
            # the power at the resonant angle (isotropic spectra depend on |k| only; a
            # damping truncation does not)
            _, i_f = spectrum.power(kk * c, kk * np.sqrt(np.maximum(1.0 - c * c, 0.0)))
            v_f = fast_speed(waves.v_A, waves.beta, c)
            common = 2.0 * np.pi * kk ** 2 * np.pi / slope * jp2 * i_f / speed ** 2
            rel = c * speed - m * v_f
            f = np.stack([common * rel * rel, common * v_f * rel, common * v_f * v_f])
            # trapezoid over each run of consecutive grid points with a root (in ln k)
            for x in range(3):
                pair[x] += _runs_trapezoid(kk, f[x], idx)
        out += pair
        if harmonics == "all" and n_abs > 0:
            small = small_run(small, pair[0], out[0], rtol)
            if small >= SMALL_RUN and out[0] > 0:
                return out
    if harmonics == "all" and out[0] > 0:
        raise TooManyHarmonics(f"the moving-wave QLT resonance sum has not converged after {n_max} gyro-harmonics")
    return out


def _bessel_jp(n: int, w: np.ndarray) -> np.ndarray:
    """J_n'(w) = J_{n-1}(w) - (n/w) J_n(w) (J_0' = -J_1) from the recurrences of
    ``mhd.bessel_orders`` (scipy's jvp of high order costs ~5 us a point)."""
    if n == 0:
        return -special.j1(w)
    pos = w > 0
    out = np.zeros_like(w)
    if n == 1:
        out[~pos] = 0.5                                 # J_1'(0) = 1/2
    if np.any(pos):
        j = bessel_orders(n - 1, n, w[pos])
        out[pos] = j[0] - (n / w[pos]) * j[1]
    return out


def _runs_trapezoid(k, f, idx):
    """int f dk by the trapezoid rule over the runs of consecutive grid indices ``idx``
    (a root curve may leave the c range and come back)."""
    if k.size < 2:
        return 0.0
    brk = np.flatnonzero(np.diff(idx) != 1) + 1
    total = 0.0
    for seg in np.split(np.arange(k.size), brk):
        if seg.size > 1:
            total += integrate.trapezoid(f[seg], k[seg])
    return float(total)


def transport_broadened(mu, spectrum, waves: WaveMotion, *, omega: float, speed: float, dv_over_v, B0: float = 1.0,
                        harmonics="all", rtol: float = 1e-4, n_kpar: int = 400, n_max: int = MAX_HARMONICS):
    """(D_mumu, D_mup, D_pp) with the Yan-Lazarian resonance function of the module
    docstring (dv = dv_over_v(mu) v), on a (k_par, k_perp) grid, n = 0, +-1, ...;
    tends to ``transport_mhd`` as dv -> 0.  The integrals: qlt/broadened.py."""
    from .broadened import transport_broadened_general

    def sharp(m):
        return transport_mhd(m, spectrum, waves, omega=omega, speed=speed, B0=B0, harmonics=harmonics)

    return transport_broadened_general(mu, spectrum, waves, omega=omega, speed=speed, dv_over_v=dv_over_v, B0=B0,
                                       harmonics=harmonics, rtol=rtol, n_kpar=n_kpar, n_max=n_max, sharp=sharp)
