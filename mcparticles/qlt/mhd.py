"""General quasi-linear D_mumu for MHD-mode turbulence (PHYSICS.md section 3;
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
    hi <= lo when empty) and ``k_par_max`` (no power beyond).
    """
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    out = np.zeros_like(mu)
    r_g = speed / omega
    for i, m in enumerate(mu):
        am = abs(m)
        if am == 0.0 or am >= 1.0:
            continue
        s = np.sqrt(1.0 - m * m)
        total = 0.0
        small = 0
        n = 1
        n_stop = n_max if harmonics == "all" else int(harmonics)
        while n <= n_stop:
            k_par = n * omega / (speed * am)
            if k_par > spectrum.k_par_max:
                break
            lo, hi = spectrum.k_perp_range(k_par)
            term = 0.0
            if hi > lo:
                term = 2.0 * _k_perp_integral(spectrum, n, k_par, lo, hi, r_g * s, n_grid)  # +n, -n
            total += term
            if harmonics == "all":
                small = small + 1 if term <= rtol * total else 0
                if small >= 3 and total > 0:
                    break
            n += 1
        else:
            if harmonics == "all" and n_stop < harmonics_needed(spectrum, omega, speed) * am:
                raise TooManyHarmonics(f"the QLT resonance sum has not converged after {n_max} gyro-harmonics "
                                       f"(resonances up to n = {harmonics_needed(spectrum, omega, speed) * am:.3g})")
        out[i] = omega ** 2 * (1 - m * m) * np.pi / (speed * am) * total / B0 ** 2
    return out


def W_ASYM(n: int) -> float:
    return max(60.0, 4.0 * n)


def _k_perp_integral(spectrum, n, k_par, lo, hi, r_perp, n_grid):
    """int 2 pi k_perp dk_perp [n^2 J_n^2/w^2 I_A + (k_par/k)^2 J_n'^2 I_F],
    w = k_perp r_perp, on [lo, hi]."""
    w_c = W_ASYM(n) / r_perp                   # k_perp where the asymptotic form starts
    total = 0.0
    if lo < min(hi, w_c):
        top = min(hi, w_c)
        k1 = 1.0 / r_perp                      # w = 1: below, slowly varying (log grid)
        parts = []
        if lo < min(k1, top):
            parts.append(np.geomspace(lo, min(k1, top), n_grid))
        if top > max(lo, k1):
            a = max(lo, k1)
            n_lin = int(16 * (top - a) * r_perp / (2 * np.pi)) + n_grid // 2
            parts.append(np.linspace(a, top, n_lin)[1:] if parts else np.linspace(a, top, n_lin))
        kp = np.concatenate(parts)
        w = kp * r_perp
        ia, if_ = spectrum.power(k_par, kp)
        jn = special.jv(n, w)
        jp = special.jvp(n, w)
        f = 2 * np.pi * kp * (n * n * (jn / w) ** 2 * ia + k_par ** 2 / (k_par ** 2 + kp ** 2) * jp ** 2 * if_)
        total += integrate.trapezoid(f, kp)
    if hi > w_c:
        kp = np.geomspace(max(lo, w_c), hi, 400)
        w = kp * r_perp
        ia, if_ = spectrum.power(k_par, kp)
        mean_sq = 1.0 / (np.pi * w)              # <J_n^2> = <J_n'^2> for w >> n
        f = 2 * np.pi * kp * (n * n * mean_sq / w ** 2 * ia + k_par ** 2 / (k_par ** 2 + kp ** 2) * mean_sq * if_)
        total += integrate.trapezoid(f * kp, np.log(kp))
    return total


# -- broadened resonance (Yan & Lazarian 2008) ------------------------------------------

