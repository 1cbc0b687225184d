"""The pusher with electric fields (kernels/lorentz.py) against exact results: the
E x B drift, the Boris rotation at E = 0, and the wave-frame energy of one travelling
wave family, conserved exactly by the continuous motion (docs/physics.md §6.1)."""
import math

import numpy as np
import pytest
from numba import njit

from mcparticles.kernels.args import StepSettings, push
from mcparticles.kernels.lorentz import lorentz_step
from mcparticles.kernels.push import boris_rotate
from mcparticles.kernels.reference import electric_general, field_general
from tests.cards import make_card


def test_uniform_crossed_fields_drift_exactly():
    """E = 0.3 x_hat, B = z_hat: a particle at the drift velocity v_d = E x B / B^2 stays
    at it, and a gyrating one drifts at v_d on average (both exact for the scheme)."""
    E, mass2, half = 0.3, 1.0, 0.05
    gd = 1.0 / np.sqrt(1.0 - E * E)
    P = np.array([0.0, -E * gd, 0.0])
    g = np.sqrt(mass2 + P @ P)
    for _ in range(1000):
        *P, g = lorentz_step(P[0], P[1], P[2], g, 0.0, 0.0, 1.0, E, 0.0, 0.0, half, mass2)
    assert np.abs(np.array(P) - [0.0, -E * gd, 0.0]).max() < 1e-11
    P, dt, n = np.array([0.5, 0.2, 0.1]), 0.1, 100_000
    g = np.sqrt(mass2 + P @ P)
    x = np.zeros(3)
    for _ in range(n):
        *P, g = lorentz_step(P[0], P[1], P[2], g, 0.0, 0.0, 1.0, E, 0.0, 0.0, 0.5 * dt, mass2)
        x += np.array(P) / g * dt
    v = x / (n * dt)
    # the gyration left over after n steps is at most ~ 2 r_g / (n dt) ~ 2e-4
    assert abs(v[1] + E) < 5e-4 and abs(v[0]) < 5e-4


@pytest.mark.parametrize("speed", [1.0, 0.6])
def test_without_electric_field_it_is_the_boris_rotation(speed):
    m2 = (1 - speed ** 2) / speed ** 2
    rng = np.random.default_rng(1)
    for _ in range(20):
        P = rng.normal(size=3)
        P /= np.linalg.norm(P)
        b = rng.normal(size=3)
        a = lorentz_step(*P, np.sqrt(m2 + 1.0), *b, 0.0, 0.0, 0.0, 0.07, m2)
        ref = boris_rotate(*(speed * P), *b, 0.07 * speed)
        assert np.abs(speed * np.array(a[:3]) - np.array(ref)).max() < 1e-15
        assert a[3] == pytest.approx(np.sqrt(m2 + 1.0), rel=1e-15)


def _wave_frame_energy(speed, n_steps, v_A=0.1):
    """g = gamma/u0 and P_z of four particles in one slab family moving at V = v_A
    (dB2 = 0.1, k up to 100), every step of ``n_steps`` at the automatic dt, through the
    production kernel: g - V P_z is the wave-frame energy / (Gamma_V u0)."""
    c = make_card(field={"v_A": v_A}, turbulence={"cross_helicity": 1.0, "dB2": 0.1, "k_max": 100.0, "n_modes": 128},
                  particles={"count": 4, "speed": speed}, time={"t_max": 1.0})
    fa = c.field.sample(3).kernel_args()
    assert fa.moving and list(fa.win_speed) == pytest.approx([v_A], rel=1e-14)
    st = StepSettings.make(b0=[0, 0, 1.0], qm=c.particles.qm, mass2=c.particles.mass2, dt=c.time.dt,
                           n_steps=n_steps, out_steps=[n_steps], mu_stride=10, n_lag=4, n_bins=4, chunk=32, traj_n=4,
                           traj_stride=1, traj_len=n_steps + 1, n_avg=16)
    rng = np.random.default_rng(1)
    mu = np.array([-0.9, -0.3, 0.2, 0.8])
    phi = rng.uniform(0, 6, 4)
    s = np.sqrt(1 - mu ** 2)
    v0 = speed * np.stack([s * np.cos(phi), s * np.sin(phi), mu], 1)
    *_, traj, bad = push(rng.uniform(0, 10, (4, 3)), v0, fa, st)
    assert np.all(bad < 0)
    P = traj[:, :, 3:6] / speed                      # tracks store v0 P
    return np.sqrt(c.particles.mass2 + np.sum(P ** 2, axis=2)), P[:, :, 2]


