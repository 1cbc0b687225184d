"""QLT predictions for a whole run card: the sum over the card's field components
(independent components add in D_mumu), evaluated for the card's particles."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import integrate

from .kappa import kappa_par_from_dmumu


class QLTUnavailable(ValueError):
    """QLT is not defined for this card (reason in the message)."""


def _check(card):
    if card.field.B0 <= 0:
        raise QLTUnavailable("QLT needs a mean field: field.B0 = 0")


def dmumu(card, mu, *, unbounded: bool = False) -> np.ndarray:
    """Total QLT D_mumu [c/L] at ``mu``; ``unbounded`` continues spectra above k_max."""
    _check(card)
    mu = np.atleast_1d(np.asarray(mu, dtype=float))
    total = np.zeros_like(mu)
    broadening = None
    if card.qlt.resonance == "broadened":
        # Yan & Lazarian (2008): width from the whole field's compressive fluctuation
        broadening = math.sqrt(sum(c.dB2_parallel for c in card.field.components)) or None
    from .mhd import TooManyHarmonics
    for comp in card.field.components:
        try:
            total += comp.dmumu_qlt(mu, card.particles, card.field.B0, unbounded=unbounded, broadening=broadening)
        except TooManyHarmonics as exc:
            raise QLTUnavailable(str(exc)) from None
    return total


def _cheap(card) -> bool:
    """True when every component's QLT is a closed form (slab-type), so adaptive
    quadrature over mu is affordable; otherwise fixed Gauss-Legendre nodes are used."""
    return all(c.model in ("slab", "composite") for c in card.field.components)


def _gauss_legendre(a, b, n):
    from scipy.special import roots_legendre
    x, w = roots_legendre(n)
    return 0.5 * (b - a) * x + 0.5 * (b + a), 0.5 * (b - a) * w


def dmumu_bin_mean(card, edges) -> np.ndarray:
    """QLT D_mumu averaged over each mu bin (particles are uniform in mu within a bin
    for isotropic pitch angles)."""
    _check(card)
    if not _cheap(card):
        out = []
        for a, b in zip(edges[:-1], edges[1:]):
            x, w = _gauss_legendre(a, b, 6)
            out.append(np.sum(w * dmumu(card, x)) / (b - a))
        return np.array(out)
    out = []
    for a, b in zip(edges[:-1], edges[1:]):
        pts = [0.0] if a < 0 < b else None
        val, _ = integrate.quad(lambda m: float(dmumu(card, m)[0]), a, b, points=pts, limit=200)
        out.append(val / (b - a))
    return np.array(out)


@dataclass(frozen=True)
class KappaPrediction:
    kappa_par: float            # band-unlimited spectrum (no 90-degree gap)
    lambda_par: float
    kappa_par_band: float       # the simulated band only (inf with a 90-degree gap)
    gap_mu: float               # 1/(r_g k_max): QLT D_mumu = 0 for |mu| below this
    note: str = ""              # why kappa_par is infinite, when it is



def kappa(card) -> KappaPrediction:
    """QLT kappa_par = (v^2/8) int (1-mu^2)^2/D_mumu dmu (qlt/kappa.py) for the
    band-unlimited spectrum, which is what a measurement approaches when
    (r_g k_max)^(-1/3) is small (PHYSICS.md section 3), and for the band itself."""
    _check(card)
    v = card.particles.speed
    if _cheap(card):
        k_unb = kappa_par_from_dmumu(lambda m: dmumu(card, m, unbounded=True), v)
        k_band = kappa_par_from_dmumu(lambda m: dmumu(card, m), v)
    else:
        k_unb = _kappa_nodes(card, v, unbounded=True)
        k_band = _kappa_nodes(card, v, unbounded=False)
    note = ""
    if not math.isfinite(k_unb):
        note = ("QLT kappa_par diverges: even with the spectrum continued above k_max, D_mumu vanishes "
                "too fast at mu -> 0 (static fields: no resonance carries particles through 90 degrees; "
                "fully helical slab waves leave one hemisphere unscattered); the measured kappa_par is "
                "set by non-linear effects")
    return KappaPrediction(kappa_par=k_unb, lambda_par=3.0 * k_unb / v if math.isfinite(k_unb) else math.inf,
                           kappa_par_band=k_band, gap_mu=1.0 / (card.r_g * card.field.k_max), note=note)


def _kappa_nodes(card, v, unbounded, n=40):
    """kappa_par integral for costly QLT: trapezoid in ln|mu| on n geometric nodes per
    hemisphere from mu_lo = 10/(r_g k_top) to 1 (k_top the largest resonant k), which
    resolves the integrable mu -> 0 singularity of (1-mu^2)^2/D; the piece [0, mu_lo]
    is added from the local power law f ~ mu^p (p > -1, else kappa is infinite)."""
    k_top = max(c.k_range[1] for c in card.field.components) * (1e3 if unbounded else 1.0)
    mu_lo = min(0.1, 10.0 / (card.r_g * k_top))
    total = 0.0
    for sign in (-1.0, 1.0):
        m = np.geomspace(mu_lo, 1.0 - 1e-9, n)
        d = dmumu(card, sign * m, unbounded=unbounded)
        if np.any(d <= 0):
            return math.inf
        f = (1 - m * m) ** 2 / d
        total += integrate.trapezoid(f * m, np.log(m))
        p = np.log(f[1] / f[0]) / np.log(m[1] / m[0])
        if p <= -1:
            return math.inf
        total += mu_lo * f[0] / (1 + p)
    return float(v * v / 8 * total)
