"""The straightforward sharp-resonance MHD-mode QLT integrator: every harmonic on its own
k_perp grid, every Bessel function from scipy directly (as mcparticles 0.1.0 computed it).
Slow; the yardstick for the production integrator ``mcparticles.qlt.mhd.dmumu_mhd``."""
import numpy as np
from scipy import integrate, special

from mcparticles.qlt.mhd import MAX_HARMONICS, W_ASYM, TooManyHarmonics, harmonics_needed


def dmumu_mhd_reference(mu, spectrum, *, omega: float, speed: float, B0: float = 1.0,
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
