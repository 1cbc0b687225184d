"""The broadened-resonance QLT integrals of 0.3.0 as written then: the direct 2D trapezoid
sum on the (k_par, k_perp) grid, every mu and harmonic from scratch.  Kept as the
yardstick of qlt/broadened.py (tests/qlt/test_broadened.py), which computes the same
sums by matrix-vector products and a numba kernel."""
import numpy as np
from scipy import integrate, special

from mcparticles.qlt.mhd import MAX_HARMONICS, TooManyHarmonics, _perp_grid, dmumu_mhd
from mcparticles.qlt.moving import WaveMotion, transport_mhd


def mode_bessel_terms(n: int, w, exact):
    """(n^2 J_n^2 / w^2, J_n'^2) by scipy's jv and jvp (0.3.0), oscillation average
    1/(pi w) where not ``exact``."""
    if n == 0:
        return np.zeros_like(w), np.where(exact, special.jv(1, w) ** 2, 1 / (np.pi * w))
    jn2 = np.where(exact, special.jv(n, w) ** 2, 1 / (np.pi * w))
    jp2 = np.where(exact, special.jvp(n, w) ** 2, 1 / (np.pi * w))
    return n * n * jn2 / w ** 2, jp2


def dmumu_broadened_direct(mu, spectrum, *, omega: float, speed: float, dv_over_v, B0: float = 1.0,
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
            ta, jp2 = mode_bessel_terms(n, w, exact)
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


def transport_broadened_direct(mu, spectrum, waves: WaveMotion, *, omega: float, speed: float, dv_over_v,
                               B0: float = 1.0,
                        harmonics="all", rtol: float = 1e-4, n_kpar: int = 400, n_max: int = MAX_HARMONICS):
    """(D_mumu, D_mup, D_pp) with the Yan-Lazarian resonance function of the module
    docstring (dv = dv_over_v(mu) v), on a (k_par, k_perp) grid, n = 0, +-1, ...;
    tends to ``transport_mhd`` as dv -> 0."""
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    out = np.zeros((3,) + mu.shape)
    r_g = speed / omega
    k_hi = spectrum.k_par_max
    lo_perp, hi_perp = spectrum.k_perp_range(0.0)
    families = waves.families if waves.kind == "alfven" else ((1, 1.0),)
    n_stop = n_max if harmonics == "all" else int(harmonics)
    for i, m in enumerate(mu):
        if abs(m) >= 1.0:
            continue
        s = np.sqrt(1 - m * m)
        dv = float(dv_over_v(m)) * speed
        if dv <= 0:
            out[:, i] = np.array(transport_mhd(np.array([m]), spectrum, waves, omega=omega, speed=speed, B0=B0,
                                               harmonics=harmonics))[:, 0]
            continue
        base = np.geomspace(min(1e-3, lo_perp), k_hi, n_kpar)
        total = np.zeros(3)
        small = 0
        for n_abs in range(0, n_stop + 1):
            kp, exact = _perp_grid(lo_perp, hi_perp, r_g * s, max(n_abs, 1))
            w = kp * r_g * s
            ta, jp2 = mode_bessel_terms(n_abs, w, exact)
            pair = np.zeros(3)
            for n in ((0,) if n_abs == 0 else (n_abs, -n_abs)):
                for j, fraction in families:
                    pos = base
                    if waves.kind == "alfven" and n != 0 and m != j * waves.v_A / speed:
                        k_c = abs(n * omega / (speed * m - j * waves.v_A))
                        delta = dv / abs(speed * m - j * waves.v_A)
                        local = k_c * (1 + min(delta, 0.5) * np.linspace(-6, 6, 241))
                        pos = np.unique(np.concatenate([base, local[local > 0]]))
                    kpar = np.concatenate([-pos[::-1], pos])
                    K, P = np.meshgrid(kpar, kp, indexing="ij")
                    ia, if_ = spectrum.power(K, P)
                    om = waves.frequency(K, P, j)
                    eps_k = om / (K * speed)
                    cos2 = K * K / (K * K + P * P)
                    x = (K * speed * m - om + n * omega) / (K * dv)
                    res = np.sqrt(np.pi) / (np.abs(K) * dv) * np.exp(-x * x)
                    static = 2 * np.pi * P * res * fraction * (ta[None, :] * ia + cos2 * jp2[None, :] * if_)
                    frame = 1.0 - m * eps_k
                    for x, wgt in enumerate((frame * frame, eps_k * frame, eps_k * eps_k)):
                        inner = integrate.trapezoid(static * wgt, kp, axis=1)
                        pair[x] += integrate.trapezoid(inner, kpar)
            total += pair
            if harmonics == "all" and n_abs > 0:
                small = small + 1 if abs(pair[0]) <= rtol * abs(total[0]) else 0
                if small >= 3 and total[0] > 0:
                    break
        else:
            if harmonics == "all" and total[0] > 0:
                raise TooManyHarmonics(f"the broadened QLT resonance sum has not converged after {n_max} "
                                       "gyro-harmonics")
        out[:, i] = omega ** 2 * (1 - m * m) * total / B0 ** 2
    return out[0], out[1], out[2]
