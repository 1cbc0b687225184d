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
    for comp in card.field.components:
        total += comp.dmumu_qlt(mu, card.particles, card.field.B0, unbounded=unbounded)
    return total


def dmumu_bin_mean(card, edges) -> np.ndarray:
    """QLT D_mumu averaged over each mu bin (particles are uniform in mu within a bin
    for isotropic pitch angles)."""
    _check(card)
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

    def as_dict(self):
        return {"kappa_par": self.kappa_par, "lambda_par": self.lambda_par,
                "kappa_par_band_limited": self.kappa_par_band, "gap_mu": self.gap_mu}


def kappa(card) -> KappaPrediction:
    """QLT kappa_par = (v^2/8) int (1-mu^2)^2/D_mumu dmu (qlt/kappa.py) for the
    band-unlimited spectrum, which is what a measurement approaches when
    (r_g k_max)^(-1/3) is small (PHYSICS.md section 3), and for the band itself."""
    _check(card)
    v = card.particles.speed
    k_unb = kappa_par_from_dmumu(lambda m: dmumu(card, m, unbounded=True), v)
    k_band = kappa_par_from_dmumu(lambda m: dmumu(card, m), v)
    return KappaPrediction(kappa_par=k_unb, lambda_par=3.0 * k_unb / v if math.isfinite(k_unb) else math.inf,
                           kappa_par_band=k_band, gap_mu=1.0 / (card.r_g * card.field.k_max))
