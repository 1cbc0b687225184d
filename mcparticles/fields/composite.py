"""Slab + 2D composite turbulence (Bieber, Wanner & Matthaeus 1996; Matthaeus et al.
1990): a fraction ``slab_fraction`` of dB2 in slab waves (fields/slab.py) and the rest
in 2D modes with k perpendicular to B0 and dB = dB(x, y) along z x k_hat (no z
component, independent of z).  Both parts share the spectrum keys; the 2D part's
E(k_perp) is the same spectral shape in k_perp.

QLT: the 2D part has k_par = 0 and no gyroresonance with static fields, so quasi-linear
D_mumu is the slab part's alone; 2D modes act through field-line wandering and
non-linear effects (NLGC), which QLT does not describe.

Moving waves ([field] v_A > 0): the slab part is Alfven waves with the component's
``cross_helicity`` (fields/slab.py); the 2D part has k_par = 0, hence omega = k_par v_A
= 0, and stays static.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..schema import Key
from ..spectra import Spectrum
from .base import FieldModel, SpectrumBacked, n_modes_key, read_spectrum, register_model, spectrum_keys
from .modes import ModeSet
from .sampling import log_cells
from .slab import Slab
from .waves import CROSS_HELICITY

DEFAULT_MODES = 128
SLAB_FRACTION = Key("slab_fraction", "number", 0.2, "fraction of dB2 in the slab part (Bieber et al. 1996: 0.2)",
                    "", lo=0.0, hi=1.0)


@register_model
@dataclass(frozen=True)
class Composite(SpectrumBacked, FieldModel):
    spectrum: Spectrum              # the total dB2 and the common shape
    n_modes: int = DEFAULT_MODES    # per part
    slab_fraction: float = 0.2
    cross_helicity: float = 0.0
    v_A: float = 0.0

    name = "composite"
    description = "slab + 2D turbulence (Matthaeus et al. 1990; Bieber et al. 1996), static"
    keys = (*spectrum_keys(), n_modes_key(DEFAULT_MODES, "modes per part (slab and 2D each)"), SLAB_FRACTION,
            CROSS_HELICITY)
    closed_form_qlt = True
    moves = True

    @classmethod
    def from_card(cls, t):
        return cls(spectrum=read_spectrum(t), n_modes=t["n_modes"], slab_fraction=t["slab_fraction"],
                   cross_helicity=t["cross_helicity"])

    def in_plasma(self, v_A: float, beta: float, plasma=None) -> Composite:
        return replace(self, v_A=float(v_A))

    @property
    def wave_speed_max(self) -> float:
        return self.v_A

    @property
    def parallel_speeds(self) -> tuple[float, ...]:
        return self.slab.parallel_speeds

    def table_columns(self) -> tuple[int, int]:
        return self.slab.table_columns()[0], self.n_modes

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        rows = [("  parts", f"slab {self.slab_fraction:.3g} of dB2 ({self.n_modes} modes), 2D "
                            f"{1 - self.slab_fraction:.3g} ({self.n_modes} modes, k perpendicular to B0: no "
                            "gyroresonance, QLT is the slab part's)")]
        if self.v_A > 0:
            rows += self.slab.info_rows(0.0)[1:] + [("  2D part", "static (k_par = 0: omega = 0)")]
        return rows

    def part(self, fraction):
        s = self.spectrum
        return replace(s, dB2=s.dB2 * fraction)

    @property
    def slab(self) -> Slab:
        return Slab(self.part(self.slab_fraction), self.n_modes, "unpolarized", self.cross_helicity, self.v_A)

    def sample_2d(self, rng: np.random.Generator) -> ModeSet:
        n = self.n_modes
        spec = self.part(1.0 - self.slab_fraction)
        edges, k = log_cells(spec.k_min, spec.k_max, n, rng)
        power = spec.band_power(edges[:-1], edges[1:])
        phi = rng.uniform(0, 2 * np.pi, n)
        khat = np.stack([np.cos(phi), np.sin(phi), np.zeros(n)], axis=1)
        e1 = np.stack([-np.sin(phi), np.cos(phi), np.zeros(n)], axis=1)     # z x k_hat
        phase = rng.uniform(0, 2 * np.pi, n)
        return ModeSet(k=khat * k[:, None], e1=e1, e2=np.zeros((n, 3)), amplitude=np.sqrt(2 * power),
                       phase=phase, omega=np.zeros(n))

    def _draw(self, rng: np.random.Generator) -> ModeSet:
        return ModeSet.concatenate([self.slab.sample(rng), self.sample_2d(rng)])

    def nlgc_terms(self):
        from ..qlt.nlgc import NLGCTerm
        return (NLGCTerm("slab", self.part(self.slab_fraction)), NLGCTerm("2d", self.part(1.0 - self.slab_fraction)))

    def dmumu_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        return self.slab.dmumu_qlt(mu, particle, B0, qlt, unbounded=unbounded)

    def transport_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        return self.slab.transport_qlt(mu, particle, B0, qlt, unbounded=unbounded)
