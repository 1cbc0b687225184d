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

from ..schema import Key
from ..spectra import Isotropic3D, Spectrum, make_spectrum
from .base import (
    DB2,
    K_MAX,
    K_MIN,
    FieldModel,
    SpectrumBacked,
    index_key,
    n_modes_key,
    read_band,
    read_spectrum,
    register_model,
    spectrum_keys,
)
from .modes import ModeSet
from .sampling import log_cells, perpendicular_basis, random_directions
from .waves import fast_frequency, fast_speed

DEFAULT_MODES = 256


def alfven_waves(families, v_A: float):
    """The WaveMotion (qlt/moving.py) of Alfvenic modes, None when static."""
    from ..qlt.moving import WaveMotion
    return WaveMotion("alfven", v_A, families=tuple(families)) if v_A > 0 else None


def mhd_qlt(spec3d, mu, particle, B0, qlt, broadening=None, waves=None):
    """(D_mumu, D_mup, D_pp) from the general MHD-mode integral of a 3D spectrum
    (qlt/mhd.py; moving ``waves``: qlt/moving.py), sharp resonance, or Yan-Lazarian
    broadening when ``broadening`` (the field's dB_par,rms) is given and the card asks
    for it."""
    from ..qlt.mhd import broadening_width, dmumu_mhd, dmumu_mhd_broadened
    harmonics = qlt.harmonics if qlt is not None else "all"
    if waves is not None:
        from ..qlt.moving import transport_broadened, transport_mhd
        if broadening:
            return transport_broadened(mu, spec3d, waves, omega=particle.gyrofrequency(B0), speed=particle.speed,
                                       B0=B0, harmonics=harmonics,
                                       dv_over_v=lambda m: broadening_width(m, broadening, B0))
        return transport_mhd(mu, spec3d, waves, omega=particle.gyrofrequency(B0), speed=particle.speed, B0=B0,
                             harmonics=harmonics)
    zero = np.zeros(np.shape(np.atleast_1d(mu)))
    if broadening:
        d = dmumu_mhd_broadened(mu, spec3d, omega=particle.gyrofrequency(B0), speed=particle.speed, B0=B0,
                                harmonics=harmonics, dv_over_v=lambda m: broadening_width(m, broadening, B0))
    else:
        d = dmumu_mhd(mu, spec3d, omega=particle.gyrofrequency(B0), speed=particle.speed, B0=B0, harmonics=harmonics)
    return d, zero, zero


@register_model
@dataclass(frozen=True)
class Isotropic(SpectrumBacked, FieldModel):
    """Isotropic turbulence with omnidirectional spectrum ``spectrum``."""

    spectrum: Spectrum
    n_modes: int = DEFAULT_MODES

    name = "isotropic"
    description = "static isotropic turbulence (random directions, random linear polarisation)"
    keys = (*spectrum_keys(), n_modes_key(DEFAULT_MODES))
    grid = True
    alfven_fraction = 0.5

    @classmethod
    def from_card(cls, t):
        return cls(spectrum=read_spectrum(t), n_modes=t["n_modes"])

    def table_columns(self) -> tuple[int, int]:
        return 0, self.n_modes

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        return [("  polarisation", f"<dB_z^2>/<dB^2> = {self.dB2_parallel / self.dB2 if self.dB2 else 0:.3g}; "
                                   "static (no wave motion, also with [field] v_A > 0)")]

    def grid_polarization(self, khat, noise):
        """Transverse projection (div B = 0 on the grid), both polarisations."""
        return noise - khat * np.sum(khat * noise, axis=0)

    def _directions(self, rng, n):
        return random_directions(n, rng)

    def _polarisation(self, khat, rng):
        a, b = perpendicular_basis(khat)
        alpha = rng.uniform(0.0, 2 * np.pi, len(khat))
        return np.cos(alpha)[:, None] * a + np.sin(alpha)[:, None] * b

    def _draw(self, rng: np.random.Generator) -> ModeSet:
        n = self.n_modes
        edges, k = log_cells(self.spectrum.k_min, self.spectrum.k_max, n, rng)
        power = self.spectrum.band_power(edges[:-1], edges[1:])
        khat = self._directions(rng, n)
        e1 = self._polarisation(khat, rng)
        phase = rng.uniform(0.0, 2 * np.pi, n)
        kvec = khat * k[:, None]
        return ModeSet(k=kvec, e1=e1, e2=np.zeros((n, 3)), amplitude=np.sqrt(2 * power),
                       phase=phase, omega=self._frequency(kvec))

    def _frequency(self, kvec):
        return np.zeros(len(kvec))

    def spectrum3d(self, unbounded=False) -> Isotropic3D:
        return Isotropic3D(self.spectrum, self.alfven_fraction, unbounded)

    @property
    def dB2_parallel(self) -> float:
        """<dB_z^2>: dB2/3 for random polarisation, 2 dB2/3 = <sin^2 theta> dB2 for fast modes."""
        return self.dB2 * (1.0 - self.alfven_fraction) * 2.0 / 3.0

    def dmumu_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        return self.transport_qlt(mu, particle, B0, qlt, unbounded=unbounded, broadening=broadening)[0]

    def transport_qlt(self, mu, particle, B0: float, qlt=None, *, unbounded: bool = False, broadening=None):
        return mhd_qlt(self.spectrum3d(unbounded), mu, particle, B0, qlt, broadening, self.waves)

    @property
    def waves(self):
        """How the modes move (qlt/moving.py WaveMotion); None: static."""
        return None


