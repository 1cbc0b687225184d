"""Alfvenic critical-balance turbulence (Goldreich & Sridhar 1995) with the
Cho-Lazarian-Vishniac spectrum (spectra.CLV).

Sampling: k_perp in ``n_modes // n_kpar`` logarithmic cells on [k_min, k_max] (jittered);
in each, ``n_kpar`` cells in u = |k_par|/Lambda(k_perp) (Lambda = M_A^(4/3) k_perp^(2/3)
L^(-1/3)): [0, u_1] and then logarithmic up to u = 30, one mode per cell with u drawn
from exp(-u) restricted to the cell, random sign and azimuth.  Each mode carries exactly the power of its (k_perp, k_par)
cell, int 2 pi k_perp dk_perp dk_par I over the cell, so the mode set reproduces the
CLV reduced spectra and the variance dB2 (up to the e^-30 tail).  Polarisation: dB
along k x B0, i.e. (sin phi, -cos phi, 0) for k_perp along (cos phi, sin phi).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spectra import CLV
from .modes import ModeSet
from .sampling import log_cells

U_MAX = 30.0
U_FIRST = 0.05


@dataclass(frozen=True)
class AlfvenicGS95:
    clv: CLV
    n_modes: int = 512
    n_kpar: int = 8
    harmonics: object = "all"

    model = "alfvenic_gs95"

    @property
    def dB2(self):
        return self.clv.dB2

    @property
    def k_range(self):
        return self.clv.k_min, self.clv.k_max

    @property
    def u_edges(self):
        return np.concatenate([[0.0], np.geomspace(U_FIRST, U_MAX, self.n_kpar)])

    def sample(self, rng: np.random.Generator) -> ModeSet:
        n_perp = max(1, self.n_modes // self.n_kpar)
        c = self.clv
        edges, kp = log_cells(c.k_min, c.k_max, n_perp, rng)
        # power per k_perp cell: int reduced_perp dk_perp (analytic: ~ k_perp^(-5/3))
        a = c.amplitude * 4 * np.pi * c.M_A ** (4 / 3) * c.L ** (-1 / 3)
        cell_perp = a * 1.5 * (edges[:-1] ** (-2 / 3) - edges[1:] ** (-2 / 3))
        ue = self.u_edges
        frac = np.exp(-ue[:-1]) - np.exp(-ue[1:])                  # share of each u cell
        n = n_perp * self.n_kpar
        # u inside each cell drawn from the exponential restricted to the cell (inverse
        # CDF), so that the binned k_par spectrum is exact in expectation
        lo, hi = np.exp(-ue[:-1])[None, :], np.exp(-ue[1:])[None, :]
        u = -np.log(lo - rng.random((n_perp, self.n_kpar)) * (lo - hi))
        lam = c.par_scale(kp)
        kpar = (u * lam[:, None] * rng.choice([-1.0, 1.0], size=(n_perp, self.n_kpar))).ravel()
        power = (cell_perp[:, None] * frac[None, :]).ravel()
        kperp = np.repeat(kp, self.n_kpar)
        phi = rng.uniform(0, 2 * np.pi, n)
        k = np.stack([kperp * np.cos(phi), kperp * np.sin(phi), kpar], axis=1)
        e1 = np.stack([np.sin(phi), -np.cos(phi), np.zeros(n)], axis=1)
        return ModeSet(k=k, e1=e1, e2=np.zeros((n, 3)), amplitude=np.sqrt(2 * power),
                       phase=rng.uniform(0, 2 * np.pi, n), omega=np.zeros(n))

    dB2_parallel = 0.0          # dB along k x B0: no compressive component

    def dmumu_qlt(self, mu, particle, B0: float, *, unbounded: bool = False, broadening=None):
        from dataclasses import replace

        from .isotropic import _qlt
        return _qlt(self, replace(self.clv, unbounded=unbounded), mu, particle, B0, self.harmonics, broadening)
