"""Wave damping in a thermal plasma (docs/physics.md §7.3-7.4): every rate in one place.

Parallel Alfven waves of wavenumber k [cm^-1] (Hopkins et al. 2022, MNRAS 517, 5413,
sec. 2.5 and table 2; Kempski & Quataert 2022, MNRAS 514, 657, sec. 2), rates in s^-1:

* ``ion_neutral``: Gamma_in (plasma.py), independent of k;
* ``turbulent`` (shearing by the ambient Alfvenic cascade, with linear Landau damping):
  Gamma = [(v_A + 0.4 c_s) / l_A] (k l_A)^(1/2), l_A = L M_A^-3 the scale where the
  turbulent velocity equals v_A;
* ``nonlinear_landau``: Gamma = Gamma0 e_A/e_B with Gamma0 = (sqrt(pi)/8) c_s k, the
  only rate that depends on the wave amplitude;
* ``dust``: Gamma = 0.02 k v_A f_dg (k / k_d)^(-xi_d), with the dust-to-gas ratio f_dg,
  k_d and xi_d from ``[plasma]`` (no defaults: the grain population is the user's).

Fast-mode truncation (Kempski & Quataert 2022 app. A, eqs. A4-A6; Yan & Lazarian 2004,
ApJ 614, 757): the cascade rate (k/L)^(1/2) dV^2 / V_ph with dV = M_A V_ph at the outer
scale L equals the damping rate at k_max(theta), theta the angle between k and B0,
xi = cos(theta), V_ph = v_F(theta) the fast speed (fields/waves.py):

* viscous (collisional): Gamma = (nu_B k^2 / 6)(1 - xi^2), so
  k_max L = [6 M_A^2 V_ph L / (nu_B sin^2 theta)]^(2/3);
* collisionless: Gamma = k v_A G(theta),
  G = (sqrt(pi beta)/4)(sin^2 theta / |cos theta|) [(m_e/m_i)^(1/2) exp(-m_e/(m_i beta xi^2))
  + 5 exp(-1/(beta xi^2))], so k_max L = [M_A^2 (V_ph/v_A) / G]^2.

Both tend to infinity at theta -> 0 (and the collisionless one at theta -> 90 degrees):
narrow cones of quasi-parallel (and quasi-perpendicular) modes survive far below the
truncation of the bulk, ``truncation_floor``.  The sampler (fields/isotropic.py) and the
QLT spectrum (spectra.Isotropic3D) take the same :class:`FastTruncation`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fields.waves import fast_speed

#: electron-to-proton mass ratio
ME_OVER_MI = 1.0 / 1836.15267343

ALFVEN_DAMPING = ("ion_neutral", "turbulent", "nonlinear_landau", "dust")


# -- Alfven waves ---------------------------------------------------------------------------

def turbulent_rate(plasma, k_cm):
    """[(v_A + 0.4 c_s)/l_A] (k l_A)^(1/2) [s^-1], l_A = L M_A^-3."""
    l_a = plasma.L_cm * plasma.M_A ** -3
    return (plasma.v_A_cm_s + 0.4 * plasma.c_s_cm_s) / l_a * np.sqrt(np.asarray(k_cm) * l_a)


def dust_rate(plasma, k_cm):
    """0.02 k v_A f_dg (k/k_d)^-xi_d [s^-1]."""
    k = np.asarray(k_cm, dtype=float)
    return 0.02 * k * plasma.v_A_cm_s * plasma.dust_to_gas * (k / plasma.dust_k_d_cm) ** -plasma.dust_xi


def nonlinear_landau_coefficient(plasma, k_cm):
    """Gamma0 = (sqrt(pi)/8) c_s k [s^-1]: the rate is Gamma0 e_A/e_B."""
    return math.sqrt(math.pi) / 8.0 * plasma.c_s_cm_s * np.asarray(k_cm, dtype=float)


def linear_rates(plasma, mechanisms, k_cm) -> dict:
    """{mechanism: rate [s^-1] at k_cm} for the amplitude-independent mechanisms."""
    k = np.asarray(k_cm, dtype=float)
    out = {}
    for m in mechanisms:
        if m == "ion_neutral":
            out[m] = np.full_like(k, plasma.ion_neutral_rate)
        elif m == "turbulent":
            out[m] = turbulent_rate(plasma, k)
        elif m == "dust":
            out[m] = dust_rate(plasma, k)
    return out


# -- fast modes -----------------------------------------------------------------------------

def collisionless_g(beta: float, cos_theta):
    """G(theta) of the collisionless rate Gamma = k v_A G (module docstring)."""
    xi = np.abs(np.asarray(cos_theta, dtype=float))
    sin2 = 1.0 - xi * xi
    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        x2 = beta * xi * xi
        brackets = (math.sqrt(ME_OVER_MI) * np.exp(-ME_OVER_MI / x2) + 5.0 * np.exp(-1.0 / x2))
        g = math.sqrt(math.pi * beta) / 4.0 * sin2 / xi * brackets
    return np.where((xi > 0) & (sin2 > 0), g, 0.0)


@dataclass(frozen=True)
class FastTruncation:
    """k_max(theta) of damped fast modes in 1/L (the card's length unit).

    ``kind``: "viscous" or "collisionless"; ``M_A`` the Mach number at the outer scale
    1/``k_outer``; ``beta``; ``viscosity`` nu_B in units of L c over v_A in c
    (``viscous`` only): the speeds enter only through V_ph/v_A and nu_B/v_A."""

    kind: str
    M_A: float
    k_outer: float
    beta: float
    viscosity_over_v_A: float | None = None

    def k_max(self, cos_theta):
        """Truncation wavenumber at each cos(theta) [1/L] (inf where undamped)."""
        xi = np.abs(np.asarray(cos_theta, dtype=float))
        v_ph = fast_speed(1.0, self.beta, xi)              # V_ph / v_A
        m2 = self.M_A ** 2
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if self.kind == "viscous":
                sin2 = 1.0 - xi * xi
                ratio = 6.0 * m2 * v_ph / (self.k_outer * self.viscosity_over_v_A * sin2)
                kl = ratio ** (2.0 / 3.0)
            else:
                g = collisionless_g(self.beta, xi)
                kl = (m2 * v_ph / g) ** 2
        kl = np.where(np.isfinite(kl) & (kl > 0), kl, np.inf)
        return self.k_outer * kl

    def allowed_fraction(self, k, n_theta: int = 20001):
        """Fraction of the sphere of directions with k <= k_max(theta) at each |k| [1/L]:
        int_0^1 [k <= k_max] d(cos theta), by the midpoint rule on ``n_theta`` angles
        (uniform in theta, so the cones near theta = 0 are resolved)."""
        theta = (np.arange(n_theta) + 0.5) * (0.5 * np.pi / n_theta)
        w = np.sin(theta) * (0.5 * np.pi / n_theta)
        km = self.k_max(np.cos(theta))
        k = np.atleast_1d(np.asarray(k, dtype=float))
        order = np.argsort(km)
        km_sorted, w_sorted = km[order], w[order]
        # weight of the angles with k_max >= k: a suffix sum over the sorted k_max
        tail = np.concatenate([np.cumsum(w_sorted[::-1])[::-1], [0.0]])
        idx = np.searchsorted(km_sorted, k, side="left")
        return tail[idx] / w.sum()

    @property
    def floor(self) -> tuple[float, float]:
        """(k_c, cos theta there): min over theta of k_max [1/L], below which every
        direction is undamped (the truncation of the bulk of the modes)."""
        xi = np.linspace(0.0, 1.0, 20001)
        km = self.k_max(xi)
        i = int(np.argmin(km))
        return float(km[i]), float(xi[i])

    def k_at_fraction(self, fraction: float, k_lo: float, k_hi: float) -> float | None:
        """The |k| [1/L] in [k_lo, k_hi] beyond which fewer than ``fraction`` of the
        directions survive (f decreases with k), None if f stays above it there."""
        if self.allowed_fraction(k_hi)[0] >= fraction:
            return None
        if self.allowed_fraction(k_lo)[0] < fraction:
            return k_lo
        a, b = np.log(k_lo), np.log(k_hi)
        for _ in range(60):
            m = 0.5 * (a + b)
            if self.allowed_fraction(np.exp(m))[0] >= fraction:
                a = m
            else:
                b = m
        return float(np.exp(0.5 * (a + b)))

    def allows(self, k_par, k_perp):
        """True where the mode (k_par, k_perp) survives: |k| <= k_max(theta)."""
        k = np.hypot(k_par, k_perp)
        with np.errstate(invalid="ignore", divide="ignore"):
            xi = np.where(k > 0, np.abs(k_par) / np.where(k > 0, k, 1.0), 1.0)
        return k <= self.k_max(xi)
