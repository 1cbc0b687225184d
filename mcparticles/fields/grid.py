"""Grid backend (``[field] backend = "grid"``): the turbulent field on a periodic cube,
made by FFT and interpolated trilinearly in the kernel (``kernels/field.py:grid_lanes``).

For ``isotropic`` and ``fast_modes`` components: white Gaussian noise in each Cartesian
component is Fourier transformed (so the coefficients are Hermitian, as a real field
needs), multiplied by sqrt(E(k) / (4 pi k^2)) on the band k_min <= |k| <= k_max and
projected onto the component's polarisation -- the plane perpendicular to k
(``isotropic``: both polarisations, random) or e_F = (z - cos(theta) k_hat)/sin(theta)
(``fast_modes``, Yan & Lazarian 2004) -- then transformed back (numpy FFT) and scaled so
that the grid mean of |dB|^2 equals the component's dB2 exactly.

Known limits (PHYSICS.md section 5): the field repeats with period ``box``; wave
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
        from .modes import EMPTY_TABLE
        from .window import EMPTY_WINDOW
        n = self.values.shape[0]
        return (EMPTY_TABLE, 0, 0, *EMPTY_WINDOW, self.values, n / self.box, True, False)

    def variance(self) -> float:
        return float(np.mean(np.sum(self.values ** 2, axis=-1)))


def synthesize(components, grid: GridSettings, rng: np.random.Generator) -> GridField:
    """The sum of ``components`` (Isotropic / FastModes) on ``grid``; one draw of ``rng``
    per component, in card order."""
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
        if comp.model == "fast_modes":
            cos_t = khat[2]
            sin_t = np.sqrt(np.maximum(1.0 - cos_t ** 2, 0.0))
            ok = sin_t > 1e-12
            e = np.stack([-cos_t * khat[0], -cos_t * khat[1], 1.0 - cos_t * khat[2]]) / np.where(ok, sin_t, 1.0)
            e = np.where(ok, e, 0.0)
            b = e * np.sum(e * w, axis=0)
        else:
            b = w - khat * np.sum(khat * w, axis=0)            # transverse: div B = 0 on the grid
        b *= amp
        field = np.fft.irfftn(b, s=(n, n, n), axes=(1, 2, 3))
        var = np.mean(np.sum(field ** 2, axis=0))
        if var > 0:
            field *= np.sqrt(comp.dB2 / var)
        total += np.moveaxis(field, 0, -1)
    return GridField(values=np.ascontiguousarray(total), box=grid.box)
