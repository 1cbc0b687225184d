"""Correlation functions, and the correlation lengths that follow from them, along and
across B0 (z): measured by evaluating sampled fields at point pairs, against each
model's analytic prediction from its spectrum (not from the sampler).

Analytic forms (per component, spectrum E(k) with integral dB2):
* isotropic (Batchelor 1953): Phi_ij = E/(8 pi k^2)(delta_ij - k_i k_j/k^2), so for a
  separation r along an axis the longitudinal and transverse components give
  R_LL(r) = 1/2 int E(k) int_0^1 (1 - c^2) cos(k r c) dc dk,
  R_NN(r) = 1/2 int E(k) int_0^1 (1 + c^2)/2 cos(k r c) dc dk;
  isotropy makes the z and x directions equivalent.
* slab (field depends on z only): R_xx(dz) = 1/2 int G(k) cos(k dz) dk, R_xx(dx) = dB2/2.
The correlation length is L = int_0^{r_max} R(r) dr / R(0) with r_max = 2 L (the
integral to infinity vanishes for a band-limited spectrum: no power at k = 0).
"""
import numpy as np
import pytest
from scipy import integrate

from mcparticles.fields import Isotropic, Slab
from mcparticles.spectra import PowerLaw

SPEC = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=100.0)
R = np.linspace(0.0, 2.0, 21)
REALIZATIONS = 24


def spectrum_integral(weight):
    """int E(k) weight(k) dk on the spectrum's band, E normalised to dB2."""
    norm = integrate.quad(SPEC.shape, SPEC.k_min, SPEC.k_max, limit=200)[0]
    lk = np.linspace(np.log(SPEC.k_min), np.log(SPEC.k_max), 4001)
    k = np.exp(lk)
    return integrate.simpson(SPEC.dB2 / norm * SPEC.shape(k) * weight(k) * k, x=lk)


def iso_analytic(r):
    c = np.linspace(0.0, 1.0, 401)

    def ang(k, f):
        return integrate.simpson(f(c)[None, :] * np.cos(np.outer(k, c) * r), x=c, axis=1)
    ll = 0.5 * spectrum_integral(lambda k: ang(k, lambda c: 1 - c ** 2))
    nn = 0.5 * spectrum_integral(lambda k: ang(k, lambda c: 0.5 * (1 + c ** 2)))
    return ll, nn


def measured(model, sep_axis, comps, n_points=1500):
    """<dB_i(x) dB_i(x + r e_axis)> for i in comps, per realisation: (G, len(R), len(comps))."""
    out = np.zeros((REALIZATIONS, R.size, len(comps)))
    for g in range(REALIZATIONS):
        ms = model.sample(np.random.default_rng(100 + g))
        rng = np.random.default_rng(900 + g)
        x0 = rng.uniform(-50, 50, (n_points, 3))
        b0 = ms.evaluate(x0)
        for j, r in enumerate(R):
            b1 = ms.evaluate(x0 + r * np.eye(3)[sep_axis])
            out[g, j] = np.mean(b0[:, comps] * b1[:, comps], axis=0)
    return out


def corr_length(rr):
    return integrate.trapezoid(rr, R) / rr[0]


def check(meas, expected, k=4.0):
    mean = meas.mean(0)
    se = meas.std(0, ddof=1) / np.sqrt(meas.shape[0])
    assert np.all(np.abs(mean - expected) <= k * se + 0.01 * expected[0]), (mean, expected, se)
    lm = np.array([corr_length(m) for m in meas])
    le = corr_length(expected)
    assert abs(lm.mean() - le) <= k * lm.std(ddof=1) / np.sqrt(lm.size) + 0.01 * le, (lm.mean(), le)
    return lm.mean(), le


def test_isotropic_correlation_along_and_across_b0():
    ll, nn = np.array([iso_analytic(r) for r in R]).T
    assert ll[0] == pytest.approx(SPEC.dB2 / 3, rel=1e-3) and nn[0] == pytest.approx(SPEC.dB2 / 3, rel=1e-3)
    model = Isotropic(SPEC, 256)
    along = measured(model, 2, [2, 0])          # separation along z: Bz longitudinal, Bx transverse
    across = measured(model, 0, [0, 2])         # along x: Bx longitudinal, Bz transverse
    for meas in (along, across):
        l_long = check(meas[:, :, 0], ll)
        l_tran = check(meas[:, :, 1], nn)
    # longitudinal correlation length exceeds the transverse one (twice, for r_max -> inf)
    assert l_long[1] > 1.5 * l_tran[1]


def test_slab_correlation_along_and_across_b0():
    model = Slab(SPEC, 128)
    along = measured(model, 2, [0, 1])
    across = measured(model, 0, [0, 1])
    rz = np.array([0.5 * spectrum_integral(lambda k, r=r: np.cos(k * r)) for r in R])
    for c in range(2):
        check(along[:, :, c], rz)
        np.testing.assert_allclose(across[:, :, c], across[:, :1, c] * np.ones(R.size), rtol=1e-9)
    # across B0 the slab field never decorrelates: correlation length = r_max
    assert corr_length(across[:, :, 0].mean(0)) == pytest.approx(R[-1], rel=1e-9)
