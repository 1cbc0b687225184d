"""The slab fast path: static slab modes as Chebyshev series per particle (issue 5).

Independent references: numpy's exp for the Jacobi-Anger factors, and the libm sum of
the modes (``field_at_points``, ``gyro_orbit``) for the field along moving particles."""
import numpy as np
import pytest
from numba import njit

from mcparticles.fields import Composite, Isotropic
from mcparticles.fields.modes import AZ, KZ, OMEGA, ModeSet
from mcparticles.fields.slab import Slab
from mcparticles.fields.window import MIN_MODES, TAIL, kh_max, series_length, window_tables
from mcparticles.kernels.planewave import field_lanes
from mcparticles.kernels.push import gyro_orbit
from mcparticles.kernels.reference import field_at_points
from mcparticles.kernels.window import WINDOW_LANES, window_lanes
from mcparticles.particles import ParticleSpec
from mcparticles.spectra import PowerLaw
from tests.kernels.threads import push_on_one_and_two_threads, steps

B0 = np.array([0.0, 0.0, 1.0])


@njit(cache=True)
def _walk(z0, dz, n_steps, dt, x, y, table, n_slab, n_plane, win_e, win_o, win_j0, inv_h, start, speed):
    """The production field path of push_batch (field_lanes + one window_lanes per wave
    family, in zeta = z - V t) for lanes that move by dz[l] * (+1 or -1, alternating
    every 7 steps) per step, at times s dt; returns the positions and fields of every
    step, and the number of window refreshes."""
    m = z0.shape[0]
    n_fam = speed.shape[0]
    n_win = win_e.shape[1]
    n_pairs = win_e.shape[0]
    with_bz = False
    for j in range(n_win):
        if table[7, j] != 0.0:
            with_bz = True
    z = z0.copy()
    zc = np.full((n_fam, m), np.nan)
    coef = np.zeros((n_fam, 6, n_pairs, -(-m // WINDOW_LANES) * WINDOW_LANES))
    work = np.zeros((6, n_win))
    st = np.zeros(5 * WINDOW_LANES)
    bx, by, bz = np.empty(m), np.empty(m), np.empty(m)
    zeta = np.empty(m)
    zs = np.empty((n_steps, m))
    bs = np.empty((n_steps, m, 3))
    refreshes = 0
    for s in range(n_steps):
        t = s * dt
        field_lanes(m, x, y, z, t, table, n_win, n_slab, n_plane, 0.0, 0.0, 0.0, bx, by, bz)
        for f in range(n_fam):
            for l in range(m):
                zeta[l] = z[l] - speed[f] * t
                if not abs((zeta[l] - zc[f, l]) * inv_h[f]) <= 1.0:
                    refreshes += 1
            window_lanes(m, zeta, zc[f], inv_h[f], table, win_e, win_o, win_j0[f], start[f], start[f + 1], with_bz,
                         work, coef[f], st, bx, by, bz)
        for l in range(m):
            zs[s, l] = z[l]
            bs[s, l, 0] = bx[l]
            bs[s, l, 1] = by[l]
            bs[s, l, 2] = bz[l]
            z[l] += dz[l] * (1.0 if (s // 7) % 2 == 0 else -1.0) + dz[l] * 0.3
    return zs, bs, refreshes


def _check_walk(ms: ModeSet, n_lanes=40, n_steps=400, z_scale=1e4, seed=0, dt=0.0):
    """Field along the walks against the libm sum of the modes; returns the largest
    ratio of the difference to the rounding bound of the sum itself,
    4 eps sum_j |a_j| (1 + |k_j . x| + |omega_j t| + |phase_j|) (the phase of mode j is
    only known to eps |k_j . x - omega_j t|, in either evaluation), and the number of
    window refreshes."""
    rng = np.random.default_rng(seed)
    fa = ms.kernel_args()
    assert fa.win_e.shape[1] > 0, "the window must be in use"
    h = 1.0 / fa.win_inv_h.max()
    z0 = rng.uniform(-z_scale, z_scale, n_lanes)
    dz = rng.uniform(0.05, 0.5, n_lanes) * h              # windows left every few steps
    x = rng.uniform(-10, 10, n_lanes)
    y = rng.uniform(-10, 10, n_lanes)
    zs, bs, refreshes = _walk(z0, dz, n_steps, dt, x, y, fa.table, fa.n_slab, fa.n_plane, fa.win_e, fa.win_o,
                              fa.win_j0, fa.win_inv_h, fa.win_start, fa.win_speed)
    pts = np.stack([np.broadcast_to(x, zs.shape), np.broadcast_to(y, zs.shape), zs], axis=-1)
    t = ms.table()
    ref = np.stack([field_at_points(pts[s], s * dt, t, np.zeros(3)) for s in range(n_steps)])
    pts = pts.reshape(-1, 3)
    times = np.repeat(np.arange(n_steps) * dt, n_lanes)
    amp = np.abs(t[5:8]).max(axis=0)
    phase = np.abs(pts @ t[0:3]) + np.abs(times[:, None] * t[3][None, :]) + np.abs(t[4])[None, :]
    bound = 4 * np.finfo(float).eps * ((1.0 + phase) @ amp).reshape(bs.shape[:2])
    return (np.abs(bs - ref).max(axis=2) / bound).max(), refreshes


def test_jacobi_anger_factors_reproduce_the_plane_wave():
    """sum_n (factor_n) T_n(u) with the table's signed factors equals cos(k z_c + phi + k h u)
    for the cos/sin weights of a unit mode: the series and its truncation."""
    rng = np.random.default_rng(1)
    k = np.sort(rng.uniform(0.1, 50.0, 80))
    table = np.zeros((11, k.size))
    table[KZ] = k
    we, wo, j0, inv_h = window_tables(table, k.size, kh=24.0)
    h = 1.0 / inv_h
    assert np.isclose(k.max() * h, 24.0)
    u = np.linspace(-1, 1, 201)
    n = np.arange(2 * we.shape[0])
    T = np.cos(n[:, None] * np.arccos(u)[None, :])          # Chebyshev T_n(u)
    for j in range(0, k.size, 7):
        psi0 = rng.uniform(0, 2 * np.pi)
        c, s = np.cos(psi0), np.sin(psi0)
        coef = np.empty(n.size)
        coef[0::2] = we[:, j] * c
        coef[1::2] = wo[:, j] * s
        got = coef @ T
        arg = psi0 + k[j] * h * u
        # the reference's own argument is rounded to ~eps |arg|
        assert np.abs(got - np.cos(arg)).max() < 4 * np.finfo(float).eps * (1 + np.abs(arg).max())
        # the pairs below j0 are negligible for this mode
        cut = np.array([i for i in range(we.shape[0]) if j < j0[i]], dtype=int)
        if cut.size:
            assert np.abs(we[cut, j]).sum() + np.abs(wo[cut, j]).sum() < 1e-16


def test_series_length_bounds_the_tail():
    from scipy.special import jv
    for x in (0.5, 8.0, 16.0, 64.0):
        N = series_length(x)
        n = np.arange(N, N + 200)
        assert 2 * np.abs(jv(n, x)).sum() < TAIL
        assert N < x + 60                                     # and it is not wasteful
    assert kh_max(64) == 8.0 and kh_max(256) == 16.0 and kh_max(10 ** 6) == 64.0


@pytest.mark.parametrize("polarization", ["unpolarized", "right"])
def test_window_field_equals_the_sum_of_modes_along_moving_particles(polarization):
    """256 slab modes, k in [1, 1000], particles at |z| up to 1e4 leaving their windows
    hundreds of times: the field is the libm sum of the modes to double precision."""
    spec = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=1000.0)
    ms = Slab(spec, 256, polarization=polarization).sample(np.random.default_rng(2))
    for z_scale in (1e4, 1.0):
        ratio, refreshes = _check_walk(ms, z_scale=z_scale)
        assert refreshes > 40 * 50
        assert ratio < 0.2, ratio          # measured ~0.02


def test_window_with_other_columns_and_a_z_component():
    """Static slab modes with a z component (not a physical slab field, but the kernel
    must not drop it), travelling slab modes (omega != 0: summed per mode), 2D and 3D
    columns in one table."""
    rng = np.random.default_rng(3)
    spec = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=300.0)
    slab = Slab(spec, 96).sample(rng)
    e1 = slab.e1.copy()
    e1[:, 2] = rng.normal(size=len(e1))                       # z components
    slab = ModeSet(slab.k, e1, slab.e2, slab.amplitude, slab.phase, slab.omega)
    moving = Slab(spec, 8).sample(rng)
    moving = ModeSet(moving.k, moving.e1, moving.e2, moving.amplitude, moving.phase, 0.0 * moving.omega)
    ms = ModeSet.concatenate([slab, moving, Composite(spec, 16).sample(rng), Isotropic(spec, 16).sample(rng)])
    table, n_slab, _ = ms.kernel_table()
    assert np.all(table[AZ, :96] != 0.0) or np.any(table[AZ, :n_slab] != 0.0)
    ratio, _ = _check_walk(ms, z_scale=300.0)
    assert ratio < 0.2, ratio
    # travelling slab modes of one phase speed make a family of their own (windowed in
    # z - V t); a family below MIN_MODES is summed per mode after the windowed ones
    trav = ModeSet(slab.k, slab.e1, slab.e2, slab.amplitude, slab.phase, 0.1 * slab.k[:, 2])
    few = Slab(spec, 8).sample(rng)
    few = ModeSet(few.k, few.e1, few.e2, few.amplitude, few.phase, -0.1 * few.k[:, 2])
    ms2 = ModeSet.concatenate([few, Slab(spec, 80).sample(rng), trav])
    fa = ms2.kernel_args()
    assert fa.win_e.shape[1] == 176 and list(fa.win_start) == [0, 80, 176]
    assert np.allclose(fa.win_speed, [0.0, 0.1], rtol=1e-14, atol=0)
    assert np.all(fa.table[OMEGA, :80] == 0.0) and np.all(fa.table[OMEGA, 80:176] > 0.0)
    assert np.all(fa.table[OMEGA, 176:fa.n_slab] < 0.0) and fa.moving


@pytest.mark.parametrize("cross_helicity", [1.0, 0.3])
def test_moving_families_window_equals_the_sum_of_modes(cross_helicity):
    """Alfven wave families (v_A = 0.2) windowed in z - j v_A t: the field along moving
    particles over 400 steps of dt = 0.05 equals the libm sum of the modes at each time."""
    spec = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=300.0)
    slab = Slab(spec, 96, "right", cross_helicity=cross_helicity, v_A=0.2)
    ms = slab.sample(np.random.default_rng(4))
    fa = ms.kernel_args()
    assert fa.win_speed.size == len(slab.families) and fa.win_e.shape[1] == fa.n_slab
    ratio, refreshes = _check_walk(ms, z_scale=300.0, dt=0.05)
    assert refreshes > 40 * 20
    assert ratio < 0.2, ratio


def test_few_modes_and_grid_use_no_window():
    spec = PowerLaw(dB2=0.1, index=5 / 3, k_min=1.0, k_max=300.0)
    ms = Slab(spec, MIN_MODES - 1).sample(np.random.default_rng(0))
    assert ms.kernel_args().win_e.shape[1] == 0
    assert Slab(spec, MIN_MODES).sample(np.random.default_rng(0)).kernel_args().win_e.shape[1] == MIN_MODES
    big = Slab(spec, 128).sample(np.random.default_rng(0))
    assert big.kernel_args(slab_window=False).win_e.shape[1] == 0


def test_push_batch_with_window_follows_the_libm_orbit_and_is_thread_independent():
    """Tracks from push_batch (window) against gyro_orbit (libm cosines, no window) over
    400 steps (each particle crosses several windows; later the orbits' own sensitivity
    amplifies the 1e-16 differences), and bit-identical accumulators for 1 and 2 threads."""
    rng = np.random.default_rng(4)
    modes = Slab(PowerLaw(dB2=0.1, index=5 / 3, k_min=1, k_max=100), 128, polarization="left").sample(rng)
    table, n_slab, n_plane = modes.kernel_table()
    p = ParticleSpec(rigidity=0.1)
    x0, v0 = p.initial_state(40, rng, 6.0)
    v0[:3] = p.speed * np.array([[0.6, 0.0, 0.8], [0.0, 0.6, -0.8], [0.28, -0.0, 0.96]])
    dt, n = 0.005, 400
    out = np.array([100, 400], dtype=np.int64)
    field = modes.kernel_args()
    args = (x0, v0, field, steps(B0, p.qm, dt, n, out, 5, 10, 10, 32, 3, 10, 41))
    assert n * dt * np.abs(v0[:3, 2]).min() * field.win_inv_h > 3     # windows crossed by every tracked particle
    assert field.win_e.shape[1] == 256                    # helical: two columns a mode
    r1 = push_on_one_and_two_threads(args)
    for i in range(3):
        xs, _ = gyro_orbit(x0[i], v0[i], table, modes.geometry, B0, p.qm, dt, n)
        np.testing.assert_allclose(r1[3][i, :, 0:3], xs[::10], rtol=0, atol=1e-12)
