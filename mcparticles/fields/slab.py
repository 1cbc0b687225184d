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
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..schema import Key
from ..spectra import Spectrum
from .base import FieldModel, SpectrumBacked, n_modes_key, read_spectrum, register_model, spectrum_keys
from .modes import ModeSet
from .sampling import log_cells
from .waves import CROSS_HELICITY, AlfvenMotion

HELICITY = {"unpolarized": 0, "right": 1, "left": -1}
DEFAULT_MODES = 128
POLARIZATION = Key("polarization", "choice", "unpolarized",
                   'helicity: "right" = +1 (B . curl B > 0), "left" = -1, "unpolarized" = linear at random angles',
                   choices=tuple(HELICITY))


@register_model
@dataclass(frozen=True)
class Slab(AlfvenMotion, SpectrumBacked, FieldModel):
    """Slab field parameters: the same object drives sampling and QLT."""

    spectrum: Spectrum
    n_modes: int = DEFAULT_MODES
    polarization: str = "unpolarized"
    cross_helicity: float = 0.0
    v_A: float = 0.0

    name = "slab"
    description = "transverse waves with k along B0; power law or bend-over; linear or helical"
    keys = (*spectrum_keys(), n_modes_key(DEFAULT_MODES, "modes per realisation (per family with moving waves)"),
            POLARIZATION, CROSS_HELICITY)
    geometry = "slab"
    closed_form_qlt = True

    @classmethod
    def from_card(cls, t):
        return cls(spectrum=read_spectrum(t), n_modes=t["n_modes"], polarization=t["polarization"],
                   cross_helicity=t["cross_helicity"])

    @property
    def helicity(self) -> int:
        return HELICITY[self.polarization]

    def table_columns(self) -> tuple[int, int]:
        return (2 * self.n_modes if self.helicity else self.n_modes) * len(self.families), 0

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        pol = self.polarization if not self.helicity else f"{self.polarization} (helicity {self.helicity:+d})"
        rows = [("  polarisation", pol)]
        if self.v_A > 0:
            fam = ", ".join(f"{f:.3g} of the power at {j * self.v_A:+.4g} c" for j, f in self.families)
            rows.append(("  waves", f"Alfven waves, H_c = {self.cross_helicity:+.3g}: {fam}"))
        return rows

    def _draw(self, rng: np.random.Generator) -> ModeSet:
        """One realisation of the field (see module docstring)."""
        n = self.n_modes
        edges, k = log_cells(self.spectrum.k_min, self.spectrum.k_max, n, rng)
        cell_power = self.spectrum.band_power(edges[:-1], edges[1:])
        kvec = np.zeros((n, 3))
        kvec[:, 2] = k
        sigma = self.helicity
        sets = []
        for j, fraction in self.families:
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