def broadening_width(mu, dB_par_rms: float, B0: float = 1.0):
    """Delta v_par / v = sqrt(1 - mu^2) sqrt(dB_par,rms / B0): the spread of v_par of a
    particle conserving its magnetic moment in a field whose strength varies by
    dB_par,rms (Yan & Lazarian 2008, our reading of their section 2; the Gaussian below is
    exp(-x^2/(k_par dv)^2), i.e. dv is sqrt(2) times a standard deviation -- published
    choices differ by that factor)."""
    return np.sqrt(1.0 - np.asarray(mu) ** 2) * np.sqrt(dB_par_rms / B0)


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
    """D_mumu with the resonance function
        R_n = sqrt(pi) / (|k_par| dv) exp(-((k_par v mu + n Omega) / (k_par dv))^2)
    instead of pi delta(k_par v mu + n Omega) (static waves), dv = dv_over_v(mu) * v,
    summed over n including n = 0 (the mirror / transit-time-like term, which survives
    for static fields only through the broadening).  Tends to dmumu_mhd as dv -> 0.

    The k_par integral runs over a logarithmic grid in |k_par| (both signs), the k_perp
    integral as in ``dmumu_mhd``.
    """
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    out = np.zeros_like(mu)
    r_g = speed / omega
    k_hi = spectrum.k_par_max
    lo_perp, hi_perp = spectrum.k_perp_range(0.0)
    for i, m in enumerate(mu):
        if abs(m) >= 1.0:
            continue
        s = np.sqrt(1 - m * m)
        dv = float(dv_over_v(m)) * speed
        if dv <= 0:
            out[i] = dmumu_mhd(np.array([m]), spectrum, omega=omega, speed=speed, B0=B0, harmonics=harmonics)[0]
            continue
        base = np.geomspace(min(1e-3, lo_perp), k_hi, n_kpar)
        delta = dv / (speed * abs(m)) if m != 0 else np.inf             # relative window width
        total = 0.0
        small = 0
        n_stop = n_max if harmonics == "all" else int(harmonics)
        for n in range(0, n_stop + 1):
            kp, exact = _perp_grid(lo_perp, hi_perp, r_g * s, max(n, 1))
            w = kp * r_g * s
            if n == 0:
                ta = np.zeros_like(w)
                jp2 = np.where(exact, special.jv(1, w) ** 2, 1 / (np.pi * w))   # J_0' = -J_1
            else:
                jn2 = np.where(exact, special.jv(n, w) ** 2, 1 / (np.pi * w))
                jp2 = np.where(exact, special.jvp(n, w) ** 2, 1 / (np.pi * w))
                ta = n * n * jn2 / w ** 2
            pos = base
            if n > 0 and np.isfinite(delta):
                # dense points across the Gaussian window around |k_c| = n Omega/(v |mu|)
                k_c = n * omega / (speed * abs(m))
                local = k_c * (1 + delta * np.linspace(-6, 6, 241))
                pos = np.unique(np.concatenate([base, local[local > 0]]))
            kpar = np.concatenate([-pos[::-1], pos])                    # both signs
            K, P = np.meshgrid(kpar, kp, indexing="ij")
            ia, if_ = spectrum.power(K, P)
            cos2 = K * K / (K * K + P * P)
            res = np.sqrt(np.pi) / (np.abs(K) * dv) * np.exp(-((K * speed * m + n * omega) / (K * dv)) ** 2)
            f = 2 * np.pi * P * res * (ta[None, :] * ia + cos2 * jp2[None, :] * if_)
            inner = integrate.trapezoid(f, kp, axis=1)
            term = integrate.trapezoid(inner, kpar)
            if n > 0:
                term *= 2.0                                              # n and -n
            total += term
            if harmonics == "all" and n > 0:
                small = small + 1 if term <= rtol * total else 0
                if small >= 3 and total > 0:
                    break
        else:
            if harmonics == "all" and total > 0:
                raise TooManyHarmonics(f"the broadened QLT resonance sum has not converged after {n_max} "
                                       "gyro-harmonics")
        out[i] = omega ** 2 * (1 - m * m) * total / B0 ** 2
    return out
