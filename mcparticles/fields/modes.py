"""The one representation of a turbulent field that every model produces.

A :class:`ModeSet` is a sum of plane waves,

    dB(x, t) = sum_m  a_m [ e1_m cos(psi_m) + e2_m sin(psi_m) ],
    psi_m    = k_m . x - omega_m t + phase_m ,

in units of B_ref, with wave vectors ``k`` in 1/L and frequencies in c/L.  ``e1`` and
``e2`` are real polarisation vectors, both perpendicular to ``k`` so that div dB = 0
holds mode by mode.  A linearly polarised mode has ``e2 = 0``; a circularly polarised
one has |e1| = |e2| = 1 with e2 = -sigma k_hat x e1 (helicity sigma = +-1, see
``fields/slab.py``).

A moving mode (omega != 0) carries the electric field of ideal MHD, E = -du x B0
(docs/physics.md §6.1), with the same phase: E = a [f1 cos(psi) + f2 sin(psi)], each
f from its e by

    f = (omega / k_par) e x z_hat          (k_par != 0),
    f = -(omega / k^2) k x e               (k_par = 0: fast modes across B0).

Both make E perpendicular to B0 and satisfy Faraday's law k x f = omega e mode by mode
(for k_par != 0 they agree whenever e lies in the (k, B0) plane); the first is the
Alfven-wave form j v_A dB x z_hat with omega = j k_par v_A.

The kernels never see this object: :meth:`ModeSet.table` flattens it into one
contiguous float64 array of *linear* components (one cosine each, a circular mode
becomes two), structure-of-arrays, which is what ``kernels/planewave.py`` evaluates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..kernels.layout import AX, AY, AZ, EX, EY, EZ, KX, KY, KZ, N_ROWS, OMEGA, PHASE  # noqa: F401 (re-exported)
from ..kernels.reference import GEOMETRY_SLAB

GEOMETRY_GENERAL = 0


@dataclass(frozen=True)
class ModeSet:
    """Arrays describing n plane-wave modes (see module docstring for the formula)."""

    k: np.ndarray          # (n, 3) wave vectors [1/L]
    e1: np.ndarray         # (n, 3) cosine polarisation vector
    e2: np.ndarray         # (n, 3) sine polarisation vector (zero for linear modes)
    amplitude: np.ndarray  # (n,) [B_ref]
    phase: np.ndarray      # (n,) [rad]
    omega: np.ndarray      # (n,) [c/L]

    def __post_init__(self):
        n = len(self.amplitude)
        for name in ("k", "e1", "e2"):
            if getattr(self, name).shape != (n, 3):
                raise ValueError(f"ModeSet.{name} must have shape ({n}, 3)")
        for name in ("phase", "omega"):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"ModeSet.{name} must have shape ({n},)")

    @property
    def n_modes(self) -> int:
        return len(self.amplitude)

    @staticmethod
    def concatenate(sets: list[ModeSet]) -> ModeSet:
        """Sum of several fields (components of one run card)."""
        return ModeSet(*(np.concatenate([getattr(s, f) for s in sets])
                         for f in ("k", "e1", "e2", "amplitude", "phase", "omega")))

    def variance(self) -> float:
        """Spatial mean of |dB|^2 [B_ref^2] when all wave vectors are distinct."""
        a2 = self.amplitude ** 2
        return float(np.sum(0.5 * a2 * (np.sum(self.e1 ** 2, axis=1) + np.sum(self.e2 ** 2, axis=1))))

    def divergence_residual(self) -> float:
        """max_m |k_m . e_m| / (|k_m| |e_m|): zero when every mode is transverse."""
        kn = np.linalg.norm(self.k, axis=1)
        worst = 0.0
        for e in (self.e1, self.e2):
            en = np.linalg.norm(e, axis=1)
            ok = (kn > 0) & (en > 0)
            if np.any(ok):
                worst = max(worst, float(np.max(np.abs(np.sum(self.k[ok] * e[ok], axis=1))
                                                / (kn[ok] * en[ok]))))
        return worst

    @property
    def moving(self) -> bool:
        """Some mode has a frequency: the field has an electric part."""
        return bool(np.any(self.omega != 0.0))

    def electric_vectors(self) -> tuple[np.ndarray, np.ndarray]:
        """(f1, f2), (n, 3) each: the electric polarisation vectors of the module
        docstring (E [B_ref, c = 1] = a [f1 cos psi + f2 sin psi])."""
        return _electric(self.k, self.omega, self.e1), _electric(self.k, self.omega, self.e2)

    def faraday_residual(self) -> float:
        """max_m |k x f - omega e| / (|omega| |e|) over moving modes: zero in ideal MHD."""
        worst = 0.0
        for e, f in zip((self.e1, self.e2), self.electric_vectors()):
            num = np.linalg.norm(np.cross(self.k, f) - self.omega[:, None] * e, axis=1)
            den = np.abs(self.omega) * np.linalg.norm(e, axis=1)
            ok = den > 0
            if np.any(ok):
                worst = max(worst, float(np.max(num[ok] / den[ok])))
        return worst

    @property
    def geometry(self) -> int:
        """GEOMETRY_SLAB when every wave vector is along z, else GEOMETRY_GENERAL."""
        if self.n_modes and np.all(self.k[:, 0] == 0.0) and np.all(self.k[:, 1] == 0.0):
            return GEOMETRY_SLAB
        return GEOMETRY_GENERAL

    def table(self) -> np.ndarray:
        """Kernel table, shape (N_ROWS, n_components), C-contiguous float64.

        Each row is one quantity (kx, ky, kz, omega, phase, ax, ay, az, ex, ey, ez)
        over all linear components; a mode with e2 != 0 contributes a second component
        with phase shifted by -pi/2, since sin(psi) = cos(psi - pi/2).
        """
        f1, f2 = self.electric_vectors()
        a = self.amplitude[:, None]
        parts = [(self.k, self.omega, self.phase, a * self.e1, a * f1)]
        has_sine = np.any(self.e2 != 0.0, axis=1)
        if np.any(has_sine):
            s = has_sine
            parts.append((self.k[s], self.omega[s], self.phase[s] - 0.5 * np.pi, a[s] * self.e2[s], a[s] * f2[s]))
        k = np.concatenate([p[0] for p in parts])
        out = np.empty((N_ROWS, len(k)))
        out[KX:KZ + 1] = k.T
        out[OMEGA] = np.concatenate([p[1] for p in parts])
        out[PHASE] = np.concatenate([p[2] for p in parts])
        out[AX:AZ + 1] = np.concatenate([p[3] for p in parts]).T
        out[EX:EZ + 1] = np.concatenate([p[4] for p in parts]).T
        return np.ascontiguousarray(out)

    def kernel_table(self, min_window: int | None = None) -> tuple[np.ndarray, int, int]:
        """(table, n_slab, n_plane) for ``kernels.push.push_batch``: the columns of
        ``table()`` reordered into k along z -- grouped in wave families of one phase
        speed omega/k_z (static first, then by speed), each in increasing |k|, the
        families of at least ``min_window`` columns (those the kernel windows,
        fields/window.py) before the others --, then k perpendicular to z (the 2D
        path), then the rest (stably), so that each group is evaluated by its own short
        loop."""
        t = self.table()
        slab = (t[KX] == 0.0) & (t[KY] == 0.0) & (t[KZ] != 0.0)
        plane = (t[KZ] == 0.0) & ~slab
        slab_idx = np.flatnonzero(slab)
        speed = t[OMEGA, slab_idx] / t[KZ, slab_idx]
        key = np.round(speed * 1e12)                 # one family: equal speeds to rounding
        groups = [slab_idx[key == u] for u in sorted(set(key.tolist()), key=lambda u: (u != 0, u))]
        groups = [g[np.argsort(np.abs(t[KZ, g]), kind="stable")] for g in groups]
        if min_window is not None:
            groups = [g for g in groups if g.size >= min_window] + [g for g in groups if g.size < min_window]
        order = np.concatenate(groups + [np.flatnonzero(plane), np.flatnonzero(~slab & ~plane)]).astype(np.int64)
        return np.ascontiguousarray(t[:, order]), int(slab.sum()), int(plane.sum())

    def kernel_args(self, precision: str = "double", slab_window: bool = True):
        """The :class:`~mcparticles.kernels.args.FieldArrays` of this field for
        ``push_batch``; ``precision``: "double" or "rotation" (fields/precision.py);
        ``slab_window``: each slab wave family (static, or Alfven waves at one speed) by
        its own Chebyshev window (fields/window.py) when it has at least
        window.MIN_MODES columns, else one cosine each per step."""
        from ..kernels.args import EMPTY_WINDOW, FieldArrays
        from .precision import PRECISIONS
        from .window import MIN_MODES, family_windows, slab_families
        if precision not in PRECISIONS:
            raise ValueError(f"precision {precision!r}: not one of {PRECISIONS}")
        table, n_slab, n_plane = self.kernel_table(min_window=MIN_MODES)
        families = [f for f in slab_families(table, n_slab) if f[1] - f[0] >= MIN_MODES] if slab_window else []
        win = family_windows(table, families) if families else EMPTY_WINDOW
        return FieldArrays.modes(table, n_slab, n_plane, win, rotation=precision == "rotation")

    def evaluate(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The turbulent field dB [B_ref] at points ``x`` [L] (shape (..., 3)) and time
        ``t`` [L/c] (add B0 z_hat for the total field), summed with libm's cos
        (``kernels/reference.py``): the independent yardstick of the kernels."""
        from ..kernels.reference import field_at_points
        pts = np.ascontiguousarray(np.reshape(x, (-1, 3)), dtype=float)
        out = field_at_points(pts, float(t), self.table(), np.zeros(3))
        return out.reshape(np.shape(x))

    def evaluate_electric(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        """The electric field E [B_ref, c = 1] at points ``x`` [L] and time ``t`` [L/c],
        summed with libm's cos (zero for static modes)."""
        from ..kernels.reference import electric_at_points
        pts = np.ascontiguousarray(np.reshape(x, (-1, 3)), dtype=float)
        return electric_at_points(pts, float(t), self.table()).reshape(np.shape(x))


def _electric(k: np.ndarray, omega: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Electric polarisation vectors of ideal MHD (module docstring), zero where omega = 0."""
    out = np.zeros_like(e)
    kpar = k[:, 2]
    along = (omega != 0.0) & (kpar != 0.0)
    across = (omega != 0.0) & (kpar == 0.0)
    z = np.array([0.0, 0.0, 1.0])
    if np.any(along):
        out[along] = (omega[along] / kpar[along])[:, None] * np.cross(e[along], z)
    if np.any(across):
        k2 = np.sum(k[across] ** 2, axis=1)
        out[across] = -(omega[across] / k2)[:, None] * np.cross(k[across], e[across])
    return out
