"""Quasi-linear transport for slab turbulence (Jokipii 1966; docs/physics.md §4.1, §6.3).

Static waves:

    k_res = 1 / (r_g |mu|),    r_g = R / B0,    Omega = v B0 / R
    D_mumu(mu) = (pi/4) Omega (1 - mu^2) k_res P(k_res) / B0^2 * [1 + sign(q) sign(mu) sigma]

with P the one-sided total spectrum (spectra.py) and sigma the magnetic helicity
(+1: B . curl B > 0).

Alfven waves moving along B0 in family j = +-1 (omega = j k v_A, power fraction f_j,
eps = v_A / v; Schlickeiser 1989, ApJ 336, 243):

    k_res,j  = Omega / (v |mu - j eps|) = 1 / (r_g |mu - j eps|)
    D_mumu^j = pi Omega^2 (1 - mu^2) (1 - j mu eps)^2 f_j P(k_res,j) / (4 B0^2 v |mu - j eps|)
               * [1 + sign(q) sign(mu - j eps) sigma]
    D_mup^j  = D_mumu^j p j eps / (1 - j mu eps),   D_pp^j = D_mumu^j p^2 eps^2 / (1 - j mu eps)^2

(p in units of the initial momentum: p = 1), summed over the families; sigma is the
helicity of the family (``Slab.family_sigma``: the component's, or one per family for
pressure-anisotropy waves).  With eps = 0
the first line is the static formula.
"""
from __future__ import annotations

import numpy as np


def transport_slab(slab, mu, particle, B0: float, *, unbounded: bool = False):
    """(D_mumu [c/L], D_mup [p0 c/L], D_pp [p0^2 c/L]) at pitch-angle cosines ``mu`` for
    a ``fields.slab.Slab`` (its wave families, fields/waves.py).

    ``unbounded=True`` continues the spectrum above k_max (no 90-degree gap); the
    default uses the sampled band, i.e. the field that is actually simulated.
    """
    if B0 <= 0:
        raise ValueError("slab QLT needs a mean field B0 > 0")
    mu = np.asarray(mu, dtype=float)
    speed = particle.speed
    omega = particle.gyrofrequency(B0)
    r_g = particle.gyroradius(B0)
    eps = slab.v_A / speed
    density = slab.spectrum.density_unbounded if unbounded else slab.spectrum.density
    d_mumu = np.zeros(np.shape(mu))
    d_mup = np.zeros(np.shape(mu))
    d_pp = np.zeros(np.shape(mu))
    for j, fraction in slab.families:
        shifted = mu - j * eps
        a = np.abs(shifted)
        with np.errstate(divide="ignore"):
            k_res = np.where(a > 0, 1.0 / (r_g * np.where(a > 0, a, 1.0)), np.inf)
        with np.errstate(invalid="ignore", over="ignore"):    # inf * 0 in the branch np.where drops
            kp = np.where(np.isfinite(k_res), k_res * density(np.where(np.isfinite(k_res), k_res, 1.0)), 0.0)
        helical = 1.0 + particle.charge_sign * np.sign(shifted) * slab.family_sigma(j)
        frame = 1.0 - j * mu * eps                             # (1 - mu eps_k), eps_k = j eps
        d = 0.25 * np.pi * omega * (1.0 - mu * mu) * frame * frame * fraction * kp / B0 ** 2 * helical
        d_mumu = d_mumu + d
        if j:
            with np.errstate(invalid="ignore", divide="ignore"):
                d_mup = d_mup + np.where(frame != 0, d * j * eps / np.where(frame != 0, frame, 1.0), 0.0)
                d_pp = d_pp + np.where(frame != 0, d * eps * eps / np.where(frame != 0, frame, 1.0) ** 2, 0.0)
    return d_mumu, d_mup, d_pp


def dmumu_slab(slab, mu, particle, B0: float, *, unbounded: bool = False):
    """D_mumu [c/L] alone (``transport_slab``)."""
    return transport_slab(slab, mu, particle, B0, unbounded=unbounded)[0]
