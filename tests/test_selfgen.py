"""Self-generated spectra (selfgen.py): the numbers of the sources, growth = damping at
every k, the families and helicities, and the energy slopes the fluid picture predicts,
recovered by the slab QLT of the same spectrum."""
import math

import numpy as np
import pytest

from mcparticles.config import parse_card, parse_scan
from mcparticles.schema import CardError
from mcparticles.selfgen import CosmicRays, SelfGeneration, clustering_c, zeta_threshold


def test_constants_of_the_sources():
    """C = 0.630 and zeta_th = 0.554 at alpha = 4.7 (Zweibel 2020), and the threshold
    anisotropy dP/P = (12/5) zeta_th v_A/c = 1.33 v_A/c."""
    assert clustering_c(4.7) == pytest.approx(0.630, abs=5e-4)
    assert zeta_threshold(4.7) == pytest.approx(0.554, abs=5e-4)
    assert 12 / 5 * zeta_threshold(4.7) == pytest.approx(1.33, abs=5e-3)


def test_cosmic_ray_normalisation():
    """The kinetic energy density above 1 GeV/c is the card's; relativistic pressure per
    ln p is a third of the energy density per ln p; n(>p) by direct quadrature."""
    from scipy import integrate
    cr = CosmicRays(alpha=4.7, energy_density_eV_cm3=1.0)
    a = cr._amplitude
    m = 0.93827208816
    e, _ = integrate.quad(lambda p: 4 * math.pi * p ** (2 - 4.7) * (math.hypot(p, m) - m), 1.0, np.inf)
    assert a * e * 1e9 == pytest.approx(1.0, rel=1e-6)
    p = 1e4
    e_per_ln_p = 4 * math.pi * a * p ** (4 - 4.7) * 1.602176634e-3       # erg cm^-3, E = pc
    assert cr.pressure_per_ln_p(p) == pytest.approx(e_per_ln_p / 3, rel=1e-8)
    n, _ = integrate.quad(lambda q: 4 * math.pi * q ** (2 - 4.7), 3.0, np.inf)
    assert cr.number_above(3.0) == pytest.approx(a * n, rel=1e-8)


def card(drive="streaming", damping=("ion_neutral",), cosmic_rays=None, plasma=None, energy=10.0, **field):
    cr = {"alpha": 4.7, "energy_density_eV_cm3": 1.0, "gradient_scale_pc": 1000.0, "p_min_GeV": 0.3,
          "p_max_GeV": 3000.0}
    cr.update(cosmic_rays or {})
    if drive == "pressure_anisotropy":
        cr.pop("gradient_scale_pc")
    return {"run": {"name": "sg", "seed": 1, "realizations": 2},
            "plasma": plasma or {"phase": "WIM"}, "cosmic_rays": cr,
            "field": {**field, "turbulence": [{"model": "slab", "spectrum": "self_generated", "drive": drive,
                                               "damping": list(damping), "n_modes": 64}]},
            "particles": {"count": 8, "energy_GeV": energy},
            "time": {"t_max": 1e-5}}


CASES = [("streaming", ("ion_neutral",), {}), ("streaming", ("turbulent",), {}),
         ("streaming", ("nonlinear_landau",), {}), ("streaming", ("ion_neutral", "turbulent", "nonlinear_landau"), {}),
         ("pressure_anisotropy", ("nonlinear_landau",), {"dP_over_P": 1e-3}),
         ("pressure_anisotropy", ("turbulent", "nonlinear_landau"), {"dP_over_P": -1e-3}),
         ("pressure_anisotropy", ("ion_neutral",), {"field_change_time_yr": -1e6}),
         ("pressure_anisotropy", ("turbulent", "nonlinear_landau"), {"field_change_time_yr": 3e5})]


