"""Particle species and initial conditions.

Dimensionless (docs/physics.md §1): rigidity R = r_g / L with r_g = p c / (|q| B_ref), speed
v in units of c.  The gyrofrequency in the mean field B0 (in B_ref) is
Omega = v B0 / R and the gyroradius there r_g = R / B0.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ParticleSpec:
    """A monoenergetic population."""

    rigidity: float            # r_g / L in B_ref
    speed: float = 1.0         # v / c
    charge_sign: int = 1       # sign of q
    count: int = 1000          # per realisation
    pitch: float | str = "isotropic"   # "isotropic" or a fixed mu in [-1, 1]

    @property
    def qm(self) -> float:
        """Coefficient of v x B in dv/dt (kernels/push.py): sign(q) v / R."""
        return self.charge_sign * self.speed / self.rigidity

    @property
    def mass2(self) -> float:
        """1/u0^2 = (1 - v^2)/v^2 with u0 = gamma v (c = 1): the squared rest mass in
        units of the initial momentum (kernels/lorentz.py); 0 for v = 1."""
        return (1.0 - self.speed) * (1.0 + self.speed) / (self.speed * self.speed)

    def gyrofrequency(self, B: float) -> float:
        """Omega = v B / R in c/L."""
        return self.speed * B / self.rigidity

    def gyroradius(self, B: float) -> float:
        """r_g = R / B in L."""
        return self.rigidity / B

    def initial_state(self, n: int, rng: np.random.Generator, box: float):
        """n particles: positions uniform in [0, box)^3; mu isotropic (uniform on
        [-1, 1]) or fixed, with respect to z; gyrophase uniform.  Returns x, v (n, 3)."""
        x = rng.uniform(0.0, box, (n, 3))
        if self.pitch == "isotropic":
            mu = rng.uniform(-1.0, 1.0, n)
        else:
            mu = np.full(n, float(self.pitch))
        phi = rng.uniform(0.0, 2.0 * np.pi, n)
        s = np.sqrt(np.clip(1.0 - mu * mu, 0.0, None))
        v = self.speed * np.stack([s * np.cos(phi), s * np.sin(phi), mu], axis=1)
        return x, v
