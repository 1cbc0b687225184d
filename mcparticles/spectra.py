"""One-dimensional turbulence spectra, shared by the field models and by QLT.

Convention (PHYSICS.md section 1): ``P(k)`` is the one-sided total spectrum of the
turbulent field, both transverse components together, in units of B_ref^2 L, with

    integral_{k_min}^{k_max} P(k) dk = dB2 .

The field is synthesised only from modes in the band [k_min, k_max] (wavenumbers in
units of 1/L), so ``density`` is zero outside the band and the synthesised field has
exactly the variance ``dB2``.  ``density_unbounded`` keeps the same normalisation
constant but continues the spectral shape above k_max: it is the "band-unlimited"
spectrum that quasi-linear kappa_par is quoted for (PHYSICS.md section 3, the 90-degree
gap).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import integrate


@dataclass(frozen=True)
class Spectrum:
    """Base class: a spectral shape ``shape(k)`` on the band [k_min, k_max]."""

    dB2: float
    index: float
    k_min: float
    k_max: float
    _norm: float = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "_norm", self.dB2 / self._shape_integral(self.k_min, self.k_max))

    # -- to be provided by subclasses -------------------------------------------------
    def shape(self, k):  # pragma: no cover - abstract
        raise NotImplementedError

    def _shape_integral(self, a: float, b: float) -> float:
        val, _ = integrate.quad(self.shape, a, b, limit=200, epsrel=1e-12)
        return float(val)

    # -- public -------------------------------------------------------------------------
    def density(self, k):
        """P(k) in B_ref^2 L: zero outside [k_min, k_max]; integrates to dB2."""
        k = np.asarray(k, dtype=float)
        inside = (k >= self.k_min) & (k <= self.k_max)
        return np.where(inside, self._norm * self.shape(np.where(inside, k, self.k_min)), 0.0)

    def density_unbounded(self, k):
        """P(k) with the same normalisation but no upper cut-off (k >= k_min)."""
        k = np.asarray(k, dtype=float)
        inside = k >= self.k_min
        return np.where(inside, self._norm * self.shape(np.where(inside, k, self.k_min)), 0.0)

    def band_power(self, k_lo, k_hi) -> np.ndarray:
        """integral of P(k) dk over [k_lo, k_hi] (clipped to the band), elementwise."""
        lo = np.clip(np.asarray(k_lo, dtype=float), self.k_min, self.k_max)
        hi = np.clip(np.asarray(k_hi, dtype=float), self.k_min, self.k_max)
        out = np.array([self._shape_integral(a, b) if b > a else 0.0
                        for a, b in zip(np.ravel(lo), np.ravel(hi))])
        return self._norm * out.reshape(np.shape(lo))


@dataclass(frozen=True)
class PowerLaw(Spectrum):
    """P(k) proportional to k^(-index) on [k_min, k_max]."""

    def shape(self, k):
        return np.power(k, -self.index)

    def _shape_integral(self, a: float, b: float) -> float:
        q = self.index
        if abs(q - 1.0) < 1e-12:
            return float(np.log(b / a))
        return float((b ** (1.0 - q) - a ** (1.0 - q)) / (1.0 - q))


@dataclass(frozen=True)
class Bendover(Spectrum):
    """P(k) proportional to [1 + (k l_bendover)^2]^(-index/2) on [k_min, k_max]
    (flat below 1/l_bendover, k^-index above; Bieber et al. 1994 form)."""

    l_bendover: float = 1.0

    def shape(self, k):
        return np.power(1.0 + (np.asarray(k) * self.l_bendover) ** 2, -0.5 * self.index)


def make_spectrum(kind: str, *, dB2: float, index: float, k_min: float, k_max: float,
                  l_bendover: float | None = None) -> Spectrum:
    """Build the spectrum named by a run card's ``spectrum`` key."""
    if kind == "power_law":
        return PowerLaw(dB2=dB2, index=index, k_min=k_min, k_max=k_max)
    if kind == "bendover":
        return Bendover(dB2=dB2, index=index, k_min=k_min, k_max=k_max,
                        l_bendover=1.0 if l_bendover is None else l_bendover)
    raise ValueError(f"unknown spectrum {kind!r}")
