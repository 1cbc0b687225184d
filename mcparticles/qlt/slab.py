"""Quasi-linear D_mumu for slab turbulence (Jokipii 1966; docs/physics.md §4.1).

    k_res = 1 / (r_g |mu|),    r_g = R / B0,    Omega = v B0 / R
    D_mumu(mu) = (pi/4) Omega (1 - mu^2) k_res P(k_res) / B0^2 * [1 + sign(q) sign(mu) sigma]

with P the one-sided total spectrum (spectra.py) and sigma the magnetic helicity
(+1: B . curl B > 0).  Static waves, v >> v_A.
"""
from __future__ import annotations

import numpy as np


def dmumu_slab(slab, mu, particle, B0: float, *, unbounded: bool = False):
    """D_mumu [c/L] at pitch-angle cosines ``mu`` for a ``fields.slab.Slab``.

    ``unbounded=True`` continues the spectrum above k_max (no 90-degree gap); the
    default uses the sampled band, i.e. the field that is actually simulated.
    """
    if B0 <= 0:
        raise ValueError("slab QLT needs a mean field B0 > 0")
    mu = np.asarray(mu, dtype=float)
    r_g = particle.gyroradius(B0)
    omega = particle.gyrofrequency(B0)
    amu = np.abs(mu)
    with np.errstate(divide="ignore"):
        k_res = np.where(amu > 0, 1.0 / (r_g * np.where(amu > 0, amu, 1.0)), np.inf)
    density = slab.spectrum.density_unbounded if unbounded else slab.spectrum.density
    with np.errstate(invalid="ignore", over="ignore"):    # inf * 0 in the branch np.where drops
        kp = np.where(np.isfinite(k_res), k_res * density(np.where(np.isfinite(k_res), k_res, 1.0)), 0.0)
    helical = 1.0 + particle.charge_sign * np.sign(mu) * slab.helicity
    return 0.25 * np.pi * omega * (1.0 - mu * mu) * kp / B0 ** 2 * helical
