"""Wave motion: dispersion relations and the card keys of moving waves
(docs/physics.md §6.1).

Units: speeds in c, wavenumbers in 1/L, frequencies in c/L.

* Alfven modes (``slab``, ``alfvenic_gs95``, the slab part of ``composite``) travel along
  B0 in family j = +1 (towards +z) or j = -1: omega = j k_par v_A.  A component's
  ``cross_helicity`` H_c puts the fraction (1 + j H_c)/2 of its power in family j.
* Fast magnetosonic modes travel along k at the fast speed of ideal MHD,

      v_F^2 = (1/2) [ (v_A^2 + c_s^2) + sqrt((v_A^2 + c_s^2)^2 - 4 v_A^2 c_s^2 cos^2 theta) ],
      c_s^2 = (Gamma beta / 2) v_A^2,  Gamma = 5/3,

  omega = |k| v_F(theta) (theta the angle between k and B0); v_F = v_A at beta = 0.

The electric field of every moving mode follows from ideal MHD (``fields/modes.py``).
"""
from __future__ import annotations

import numpy as np

from ..schema import Key

#: adiabatic index of the thermal plasma (fast-mode sound speed)
GAMMA_ADIABATIC = 5.0 / 3.0

CROSS_HELICITY = Key("cross_helicity", "number", 0.0,
                     "cross helicity H_c: the fraction (1 + H_c)/2 of the power travels along +B0 at v_A "
                     "(with [field] v_A > 0)", "", lo=-1.0, hi=1.0)


def alfven_families(v_A: float, cross_helicity: float) -> tuple[tuple[int, float], ...]:
    """((j, power fraction), ...) of an Alfvenic component: ((0, 1.0),) when static
    (v_A = 0), else the families j = +1, -1 that carry power."""
    if v_A == 0.0:
        return ((0, 1.0),)
    out = []
    for j in (1, -1):
        frac = 0.5 * (1.0 + j * cross_helicity)
        if frac > 0.0:
            out.append((j, frac))
    return tuple(out)


class AlfvenMotion:
    """Mixin of the Alfvenic models (dataclasses with fields ``cross_helicity`` and
    ``v_A``): their wave families, speeds and ``in_plasma``."""

    moves = True

    def in_plasma(self, v_A: float, beta: float, plasma=None):
        from dataclasses import replace
        return replace(self, v_A=float(v_A))

    @property
    def families(self) -> tuple[tuple[int, float], ...]:
        """((j, power fraction), ...): ((0, 1.0),) for static waves."""
        return alfven_families(self.v_A, self.cross_helicity)

    @property
    def wave_speed_max(self) -> float:
        return self.v_A

    @property
    def parallel_speeds(self) -> tuple[float, ...]:
        return tuple(j * self.v_A for j, _ in self.families)


def sound_speed2(v_A: float, beta: float) -> float:
    """c_s^2 = (Gamma beta / 2) v_A^2 [c^2]."""
    return 0.5 * GAMMA_ADIABATIC * beta * v_A * v_A


def fast_speed(v_A: float, beta: float, cos_theta):
    """v_F(theta) [c] of the module docstring (broadcasts over cos_theta)."""
    c = np.asarray(cos_theta, dtype=float)
    cs2 = sound_speed2(v_A, beta)
    s = v_A * v_A + cs2
    disc = np.sqrt(np.maximum(s * s - 4.0 * v_A * v_A * cs2 * c * c, 0.0))
    return np.sqrt(0.5 * (s + disc))


def fast_frequency(k: np.ndarray, v_A: float, beta: float) -> np.ndarray:
    """omega = |k| v_F(theta) [c/L] for wave vectors ``k`` (n, 3)."""
    kn = np.linalg.norm(k, axis=1)
    cos_t = np.divide(k[:, 2], kn, out=np.zeros_like(kn), where=kn > 0)
    return kn * fast_speed(v_A, beta, cos_t)