MACH = Key("M_A", "number", None, "Alfven Mach number at the outer scale L = 1/k_min", "", lo=1e-6, hi=100.0,
           default_text="sqrt(dB2)")
DB2_FROM_MACH = Key("dB2", "number", None, DB2.doc, "", lo=1e-12, hi=1e4, default_text="M_A^2")
DAMPING = Key("damping", "choice", "none", "damping truncation of the cascade (only \"none\" in this version)",
              choices=("none", "collisionless", "viscous"))


def read_mach(t) -> tuple[float, float]:
    """M_A and dB2: each defaults to the other (dB2 = M_A^2)."""
    m, d = t["M_A"], t["dB2"]
    if m is None and d is None:
        t.error("M_A", "give M_A (Alfven Mach number at L = 1/k_min) or dB2")
    return (m if m is not None else d ** 0.5), (d if d is not None else m * m)


@register_model
@dataclass(frozen=True)
class FastModes(Isotropic):
    """Isotropic fast magnetosonic modes (compressive, dB in the (k, B0) plane)."""

    name = "fast_modes"
    v_A: float = 0.0
    beta: float = 0.0

    description = ("isotropic fast magnetosonic modes, dB in the (k, B0) plane (compressive); moving at the fast "
                   "speed along k when [field] v_A > 0")
    keys = (MACH, DB2_FROM_MACH, index_key(1.5), K_MIN, K_MAX, n_modes_key(DEFAULT_MODES), DAMPING)
    alfven_fraction = 0.0
    moves = True

    def in_plasma(self, v_A: float, beta: float) -> FastModes:
        from dataclasses import replace
        return replace(self, v_A=float(v_A), beta=float(beta))

    @property
    def wave_speed_max(self) -> float:
        """v_F at theta = 90 degrees, the largest fast speed."""
        return float(fast_speed(self.v_A, self.beta, 0.0))

    @property
    def waves(self):
        from ..qlt.moving import WaveMotion
        return WaveMotion("fast", self.v_A, beta=self.beta) if self.v_A > 0 else None

    @classmethod
    def from_card(cls, t):
        _, dB2 = read_mach(t)
        if t["damping"] != "none":
            t.error("damping", 'damping truncation is not available in this version; allowed: "none"')
        k_min, k_max, index = read_band(t)
        return cls(spectrum=make_spectrum("power_law", dB2=dB2, index=index, k_min=k_min, k_max=k_max),
                   n_modes=t["n_modes"])

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        if self.v_A > 0:
            motion = (f"moving along k at v_F(theta) = {float(fast_speed(self.v_A, self.beta, 1.0)):.4g} .. "
                      f"{self.wave_speed_max:.4g} c (beta = {self.beta:g}): gyroresonance and transit-time damping")
        else:
            motion = "static (no wave motion, no transit-time damping)"
        return [("  polarisation", "dB in the (k, B0) plane: <dB_z^2>/<dB^2> = 2/3 (compressive); " + motion)]

    def grid_polarization(self, khat, noise):
        """Onto e_F = (z - cos(theta) k_hat)/sin(theta) (Yan & Lazarian 2004)."""
        cos_t = khat[2]
        sin_t = np.sqrt(np.maximum(1.0 - cos_t ** 2, 0.0))
        ok = sin_t > 1e-12
        e = np.stack([-cos_t * khat[0], -cos_t * khat[1], 1.0 - cos_t * khat[2]]) / np.where(ok, sin_t, 1.0)
        e = np.where(ok, e, 0.0)
        return e * np.sum(e * noise, axis=0)

    def _directions(self, rng, n):
        d = random_directions(n, rng)
        # the polarisation is undefined for k exactly along B0; such a draw has
        # probability zero but is replaced to keep every mode transverse
        bad = np.abs(d[:, 2]) > 1 - 1e-12
        while np.any(bad):
            d[bad] = random_directions(int(bad.sum()), rng)
            bad = np.abs(d[:, 2]) > 1 - 1e-12
        return d

    def _frequency(self, kvec):
        """omega = |k| v_F(theta) > 0: every mode travels along its k (fields/waves.py)."""
        return fast_frequency(kvec, self.v_A, self.beta) if self.v_A > 0 else np.zeros(len(kvec))

    def _polarisation(self, khat, rng):
        z = np.array([0.0, 0.0, 1.0])
        e = z[None, :] - khat[:, 2:3] * khat
        return e / np.linalg.norm(e, axis=1)[:, None]
