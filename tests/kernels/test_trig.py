"""The polynomial cosine and the vectorised field path against libm (issue 5, item 2)."""
import numpy as np
from numba import njit

from mcparticles.fields import Composite, Isotropic
from mcparticles.fields.slab import Slab
from mcparticles.kernels.planewave import field_lanes
from mcparticles.kernels.reference import field_at_points
from mcparticles.kernels.trig import cos_poly_array, sincos_poly_array
from mcparticles.spectra import PowerLaw


def test_cos_poly_within_2e_16_of_libm_up_to_1e6():
    rng = np.random.default_rng(0)
    quarter = np.pi / 4 * np.arange(-40, 41)                         # quadrant edges
    t = np.concatenate([
        rng.uniform(-1e6, 1e6, 2_000_000), rng.uniform(-20, 20, 1_000_000),
        quarter, np.nextafter(quarter, np.inf), np.nextafter(quarter, -np.inf),
        [0.0, -0.0, 1e-300, 5e-324, 1e6, -1e6, 2 ** 20 * np.pi / 2]])
    err = np.abs(cos_poly_array(t) - np.cos(t))
    assert err.max() <= 2e-16, (t[np.argmax(err)], err.max())
    sn, cs = sincos_poly_array(t)                                     # the shared-reduction pair
    assert np.abs(cs - np.cos(t)).max() <= 2e-16
    assert np.abs(sn - np.sin(t)).max() <= 2e-16
    # sin through the same path: cos(t - pi/2)
    s = rng.uniform(-1e3, 1e3, 100_000)
    assert np.abs(cos_poly_array(s - np.pi / 2) - np.sin(s)).max() < 1e-12   # pi/2 rounding x |s|


@njit(cache=True)
def _lanes(points, t, table, n_slab, n_plane):
    m = points.shape[0]
    bx, by, bz = np.empty(m), np.empty(m), np.empty(m)
    x, y, z = points[:, 0].copy(), points[:, 1].copy(), points[:, 2].copy()
    field_lanes(m, x, y, z, t, table, 0, n_slab, n_plane, 0.0, 0.0, 1.0, bx, by, bz)
    out = np.empty((m, 3))
    out[:, 0], out[:, 1], out[:, 2] = bx, by, bz
    return out


def test_field_lanes_matches_libm_reference_for_slab_2d_and_general_columns():
    """Slab, 2D (composite) and isotropic columns in one table, reordered by
    kernel_table: the same field as the libm evaluation of the original table."""
    rng = np.random.default_rng(1)
    spec = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=1000.0)
    modes = [Slab(spec, 64, polarization="left").sample(rng), Composite(spec, 64).sample(rng),
             Isotropic(spec, 128).sample(rng)]
    from mcparticles.fields.modes import ModeSet
    ms = ModeSet.concatenate(modes)
    table, n_slab, n_plane = ms.kernel_table()
    assert n_slab >= 2 * 64                  # the helical slab (two columns per mode) + composite slab part
    assert n_plane > 0 and table.shape[1] == ms.table().shape[1]
    pts = rng.uniform(-300, 300, (5000, 3))
    ref = field_at_points(pts, 0.0, ms.table(), np.array([0.0, 0.0, 1.0]))
    got = _lanes(pts, 0.0, table, n_slab, n_plane)
    scale = np.abs(ms.table()[5:8]).sum()
    assert np.abs(got - ref).max() < 1e-14 * scale * 10


def test_cos_poly_far_beyond_the_exact_product_range():
    """|t| up to 1e12: with FMA contraction (as in every kernel) t - j pi/2 stays exact
    before its rounding, so the 1e-16 bound holds where j * PIO2_1 alone would not
    (|t| > 1.6e6; without FMA the error was 1e-9 at |t| = 1e7)."""
    t = np.random.default_rng(3).uniform(-1e12, 1e12, 200_000)
    t = np.concatenate([t, np.random.default_rng(4).uniform(-1e8, 1e8, 200_000)])
    assert np.abs(cos_poly_array(t) - np.cos(t)).max() <= 2e-16
    sn, cs = sincos_poly_array(t)
    assert np.abs(sn - np.sin(t)).max() <= 2e-16 and np.abs(cs - np.cos(t)).max() <= 2e-16


_PROBE = """
import numpy as np
from numba import njit
from mcparticles.kernels.trig import cos_poly, sincos_poly

@njit(fastmath={"contract"})
def lanes(k, x, out):
    for j in range(k.shape[0]):
        for l in range(x.shape[0]):
            s, c = sincos_poly(k[j] * x[l])
            out[l] += cos_poly(k[j] * x[l] + 0.5) + s * c

lanes(np.ones(4), np.ones(32), np.zeros(32))
asm = lanes.inspect_asm(lanes.signatures[0])
print(asm.count("cvttsd2si"), asm.count("cvtsd2si"), asm.count("vroundsd"), asm.count("ymm"), asm.count("zmm"))
"""


def test_cosine_loop_vectorises_for_the_avx2_target(tmp_path):
    """Compiled for haswell (AVX2 + FMA: what AVX2-only Zen 2/3 nodes run), a particle loop
    of cos_poly and sincos_poly uses 256-bit vectors and no scalar float -> int
    conversions (packed double -> int64 exists only with AVX-512DQ; the 0.3.0 reduction
    converted lane by lane).  NUMBA_CPU_FEATURES="" gives haswell's own features
    (NUMBA_CPU_NAME alone would keep the host's AVX-512); a fresh cache forces a compile."""
    import os
    import subprocess
    import sys
    env = dict(os.environ, NUMBA_CPU_NAME="haswell", NUMBA_CPU_FEATURES="", NUMBA_CACHE_DIR=str(tmp_path))
    out = subprocess.run([sys.executable, "-c", _PROBE], env=env, capture_output=True, text=True, check=True)
    cvtt, cvt, rounds, ymm, zmm = map(int, out.stdout.split())
    assert (cvtt, cvt, rounds) == (0, 0, 0), out.stdout
    assert ymm > 50 and zmm == 0
