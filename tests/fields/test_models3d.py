"""Field-level checks of the 3D families: transversality, variance, polarisation,
2D independence of z, GS95 reduced spectra (sum over modes vs the analytic CLV)."""
import numpy as np
import pytest

from mcparticles.fields import AlfvenicGS95, Composite, FastModes, Isotropic
from mcparticles.spectra import CLV, PowerLaw

KOLM = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=300.0)


def models():
    return {
        "isotropic": Isotropic(KOLM, 256),
        "fast_modes": FastModes(PowerLaw(dB2=0.09, index=1.5, k_min=1.0, k_max=300.0), 256),
        "composite": Composite(KOLM, 128, 0.2),
        "alfvenic_gs95": AlfvenicGS95(CLV(dB2=0.25, M_A=0.5, k_min=1.0, k_max=1e3), 512, 8),
    }


@pytest.mark.parametrize("name", list(models()))
def test_transverse_and_variance(name):
    m = models()[name]
    ms = m.sample(np.random.default_rng(4))
    assert ms.divergence_residual() < 1e-12
    expected = m.dB2 if name != "alfvenic_gs95" else m.dB2 * (1 - np.exp(-30.0))
    assert ms.variance() == pytest.approx(expected, rel=1e-9)
    # numerical divergence of the evaluated field
    rng = np.random.default_rng(1)
    pts = rng.uniform(-5, 5, (50, 3))
    h = 1e-5
    div = sum((ms.evaluate(pts + h * np.eye(3)[i])[:, i] - ms.evaluate(pts - h * np.eye(3)[i])[:, i]) / (2 * h)
              for i in range(3))
    scale = np.sum(ms.amplitude * np.linalg.norm(ms.k, axis=1))
    assert np.max(np.abs(div)) < 1e-6 * scale


def test_isotropic_splits_variance_equally_between_axes():
    """<dB_i^2> = dB2/3 per axis, averaged over realisations (error over 16)."""
    fr = []
    for r in range(16):
        ms = models()["isotropic"].sample(np.random.default_rng(r))
        a2 = 0.5 * ms.amplitude[:, None] ** 2 * ms.e1 ** 2
        fr.append(a2.sum(axis=0) / ms.variance())
    fr = np.array(fr)
    np.testing.assert_allclose(fr.mean(axis=0), 1 / 3, atol=4 * fr.std(axis=0, ddof=1).max() / 4)


def test_fast_mode_compressive_fraction():
    """dB in the (k, B0) plane: |dB_par|^2 = sin^2(theta) |dB|^2 mode by mode, and
    <dB_z^2>/<dB^2> = <sin^2 theta> = 2/3 over realisations."""
    fr = []
    for r in range(16):
        ms = models()["fast_modes"].sample(np.random.default_rng(r))
        khat = ms.k / np.linalg.norm(ms.k, axis=1)[:, None]
        sin2 = 1 - khat[:, 2] ** 2
        np.testing.assert_allclose(ms.e1[:, 2] ** 2, sin2, atol=1e-12)
        # dB lies in the plane of k and z
        np.testing.assert_allclose(np.einsum("ij,ij->i", np.cross(khat, [0, 0, 1.0]), ms.e1), 0, atol=1e-12)
        a2 = 0.5 * ms.amplitude ** 2
        fr.append(np.sum(a2 * ms.e1[:, 2] ** 2) / np.sum(a2))
    fr = np.array(fr)
    assert abs(fr.mean() - 2 / 3) < 4 * fr.std(ddof=1) / np.sqrt(len(fr))


def test_composite_2d_part_is_independent_of_z_and_has_no_bz():
    m = models()["composite"]
    ms = m.sample_2d(np.random.default_rng(2))
    assert np.all(ms.k[:, 2] == 0) and np.all(ms.e1[:, 2] == 0)
    pts = np.random.default_rng(0).uniform(-10, 10, (100, 3))
    shifted = pts.copy()
    shifted[:, 2] += 123.4
    np.testing.assert_allclose(ms.evaluate(pts), ms.evaluate(shifted), atol=1e-13)
    full = m.sample(np.random.default_rng(2))
    assert full.variance() == pytest.approx(0.1, rel=1e-12)
    assert m.slab.dB2 == pytest.approx(0.02)


def test_gs95_polarisation_and_reduced_spectra():
    """dB along k x B0; the mode set's power binned in k_perp and in k_par equals the
    CLV reduced spectra integrated over the same bins (averaged over realisations;
    3 standard errors + 2%)."""
    m = models()["alfvenic_gs95"]
    c = m.clv
    kperp_edges = np.geomspace(1, 1e3, 7)
    kpar_edges = np.concatenate([[0], np.geomspace(0.3, 300, 7)])
    perp, par = [], []
    for r in range(16):
        ms = m.sample(np.random.default_rng(r))
        kp = np.hypot(ms.k[:, 0], ms.k[:, 1])
        cross = np.cross(ms.k, [0, 0, 1.0])
        np.testing.assert_allclose(np.abs(np.einsum("ij,ij->i", cross / kp[:, None], ms.e1)), 1, atol=1e-12)
        a2 = 0.5 * ms.amplitude ** 2
        perp.append(np.histogram(kp, kperp_edges, weights=a2)[0])
        par.append(np.histogram(np.abs(ms.k[:, 2]), kpar_edges, weights=a2)[0])
    perp, par = np.array(perp), np.array(par)
    # analytic: reduced k_perp spectrum integrated over bins
    exp_perp = [c.amplitude * 4 * np.pi * c.M_A ** (4 / 3) * 1.5 * (a ** (-2 / 3) - b ** (-2 / 3))
                for a, b in zip(kperp_edges[:-1], kperp_edges[1:])]
    se = perp.std(axis=0, ddof=1) / 4
    assert np.all(np.abs(perp.mean(axis=0) - exp_perp) <= 3 * se + 0.02 * np.array(exp_perp))
    # reduced k_par spectrum: int over k_perp band and |k_par| bin of 2 pi k_perp I (x2 for +-k_par)
    kpg = np.geomspace(1, 1e3, 4001)
    exp_par = []
    for a, b in zip(kpar_edges[:-1], kpar_edges[1:]):
        lam = c.par_scale(kpg)
        frac = np.exp(-a / lam) - np.exp(-b / lam)          # share of each k_perp's power in the bin
        exp_par.append(np.trapezoid(c.reduced_perp(kpg) * frac, kpg))
    exp_par = np.array(exp_par)
    se = par.std(axis=0, ddof=1) / 4
    assert np.all(np.abs(par.mean(axis=0) - exp_par) <= 3 * se + 0.02 * exp_par + 1e-6), (par.mean(0), exp_par)