@pytest.mark.parametrize("drive,damping,cr", CASES)
def test_equilibrium_growth_equals_damping_at_every_k(drive, damping, cr):
    c = parse_card(card(drive, damping, cr))
    gen = c.field.components[0].generation
    k = np.geomspace(*gen.band(), 2001)
    kc = gen.k_cm(k)
    x = gen.equilibrium(kc)
    grow = gen.growth_rate(kc, x)
    damp = sum(gen.damping_rates(kc, x).values())
    live = x > 0
    assert live.sum() > 400
    assert np.max(np.abs(grow[live] / damp[live] - 1.0)) < 1e-6
    # where a fixed anisotropy is below the damping there are no waves: stable
    assert np.all(grow[~live] <= damp[~live])
    # the simulated spectrum is this equilibrium: k P(k) = (families/2) x
    comp = c.field.components[0]
    assert np.allclose(k * comp.spectrum.density(k), 0.5 * gen.families * x, rtol=1e-10, atol=0)


def test_damping_rates_at_a_stated_point():
    """WIM (0.2 cm^-3, 1e4 K, 6 microgauss, f_n = 0.01, M_A = 0.6, L = 50 pc) at
    k = 1e-12 cm^-1, from the formulas of docs/physics.md §7.3 with the numbers written out."""
    c = parse_card(card(damping=("ion_neutral", "turbulent", "nonlinear_landau", "dust"),
                        plasma={"phase": "WIM", "dust_to_gas": 0.01, "dust_k_d_cm": 1e-10, "dust_xi": 0.5}))
    gen = c.field.components[0].generation
    k = 1e-12
    m_p, k_b = 1.67262192369e-24, 1.380649e-16
    v_a = 6e-6 / math.sqrt(4 * math.pi * 0.2 * m_p)                   # 2.926e6 cm/s
    c_s = math.sqrt(5 / 3 * k_b * 1e4 / m_p)                           # 1.173e6 cm/s
    rho = 0.2 * m_p / 0.99
    l_a = 50 * 3.0856775814913673e18 / 0.6 ** 3
    rates = gen.damping_rates(k, 1e-6)
    assert v_a == pytest.approx(2.926e6, rel=1e-3) and c_s == pytest.approx(1.173e6, rel=1e-3)
    assert rates["ion_neutral"] == pytest.approx(1e-9 * 0.01 * math.sqrt(10) * rho / 1e-24, rel=1e-10)
    assert rates["ion_neutral"] == pytest.approx(1.069e-11, rel=1e-3)
    assert rates["turbulent"] == pytest.approx((v_a + 0.4 * c_s) / l_a * math.sqrt(k * l_a), rel=1e-10)
    assert rates["turbulent"] == pytest.approx(1.270e-10, rel=1e-3)
    assert rates["nonlinear_landau"] == pytest.approx(math.sqrt(math.pi) / 8 * c_s * k * 1e-6, rel=1e-10)
    assert rates["nonlinear_landau"] == pytest.approx(2.599e-13, rel=1e-3)
    assert rates["dust"] == pytest.approx(0.02 * k * v_a * 0.01 * (k / 1e-10) ** -0.5, rel=1e-10)


def test_families_and_helicities():
    """Streaming: one unpolarised family along +B0 (the QLT streaming speed is v_A);
    pressure anisotropy: two families, helicity +1 along +B0 and -1 along -B0 for
    zeta > 0 (a weakening field), swapped for zeta < 0."""
    s = parse_card(card())
    comp = s.field.components[0]
    assert comp.families == ((1, 1.0),) and comp.family_sigma(1) == 0
    from mcparticles.qlt.predict import predict
    assert predict(s).momentum.streaming_speed == pytest.approx(s.field.v_A, rel=1e-3)
    for cr, sign in (({"dP_over_P": 1e-3}, 1), ({"dP_over_P": -1e-3}, -1), ({"field_change_time_yr": -1e6}, 1),
                     ({"field_change_time_yr": 1e6}, -1)):
        c = parse_card(card("pressure_anisotropy", ("nonlinear_landau",), cr))
        comp = c.field.components[0]
        assert [j for j, _ in comp.families] == [1, -1]
        assert (comp.family_sigma(1), comp.family_sigma(-1)) == (sign, -sign)
        ms = comp.sample(0)
        n = comp.n_modes
        # helicity of each family's modes: sign of (e1 x e2) . z = -sigma
        cross = np.cross(ms.e1, ms.e2)[:, 2]
        assert np.all(np.sign(cross[:n]) == -sign) and np.all(np.sign(cross[n:]) == sign)
        assert np.all(ms.omega[:n] > 0) and np.all(ms.omega[n:] < 0)