@pytest.mark.parametrize("speed", [1.0, 0.5])
def test_wave_frame_energy_of_one_family_is_conserved(speed):
    """Acceptance: over 1e5 steps at the auto dt (v_A = 0.1) the wave-frame energy of every
    particle varies by less than 1e-6 relative, with no secular trend, while the lab
    momentum changes by 20-40%.  Measured: 3.2e-12 (v = c), 7e-14 (v = 0.5 c)."""
    g, p_z = _wave_frame_energy(speed, 100_000)
    inv = g - 0.1 * p_z
    rel = inv / inv[:, :1] - 1.0
    assert np.abs(rel).max() < 1e-6
    n = rel.shape[1]
    assert np.abs(rel[:, -n // 10:].mean(axis=1) - rel[:, :n // 10].mean(axis=1)).max() < 1e-9
    assert np.ptp(g / g[:, :1], axis=1).min() > 0.05      # not trivial: the lab energy does change
    # the invariant singles out the wave frame: the energy in a frame moving at v_A / 2
    # (what a pusher with half the electric field would conserve) is not conserved
    half = g - 0.05 * p_z
    assert np.ptp(half / half[:, :1], axis=1).min() > 1e-2


@njit(cache=True)
def _higuera_cary_step(px, py, pz, bx, by, bz, ex, ey, ez, h, m2):
    """Higuera & Cary (2017) as published: the gamma of the rotation is gamma(Pbar), from
    their closed form (a reference for the comparison below, not used by the code)."""
    epx, epy, epz = h * ex, h * ey, h * ez
    ux, uy, uz = px + epx, py + epy, pz + epz
    tx, ty, tz = h * bx, h * by, h * bz
    tau2 = tx * tx + ty * ty + tz * tz
    us = ux * tx + uy * ty + uz * tz
    sig = m2 + ux * ux + uy * uy + uz * uz - tau2
    gn = math.sqrt(0.5 * (sig + math.sqrt(sig * sig + 4.0 * (m2 * tau2 + us * us))))
    tx, ty, tz = tx / gn, ty / gn, tz / gn
    s = 1.0 / (1.0 + tx * tx + ty * ty + tz * tz)
    ut = ux * tx + uy * ty + uz * tz
    wx = s * (ux + ut * tx + (uy * tz - uz * ty))
    wy = s * (uy + ut * ty + (uz * tx - ux * tz))
    wz = s * (uz + ut * tz + (ux * ty - uy * tx))
    return wx + epx + (wy * tz - wz * ty), wy + epy + (wz * tx - wx * tz), wz + epz + (wx * ty - wy * tx)


@njit(cache=True)
def _orbit_energy(table, P0, dt, n, kq, m2, V, published):
    """g - V P_z along one orbit (libm fields, kernels/reference.py), either step."""
    x, y, z = 1.0, 2.0, 3.0
    px, py, pz = P0[0], P0[1], P0[2]
    g = math.sqrt(m2 + px * px + py * py + pz * pz)
    out = np.empty(n + 1)
    h = 0.5 * kq * dt
    for i in range(n + 1):
        out[i] = math.sqrt(m2 + px * px + py * py + pz * pz) - V * pz
        bx, by, bz = field_general(x, y, z, i * dt, table, 0.0, 0.0, 1.0)
        ex, ey, ez = electric_general(x, y, z, i * dt, table)
        if published:
            px, py, pz = _higuera_cary_step(px, py, pz, bx, by, bz, ex, ey, ez, h, m2)
            g = math.sqrt(m2 + px * px + py * py + pz * pz)
        else:
            px, py, pz, g = lorentz_step(px, py, pz, g, bx, by, bz, ex, ey, ez, h, m2)
        x += px / g * dt
        y += py / g * dt
        z += pz / g * dt
    return out


@pytest.mark.parametrize("speed", [1.0, 0.5])
def test_the_mean_gamma_is_what_conserves_the_wave_frame_energy(speed):
    """Why kernels/lorentz.py departs from Higuera & Cary's gamma(Pbar): on the same orbit
    (one family, v_A = 0.1, dB2 = 0.1, auto dt, 2e4 steps) their step lets g - V P_z vary
    by 6e-4 (v = c) and 5e-5 (v = 0.5 c) -- far above the 1e-6 acceptance bound -- while the
    mean of the old and new gamma keeps it to rounding."""
    c = make_card(field={"v_A": 0.1}, turbulence={"cross_helicity": 1.0, "dB2": 0.1, "k_max": 100.0,
                                                  "n_modes": 128}, particles={"count": 4, "speed": speed},
                  time={"t_max": 1.0})
    table = c.field.sample(3).table()
    P0 = np.array([np.sqrt(1 - 0.3 ** 2), 0.0, 0.3])
    kq, m2 = c.particles.qm / speed, c.particles.mass2
    ours = _orbit_energy(table, P0, c.time.dt, 20_000, kq, m2, 0.1, False)
    published = _orbit_energy(table, P0, c.time.dt, 20_000, kq, m2, 0.1, True)
    assert np.ptp(ours / ours[0]) < 1e-11
    assert np.ptp(published / published[0]) > 1e-5
