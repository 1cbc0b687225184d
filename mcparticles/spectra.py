"""One-dimensional turbulence spectra, shared by the field models and by QLT.

Convention (docs/physics.md §1): ``P(k)`` is the one-sided total spectrum of the
turbulent field, both transverse components together, in units of B_ref^2 L, with

    integral_{k_min}^{k_max} P(k) dk = dB2 .

The field is synthesised only from modes in the band [k_min, k_max] (wavenumbers in
units of 1/L), so ``density`` is zero outside the band and the synthesised field has
exactly the variance ``dB2``.  ``density_unbounded`` keeps the same normalisation
constant but continues the spectral shape above k_max: it is the "band-unlimited"
spectrum that quasi-linear kappa_par is quoted for (docs/physics.md §4.7, the 90-degree
gap).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


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
        """int_a^b shape(k) dk by adaptive quadrature; where quad reports trouble (over
        many decades a peaked shape is missed), again in ln k, int shape(k) k d(ln k),
        whose integrand is smooth on a scale of order one."""
        import warnings

        from scipy import integrate
        with warnings.catch_warnings():
            warnings.simplefilter("error", integrate.IntegrationWarning)
            try:
                val, _ = integrate.quad(self.shape, a, b, limit=200, epsrel=1e-12)
                if val > 0 or b <= a:
                    return float(val)
            except integrate.IntegrationWarning:
                pass
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            val, _ = integrate.quad(lambda u: float(self.shape(np.exp(u))) * np.exp(u), np.log(a), np.log(b),
                                    limit=400, epsrel=1e-12)
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


# -- three-dimensional spectra for the general QLT integrator (qlt/mhd.py) -------------
#
# Each provides power(k_par, k_perp) -> (I_A, I_F) in B_ref^2 L^3 with
# int d^3k (I_A + I_F) = dB2 over the sampled domain, k_perp_range(k_par) and k_par_max.

_TINY = 1e-9


@dataclass(frozen=True)
class Isotropic3D:
    """I(k) = E(|k|) / (4 pi k^2) from an omnidirectional one-dimensional spectrum E
    (a ``Spectrum``: int E dk = dB2 over [k_min, k_max]), zero beyond the damping
    truncation |k| = k_max(theta) when there is one.  ``alfven_fraction`` of the
    power has dB along k x B0, the rest dB in the (k, B0) plane: 1/2 for randomly
    polarised isotropic turbulence, 0 for fast modes (docs/physics.md §4)."""

    omni: Spectrum
    alfven_fraction: float = 0.5
    unbounded: bool = False
    truncation: object = None      # damping.FastTruncation: no power where |k| > k_max(theta)

    @property
    def _k_hi(self):
        return self.omni.k_max * 1e3 if self.unbounded else self.omni.k_max

    @property
    def k_par_max(self):
        return self._k_hi

    def k_perp_range(self, k_par):
        k_par = abs(k_par)
        if k_par >= self._k_hi:
            return 0.0, 0.0
        lo = np.sqrt(max(self.omni.k_min ** 2 - k_par ** 2, 0.0))
        return max(lo, _TINY * max(k_par, self.omni.k_min)), float(np.sqrt(self._k_hi ** 2 - k_par ** 2))

    def power(self, k_par, k_perp):
        k = np.hypot(k_par, k_perp)
        e = self.omni.density_unbounded(k) if self.unbounded else self.omni.density(k)
        i = e / (4 * np.pi * k * k)
        if self.truncation is not None:
            i = np.where(self.truncation.allows(k_par, k_perp), i, 0.0)
        return self.alfven_fraction * i, (1 - self.alfven_fraction) * i


@dataclass(frozen=True)
class CLV:
    """Goldreich-Sridhar (1995) Alfvenic turbulence in the Cho, Lazarian & Vishniac
    (2002) form, outer scale L = 1/k_min (lengths in L):

        I_A(k_par, k_perp) = C k_perp^(-10/3) exp(-L^(1/3) |k_par| / (M_A^(4/3) k_perp^(2/3)))

    for k_min <= k_perp <= k_max.  CLV normalise C = M_A^(4/3) L^(-1/3) / (6 pi); here C is
    fixed by the field's variance dB2 over the sampled k_perp band,
    C = dB2 / (6 pi M_A^(4/3) L^(-1/3) (k_min^(-2/3) - k_max^(-2/3))), and M_A sets the
    anisotropy k_par ~ M_A^(4/3) k_perp^(2/3) L^(-1/3).  Caveat (docs/physics.md §3.5): the
    anisotropy is imposed in the global B0 frame, whereas critical balance holds in the
    local field frame."""

    dB2: float
    M_A: float
    k_min: float
    k_max: float
    unbounded: bool = False

    @property
    def L(self):
        return 1.0 / self.k_min

    @property
    def amplitude(self):
        return self.dB2 / (6 * np.pi * self.M_A ** (4 / 3) * self.L ** (-1 / 3)
                           * (self.k_min ** (-2 / 3) - self.k_max ** (-2 / 3)))

    def par_scale(self, k_perp):
        """Lambda(k_perp) = M_A^(4/3) k_perp^(2/3) L^(-1/3): the e-folding k_par."""
        return self.M_A ** (4 / 3) * np.power(k_perp, 2 / 3) * self.L ** (-1 / 3)

    @property
    def _k_hi(self):
        return self.k_max * 1e3 if self.unbounded else self.k_max

    @property
    def k_par_max(self):
        return 80.0 * float(self.par_scale(self._k_hi))

    def k_perp_range(self, k_par):
        return self.k_min, self._k_hi

    def power(self, k_par, k_perp):
        k_perp = np.asarray(k_perp, dtype=float)
        inside = (k_perp >= self.k_min) & (k_perp <= self._k_hi)
        kp = np.where(inside, k_perp, self.k_min)
        i = self.amplitude * kp ** (-10 / 3) * np.exp(-np.abs(k_par) / self.par_scale(kp))
        return np.where(inside, i, 0.0), np.zeros_like(i)

    def reduced_perp(self, k_perp):
        """int dk_par 2 pi k_perp I: power per unit k_perp (analytic)."""
        return 2 * np.pi * k_perp * self.amplitude * k_perp ** (-10 / 3) * 2 * self.par_scale(k_perp)
