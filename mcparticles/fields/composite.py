"""Slab + 2D composite turbulence (Bieber, Wanner & Matthaeus 1996; Matthaeus et al.
1990): a fraction ``slab_fraction`` of dB2 in slab waves (fields/slab.py) and the rest
in 2D modes with k perpendicular to B0 and dB = dB(x, y) along z x k_hat (no z
component, independent of z).  Both parts share the spectrum keys; the 2D part's
E(k_perp) is the same spectral shape in k_perp.

QLT: the 2D part has k_par = 0 and no gyroresonance with static fields, so quasi-linear
D_mumu is the slab part's alone; 2D modes act through field-line wandering and
non-linear effects (NLGC), which QLT does not describe.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..spectra import Spectrum
from .modes import ModeSet
from .sampling import SpectrumBacked, log_cells
from .slab import Slab


@dataclass(frozen=True)
class Composite(SpectrumBacked):
    spectrum: Spectrum              # the total dB2 and the common shape
    n_modes: int = 128              # per part
    slab_fraction: float = 0.2

    model = "composite"

    def part(self, fraction):
        s = self.spectrum
        return replace(s, dB2=s.dB2 * fraction)

    @property
    def slab(self) -> Slab:
        return Slab(self.part(self.slab_fraction), self.n_modes, "unpolarized")

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

    def sample(self, rng: np.random.Generator) -> ModeSet:
        return ModeSet.concatenate([self.slab.sample(rng), self.sample_2d(rng)])

    dB2_parallel = 0.0

    def dmumu_qlt(self, mu, particle, B0: float, *, unbounded: bool = False, broadening=None):
        return self.slab.dmumu_qlt(mu, particle, B0, unbounded=unbounded)
