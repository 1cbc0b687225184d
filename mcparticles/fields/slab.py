"""Slab turbulence: transverse waves with k parallel to B0 (along z).

Sampling (docs/physics.md §3.1): the band [k_min, k_max] is cut into ``n_modes`` cells
equally spaced in log k; each cell holds one mode at a log-uniformly jittered position
(no periodicity, unlike linearly spaced k).  The mode carries exactly the spectral power
of its cell, so the synthesised field has the variance ``dB2`` exactly in every
realisation (spatial mean), and its one-dimensional spectrum is the requested one in
expectation over the jitter.

Polarisation:
* ``unpolarized``: each mode linearly polarised at a random angle alpha in the x-y plane
  (Giacalone & Jokipii 1999), a_m^2 / 2 = cell power;
* ``right`` / ``left``: circularly polarised with magnetic helicity sigma = +1 / -1,
  where sigma = +1 means B . curl B > 0 (a right-handed helix in space):
  dB_m = a_m [e1 cos(psi) - sigma (z x e1) sin(psi)], a_m^2 = cell power.
  QLT (docs/physics.md §4.2) multiplies D_mumu by 1 + sign(q) sign(mu) sigma: a
  positive particle moving along +z resonates only with sigma = +1 waves.

Moving waves ([field] v_A > 0, docs/physics.md §6): Alfven waves in family j = +1
(along +B0) and j = -1, omega = j k v_A, with the fraction (1 + j H_c)/2 of the power
(``cross_helicity`` H_c).  When both families carry power every log-k cell holds one
mode of each (same k, independent angles and phases, powers split exactly), so
``n_modes`` is per family; the polarisation (helicity) is the component's for both.  A
family is static in the frame moving at j v_A, which is how the kernel sums it
(one Chebyshev window per family in z - j v_A t, ``fields/window.py``).

Self-generated spectra (``spectrum = "self_generated"``, selfgen.py): the spectrum, the
band and the families follow from the card's ``[plasma]`` and ``[cosmic_rays]``, the
``drive`` and the ``damping`` mechanisms, in ``in_plasma``: ``streaming`` gives one
unpolarised family along +B0, ``pressure_anisotropy`` two families of equal power with
opposite helicities (``family_helicity``: sigma of the family along +B0, then -B0).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schema import CardError, Key
from ..spectra import Spectrum
from .base import (
    DB2,
    K_MAX,
    K_MIN,
    L_BENDOVER,
    FieldModel,
    SpectrumBacked,
    index_key,
    n_modes_key,
    read_spectrum,
    register_model,
)
from .modes import ModeSet
from .sampling import log_cells
from .waves import CROSS_HELICITY, AlfvenMotion

HELICITY = {"unpolarized": 0, "right": 1, "left": -1}
DEFAULT_MODES = 128
POLARIZATION = Key("polarization", "choice", "unpolarized",
                   'helicity: "right" = +1 (B . curl B > 0), "left" = -1, "unpolarized" = linear at random angles',
                   choices=tuple(HELICITY))
SLAB_SPECTRUM = Key("spectrum", "choice", "power_law", "spectral shape (self_generated: from [plasma] and "
                    "[cosmic_rays], docs/physics.md §7)", choices=("power_law", "bendover", "self_generated"))
DRIVE = Key("drive", "choice", None, 'instability of a self-generated spectrum', choices=("streaming",
            "pressure_anisotropy"), default_text='required with "self_generated"')
#: keys that a self-generated spectrum derives and a card must not give
DERIVED_KEYS = ("dB2", "index", "k_min", "k_max", "l_bendover", "polarization", "cross_helicity")


@register_model
@dataclass(frozen=True)
class Slab(AlfvenMotion, SpectrumBacked, FieldModel):
    """Slab field parameters: the same object drives sampling and QLT."""

    spectrum: Spectrum
    n_modes: int = DEFAULT_MODES
    polarization: str = "unpolarized"
    cross_helicity: float = 0.0
    v_A: float = 0.0
    drive: str | None = None            # self-generated spectrum: "streaming" | "pressure_anisotropy"
    damping: tuple = ()                 # its damping mechanisms (damping.py)
    family_helicity: tuple | None = None    # (sigma along +B0, sigma along -B0); None: ``polarization``

    name = "slab"
    description = ("transverse waves with k along B0; power law, bend-over or self-generated (streaming or "
                   "pressure-anisotropy instability); linear or helical")
    keys = (DB2, SLAB_SPECTRUM, index_key(5.0 / 3.0), K_MIN, K_MAX, L_BENDOVER,
            n_modes_key(DEFAULT_MODES, "modes per realisation (per family with moving waves)"),
            POLARIZATION, CROSS_HELICITY, DRIVE,
            Key("damping", "list", None, "damping mechanisms of a self-generated spectrum", default_text='required '
                'with "self_generated"', choices=("ion_neutral", "turbulent", "nonlinear_landau", "dust")))
    geometry = "slab"
    closed_form_qlt = True

    @classmethod
    def from_card(cls, t):
        if t["spectrum"] == "self_generated":
            from ..selfgen import check_damping
            for key in DERIVED_KEYS:
                if t.given(key):
                    t.error(key, 'is derived from [plasma] and [cosmic_rays] with spectrum = "self_generated"')
            if t["drive"] is None:
                t.error("drive", 'required with spectrum = "self_generated": "streaming" | "pressure_anisotropy"')
            if not t.given("damping"):
                t.error("damping", 'required with spectrum = "self_generated": a list of "ion_neutral", "turbulent", '
                        '"nonlinear_landau", "dust"')
            return cls(spectrum=None, n_modes=t["n_modes"], drive=t["drive"],
                       damping=check_damping(t.data["damping"], f"{t.path}.damping"))
        for key in ("drive", "damping"):
            if t.given(key):
                t.error(key, 'only allowed with spectrum = "self_generated"')
        return cls(spectrum=read_spectrum(t), n_modes=t["n_modes"], polarization=t["polarization"],
                   cross_helicity=t["cross_helicity"])

    def in_plasma(self, v_A: float, beta: float, plasma=None):
        """The wave speed; a self-generated spectrum is computed here from
        ``plasma`` (a PlasmaContext: [plasma], [cosmic_rays] and the table's path)."""
        from dataclasses import replace
        if self.drive is None:
            return replace(self, v_A=float(v_A))
        from ..selfgen import SelfGeneratedSpectrum, SelfGeneration
        path = plasma.path if plasma is not None else "field.turbulence"
        if plasma is None or plasma.plasma is None or plasma.cosmic_rays is None:
            raise CardError(f"{path}.spectrum", "self_generated", "needs the sections [plasma] and [cosmic_rays]")
        pl, cr = plasma.plasma, plasma.cosmic_rays
        if self.drive == "streaming" and cr.gradient_scale_pc is None:
            raise CardError("cosmic_rays.gradient_scale_pc", "(missing)", 'required with drive = "streaming"')
        if self.drive == "pressure_anisotropy" and cr.dP_over_P is None and cr.field_change_time_yr is None:
            raise CardError("cosmic_rays.dP_over_P", "(missing)", 'drive = "pressure_anisotropy" needs dP_over_P '
                            "or field_change_time_yr")
        if self.drive == "pressure_anisotropy" and cr.dP_over_P is not None and "nonlinear_landau" not in self.damping:
            raise CardError(f"{path}.damping", list(self.damping), "a fixed anisotropy (dP_over_P) grows waves at a "
                            "rate independent of their amplitude: only non-linear Landau damping can balance it; add "
                            '"nonlinear_landau" (or give field_change_time_yr)')
        if "turbulent" in self.damping and pl.M_A is None:
            raise CardError("plasma.M_A", "(missing)", "required by turbulent damping (l_A = L M_A^-3)")
        if "dust" in self.damping:
            for key in ("dust_to_gas", "dust_k_d_cm", "dust_xi"):
                if getattr(pl, key) is None:
                    raise CardError(f"plasma.{key}", "(missing)", "required by dust damping")
        if self.damping == ("ion_neutral",) and pl.f_neutral == 0:
            raise CardError(f"{path}.damping", list(self.damping), "ion-neutral damping is zero with "
                            "plasma.f_neutral = 0: no equilibrium")
        gen = SelfGeneration(drive=self.drive, damping=self.damping, plasma=pl, cosmic_rays=cr)
        k_lo, k_hi = gen.band()
        try:
            spectrum = SelfGeneratedSpectrum(gen, k_lo, k_hi)
        except ValueError as exc:
            raise CardError(f"{path}.drive", self.drive, str(exc)) from None
        if self.drive == "streaming":
            return replace(self, spectrum=spectrum, v_A=float(v_A), cross_helicity=1.0)
        s = gen.helicity_sign
        return replace(self, spectrum=spectrum, v_A=float(v_A), cross_helicity=0.0, family_helicity=(s, -s))

    @property
    def generation(self):
        """The SelfGeneration of a self-generated spectrum (None otherwise)."""
        return getattr(self.spectrum, "generation", None)

    def fluid_kappa(self, r_g: float, speed: float) -> float:
        """The fluid self-confinement estimate kappa_par = v^2/(3 nu), nu = (3 pi/16)
        Omega e_A/e_B at k = 1/r_g (selfgen.py), of this component's (possibly boosted)
        spectrum [L c]; nan outside the band."""
        k = 1.0 / r_g
        w = float(k * self.spectrum.density(k))
        return 8.0 * speed * r_g / (9.0 * np.pi * w) if w > 0 else float("nan")

    @property
    def helicity(self) -> int:
        return HELICITY[self.polarization]

    def family_sigma(self, j: int) -> int:
        """Helicity of family j (+1: along +B0, -1, 0: static)."""
        if self.family_helicity is None:
            return self.helicity
        return self.family_helicity[0 if j >= 0 else 1]

    def table_columns(self) -> tuple[int, int]:
        return sum(2 * self.n_modes if self.family_sigma(j) else self.n_modes for j, _ in self.families), 0

    def scaled(self, factor: float):
        from dataclasses import replace
        sp = self.spectrum
        return replace(self, spectrum=sp.scaled(factor) if hasattr(sp, "scaled") else replace(sp, dB2=sp.dB2 * factor))

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        if self.family_helicity is not None:
            sense = ("right-circular: rotating in the electrons' sense about B0" if self.family_helicity[0] > 0
                     else "left-circular: rotating in the ions' sense about B0")
            pol = (f"helicity {self.family_helicity[0]:+d} along +B0, {self.family_helicity[1]:+d} along -B0 "
                   f"(both {sense})")
        else:
            pol = self.polarization if not self.helicity else f"{self.polarization} (helicity {self.helicity:+d})"
        rows = [("  polarisation", pol)]
        if self.v_A > 0:
            fam = ", ".join(f"{f:.3g} of the power at {j * self.v_A:+.4g} c" for j, f in self.families)
            rows.append(("  waves", f"Alfven waves, H_c = {self.cross_helicity:+.3g}: {fam}"))
        if self.generation is not None:
            rows += self.generation.rows()
            rows.append(("  fluid estimate", f"kappa_par = v^2/(3 nu) = {self.fluid_kappa(r_g, 1.0):.4g} L c "
                                             "at v = c in the simulated field (Hopkins et al. 2022 eqs. 6, 12)"))
        return rows

    def _draw(self, rng: np.random.Generator) -> ModeSet:
        """One realisation of the field (see module docstring)."""
        n = self.n_modes
        edges, k = log_cells(self.spectrum.k_min, self.spectrum.k_max, n, rng)
        cell_power = self.spectrum.band_power(edges[:-1], edges[1:])
        kvec = np.zeros((n, 3))
        kvec[:, 2] = k
        sets = []
        for j, fraction in self.families:
            sigma = self.family_sigma(j)
            power = cell_power * fraction if fraction != 1.0 else cell_power
            alpha = rng.uniform(0.0, 2.0 * np.pi, n)
            phase = rng.uniform(0.0, 2.0 * np.pi, n)
            e1 = np.stack([np.cos(alpha), np.sin(alpha), np.zeros(n)], axis=1)
            if sigma == 0:
                e2 = np.zeros((n, 3))
                amplitude = np.sqrt(2.0 * power)
            else:
                z_cross_e1 = np.stack([-np.sin(alpha), np.cos(alpha), np.zeros(n)], axis=1)
                e2 = -sigma * z_cross_e1
                amplitude = np.sqrt(power)
            omega = j * self.v_A * k if j else np.zeros(n)
            sets.append(ModeSet(k=kvec, e1=e1, e2=e2, amplitude=amplitude, phase=phase, omega=omega))
        return sets[0] if len(sets) == 1 else ModeSet.concatenate(sets)

    def nlgc_terms(self):
        from ..qlt.nlgc import NLGCTerm
        return (NLGCTerm("slab", self.spectrum),)

    def dmumu_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        """QLT D_mumu for this field (qlt/slab.py); ``unbounded`` continues the
        spectrum above k_max.  Always the sharp resonance (closed form), all harmonics
        (only n = +-1 resonate with k along B0)."""
        from ..qlt.slab import transport_slab
        return transport_slab(self, mu, particle, B0, unbounded=unbounded)[0]

    def transport_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        """(D_mumu, D_mup, D_pp) summed over the wave families (qlt/slab.py)."""
        from ..qlt.slab import transport_slab
        return transport_slab(self, mu, particle, B0, unbounded=unbounded)
