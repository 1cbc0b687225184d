"""The broadened-resonance QLT integrals (qlt/broadened.py) against the direct 2D sums of
0.3.0 (tests/qlt/reference_broadened.py): the same grids and rules, so the values agree
to rounding -- the rewrite changed how the sums are taken (matrix-vector products, one
power evaluation per mu and grid, a numba kernel for fast modes), not what they are."""
import numpy as np
import pytest

from mcparticles.qlt.broadened import transport_broadened_general
from mcparticles.qlt.mhd import broadening_width, dmumu_mhd_broadened, mode_bessel_terms
from mcparticles.qlt.moving import WaveMotion, transport_broadened
from mcparticles.qlt.quadrature import trapezoid_weights
from mcparticles.spectra import Isotropic3D, PowerLaw
from tests.qlt import reference_broadened as ref

MU = np.array([-0.83, -0.35, 0.0, 0.35, 0.6, 0.95])
#: a short inertial range and a coarse k_par grid keep the direct sums to seconds
SPEC = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=30.0)
SETTINGS = dict(omega=10.0, speed=1.0, n_kpar=120)


def dv(m):
    return broadening_width(m, 0.2)


@pytest.mark.parametrize("alfven_fraction", [0.5, 0.0])
def test_static_broadened_equals_the_direct_sum(alfven_fraction):
    s3 = Isotropic3D(SPEC, alfven_fraction=alfven_fraction)
    fast = dmumu_mhd_broadened(MU, s3, dv_over_v=dv, **SETTINGS)
    direct = ref.dmumu_broadened_direct(MU, s3, dv_over_v=dv, **SETTINGS)
    assert np.all(direct > 0)
    np.testing.assert_allclose(fast, direct, rtol=1e-11)
    assert fast[1] == fast[3]                                          # D(-mu) = D(mu), one |mu| computed
    assert fast[1] == dmumu_mhd_broadened(np.array([0.35]), s3, dv_over_v=dv, **SETTINGS)[0]   # D(-mu) = D(mu)


@pytest.mark.parametrize("waves", [WaveMotion("fast", 0.05, beta=0.0), WaveMotion("fast", 0.05, beta=0.7),
                                   WaveMotion("alfven", 0.05, families=((1, 0.7), (-1, 0.3)))],
                         ids=["fast_beta0", "fast_beta0.7", "alfven_families"])
def test_moving_broadened_equals_the_direct_sum(waves):
    s3 = Isotropic3D(SPEC, alfven_fraction=0.0 if waves.kind == "fast" else 0.5)
    fast = transport_broadened(MU, s3, waves, dv_over_v=dv, **SETTINGS)
    direct = ref.transport_broadened_direct(MU, s3, waves, dv_over_v=dv, **SETTINGS)
    for got, want in zip(fast, direct):
        assert np.abs(want).max() > 0
        np.testing.assert_allclose(got, want, rtol=0, atol=1e-11 * np.abs(want).max())


def test_zero_width_falls_back_to_the_sharp_resonance():
    s3 = Isotropic3D(SPEC, alfven_fraction=0.5)
    calls = []

    def sharp(m):
        calls.append(m.copy())
        return np.full(m.shape, 7.0), np.zeros(m.shape), np.zeros(m.shape)

    d = transport_broadened_general(np.array([0.3, -0.3]), s3, None, dv_over_v=lambda m: 0.0, sharp=sharp,
                                    **SETTINGS)
    assert np.array_equal(d[0], [7.0, 7.0]) and len(calls) == 1        # one |mu|, computed once


def test_trapezoid_weights_reproduce_the_trapezoid_rule():
    x = np.sort(np.random.default_rng(0).uniform(0, 3, 50))
    f = np.sin(3 * x) + x ** 2
    assert abs(trapezoid_weights(x) @ f - np.trapezoid(f, x)) < 1e-13


def test_bessel_terms_from_recurrences_match_scipy():
    w = np.geomspace(1e-3, 300, 4000)
    for exact in (w < 200, np.zeros(w.size, dtype=bool)):        # also: no point exact (all averaged)
        for n in (0, 1, 2, 7, 30):
            ta, jp2 = mode_bessel_terms(n, w, exact)
            ta_ref, jp2_ref = ref.mode_bessel_terms(n, w, exact)
            np.testing.assert_allclose(ta, ta_ref, rtol=0, atol=1e-12 * max(ta_ref.max(), 1e-300))
            np.testing.assert_allclose(jp2, jp2_ref, rtol=0, atol=1e-12 * jp2_ref.max())
