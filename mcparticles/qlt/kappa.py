"""Parallel diffusion from D_mumu and the slab power-law closed form.

kappa_par = (v^2 / 8) integral_{-1}^{1} (1 - mu^2)^2 / D_mumu(mu) dmu
(Jokipii 1966; Hasselmann & Wibberenz 1968; no focusing, no D_mup), and
lambda_par = 3 kappa_par / v.
"""
from __future__ import annotations

import logging
import warnings

import numpy as np
from scipy import integrate


def kappa_par_from_dmumu(dmumu, speed: float) -> float:
    """kappa_par [L c] for a callable D_mumu(mu) [c/L]; inf where D vanishes on a set
    of finite measure (e.g. the other hemisphere of a fully helical slab field)."""

    def integrand(m):
        d = float(dmumu(np.array([m]))[0])
        num = (1.0 - m * m) ** 2
        if d <= 0.0:
            return np.inf if num > 0 else 0.0
        with np.errstate(over="ignore"):            # a denormal D (dB2 ~ 1e-320): kappa = inf
            return num / d

    total = 0.0
    for a, b in ((-1.0, 0.0), (0.0, 1.0)):
        mid = np.linspace(a, b, 41)[1:-1]
        if not np.all(np.isfinite([integrand(m) for m in mid])):
            return float("inf")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, err = integrate.quad(integrand, a, b, limit=400, epsrel=1e-8)
        if not err <= 1e-3 * abs(val):
            logging.getLogger("mcparticles").warning(
                "QLT kappa_par: the integral over mu in [%g, %g] converged only to %.2g relative "
                "(D_mumu nearly vanishes somewhere)", a, b, err / abs(val) if val else float("inf"))
        total += val
    return float(speed ** 2 / 8.0 * total)


def kappa_par_from_bins(mu_edges, dmumu, speed: float) -> float:
    """kappa_par from a binned (measured) D_mumu: the integrand (1-mu^2)^2 is
    integrated exactly over each bin and divided by the bin's D_mumu."""
    e = np.asarray(mu_edges, dtype=float)
    d = np.asarray(dmumu, dtype=float)
    def prim(m):                                     # integral of (1-m^2)^2
        return m - 2.0 * m ** 3 / 3.0 + m ** 5 / 5.0

    w = prim(e[1:]) - prim(e[:-1])
    if np.any(d <= 0):
        return float("inf")
    return float(speed ** 2 / 8.0 * np.sum(w / d))


def lambda_par_power_law(index: float, dB2: float, k_min: float, r_g: float,
                         B0: float = 1.0) -> float:
    """Closed-form slab QLT mean free path for P = (q-1) dB2 k_min^(q-1) k^(-q) above
    k_min (band-unlimited), valid when r_g k_min < 1 (docs/physics.md §4.5):

        lambda_par = 6 / [pi (q-1)(2-q)(4-q)] r_g (B0^2/dB2) (k_min r_g)^(1-q)

    (coefficient 3.6833 for q = 5/3)."""
    q = index
    return 6.0 / (np.pi * (q - 1) * (2 - q) * (4 - q)) * r_g * B0 ** 2 / dB2 * (k_min * r_g) ** (1 - q)
