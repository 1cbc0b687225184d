"""General MHD-mode QLT integrator (qlt/mhd.py)."""
from dataclasses import dataclass

import numpy as np
import pytest

from mcparticles.fields.slab import Slab
from mcparticles.particles import ParticleSpec
from mcparticles.qlt.mhd import dmumu_mhd
from mcparticles.qlt.slab import dmumu_slab
from mcparticles.spectra import CLV, Isotropic3D, PowerLaw


@dataclass(frozen=True)
class NarrowSlab:
    """Slab power spread over a tiny Gaussian in k_perp of width eps:
    I = (P(|k_par|)/2) exp(-k_perp^2/eps^2) / (pi eps^2), so int d^3k I = dB2."""

    spec: PowerLaw
    eps: float
    fast: bool = False

    k_par_max = 1e9

    def k_perp_range(self, k_par):
        return self.eps * 1e-4, self.eps * 8

    def power(self, k_par, k_perp):
        i = 0.5 * self.spec.density(abs(k_par)) * np.exp(-(k_perp / self.eps) ** 2) / (np.pi * self.eps ** 2)
        return (np.zeros_like(i), i) if self.fast else (i, np.zeros_like(i))


@pytest.mark.parametrize("speed", [1.0, 0.3])
def test_alfven_term_reduces_to_the_slab_formula(speed):
    """k_perp -> 0: only n = +-1 survive, n^2 J_n^2/w^2 -> 1/4, and the general formula
    with prefactor Omega^2 (1-mu^2) (no 1/2) is exactly the slab D_mumu."""
    spec = PowerLaw(dB2=0.01, index=5 / 3, k_min=1.0, k_max=1e4)
    p = ParticleSpec(rigidity=0.05, speed=speed)
    mu = np.array([-0.8, -0.3, 0.1, 0.5, 0.9])
    general = dmumu_mhd(mu, NarrowSlab(spec, eps=1e-4), omega=p.gyrofrequency(1.0), speed=speed)
    slab = dmumu_slab(Slab(spec, 8), mu, p, 1.0)
    np.testing.assert_allclose(general, slab, rtol=1e-4)
    # the fast-like term in the same limit: (k_par/k)^2 -> 1 and J_n'^2 -> 1/4 for n = +-1
    fast = dmumu_mhd(mu, NarrowSlab(spec, eps=1e-4, fast=True), omega=p.gyrofrequency(1.0), speed=speed)
    np.testing.assert_allclose(fast, slab, rtol=1e-4)


def test_isotropic_normalisation_and_symmetry():
    omni = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=1e3)
    s3 = Isotropic3D(omni, 0.5)
    # int d^3k (I_A + I_F) = dB2: 4 pi k^2 I integrated over k
    k = np.geomspace(1.0, 1e3, 20001)
    ia, if_ = s3.power(0.0, k)
    assert np.trapezoid(4 * np.pi * k ** 2 * (ia + if_), k) == pytest.approx(0.1, rel=1e-4)
    p = ParticleSpec(rigidity=0.05)
    d = dmumu_mhd(np.array([-0.5, 0.5]), s3, omega=20.0, speed=1.0)
    assert d[0] == pytest.approx(d[1], rel=1e-12) and d[0] > 0
    assert p.gyrofrequency(1.0) == 20.0


def test_harmonic_truncation_and_convergence():
    """The converged sum exceeds n = 1 alone; higher harmonics add a finite fraction
    that shrinks with the harmonic number."""
    omni = PowerLaw(dB2=0.1, index=1.5, k_min=1.0, k_max=1e3)
    s3 = Isotropic3D(omni, 0.0)
    mu = np.array([0.5])
    d1 = dmumu_mhd(mu, s3, omega=100.0, speed=1.0, harmonics=1)[0]
    d3 = dmumu_mhd(mu, s3, omega=100.0, speed=1.0, harmonics=3)[0]
    dall = dmumu_mhd(mu, s3, omega=100.0, speed=1.0)[0]
    assert d1 < d3 <= dall
    assert (dall - d3) < (d3 - d1)


def test_clv_normalisation_and_reduced_spectrum():
    c = CLV(dB2=0.2, M_A=0.5, k_min=1.0, k_max=1e3)
    kp = np.geomspace(1.0, 1e3, 4001)
    assert np.trapezoid(c.reduced_perp(kp), kp) == pytest.approx(0.2, rel=1e-4)
    # reduced_perp equals the numerical k_par integral at one k_perp
    kpar = np.linspace(-60, 60, 200001) * float(c.par_scale(30.0))
    ia, _ = c.power(kpar, 30.0)
    assert 2 * np.pi * 30.0 * np.trapezoid(ia, kpar) == pytest.approx(float(c.reduced_perp(30.0)), rel=1e-6)


