"""Alfvenic critical-balance turbulence (Goldreich & Sridhar 1995) with the
Cho-Lazarian-Vishniac spectrum (spectra.CLV).

Sampling: k_perp in ``n_modes // n_kpar`` logarithmic cells on [k_min, k_max] (jittered);
in each, ``n_kpar`` cells in u = |k_par|/Lambda(k_perp) (Lambda = M_A^(4/3) k_perp^(2/3)
L^(-1/3)): [0, u_1] and then logarithmic up to u = 30, one mode per cell with u drawn
from exp(-u) restricted to the cell, random sign and azimuth.  Each mode carries exactly
the power of its (k_perp, k_par) cell, int 2 pi k_perp dk_perp dk_par I over the cell, so the mode set reproduces the
CLV reduced spectra and the variance dB2 (up to the e^-30 tail).  Polarisation: dB
along k x B0, i.e. (sin phi, -cos phi, 0) for k_perp along (cos phi, sin phi).

Moving waves ([field] v_A > 0): every mode is an Alfven wave, omega = j k_par v_A,
travelling along B0 in family j = +1 with probability (1 + H_c)/2 (``cross_helicity``),
else j = -1, drawn per mode after the rest of the realisation (the static draws are
unchanged), so the power fraction per family is (1 + j H_c)/2 in expectation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..schema import Key
from ..spectra import CLV
from .base import K_MIN, FieldModel, n_modes_key, read_band, register_model
from .isotropic import DB2_FROM_MACH, MACH, alfven_waves, mhd_qlt, read_mach
from .modes import ModeSet
from .sampling import log_cells
from .waves import CROSS_HELICITY, AlfvenMotion

U_MAX = 30.0
U_FIRST = 0.05
DEFAULT_MODES = 512
N_KPAR = Key("n_kpar", "integer", 8, "k_par cells per k_perp cell (n_modes // n_kpar k_perp cells)", "",
             lo=1, hi=1000)


@register_model
@dataclass(frozen=True)
class AlfvenicGS95(AlfvenMotion, FieldModel):
    clv: CLV
    n_modes: int = DEFAULT_MODES
    n_kpar: int = 8
    cross_helicity: float = 0.0
    v_A: float = 0.0

    name = "alfvenic_gs95"
    description = "Alfvenic critical-balance turbulence (Goldreich-Sridhar 1995, Cho-Lazarian-Vishniac spectrum)"
    keys = (MACH, DB2_FROM_MACH, K_MIN,
            Key("k_max", "number", 1.0e3, "largest k_perp of the band", "1/L", lo=1e-8, hi=1e12),
            n_modes_key(DEFAULT_MODES), N_KPAR, CROSS_HELICITY)

    @classmethod
    def from_card(cls, t):
        M_A, dB2 = read_mach(t)
        k_min, k_max, _ = read_band(t, with_index=False)
        n_modes, n_kpar = t["n_modes"], t["n_kpar"]
        if n_modes < n_kpar:
            t.error("n_modes", f"must be at least n_kpar = {n_kpar}", value=n_modes)
        return cls(clv=CLV(dB2=dB2, M_A=M_A, k_min=k_min, k_max=k_max), n_modes=n_modes, n_kpar=n_kpar,
                   cross_helicity=t["cross_helicity"])

    @property
    def dB2(self):
        return self.clv.dB2

    def scaled(self, factor: float):
        """Power times ``factor`` at the same M_A (the anisotropy is unchanged)."""
        from dataclasses import replace
        return replace(self, clv=replace(self.clv, dB2=self.clv.dB2 * factor))

    @property
    def k_range(self):
        """The k_perp band [k_min, k_max]."""
        return self.clv.k_min, self.clv.k_max

    @property
    def k_par_max(self) -> float:
        """|k_par| <= U_MAX Lambda(k_max): the k_par cells end at u = U_MAX."""
        return U_MAX * float(self.clv.par_scale(self.clv.k_max))

    @property
    def k_max_sampled(self) -> float:
        """|k| <= sqrt(k_max^2 + k_par,max^2): beyond k_max as soon as M_A^(4/3) (k_max L)^(2/3) U_MAX
        exceeds k_max L."""
        return math.hypot(self.clv.k_max, self.k_par_max)

    def table_columns(self) -> tuple[int, int]:
        return 0, max(1, self.n_modes // self.n_kpar) * self.n_kpar

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        c = self.clv
        return [("  anisotropy", f"M_A = {c.M_A:.4g}: k_par ~ M_A^(4/3) k_perp^(2/3) L^(-1/3), "
                                 f"Lambda(k_max) = {float(c.par_scale(c.k_max)):.4g}; |k_par| up to "
                                 f"{self.k_par_max:.4g}, |k| up to {self.k_max_sampled:.4g} (sets dt)"),
                ("  polarisation", "dB along k x B0 (no compressive part); " + (
                    f"Alfven waves at v_A = {self.v_A:.4g} c, H_c = {self.cross_helicity:+.3g}" if self.v_A > 0
                    else "static (no wave motion)"))]

    @property
    def u_edges(self):
        return np.concatenate([[0.0], np.geomspace(U_FIRST, U_MAX, self.n_kpar)])

    def _draw(self, rng: np.random.Generator) -> ModeSet:
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
        phase = rng.uniform(0, 2 * np.pi, n)
        omega = np.zeros(n)
        if self.v_A > 0:
            fam = self.families
            j = (np.where(rng.random(n) < fam[0][1], fam[0][0], -fam[0][0]) if len(fam) == 2
                 else np.full(n, fam[0][0]))
            omega = j * kpar * self.v_A
        return ModeSet(k=k, e1=e1, e2=np.zeros((n, 3)), amplitude=np.sqrt(2 * power), phase=phase, omega=omega)

    def dmumu_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        return self.transport_qlt(mu, particle, B0, qlt, unbounded=unbounded, broadening=broadening)[0]

    def transport_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        from dataclasses import replace
        return mhd_qlt(replace(self.clv, unbounded=unbounded), mu, particle, B0, qlt, broadening,
                       waves=alfven_waves(self.families, self.v_A))