@pytest.mark.parametrize("damping,delta_s", [("ion_neutral", 1.7), ("turbulent", 1.2), ("nonlinear_landau", 0.85)])
def test_qlt_energy_slope_is_the_fluid_slope_of_the_sources(damping, delta_s):
    """kappa ~ E^delta_s with delta_s = 1 - (xi_k - 0.7)/(1 + xi_A) (Hopkins et al. 2022
    sec. 3.4) for the fluid estimate and for the slab QLT of the equilibrium spectrum, in
    the relativistic range (E = 300 GeV - 10 TeV, waves resonant with p >= 30 GeV/c).
    (At 10-100 GeV with waves down to p = 0.33 GeV/c the QLT slope is lower, by 0.13 for
    turbulent damping: resonances near 90 degrees reach non-relativistic p_1 = E |mu|,
    where the equilibrium power falls; docs/physics.md §7.3.)"""
    from mcparticles.analysis import fluid_kappa
    from mcparticles.qlt.predict import predict
    from mcparticles.scanfit import fit_slope
    energies = [300.0, 1000.0, 3000.0, 10000.0]
    scan = parse_scan(card(damping=(damping,), cosmic_rays={"p_min_GeV": 30.0, "p_max_GeV": 1e6}, energy=energies))
    q = [predict(c).kappa.kappa_par for c in scan.cards]
    f = [fluid_kappa(c) for c in scan.cards]
    assert fit_slope(energies, q)["slope"] == pytest.approx(delta_s, abs=0.006)
    assert fit_slope(energies, f)["slope"] == pytest.approx(delta_s, abs=1e-3)


def test_bad_self_generated_cards():
    def err(data):
        with pytest.raises(CardError) as e:
            parse_card(data)
        return str(e.value)

    d = card()
    d["field"]["turbulence"][0]["dB2"] = 0.1
    assert "derived from [plasma]" in err(d)
    d = card()
    del d["field"]["turbulence"][0]["drive"]
    assert "drive" in err(d)
    d = card()
    d["field"]["turbulence"][0]["damping"] = ["viscous"]
    assert "unknown damping mechanism" in err(d)
    assert "only non-linear Landau" in err(card("pressure_anisotropy", ("ion_neutral",), {"dP_over_P": 1e-3}))
    d = card()
    del d["cosmic_rays"]["gradient_scale_pc"]
    assert "gradient_scale_pc" in err(d)
    d = card(plasma={"phase": "WIM", "f_neutral": 0.0})
    assert "no equilibrium" in err(d)
    d = card(damping=("turbulent",), plasma={"phase": "hot_halo", "L_pc": 100.0})
    assert "plasma.M_A" in err(d)
    d = card()
    d["particles"]["rigidity"] = 0.1
    del d["particles"]["energy_GeV"]
    assert "energy_GeV" in err(d)
    d = card(v_A=0.1)
    assert "set by the [plasma]" in err(d)
    d = card()
    d["particles"]["B0_microgauss"] = 3.0
    assert "differs from the [plasma]" in err(d)
    d = card()
    del d["plasma"]
    assert "needs a [plasma]" in err(d)
    d = card()
    d["cosmic_rays"]["dP_over_P"] = 1e-3
    assert "cosmic_rays.dP_over_P" in err(d) and "no component has" in err(d)
    d = card("pressure_anisotropy", ("nonlinear_landau",), {"dP_over_P": 1e-3})
    d["cosmic_rays"]["gradient_scale_pc"] = 100.0
    assert "cosmic_rays.gradient_scale_pc" in err(d)


def test_selfgen_generation_is_the_qlt_parameter_object():
    """The spectrum the sampler draws from and the one QLT integrates are one object."""
    c = parse_card(card())
    comp = c.field.components[0]
    assert isinstance(comp.generation, SelfGeneration)
    ms = comp.sample(3)
    assert np.sum(0.5 * ms.amplitude ** 2) == pytest.approx(comp.dB2, rel=1e-6)   # unpolarised: a^2/2 = cell power
