"""Grid backend (``[field] backend = "grid"``): the turbulent field on a periodic cube,
made by FFT and interpolated trilinearly in the kernel (``kernels/grid.py``).

For the models with ``grid = True`` (``isotropic``, ``fast_modes``): white Gaussian noise in each Cartesian
component is Fourier transformed (so the coefficients are Hermitian, as a real field
needs), multiplied by sqrt(E(k) / (4 pi k^2)) on the band k_min <= |k| <= k_max and
projected onto the component's polarisation -- the plane perpendicular to k
(``isotropic``: both polarisations, random) or e_F = (z - cos(theta) k_hat)/sin(theta)
(``fast_modes``, Yan & Lazarian 2004) -- then transformed back (numpy FFT) and scaled so
that the grid mean of |dB|^2 equals the component's dB2 exactly.

Known limits (docs/physics.md §3.7): the field repeats with period ``box``; wave
vectors are the lattice 2 pi/box (i, j, k), sparse near the box scale; trilinear
interpolation smooths the smallest scales and breaks div B = 0 at the level of the
interpolation error.  Keep k_max <= N k0 / 4 (k0 = 2 pi / box; config enforces it) and the
box much larger than the mean free path (``mcparticles run`` warns when the measured
lambda_par exceeds box / 10).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class GridSettings:
    """Cube of ``points``^3 nodes and side ``box`` [L]."""

    points: int
    box: float

    @property
    def k0(self) -> float:
        return 2.0 * np.pi / self.box

    @property
    def k_resolved(self) -> float:
        """Largest |k| allowed on the grid: a quarter of the Nyquist-cube side N k0 / 2."""
        return self.points * self.k0 / 4.0

    @property
    def memory_bytes(self) -> int:
        """One realisation: (N, N, N, 3) float64 plus the FFT work arrays while it is made."""
        return 8 * 3 * self.points ** 3


@dataclass(frozen=True)
class GridField:
    """dB on the nodes, shape (N, N, N, 3) [B_ref], node (i, j, k) at (i, j, k) * box / N."""

    values: np.ndarray
    box: float

    def kernel_args(self, precision: str = "double"):
        """The :class:`~mcparticles.kernels.args.FieldArrays` of this grid (``precision``
        must be "double": the grid has no phases to rotate)."""
        from ..kernels.args import FieldArrays
        if precision != "double":
            raise ValueError(f"precision {precision!r}: the grid backend takes only \"double\"")
        return FieldArrays.on_grid(self.values, self.values.shape[0] / self.box)

    def evaluate(self, x: np.ndarray, t: float = 0.0) -> np.ndarray:
        """dB [B_ref] at points ``x`` [L] (shape (..., 3)) by the kernel's trilinear
        interpolation (static: ``t`` is ignored)."""
        from ..kernels.grid import grid_at_points
        pts = np.ascontiguousarray(np.reshape(x, (-1, 3)), dtype=float)
        out = grid_at_points(pts, self.values, self.values.shape[0] / self.box)
        return out.reshape(np.shape(x))

    def variance(self) -> float:
        return float(np.mean(np.sum(self.values ** 2, axis=-1)))


def synthesize(components, grid: GridSettings, rng: np.random.Generator) -> GridField:
    """The sum of ``components`` (models with ``grid = True``) on ``grid``; one draw of
    ``rng`` per component, in card order."""
    n = grid.points
    kk = np.fft.fftfreq(n, d=1.0 / n) * grid.k0
    kr = np.fft.rfftfreq(n, d=1.0 / n) * grid.k0
    KX, KY, KZ = np.meshgrid(kk, kk, kr, indexing="ij")
    K = np.sqrt(KX ** 2 + KY ** 2 + KZ ** 2)
    safe = np.where(K > 0, K, 1.0)
    khat = np.stack([KX / safe, KY / safe, KZ / safe])
    total = np.zeros((n, n, n, 3))
    for comp in components:
        spec = comp.spectrum
        band = (K >= spec.k_min) & (K <= spec.k_max)
        amp = np.where(band, np.sqrt(spec.density(np.where(band, K, spec.k_min)) / (4 * np.pi * safe ** 2)), 0.0)
        w = np.fft.rfftn(rng.standard_normal((3, n, n, n)), axes=(1, 2, 3))
        b = comp.grid_polarization(khat, w) * amp
        field = np.fft.irfftn(b, s=(n, n, n), axes=(1, 2, 3))
        var = np.mean(np.sum(field ** 2, axis=0))
        if var > 0:
            field *= np.sqrt(comp.dB2 / var)
        total += np.moveaxis(field, 0, -1)
    return GridField(values=np.ascontiguousarray(total), box=grid.box)
