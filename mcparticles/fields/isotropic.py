"""Isotropic turbulence and isotropic fast magnetosonic modes.

Both sample |k| in ``n_modes`` logarithmic cells (jittered, one mode per cell carrying
exactly the cell's power of the omnidirectional spectrum E(k), int E dk = dB2), with
directions uniform on the sphere; they differ in the polarisation:

* ``isotropic`` (Giacalone & Jokipii 1999): linear polarisation at a random angle in the
  plane perpendicular to k, so <dB_i^2> = dB2/3 per axis; E ~ k^-index (5/3: Kolmogorov).
* ``fast_modes`` (Yan & Lazarian 2004): dB perpendicular to k in the (k, B0) plane,
  e = (z - cos(theta) k_hat)/sin(theta), so |dB_par|^2 = sin^2(theta) |dB|^2 and
  <dB_z^2>/<dB^2> = <sin^2 theta> = 2/3; E ~ k^(-3/2) (I_F ~ k^(-7/2)).

QLT: qlt/mhd.py with I(k) = E(k)/(4 pi k^2), half Alfven-like and half fast-like for
``isotropic``, all fast-like for ``fast_modes``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..spectra import Isotropic3D, Spectrum
from .modes import ModeSet
from .sampling import SpectrumBacked, log_cells, perpendicular_basis, random_directions


def _qlt(model, spec3d, mu, particle, B0, harmonics, broadening=None):
    """Sharp resonance, or Yan-Lazarian broadening when ``broadening`` (the field's
    dB_par,rms) is given (qlt/mhd.py)."""
    from ..qlt.mhd import broadening_width, dmumu_mhd, dmumu_mhd_broadened
    if broadening:
        return dmumu_mhd_broadened(mu, spec3d, omega=particle.gyrofrequency(B0), speed=particle.speed, B0=B0,
                                   harmonics=harmonics,
                                   dv_over_v=lambda m: broadening_width(m, broadening, B0))
    return dmumu_mhd(mu, spec3d, omega=particle.gyrofrequency(B0), speed=particle.speed, B0=B0,
                     harmonics=harmonics)


@dataclass(frozen=True)
class Isotropic(SpectrumBacked):
    """Isotropic turbulence with omnidirectional spectrum ``spectrum``."""

    spectrum: Spectrum
    n_modes: int = 256
    harmonics: object = "all"

    model = "isotropic"
    alfven_fraction = 0.5

    def _directions(self, rng, n):
        return random_directions(n, rng)

    def _polarisation(self, khat, rng):
        a, b = perpendicular_basis(khat)
        alpha = rng.uniform(0.0, 2 * np.pi, len(khat))
        return np.cos(alpha)[:, None] * a + np.sin(alpha)[:, None] * b

    def sample(self, rng: np.random.Generator) -> ModeSet:
        n = self.n_modes
        edges, k = log_cells(self.spectrum.k_min, self.spectrum.k_max, n, rng)
        power = self.spectrum.band_power(edges[:-1], edges[1:])
        khat = self._directions(rng, n)
        e1 = self._polarisation(khat, rng)
        phase = rng.uniform(0.0, 2 * np.pi, n)
        return ModeSet(k=khat * k[:, None], e1=e1, e2=np.zeros((n, 3)), amplitude=np.sqrt(2 * power),
                       phase=phase, omega=np.zeros(n))

    def spectrum3d(self, unbounded=False) -> Isotropic3D:
        return Isotropic3D(self.spectrum, self.alfven_fraction, unbounded)

    @property
    def dB2_parallel(self) -> float:
        """<dB_z^2>: dB2/3 for random polarisation, 2 dB2/3 = <sin^2 theta> dB2 for fast modes."""
        return self.dB2 * (1.0 - self.alfven_fraction) * 2.0 / 3.0

    def dmumu_qlt(self, mu, particle, B0: float, *, unbounded: bool = False, broadening=None):
        return _qlt(self, self.spectrum3d(unbounded), mu, particle, B0, self.harmonics, broadening)


@dataclass(frozen=True)
class FastModes(Isotropic):
    """Isotropic fast magnetosonic modes (compressive, dB in the (k, B0) plane)."""

    model = "fast_modes"
    alfven_fraction = 0.0

    def _directions(self, rng, n):
        d = random_directions(n, rng)
        # the polarisation is undefined for k exactly along B0; such a draw has
        # probability zero but is replaced to keep every mode transverse
        bad = np.abs(d[:, 2]) > 1 - 1e-12
        while np.any(bad):
            d[bad] = random_directions(int(bad.sum()), rng)
            bad = np.abs(d[:, 2]) > 1 - 1e-12
        return d

    def _polarisation(self, khat, rng):
        z = np.array([0.0, 0.0, 1.0])
        e = z[None, :] - khat[:, 2:3] * khat
        return e / np.linalg.norm(e, axis=1)[:, None]
