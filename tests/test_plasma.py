"""[plasma] (plasma.py): presets, derived quantities against hand-computed values, card errors."""
import math

import pytest

from mcparticles.plasma import PHASES, Plasma, read_plasma
from mcparticles.schema import CardError

M_P, K_B, E, C = 1.67262192369e-24, 1.380649e-16, 4.80320471e-10, 2.99792458e10


def test_wim_beta_and_speeds():
    """beta = 0.19 for (0.2 cm^-3, 1e4 K, 6 microgauss) (docs/physics.md §7.1); v_A, c_s, the
    gyrofrequency written out."""
    p = read_plasma({"phase": "WIM"})
    assert p.beta == pytest.approx(0.19, abs=0.005)
    assert p.beta == pytest.approx(8 * math.pi * 0.2 * K_B * 1e4 / 6e-6 ** 2, rel=1e-12)
    assert p.v_A_cm_s == pytest.approx(6e-6 / math.sqrt(4 * math.pi * 0.2 * M_P), rel=1e-12)
    assert p.v_A_cm_s / 1e5 == pytest.approx(29.26, abs=0.01)
    assert p.c_s_cm_s ** 2 == pytest.approx(5 / 3 * 0.5 * p.beta * p.v_A_cm_s ** 2, rel=1e-12)   # (Gamma beta/2) v_A^2
    assert p.omega0 == pytest.approx(E * 6e-6 / (M_P * C), rel=1e-12)
    assert (p.n_i_cm3, p.T_K, p.B_microgauss, p.L_pc, p.M_A, p.f_neutral) == (0.2, 1e4, 6.0, 50.0, 0.6, 0.01)


def test_collisions_at_a_stated_point():
    """T = 1e4 K = 0.8617 eV < 10 eV: ln Lambda = 23 - ln(n^1/2 T^-3/2);
    tau_i = 2.09e7 T^3/2 / (n ln Lambda) s; nu_B = 0.96 k T tau_i / m_p (NRL formulary)."""
    p = Plasma(n_i_cm3=0.2, T_K=1e4, B_microgauss=6.0, L_pc=50.0)
    t_ev = K_B * 1e4 / 1.602176634e-12
    lnl = 23 - math.log(math.sqrt(0.2) * t_ev ** -1.5)
    assert p.coulomb_log == pytest.approx(lnl, rel=1e-12) and lnl == pytest.approx(23.58, abs=0.01)
    tau = 2.09e7 * t_ev ** 1.5 / (0.2 * lnl)
    assert p.tau_ion_s == pytest.approx(tau, rel=1e-12) and tau == pytest.approx(3.54e6, rel=2e-3)
    assert p.viscosity_cm2_s == pytest.approx(0.96 * K_B * 1e4 * tau / M_P, rel=1e-12)
    assert p.mean_free_path_cm == pytest.approx(math.sqrt(2 * K_B * 1e4 / M_P) * tau, rel=1e-12)
    hot = Plasma(n_i_cm3=0.003, T_K=3e6, B_microgauss=1.0, L_pc=100.0)     # above 10 eV: 24 - ln(n^1/2/T)
    t_ev = K_B * 3e6 / 1.602176634e-12
    assert hot.coulomb_log == pytest.approx(24 - math.log(math.sqrt(0.003) / t_ev), rel=1e-12)
    assert hot.beta == pytest.approx(31.2, abs=0.1)          # "beta 30" of the hot halo


def test_presets_cite_their_source_and_missing_values_are_required():
    for name, ph in PHASES.items():
        assert "20" in ph.source and ("Kempski" in ph.source or "Zweibel" in ph.source), name
    with pytest.raises(CardError, match="plasma.T_K.*does not give it"):
        read_plasma({"phase": "diffuse_ISM"})
    with pytest.raises(CardError, match="plasma.L_pc"):
        read_plasma({"phase": "hot_halo"})
    with pytest.raises(CardError, match="plasma.phase"):
        read_plasma({"phase": "WNM"})
    with pytest.raises(CardError, match="plasma.n_i_cm3.*required"):
        read_plasma({"T_K": 1e4, "B_microgauss": 5.0, "L_pc": 10.0})
    with pytest.raises(CardError, match="unknown key"):
        read_plasma({"phase": "WIM", "density": 1.0})
    p = read_plasma({"phase": "diffuse_ISM", "T_K": 8000.0})
    assert p.v_A_cm_s / 1e5 == pytest.approx(109.0, abs=1.0)       # "v_A ~ 100 km/s" (Zweibel 2020)
    assert read_plasma({"phase": "WIM", "T_K": 8000.0}).T_K == 8000.0


def test_ion_neutral_rate():
    p = read_plasma({"phase": "WIM"})
    rho = 0.2 * M_P / 0.99
    assert p.ion_neutral_rate == pytest.approx(1e-9 * 0.01 * math.sqrt(10.0) * rho / 1e-24, rel=1e-12)
