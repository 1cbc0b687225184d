"""The thermal plasma of a physical run card: ``[plasma]`` (docs/physics.md §7.1).

A card names an interstellar ``phase`` (a preset with its source) and/or gives the values
explicitly -- ``n_i_cm3``, ``f_neutral``, ``T_K``, ``B_microgauss``, ``L_pc``, ``M_A`` --
an explicit value replacing the preset's.  Everything else is derived here, in cgs
(Gaussian) units, in one place:

* ion Alfven speed v_A = B / sqrt(4 pi n_i m_p): at the gyro-scales of GeV cosmic rays the
  neutrals are decoupled, so only the ions carry the waves (Hopkins et al. 2022, eq. 5);
* beta = 8 pi n_i k_B T / B^2 (ion pressure over magnetic pressure; 0.19 for 0.2 cm^-3,
  1e4 K, 6 microgauss), sound speed c_s = sqrt(Gamma k_B T / m_p) (Gamma = 5/3, so that
  c_s^2 = (Gamma beta / 2) v_A^2, the convention of the fast-mode speed, fields/waves.py),
  thermal speeds v_th = sqrt(2 k_B T / m);
* Coulomb logarithm (NRL Plasma Formulary, electron-ion: 23 - ln(n^1/2 T_eV^-3/2) below
  10 eV, 24 - ln(n^1/2 / T_eV) above), the ion collision time of Braginskii
  tau_i = 2.09e7 T_eV^(3/2) / (n_i lnLambda) s (NRL formulary, protons), the ion mean
  free path v_th,i tau_i and the parallel (Braginskii) kinematic viscosity
  nu_B = 0.96 k_B T tau_i / m_p (eta_0 = 0.96 n k_B T tau_i divided by rho_i);
* the ion-neutral damping rate of Alfven waves (k v_A above the ion-neutral collision
  rate; Hopkins et al. 2022 table 2): Gamma_in = 1e-9 s^-1 f_neutral (T / 1e3 K)^(1/2)
  (rho / 1e-24 g cm^-3), rho = m_p (n_i + n_n) the total density, with f_neutral the
  neutral fraction n_n / (n_n + n_i).

The outer scale L (``L_pc``) is the length unit of the card and M_A the Alfven Mach number
of the ambient turbulence at L (turbulent damping of self-generated waves, damping.py).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

from .fields.waves import GAMMA_ADIABATIC
from .schema import CardError, no_unknown, number, take
from .units import C_CM_S, PC_CM, PROTON_MASS_G, alfven_speed

K_BOLTZMANN = 1.380649e-16          # erg / K
ELECTRON_MASS_G = 9.1093837015e-28
E_CHARGE_ESU = 4.80320471e-10
EV_ERG = 1.602176634e-12
YEAR_S = 3.15576e7
#: the [plasma] keys besides ``phase`` (units in the names)
PLASMA_KEYS = ("phase", "n_i_cm3", "f_neutral", "T_K", "B_microgauss", "L_pc", "M_A",
               "dust_to_gas", "dust_k_d_cm", "dust_xi")


@dataclass(frozen=True)
class Phase:
    """An interstellar phase as a cited paper uses it (missing values are None: the card
    must give them where they are needed)."""

    n_i_cm3: float
    T_K: float | None
    B_microgauss: float
    L_pc: float | None
    M_A: float | None
    f_neutral: float
    source: str


#: phases of the self-confinement and fast-mode papers (docs/physics.md §7.1)
PHASES = {
    "WIM": Phase(0.2, 1e4, 6.0, 50.0, 0.6, 0.01,
                 "warm ionised medium, Kempski & Quataert 2022 (MNRAS 514, 657) sec. 4.2: beta 0.2, M_A 0.6, "
                 "L 50 pc, f_neutral <~ 0.01"),
    "warm_ISM": Phase(0.1, 2e4, 6.0, 100.0, 1.0, 0.0,
                      "warm ISM, Kempski & Quataert 2022 sec. 3 (fully ionised: f_neutral 0 unless set)"),
    "hot_halo": Phase(0.003, 3e6, 1.0, None, None, 0.0,
                      "hot ISM / halo, Kempski & Quataert 2022 sec. 4.2: beta 30 (no L or M_A given: set them)"),
    "low_beta_halo": Phase(0.001, 2e6, 6.0, 100.0, 1.0, 0.0, "low-beta halo, Kempski & Quataert 2022 sec. 3"),
    "diffuse_ISM": Phase(0.01, None, 5.0, 1000.0, None, 0.0,
                         "diffuse ISM, Zweibel 2020 (ApJ 890, 67) sec. 5: n_i 0.01, v_A ~ 100 km/s, L 1 kpc "
                         "(no T given: set T_K)"),
}


def coulomb_log(n_cm3: float, T_K: float) -> float:
    """ln Lambda of the NRL Plasma Formulary (electron-ion collisions, T_e = T)."""
    t_ev = K_BOLTZMANN * T_K / EV_ERG
    if t_ev < 10.0:
        return 23.0 - math.log(math.sqrt(n_cm3) * t_ev ** -1.5)
    return 24.0 - math.log(math.sqrt(n_cm3) / t_ev)


@dataclass(frozen=True)
class Plasma:
    """A thermal plasma (cgs inputs); the derived quantities are properties."""

    n_i_cm3: float
    T_K: float
    B_microgauss: float
    L_pc: float
    M_A: float | None = None
    f_neutral: float = 0.0
    phase: str | None = None
    source: str = ""
    dust_to_gas: float | None = None
    dust_k_d_cm: float | None = None
    dust_xi: float | None = None

    # -- densities and fields --------------------------------------------------------------
    @property
    def B_G(self) -> float:
        return self.B_microgauss * 1e-6

    @property
    def n_neutral_cm3(self) -> float:
        return self.n_i_cm3 * self.f_neutral / (1.0 - self.f_neutral)

    @property
    def rho_ion(self) -> float:
        """Ion mass density [g cm^-3] (protons)."""
        return self.n_i_cm3 * PROTON_MASS_G

    @property
    def rho_total(self) -> float:
        """Ion + neutral mass density [g cm^-3] (hydrogen)."""
        return (self.n_i_cm3 + self.n_neutral_cm3) * PROTON_MASS_G

    @property
    def e_B(self) -> float:
        """Magnetic energy density B^2 / 8 pi [erg cm^-3]."""
        return self.B_G ** 2 / (8.0 * math.pi)

    @property
    def L_cm(self) -> float:
        return self.L_pc * PC_CM

    @property
    def omega0(self) -> float:
        """Non-relativistic proton gyrofrequency e B / (m_p c) [s^-1]."""
        return E_CHARGE_ESU * self.B_G / (PROTON_MASS_G * C_CM_S)

    # -- speeds --------------------------------------------------------------------------
    @property
    def v_A_cm_s(self) -> float:
        """Ion Alfven speed [cm/s]."""
        return alfven_speed(self.B_microgauss, self.n_i_cm3) * C_CM_S

    @property
    def v_A(self) -> float:
        """Ion Alfven speed [c]."""
        return alfven_speed(self.B_microgauss, self.n_i_cm3)

    @property
    def beta(self) -> float:
        return 8.0 * math.pi * self.n_i_cm3 * K_BOLTZMANN * self.T_K / self.B_G ** 2

    @property
    def c_s_cm_s(self) -> float:
        return math.sqrt(GAMMA_ADIABATIC * K_BOLTZMANN * self.T_K / PROTON_MASS_G)

    @property
    def v_th_ion_cm_s(self) -> float:
        return math.sqrt(2.0 * K_BOLTZMANN * self.T_K / PROTON_MASS_G)

    @property
    def v_th_electron_cm_s(self) -> float:
        return math.sqrt(2.0 * K_BOLTZMANN * self.T_K / ELECTRON_MASS_G)

    # -- collisions ------------------------------------------------------------------------
    @property
    def coulomb_log(self) -> float:
        return coulomb_log(self.n_i_cm3, self.T_K)

    @property
    def tau_ion_s(self) -> float:
        """Braginskii ion collision time [s] (NRL formulary)."""
        t_ev = K_BOLTZMANN * self.T_K / EV_ERG
        return 2.09e7 * t_ev ** 1.5 / (self.n_i_cm3 * self.coulomb_log)

    @property
    def mean_free_path_cm(self) -> float:
        """Ion mean free path v_th,i tau_i [cm]."""
        return self.v_th_ion_cm_s * self.tau_ion_s

    @property
    def viscosity_cm2_s(self) -> float:
        """Parallel (Braginskii) kinematic viscosity nu_B = 0.96 k_B T tau_i / m_p [cm^2/s]."""
        return 0.96 * K_BOLTZMANN * self.T_K * self.tau_ion_s / PROTON_MASS_G

    @property
    def ion_neutral_rate(self) -> float:
        """Ion-neutral damping rate of Alfven waves [s^-1] (module docstring)."""
        return 1e-9 * self.f_neutral * math.sqrt(self.T_K / 1e3) * (self.rho_total / 1e-24)

    # -- the dimensionless numbers a run uses ----------------------------------------------
    @property
    def viscosity(self) -> float:
        """nu_B in units of L c."""
        return self.viscosity_cm2_s / (self.L_cm * C_CM_S)

    def rows(self) -> list[tuple[str, str]]:
        """Lines of ``mcparticles info``."""
        out = []
        if self.phase:
            out.append(("plasma", f"{self.phase}: {self.source}"))
        out += [
            ("  state", f"n_i = {self.n_i_cm3:g} cm^-3, f_neutral = {self.f_neutral:g}, T = {self.T_K:.4g} K, "
                        f"B = {self.B_microgauss:g} microgauss, L = {self.L_pc:g} pc"
                        + (f", M_A = {self.M_A:g}" if self.M_A is not None else "")),
            ("  speeds", f"v_A (ions) = {self.v_A_cm_s / 1e5:.4g} km/s = {self.v_A:.4g} c, beta = {self.beta:.4g}, "
                         f"c_s = {self.c_s_cm_s / 1e5:.4g} km/s, v_th,i = {self.v_th_ion_cm_s / 1e5:.4g} km/s, "
                         f"v_th,e = {self.v_th_electron_cm_s / 1e5:.4g} km/s"),
            ("  collisions", f"ln Lambda = {self.coulomb_log:.3g}, tau_i = {self.tau_ion_s:.3g} s, ion mean free path "
                             f"{self.mean_free_path_cm:.3g} cm = {self.mean_free_path_cm / self.L_cm:.3g} L, "
                             f"viscosity nu_B = {self.viscosity_cm2_s:.3g} cm^2/s"),
            ("  ion-neutral", f"Alfven-wave damping rate {self.ion_neutral_rate:.3g} s^-1"),
        ]
        return out

    def summary(self) -> dict:
        """The derived quantities for summary.json and ``qlt --json``."""
        return {"phase": self.phase, "n_i_cm3": self.n_i_cm3, "f_neutral": self.f_neutral, "T_K": self.T_K,
                "B_microgauss": self.B_microgauss, "L_pc": self.L_pc, "M_A": self.M_A,
                "v_A": self.v_A, "v_A_km_s": self.v_A_cm_s / 1e5, "beta": self.beta,
                "c_s_km_s": self.c_s_cm_s / 1e5, "v_th_ion_km_s": self.v_th_ion_cm_s / 1e5,
                "v_th_electron_km_s": self.v_th_electron_cm_s / 1e5, "coulomb_log": self.coulomb_log,
                "tau_ion_s": self.tau_ion_s, "mean_free_path_cm": self.mean_free_path_cm,
                "viscosity_cm2_s": self.viscosity_cm2_s, "ion_neutral_rate_s": self.ion_neutral_rate}


def read_plasma(p: dict) -> Plasma:
    """The validated ``[plasma]`` section (module docstring)."""
    path = "plasma"
    no_unknown(p, set(PLASMA_KEYS), path)
    phase = take(p, "phase", path, None)
    if phase is not None and (not isinstance(phase, str) or phase not in PHASES):
        raise CardError("plasma.phase", phase, "must be one of " + " | ".join(f'"{k}"' for k in PHASES))
    pre = PHASES.get(phase) if phase is not None else None

    def value(key, lo, hi, *, lo_open=True, hi_open=False):
        default = getattr(pre, key) if pre is not None else None
        if key in p:
            return number(p, key, path, lo=lo, lo_open=lo_open, hi=hi, hi_open=hi_open)
        if default is None:
            where = f'the phase "{phase}" does not give it' if pre is not None else "no phase is named"
            raise CardError(f"plasma.{key}", "(missing)", f"required ({where})")
        return float(default)

    n_i = value("n_i_cm3", 0.0, 1e12)
    T = value("T_K", 0.0, 1e12)
    B = value("B_microgauss", 0.0, 1e12)
    L = value("L_pc", 0.0, 1e12)
    f_n = number(p, "f_neutral", path, pre.f_neutral if pre is not None else 0.0, lo=0.0, hi=1.0, hi_open=True)
    m_a = number(p, "M_A", path, lo=0.0, lo_open=True, hi=100.0) if "M_A" in p else (pre.M_A if pre else None)
    dust = {k: (number(p, k, path, lo=0.0, lo_open=k != "dust_xi", hi=1e30) if k in p else None)
            for k in ("dust_to_gas", "dust_k_d_cm", "dust_xi")}
    plasma = Plasma(n_i_cm3=n_i, T_K=T, B_microgauss=B, L_pc=L, M_A=m_a, f_neutral=f_n, phase=phase,
                    source=pre.source if pre is not None else "", **dust)
    if not plasma.v_A < 1.0:
        raise CardError("plasma.n_i_cm3", n_i, f"gives v_A = {plasma.v_A:.4g} c with B = {B:g} microgauss; v_A "
                        "must be below c")
    return plasma