def test_broadened_resonance_tends_to_sharp_and_adds_n0_at_small_mu():
    from mcparticles.qlt.mhd import broadening_width, dmumu_mhd_broadened
    omni = PowerLaw(dB2=0.003, index=5 / 3, k_min=1.0, k_max=300.0)
    mu = np.array([0.15, 0.35, 0.85])
    for frac in (0.5, 0.0):
        s3 = Isotropic3D(omni, frac)
        sharp = dmumu_mhd(mu, s3, omega=10.0, speed=1.0)
        narrow = dmumu_mhd_broadened(mu, s3, omega=10.0, speed=1.0, dv_over_v=lambda m: 1e-3)
        np.testing.assert_allclose(narrow, sharp, rtol=0.02)
        # the physical width: the n = 0 (mirror) term fills small mu, large mu unchanged
        wide = dmumu_mhd_broadened(mu, s3, omega=10.0, speed=1.0,
                                   dv_over_v=lambda m: broadening_width(m, np.sqrt(0.002)))
        assert wide[0] > 10 * sharp[0]
        assert wide[2] == pytest.approx(sharp[2], rel=0.03)


@pytest.mark.parametrize("lo, hi", [(0, 1), (0, 8), (7, 15), (40, 50), (3, 3)])
def test_bessel_recurrences_match_scipy(lo, hi):
    """bessel_orders (upward where w > n, downward otherwise, ratios where J underflows)
    against scipy's jv for w from 1e-12 to 250: within 1e-12 of max_{k <= hi} |J_k(w)|
    (measured 1.4e-13, the upward recurrence to n = 50 at w = 250),
    the size of the values the recurrences combine (relative to |J_n| alone the error
    is larger only near the zeros of J_n)."""
    from scipy import special

    from mcparticles.qlt.mhd import bessel_orders
    w = np.concatenate([np.geomspace(1e-12, 1, 300), np.linspace(1, 250, 2000)])
    ours = bessel_orders(lo, hi, w)
    ref = special.jv(np.arange(lo, hi + 1)[:, None], w[None, :])
    scale = np.max(np.abs(special.jv(np.arange(0, hi + 1)[:, None], w[None, :])), axis=0)
    assert np.max(np.abs(ours - ref) / scale) < 1e-12


CASES = {
    "isotropic": (Isotropic3D(PowerLaw(dB2=0.1, index=5 / 3, k_min=1, k_max=300), 0.5), 10.0, 1.0),
    "isotropic, continued": (Isotropic3D(PowerLaw(dB2=0.1, index=5 / 3, k_min=1, k_max=300), 0.5, True), 10.0, 1.0),
    "fast modes, v = 0.3 c": (Isotropic3D(PowerLaw(dB2=0.09, index=1.5, k_min=1, k_max=1000), 0.0), 3.0, 0.3),
    "GS95": (CLV(dB2=0.25, M_A=0.5, k_min=1, k_max=3000), 100.0, 1.0),
    "GS95, continued": (CLV(dB2=0.25, M_A=0.5, k_min=1, k_max=3000, unbounded=True), 100.0, 1.0),
}


@pytest.mark.parametrize("name", list(CASES))
def test_blocked_integrator_equals_the_straightforward_one(name):
    """The production integrator (harmonics in blocks on one grid, Bessel functions by
    recurrence) against the 0.1.0 one (each harmonic on its own grid, scipy's jv and jvp
    directly): the same quadrature rule, so the difference is the rounding of the grid
    points and, near the band edge k = k_max, which side of the edge the last point falls
    (measured: 3e-5 at most, 4e-7 typically).  Bound: 1e-4."""
    from tests.qlt.reference_mhd import dmumu_mhd_reference
    spec, omega, speed = CASES[name]
    mu = np.array([-0.95, -0.5, -0.05, 0.02, 0.15, 0.35, 0.6, 0.85, 0.99])
    new = dmumu_mhd(mu, spec, omega=omega, speed=speed)
    ref = dmumu_mhd_reference(mu, spec, omega=omega, speed=speed)
    assert np.all(ref >= 0) and np.any(ref > 0)
    np.testing.assert_allclose(new, ref, rtol=1e-4, atol=1e-6 * ref.max())


def test_integrator_depends_on_abs_mu_only_and_computes_each_once(monkeypatch):
    """Static waves, spectra even in k_par: D(-mu) = D(mu) exactly, and a symmetric set of
    mu costs as much as its positive half."""
    import mcparticles.qlt.mhd as mhd
    spec = Isotropic3D(PowerLaw(dB2=0.1, index=5 / 3, k_min=1, k_max=300), 0.5)
    calls = []
    real = mhd._block_terms
    monkeypatch.setattr(mhd, "_block_terms", lambda *a: calls.append(a[3]) or real(*a))
    d = dmumu_mhd(np.array([-0.7, -0.3, 0.3, 0.7]), spec, omega=10.0, speed=1.0)
    assert d[0] == d[3] and d[1] == d[2]
    radii = sorted(set(calls))
    assert len(radii) == 2          # one r_perp = r_g sqrt(1 - mu^2) per distinct |mu|
