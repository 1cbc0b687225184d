"""Physical <-> dimensionless conversion (docs/physics.md §1, docs/card.md).

r_g = p c / (|Z| e B):  r_g[cm] = 3.33564e12 (p c / GeV) / (|Z| B / microgauss)
(= 1e9 eV * 1.602177e-12 erg/eV / (4.803204e-10 esu * 1e-6 G)).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

PC_CM = 3.0856775814913673e18          # parsec in cm
C_CM_S = 2.99792458e10                 # speed of light in cm/s
RG_CM_PER_GEV_MICROGAUSS = 1.602176634e-3 / (4.80320471e-10 * 1e-6)   # 3.33564e12 cm
PROTON_MASS_GEV = 0.93827208816
PROTON_MASS_G = 1.67262192369e-24


def alfven_speed(B_microgauss: float, n_i_cm3: float, ion_mass_g: float = PROTON_MASS_G) -> float:
    """v_A / c = B / sqrt(4 pi n_i m_i) / c (Gaussian units; ions of mass ``ion_mass_g``,
    protons by default): 2.18 km/s = 7.28e-6 c for 1 microgauss and 1 ion per cm^3."""
    return B_microgauss * 1e-6 / math.sqrt(4.0 * math.pi * n_i_cm3 * ion_mass_g) / C_CM_S


@dataclass(frozen=True)
class PhysicalUnits:
    """The physical values a card gave, and the dimensionless values derived once."""

    energy_GeV: float      # total energy E
    mass_GeV: float
    charge: int            # Z
    B_microgauss: float    # B_ref in microgauss
    L_pc: float            # outer scale L in parsec

    @property
    def momentum_GeV(self) -> float:
        return math.sqrt(self.energy_GeV ** 2 - self.mass_GeV ** 2)

    @property
    def speed(self) -> float:
        """v / c = p c / E."""
        return self.momentum_GeV / self.energy_GeV

    @property
    def L_cm(self) -> float:
        return self.L_pc * PC_CM

    @property
    def rigidity(self) -> float:
        """r_g / L in B_ref."""
        r_g_cm = RG_CM_PER_GEV_MICROGAUSS * self.momentum_GeV / (abs(self.charge) * self.B_microgauss)
        return r_g_cm / self.L_cm

    def kappa_cm2_s(self, kappa: float) -> float:
        """kappa in units of L c  ->  cm^2/s."""
        return kappa * self.L_cm * C_CM_S

    def length_cm(self, length: float) -> float:
        return length * self.L_cm
