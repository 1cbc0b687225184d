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

import functools
from dataclasses import dataclass

import numpy as np

from ..schema import CardError, Key
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

    def nlgc_terms(self):
        """Random polarisation perpendicular to k: S_ij ~ delta_ij - k_i k_j / k^2.
        Fast modes (dB in the k-B0 plane) have another tensor and no NLGC here."""
        if self.alfven_fraction != 0.5:
            return None
        from ..qlt.nlgc import NLGCTerm
        return (NLGCTerm("isotropic", self.spectrum),)

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
DAMPING = Key("damping", "choice", "none", "damping truncation of the cascade at k_max(theta) (docs/physics.md "
              "§7.4): collisionless needs [field] beta (or [plasma]), viscous needs [plasma]",
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
    M_A: float = 0.0                 # Mach number at the outer scale 1/k_min (the damping truncation)
    damping: str = "none"
    truncation: object = None        # damping.FastTruncation, set by in_plasma

    description = ("isotropic fast magnetosonic modes, dB in the (k, B0) plane (compressive); moving at the fast "
                   "speed along k when [field] v_A > 0")
    keys = (MACH, DB2_FROM_MACH, index_key(1.5), K_MIN, K_MAX, n_modes_key(DEFAULT_MODES), DAMPING)
    alfven_fraction = 0.0
    moves = True

    def in_plasma(self, v_A: float, beta: float, plasma=None) -> FastModes:
        """Wave speeds, and the damping truncation k_max(theta) (damping.py) from beta
        (collisionless) or from the viscosity of ``plasma.plasma`` (viscous)."""
        from dataclasses import replace

        from ..damping import FastTruncation
        out = replace(self, v_A=float(v_A), beta=float(beta))
        if self.damping == "none":
            return out
        path = plasma.path if plasma is not None else "field.turbulence"
        if self.damping == "collisionless":
            if not beta > 0:
                raise CardError(f"{path}.damping", self.damping, "collisionless damping needs a plasma beta > 0 "
                                "([field] beta or [plasma])")
            trunc = FastTruncation("collisionless", self.M_A, self.spectrum.k_min, float(beta))
        else:
            if plasma is None or plasma.plasma is None:
                raise CardError(f"{path}.damping", self.damping, "viscous damping needs the [plasma] section (its "
                                "viscosity and Alfven speed)")
            pl = plasma.plasma
            trunc = FastTruncation("viscous", self.M_A, self.spectrum.k_min, float(beta),
                                   viscosity_over_v_A=pl.viscosity / pl.v_A)
        return replace(out, truncation=trunc)

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
        m_a, dB2 = read_mach(t)
        k_min, k_max, index = read_band(t)
        return cls(spectrum=make_spectrum("power_law", dB2=dB2, index=index, k_min=k_min, k_max=k_max),
                   n_modes=t["n_modes"], M_A=m_a, damping=t["damping"])

    def spectrum3d(self, unbounded=False) -> Isotropic3D:
        return Isotropic3D(self.spectrum, self.alfven_fraction, unbounded, truncation=self.truncation)

    @property
    def dB2(self) -> float:
        """<dB^2> of the field: the spectrum's dB2, less the power beyond the damping
        truncation, int E(k) f(k) dk (f: surviving fraction of directions)."""
        if self.truncation is None:
            return self.spectrum.dB2
        return self._damped_dB2

    @functools.cached_property
    def _damped_dB2(self) -> float:
        k = np.geomspace(self.spectrum.k_min, self.spectrum.k_max, 4001)
        f = self.spectrum.density(k) * self.truncation.allowed_fraction(k) * k
        return float(np.trapezoid(f, np.log(k)))

    def _draw(self, rng: np.random.Generator) -> ModeSet:
        """Undamped: as ``isotropic``.  Damped: the mode of each log-k cell takes the
        cell's power times the fraction f(k) of directions that survive at its k
        (k <= k_max(theta)), and a direction drawn uniformly among those (rejection), so
        the sampled power per solid angle is the truncated spectrum's (to first order in
        the cell width: f is taken at the mode's k)."""
        if self.truncation is None:
            return super()._draw(rng)
        n = self.n_modes
        edges, k = log_cells(self.spectrum.k_min, self.spectrum.k_max, n, rng)
        frac = self.truncation.allowed_fraction(k)
        power = self.spectrum.band_power(edges[:-1], edges[1:]) * frac
        khat = self._surviving_directions(k, frac, rng)
        e1 = self._polarisation(khat, rng)
        phase = rng.uniform(0.0, 2 * np.pi, n)
        kvec = khat * k[:, None]
        return ModeSet(k=kvec, e1=e1, e2=np.zeros((n, 3)), amplitude=np.sqrt(2 * power), phase=phase,
                       omega=self._frequency(kvec))

    def _surviving_directions(self, k, frac, rng, max_draws: int = 2_000_000):
        """Unit vectors uniform among the directions with k <= k_max(theta), one per mode;
        a mode with no surviving direction (f = 0: no power) keeps a random one."""
        out = self._directions(rng, len(k))
        pending = np.flatnonzero(frac > 0)
        batch = 8
        while pending.size:
            m = pending.size
            cand = self._directions(rng, m * batch).reshape(m, batch, 3)
            ok = k[pending, None] <= self.truncation.k_max(cand[:, :, 2])
            hit = ok.any(axis=1)
            first = np.argmax(ok, axis=1)
            out[pending[hit]] = cand[hit, first[hit]]
            pending = pending[~hit]
            batch = min(batch * 4, max(8, max_draws // max(pending.size, 1)))
        return out

    def info_rows(self, r_g: float) -> list[tuple[str, str]]:
        return self._motion_rows() + self._damping_rows(r_g)

    def _damping_rows(self, r_g: float) -> list[tuple[str, str]]:
        tr = self.truncation
        if tr is None:
            return []
        th = np.radians([5.0, 30.0, 60.0, 85.0])
        km = tr.k_max(np.cos(th))
        k_c, xi_c = tr.floor
        rows = [("  damping", f"{self.damping}: cascade truncated at k_max(theta) = "
                              + ", ".join(f"{x:.3g}/L at {d:g} deg" for x, d in zip(km, [5, 30, 60, 85]))
                              + f"; every direction is damped beyond k_c = {k_c:.4g}/L (theta = "
                              f"{np.degrees(np.arccos(xi_c)):.3g} deg)")]
        if r_g > 0:
            f = float(tr.allowed_fraction(1.0 / r_g)[0])
            k_lo, k_hi = self.spectrum.k_min, self.spectrum.k_max
            marks = []
            for frac in (0.5, 0.1, 0.01):
                k = tr.k_at_fraction(frac, k_lo, k_hi)
                marks.append(f"< {frac:g} for r_g < {1 / k:.3g} L" if k is not None else
                             f"stays >= {frac:g} over the band")
            rows.append(("  gyroresonance", f"n = +-1 needs k_par >= 1/r_g; the fraction of directions that survive at "
                                            f"k = 1/r_g is {f:.3g} here (r_g k_c = {r_g * k_c:.3g}); it falls "
                                            + ", ".join(marks) + ": gyroresonance with fast modes fades below these "
                                            "rigidities (only the undamped cones remain)"))
        return rows

    def _motion_rows(self) -> list[tuple[str, str]]:
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
