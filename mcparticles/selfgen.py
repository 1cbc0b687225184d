"""Self-generated slab spectra: Alfven waves excited by the cosmic rays themselves, with
the amplitude at each wavenumber set by growth = damping (docs/physics.md §7.2-7.3).

Units: cgs inside (wavenumbers k_cm in cm^-1, rates in s^-1); the spectrum the field
model uses is in the card's units (k in 1/L, P(k) in B0^2 L).

**Cosmic rays** (``[cosmic_rays]``): protons with f(p) = A p^-alpha, A fixed by the
kinetic energy density of the protons above 1 GeV/c (``energy_density_eV_cm3``).
Waves of wavenumber k resonate (mu = 1) with p_1 = e B / (c k) (r_g(p_1) k = 1); per ln p
the CR pressure is Pi(p) = (4 pi / 3) A p^(4 - alpha) beta(p) c (one third of the energy
density per ln p for relativistic protons), and n(>p) = 4 pi A p^(3 - alpha)/(alpha - 3).

**Drives** (growth rate of waves of energy density e_A per ln k, relative to e_B = B^2/8pi:
x = e_A/e_B):

* ``streaming`` (Kulsrud & Pearce 1969, Skilling 1971): in the energy form of Hopkins et
  al. 2022 (eq. 9, sec. 2.6) the CRs stream at v_A down their pressure gradient and hand
  the waves S = v_A Pi(p_1) / l_grad per ln k, so the growth rate is S/e_A.  One family,
  moving down the gradient (along +B0 here: the CR pressure falls towards +z); both
  circular polarisations grow equally (an unpolarised slab family).  The drift speed the
  equilibrium implies follows from Gamma_sd = (pi/4) Omega_0 C n(>p_1)/n_i (v_D/v_A - 1),
  C = (alpha - 3)/(alpha - 2) (reported, not used).
* ``pressure_anisotropy`` (Zweibel 2020, ApJ 890, 67, eqs. 20-23):
  Gamma_pa = (pi/4) Omega_0 C n(>p_1)/n_i [3 alpha (alpha - 2) zeta/(alpha^2 - 1) - 1],
  zeta = (5/12)(c/v_A)(dP/P); the threshold is zeta_th = (alpha^2 - 1)/(3 alpha (alpha - 2)).
  ``dP_over_P`` fixes the anisotropy; ``field_change_time_yr`` (tau_B = B/(dB/dt), signed)
  lets scattering set it: for CRs conserving their magnetic moment while B changes at the
  rate 1/tau_B and scattered at the rate nu (D_mumu = nu (1 - mu^2)/2), the steady P_2
  part of f gives |dP/P| = 4 / (15 nu |tau_B|) (our derivation, docs/physics.md §7.2),
  with nu = (3 pi/16) Omega(p_1) (e_+ + e_-)/e_B.  zeta > 0 (a field that weakens,
  tau_B < 0, or dP_over_P > 0) grows waves of helicity +1 along +B0 and -1 along -B0
  (both right-circular about B0); zeta < 0 swaps them.  Two families, equal power.

**Equilibrium** (Hopkins et al. 2022 app. A3, B2): growth = Gamma_lin + Gamma0 x with the
linear rates and the non-linear Landau coefficient of damping.py, per family:

* streaming: Gamma0 x^2 + Gamma_lin x - S/e_B = 0;
* pressure anisotropy, fixed dP/P: x = (Gamma_pa - Gamma_lin)/Gamma0 (needs non-linear
  Landau damping; zero where the drive is below the linear damping);
* pressure anisotropy, field change: Gamma_pa = g0 (b/x - 1), so
  Gamma0 x^2 + (Gamma_lin + g0) x - g0 b = 0;

each solved in the cancellation-free form x = 2c/(b' + sqrt(b'^2 + 4 a c)).

**Spectrum**: e_A counts the magnetic and the kinetic energy of the waves, equal for
Alfven waves, so the magnetic power per ln k of a family is x/2:
k P(k) / B0^2 = x/2 per family.  Scattering rate of the fluid picture (Hopkins et al. 2022
eqs. 6, 12): nu = (3 pi/16) Omega e_A/e_B at k = 1/r_g, kappa_par = v^2/(3 nu), i.e.
kappa_fluid = 8 v r_g / (9 pi W(1/r_g)) with W = k P/B0^2 the total magnetic power per ln k.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from scipy import integrate

from .damping import ALFVEN_DAMPING, linear_rates, nonlinear_landau_coefficient
from .plasma import YEAR_S
from .schema import CardError, no_unknown, number
from .spectra import Spectrum
from .units import PC_CM, PROTON_MASS_GEV, RG_CM_PER_GEV_MICROGAUSS

GEV_ERG = 1.602176634e-3           # erg per GeV
#: the energy density normalisation counts protons above this momentum [GeV/c]
P_REF_GEV = 1.0

DRIVES = ("streaming", "pressure_anisotropy")
COSMIC_RAY_KEYS = ("alpha", "energy_density_eV_cm3", "gradient_scale_pc", "field_change_time_yr", "dP_over_P",
                   "p_min_GeV", "p_max_GeV")


def clustering_c(alpha: float) -> float:
    """C = (alpha - 3)/(alpha - 2) of the growth rates (0.630 at alpha = 4.7)."""
    return (alpha - 3.0) / (alpha - 2.0)


def zeta_threshold(alpha: float) -> float:
    """zeta_th = (alpha^2 - 1)/(3 alpha (alpha - 2)) (0.554 at alpha = 4.7; Zweibel 2020)."""
    return (alpha * alpha - 1.0) / (3.0 * alpha * (alpha - 2.0))


@dataclass(frozen=True)
class CosmicRays:
    """``[cosmic_rays]``: f ~ p^-alpha protons (module docstring)."""

    alpha: float = 4.7
    energy_density_eV_cm3: float = 1.0
    gradient_scale_pc: float | None = None
    field_change_time_yr: float | None = None
    dP_over_P: float | None = None
    p_min_GeV: float = 0.1
    p_max_GeV: float = 1.0e4
    _amplitude: float = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        m = PROTON_MASS_GEV
        a = self.alpha
        # kinetic energy per unit A of protons above P_REF: int 4 pi p^(2-alpha) T(p) dp, in ln p
        val, _ = integrate.quad(lambda u: 4 * math.pi * math.exp((3 - a) * u) * (math.hypot(math.exp(u), m) - m),
                                math.log(P_REF_GEV), math.log(P_REF_GEV) + 60.0, limit=400)
        object.__setattr__(self, "_amplitude", self.energy_density_eV_cm3 * 1e-9 / val)   # [cm^-3 (GeV/c)^(alpha-3)]

    def pressure_per_ln_p(self, p_GeV):
        """Pi(p) [erg cm^-3] per ln p."""
        p = np.asarray(p_GeV, dtype=float)
        beta = p / np.hypot(p, PROTON_MASS_GEV)
        return 4.0 * math.pi / 3.0 * self._amplitude * p ** (4.0 - self.alpha) * beta * GEV_ERG

    def number_above(self, p_GeV):
        """n(>p) [cm^-3]."""
        p = np.asarray(p_GeV, dtype=float)
        return 4.0 * math.pi * self._amplitude * p ** (3.0 - self.alpha) / (self.alpha - 3.0)


def read_cosmic_rays(c: dict) -> CosmicRays:
    path = "cosmic_rays"
    no_unknown(c, set(COSMIC_RAY_KEYS), path)
    alpha = number(c, "alpha", path, 4.7, lo=4.0, lo_open=True, hi=10.0)
    opt = {}
    if "gradient_scale_pc" in c:
        opt["gradient_scale_pc"] = number(c, "gradient_scale_pc", path, lo=1e-6, hi=1e12)
    if "field_change_time_yr" in c:
        v = number(c, "field_change_time_yr", path, lo=-1e15, hi=1e15)
        if abs(v) < 1e-6:
            raise CardError("cosmic_rays.field_change_time_yr", v, "must be a number of years with 1e-6 <= |tau_B| <= "
                            "1e15 (B/(dB/dt): < 0 for a weakening field)")
        opt["field_change_time_yr"] = v
    if "dP_over_P" in c:
        v = number(c, "dP_over_P", path, lo=-1.0, hi=1.0)
        if v == 0:
            raise CardError("cosmic_rays.dP_over_P", v, "must be a non-zero anisotropy in [-1, 1]")
        opt["dP_over_P"] = v
    if "field_change_time_yr" in opt and "dP_over_P" in opt:
        raise CardError("cosmic_rays.dP_over_P", c["dP_over_P"], "give either dP_over_P or field_change_time_yr")
    p_min = number(c, "p_min_GeV", path, 0.1, lo=1e-3, hi=1e9)
    p_max = number(c, "p_max_GeV", path, 1e4, lo=1e-3, hi=1e9)
    if p_max <= p_min * 1.0001:
        raise CardError("cosmic_rays.p_max_GeV", p_max, f"must be greater than p_min_GeV = {p_min:g}")
    return CosmicRays(alpha=alpha, energy_density_eV_cm3=number(c, "energy_density_eV_cm3", path, 1.0, lo=1e-12,
                                                                hi=1e12),
                      p_min_GeV=p_min, p_max_GeV=p_max, **opt)


@dataclass(frozen=True)
class SelfGeneration:
    """Drive, damping, plasma and cosmic rays of a self-generated spectrum: everything
    the equilibrium needs (module docstring)."""

    drive: str
    damping: tuple
    plasma: object          # plasma.Plasma
    cosmic_rays: CosmicRays

    # -- wavenumbers and momenta --------------------------------------------------------
    def k_cm(self, k):
        """k [1/L] -> cm^-1."""
        return np.asarray(k, dtype=float) / self.plasma.L_cm

    def resonant_momentum(self, k_cm):
        """p_1 = e B/(c k) [GeV/c]: r_g(p_1) k = 1."""
        return self.plasma.B_microgauss / (RG_CM_PER_GEV_MICROGAUSS * np.asarray(k_cm, dtype=float))

    def band(self) -> tuple[float, float]:
        """(k_min, k_max) [1/L]: the waves resonant at mu = 1 with p_max ... p_min."""
        k_of = self.plasma.B_microgauss / RG_CM_PER_GEV_MICROGAUSS * self.plasma.L_cm
        return k_of / self.cosmic_rays.p_max_GeV, k_of / self.cosmic_rays.p_min_GeV

    # -- rates ---------------------------------------------------------------------------
    def growth_coefficient(self, k_cm):
        """(pi/4) Omega_0 C n(>p_1)/n_i [s^-1]."""
        cr = self.cosmic_rays
        return (0.25 * math.pi * self.plasma.omega0 * clustering_c(cr.alpha)
                * cr.number_above(self.resonant_momentum(k_cm)) / self.plasma.n_i_cm3)

    def drive_power(self, k_cm):
        """S / e_B [s^-1] of the streaming drive."""
        p1 = self.resonant_momentum(k_cm)
        l_grad = self.cosmic_rays.gradient_scale_pc * PC_CM
        return self.plasma.v_A_cm_s * self.cosmic_rays.pressure_per_ln_p(p1) / l_grad / self.plasma.e_B

    def _pa_constants(self, k_cm):
        """(g0, q zeta or b): Gamma_pa = g0 (q zeta - 1) for a fixed anisotropy and
        g0 (b/x - 1) when the field change sets it."""
        cr = self.cosmic_rays
        a = cr.alpha
        q = 3.0 * a * (a - 2.0) / (a * a - 1.0)
        g0 = self.growth_coefficient(k_cm)
        c_over_va = 1.0 / self.plasma.v_A
        if cr.dP_over_P is not None:
            zeta = 5.0 / 12.0 * c_over_va * abs(cr.dP_over_P)
            return g0, q * zeta
        p1 = self.resonant_momentum(k_cm)
        omega = self.plasma.omega0 * PROTON_MASS_GEV / np.hypot(p1, PROTON_MASS_GEV)     # Omega_0 / gamma
        tau = abs(cr.field_change_time_yr) * YEAR_S
        nu_per_x = 3.0 * math.pi / 16.0 * omega * 2.0       # nu = (3 pi/16) Omega (e_+ + e_-)/e_B, e_+ = e_- = x e_B
        return g0, q * 5.0 / 12.0 * c_over_va * 4.0 / (15.0 * tau * nu_per_x)

    @property
    def helicity_sign(self) -> int:
        """sign(zeta) of the pressure-anisotropy drive: +1 when the family along +B0 has
        helicity +1."""
        cr = self.cosmic_rays
        if cr.dP_over_P is not None:
            return 1 if cr.dP_over_P > 0 else -1
        return 1 if cr.field_change_time_yr < 0 else -1

    def damping_rates(self, k_cm, x):
        """{mechanism: rate [s^-1]} at k_cm for waves of x = e_A/e_B (per family)."""
        rates = linear_rates(self.plasma, self.damping, k_cm)
        if "nonlinear_landau" in self.damping:
            rates["nonlinear_landau"] = nonlinear_landau_coefficient(self.plasma, k_cm) * np.asarray(x)
        return rates

    def growth_rate(self, k_cm, x):
        """Growth rate [s^-1] of waves of x = e_A/e_B at k_cm (per family)."""
        x = np.asarray(x, dtype=float)
        if self.drive == "streaming":
            with np.errstate(divide="ignore"):
                return self.drive_power(k_cm) / x
        g0, c = self._pa_constants(k_cm)
        if self.cosmic_rays.dP_over_P is not None:
            return g0 * (c - 1.0) + 0.0 * x
        with np.errstate(divide="ignore"):
            return g0 * (c / x - 1.0)

    # -- the equilibrium -----------------------------------------------------------------
    def equilibrium(self, k_cm):
        """x = e_A/e_B per family at k_cm where growth = damping (module docstring)."""
        k_cm = np.asarray(k_cm, dtype=float)
        lin = sum(linear_rates(self.plasma, self.damping, k_cm).values(), np.zeros_like(k_cm))
        g_nl = (nonlinear_landau_coefficient(self.plasma, k_cm) if "nonlinear_landau" in self.damping
                else np.zeros_like(k_cm))
        if self.drive == "streaming":
            b, c = lin, self.drive_power(k_cm)
        elif self.cosmic_rays.dP_over_P is not None:
            g0, qz = self._pa_constants(k_cm)
            excess = g0 * (qz - 1.0) - lin
            return np.where(excess > 0, excess / np.where(g_nl > 0, g_nl, 1.0), 0.0)
        else:
            g0, bb = self._pa_constants(k_cm)
            b, c = lin + g0, g0 * bb
        return 2.0 * c / (b + np.sqrt(b * b + 4.0 * g_nl * c))

    @property
    def families(self) -> int:
        return 1 if self.drive == "streaming" else 2

    def power_per_ln_k(self, k):
        """W(k) = k P(k)/B0^2, the magnetic power per ln k of all families, k in 1/L."""
        return 0.5 * self.families * self.equilibrium(self.k_cm(k))

    def implied_drift(self, k_cm):
        """v_D/v_A - 1 at which Gamma_sd equals the equilibrium damping (streaming)."""
        x = self.equilibrium(k_cm)
        total = sum(self.damping_rates(k_cm, x).values(), np.zeros_like(np.asarray(k_cm, dtype=float)))
        return total / self.growth_coefficient(k_cm)

    def rows(self) -> list[tuple[str, str]]:
        """Lines of ``mcparticles info``."""
        cr = self.cosmic_rays
        k_lo, k_hi = self.band()
        ks = np.geomspace(k_lo, k_hi, 5)
        w = self.power_per_ln_k(ks)
        rows = [("  drive", f"{self.drive}: alpha = {cr.alpha:g} (C = {clustering_c(cr.alpha):.3f}, zeta_th = "
                            f"{zeta_threshold(cr.alpha):.3f}), CR energy density {cr.energy_density_eV_cm3:g} eV/cm^3 "
                            f"above {P_REF_GEV:g} GeV/c; damping: {', '.join(self.damping)}"),
                ("  band", f"k = {k_lo:.4g} .. {k_hi:.4g} /L: resonant with p = {cr.p_max_GeV:g} .. {cr.p_min_GeV:g} "
                           "GeV/c at mu = 1")]
        rows.append(("  dB^2/B^2 per ln k", ", ".join(f"{wi:.3g} at p_1 = {p:.3g} GeV/c" for wi, p in
                                                       zip(w, self.resonant_momentum(self.k_cm(ks))))))
        return rows


class SelfGeneratedSpectrum(Spectrum):
    """P(k) = W(k)/k on the band (W: SelfGeneration.power_per_ln_k); dB2 is the
    integral of the equilibrium, so the normalisation is 1 (times boost^2 when the field
    is boosted: ``dataclasses.replace(spectrum, dB2=...)`` scales it)."""

    def __init__(self, generation: SelfGeneration, k_min: float, k_max: float, dB2: float | None = None,
                 index: float = float("nan")):
        object.__setattr__(self, "generation", generation)
        if dB2 is None:
            dB2 = self._shape_integral(k_min, k_max)
            if not dB2 > 0:
                raise ValueError("the self-generated spectrum has no power in its band (drive below damping)")
            w = generation.power_per_ln_k(np.array([k_min, k_max]))
            index = float(1.0 - np.log(w[1] / w[0]) / np.log(k_max / k_min)) if np.all(w > 0) else float("nan")
        object.__setattr__(self, "dB2", float(dB2))
        object.__setattr__(self, "index", index)
        object.__setattr__(self, "k_min", float(k_min))
        object.__setattr__(self, "k_max", float(k_max))
        self.__post_init__()

    def shape(self, k):
        k = np.asarray(k, dtype=float)
        return self.generation.power_per_ln_k(k) / k

    @property
    def edge_slope(self) -> float:
        """d ln W / d ln k at k_max (W = k P): the slope the spectrum is continued with."""
        w = self.generation.power_per_ln_k(self.k_max * np.array([1.0 - 1e-4, 1.0 + 1e-4]))
        return float(np.log(w[1] / w[0]) / np.log((1.0 + 1e-4) / (1.0 - 1e-4))) if np.all(w > 0) else 0.0

    def density_unbounded(self, k):
        """P(k) continued above k_max with the power law of the band edge (the same
        convention as a power-law card: the shape continued, here its local slope): the
        equilibrium itself would continue to waves resonant with p < p_min, where the
        f ~ p^-alpha population turns non-relativistic and is no longer the card's."""
        k = np.asarray(k, dtype=float)
        inside = self.density(np.minimum(k, self.k_max))
        p_edge = float(self.density(self.k_max))
        above = p_edge * np.power(np.maximum(k, self.k_max) / self.k_max, self.edge_slope - 1.0)
        return np.where(k > self.k_max, above, np.where(k >= self.k_min, inside, 0.0))

    def __eq__(self, other):
        return (type(other) is type(self) and self.generation == other.generation and self.dB2 == other.dB2
                and (self.k_min, self.k_max) == (other.k_min, other.k_max))

    def __hash__(self):
        return hash((self.generation, self.dB2, self.k_min, self.k_max))

    def __repr__(self):
        return (f"SelfGeneratedSpectrum({self.generation.drive}, damping={self.generation.damping}, "
                f"dB2={self.dB2:.4g}, k={self.k_min:.4g}..{self.k_max:.4g})")

    def scaled(self, factor: float) -> SelfGeneratedSpectrum:
        """The same shape with dB2 multiplied by ``factor``."""
        return SelfGeneratedSpectrum(self.generation, self.k_min, self.k_max, dB2=self.dB2 * factor,
                                     index=self.index)


def check_damping(damping, path: str) -> tuple:
    """The ``damping`` list of a self-generated component."""
    if isinstance(damping, str):
        damping = [damping]
    if not isinstance(damping, list) or not damping or not all(isinstance(d, str) for d in damping):
        raise CardError(path, damping, "must be a list of damping mechanisms: any of "
                        + ", ".join(f'"{m}"' for m in ALFVEN_DAMPING))
    for d in damping:
        if d not in ALFVEN_DAMPING:
            raise CardError(path, d, "unknown damping mechanism; allowed: "
                            + ", ".join(f'"{m}"' for m in ALFVEN_DAMPING))
    if len(set(damping)) != len(damping):
        raise CardError(path, damping, "lists a mechanism twice")
    return tuple(damping)
