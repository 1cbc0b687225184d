"""Relativistic push of test particles through the turbulent field, with on-the-fly moments.

Equation of motion (dimensionless, docs/physics.md §2): with c = 1, lengths in L and
B in B_ref, a particle of rigidity R = r_g/L (r_g formed with B_ref) and speed v obeys

    dv/dt = qm  v x B ,    qm = sign(q) v / R ,

so that its gyrofrequency in |B| = 1 is Omega = v/R and its gyroradius is R.  In a
static magnetic field |v| is constant and this is the exact relativistic equation
(gamma is constant).  The Boris step (Boris 1970; Birdsall & Langdon section 4-4)
rotates v about B(x^n) by the angle 2 arctan(Omega dt / 2), then x^{n+1} = x^n + v dt:
positions live on integer steps, velocities on half steps.

Moving waves (``field.moving``: some mode has omega != 0) bring an electric field and a
changing gamma: the step is then ``lorentz.lorentz_step`` on the momentum P = u/u0
(docs/physics.md §6.2), with v = P/g, and the moments below also follow p = |P|.

One call pushes one batch of particles through ``n_steps`` steps and returns only
accumulated moments, so memory does not grow with the run time:

* ``disp[c, i, :]``  sums over the particles of chunk c of dx dx, dy dy, dz dz, dx dy,
  dx dz, dy dz at step ``out_steps[i]`` (running diffusion, docs/physics.md §5.1), and
  with moving waves dz, dp, dp^2 (dp = p - p0; p at the half step before);
* ``lag_acc[c, l, b, :]``  count, sum dmu, sum dmu^2 for mu lags of l+1 samples,
  binned by the starting mu (lag estimator of D_mumu), and with moving waves count,
  sum dp, sum dp^2, sum dmu dp, sum dmu^2 of the gyro-averaged samples (D_pp, D_mup;
  ``kernels/momentum.py``, averages over ``n_avg`` samples);
* ``cor_acc[c, l, b, :]``  count, sum mudot(0) mudot(l) for l = 0..n_lag, binned by mu
  at the earlier time (pitch-angle velocity correlation), mudot from centred
  differences of the mu samples; with moving waves also count, pdot(0) pdot(l),
  mudot(0) pdot(l), pdot(0) mudot(l) and mudot(0) mudot(l) of the gyro-averaged samples;
* ``traj``  full tracks (x, v0 P, mu) of the first ``traj.shape[0]`` particles (v0 P is
  v in a static field; gamma0 v0 P = u always);
* ``bad[p]``  the step at which particle p met a non-finite field or position (-1 if never).

mu is always the LOCAL pitch-angle cosine v.B/(|v||B|) (docs/physics.md §5.3): the
Boris rotation is about B(x^n), so v^{n-1/2}.B(x^n) = v^{n+1/2}.B(x^n) exactly and the
sample is centred in time.

Particles are processed in fixed chunks of ``chunk`` particles, each chunk with its own
accumulators (summed afterwards in chunk order), so the result is bit-identical for any
number of threads.  The particles of a chunk are stepped together: the field is
evaluated for all of them with the mode loop outside (``field.field_lanes``), which
vectorises without re-associating any sum.
"""
import math

import numpy as np
from numba import njit, prange

from .grid import grid_lanes
from .layout import AZ
from .lorentz import boris_rotate, lorentz_step
from .momentum import momentum_sample
from .planewave import field_e_lanes, field_lanes
from .reference import field_at
from .rotation import ROTATION_PERIOD, rotation_lanes
from .window import WINDOW_LANES, window_lanes


@njit(cache=True, inline="always")
def mu_bin(mu, n_bins):
    b = int((mu + 1.0) * 0.5 * n_bins)
    if b < 0:
        return 0
    if b >= n_bins:
        return n_bins - 1
    return b


@njit(cache=True, nogil=True, fastmath={"contract"})
def push_chunk(c, m, x0, v0, table, n_slab, n_plane, win_e, win_o, win_j0, win_inv_h, win_start, win_speed, win_bz,
               grid, inv_dx, use_grid, rotation, moving, b0, qm, mass2, dt, n_steps, out_steps, mu_stride, n_lag,
               n_bins, n_avg, chunk, traj_n, traj_stride, traj_len, disp, lag_acc, cor_acc, traj, bad):
    """Chunk c (particles c*chunk .. c*chunk + m) of ``push_batch``, all steps; adds to
    its accumulators disp[c], lag_acc[c], cor_acc[c] and writes its tracks and ``bad``.
    (A function of its own: the parallel loop body stays one call, which keeps numba's
    compile time down.)"""
    n_out = out_steps.shape[0]
    half_qm_dt = 0.5 * qm * dt
    ring = n_lag + 3 + (n_avg if moving else 0)
    inv_2h = 1.0 / (2.0 * mu_stride * dt)
    b0x = b0[0]
    b0y = b0[1]
    b0z = b0[2]
    n_pairs = win_e.shape[0]
    n_win = win_e.shape[1]
    n_fam = win_speed.shape[0]
    p0 = c * chunk
    x = np.empty(m)
    y = np.empty(m)
    z = np.empty(m)
    vx = np.empty(m)
    vy = np.empty(m)
    vz = np.empty(m)
    bx = np.empty(m)
    by = np.empty(m)
    bz = np.empty(m)
    speed = np.empty(m)
    mu = np.zeros(m)
    alive = np.ones(m, dtype=np.bool_)
    mu_ring = np.zeros((m, ring))
    zc = np.full((n_fam, m), np.nan)         # window centres per family: none yet
    coef = np.zeros((n_fam, 6, n_pairs, -(-m // WINDOW_LANES) * WINDOW_LANES))
    work = np.zeros((6, n_win))
    wst = np.zeros(5 * WINDOW_LANES)
    md_ring = np.zeros((m, ring))
    n_rot = table.shape[1] - n_win if rotation else 0
    rc = np.empty((n_rot, m))                # precision = "rotation": cos, sin of each phase
    rs = np.empty((n_rot, m))
    sx = np.zeros(m)                         # and the displacements of the last step
    sy = np.zeros(m)
    sz = np.zeros(m)
    # moving waves: momentum P = u/u0, g = gamma/u0, E, a family's own B and coordinate
    n_mv = m if moving else 0
    px = np.empty(n_mv)
    py = np.empty(n_mv)
    pz = np.empty(n_mv)
    g = np.empty(n_mv)
    speed0 = np.empty(m)
    ex = np.zeros(n_mv)
    ey = np.zeros(n_mv)
    ez = np.zeros(n_mv)
    fbx = np.zeros(n_mv)
    fby = np.zeros(n_mv)
    fbz = np.zeros(n_mv)
    zeta = np.empty(n_mv)
    p_now = np.ones(m)
    p_ring = np.ones((n_mv, ring))             # p samples, and the gyro-averaged mu, p and
    mb_ring = np.zeros((n_mv, ring))           # their centred differences (kernels/momentum.py)
    pb_ring = np.ones((n_mv, ring))
    mbd_ring = np.zeros((n_mv, ring))
    pbd_ring = np.zeros((n_mv, ring))
    half_h = 0.0                               # sign(q) dt / (2 R0), moving waves only
    for l in range(m):
        x[l] = x0[p0 + l, 0]
        y[l] = x0[p0 + l, 1]
        z[l] = x0[p0 + l, 2]
        vx[l] = v0[p0 + l, 0]
        vy[l] = v0[p0 + l, 1]
        vz[l] = v0[p0 + l, 2]
        speed[l] = math.sqrt(vx[l] * vx[l] + vy[l] * vy[l] + vz[l] * vz[l])
        speed0[l] = speed[l]
    if moving:
        half_h = 0.5 * qm * dt / speed0[0] if m > 0 else 0.0     # qm = sign(q) v0 / R0
        for l in range(m):
            px[l] = vx[l] / speed0[l]
            py[l] = vy[l] / speed0[l]
            pz[l] = vz[l] / speed0[l]
            g[l] = math.sqrt(mass2 + px[l] * px[l] + py[l] * py[l] + pz[l] * pz[l])
    n_traj = min(m, max(0, traj_n - p0))
    i_out = 0
    j = 0  # index of the next mu sample
    for step in range(n_steps + 1):
        t = step * dt
        if use_grid:
            grid_lanes(m, x, y, z, grid, inv_dx, b0x, b0y, b0z, bx, by, bz)
        elif moving:
            field_e_lanes(m, x, y, z, t, table, n_win, b0x, b0y, b0z, bx, by, bz, ex, ey, ez)
            for f in range(n_fam):
                # family f is static in the frame moving at V along z: windowed in
                # zeta = z - V t, E = -V z_hat x B_f (docs/physics.md §6.1)
                vf = win_speed[f]
                for l in range(m):
                    zeta[l] = z[l] - vf * t
                    fbx[l] = 0.0
                    fby[l] = 0.0
                    fbz[l] = 0.0
                window_lanes(m, zeta, zc[f], win_inv_h[f], table, win_e, win_o, win_j0[f], win_start[f],
                             win_start[f + 1], win_bz, work, coef[f], wst, fbx, fby, fbz)
                for l in range(m):
                    bx[l] += fbx[l]
                    by[l] += fby[l]
                    bz[l] += fbz[l]
                    ex[l] += vf * fby[l]
                    ey[l] -= vf * fbx[l]
        elif rotation:
            rotation_lanes(m, x, y, z, sx, sy, sz, t, dt, step % ROTATION_PERIOD == 0, table, n_win,
                           rc, rs, b0x, b0y, b0z, bx, by, bz)
            for f in range(n_fam):
                window_lanes(m, z, zc[f], win_inv_h[f], table, win_e, win_o, win_j0[f], win_start[f],
                             win_start[f + 1], win_bz, work, coef[f], wst, bx, by, bz)
        else:
            field_lanes(m, x, y, z, t, table, n_win, n_slab, n_plane, b0x, b0y, b0z, bx, by, bz)
            for f in range(n_fam):
                window_lanes(m, z, zc[f], win_inv_h[f], table, win_e, win_o, win_j0[f], win_start[f],
                             win_start[f + 1], win_bz, work, coef[f], wst, bx, by, bz)
        if moving:
            for l in range(m):
                p_now[l] = math.sqrt(px[l] * px[l] + py[l] * py[l] + pz[l] * pz[l])
        # mu is needed only on sampling and tracking steps
        need_mu = step % mu_stride == 0 or (n_traj > 0 and step % traj_stride == 0)
        for l in range(m):
            bmag = math.sqrt(bx[l] * bx[l] + by[l] * by[l] + bz[l] * bz[l])
            if need_mu:
                mu[l] = (vx[l] * bx[l] + vy[l] * by[l] + vz[l] * bz[l]) / (speed[l] * bmag) if bmag > 0.0 else 2.0
            if alive[l] and not math.isfinite(bmag + x[l] + y[l] + z[l]):   # field or position
                bad[p0 + l] = step                    # (a slab field does not see x, y)
                alive[l] = False
        if i_out < n_out and step == out_steps[i_out]:
            for l in range(m):
                if alive[l]:
                    dx = x[l] - x0[p0 + l, 0]
                    dy = y[l] - x0[p0 + l, 1]
                    dz = z[l] - x0[p0 + l, 2]
                    disp[c, i_out, 0] += dx * dx
                    disp[c, i_out, 1] += dy * dy
                    disp[c, i_out, 2] += dz * dz
                    disp[c, i_out, 3] += dx * dy
                    disp[c, i_out, 4] += dx * dz
                    disp[c, i_out, 5] += dy * dz
                    if moving:
                        dp = p_now[l] - 1.0
                        disp[c, i_out, 6] += dz
                        disp[c, i_out, 7] += dp
                        disp[c, i_out, 8] += dp * dp
            i_out += 1
        if n_traj > 0 and step % traj_stride == 0:
            k = step // traj_stride
            if k < traj_len:
                for l in range(n_traj):
                    traj[p0 + l, k, 0] = x[l]
                    traj[p0 + l, k, 1] = y[l]
                    traj[p0 + l, k, 2] = z[l]
                    if moving:
                        traj[p0 + l, k, 3] = speed0[l] * px[l]
                        traj[p0 + l, k, 4] = speed0[l] * py[l]
                        traj[p0 + l, k, 5] = speed0[l] * pz[l]
                    else:
                        traj[p0 + l, k, 3] = vx[l]
                        traj[p0 + l, k, 4] = vy[l]
                        traj[p0 + l, k, 5] = vz[l]
                    traj[p0 + l, k, 6] = mu[l] if mu[l] <= 1.0 else 0.0
        if step % mu_stride == 0:
            for l in range(m):
                if not alive[l] or mu[l] > 1.0:
                    continue
                mul = mu[l]
                mu_ring[l, j % ring] = mul
                # lag estimator: pairs (mu_{j-k}, mu_j), k = 1..n_lag
                kmax = min(n_lag, j)
                for k in range(1, kmax + 1):
                    m0 = mu_ring[l, (j - k) % ring]
                    b = mu_bin(m0, n_bins)
                    d = mul - m0
                    lag_acc[c, k - 1, b, 0] += 1.0
                    lag_acc[c, k - 1, b, 1] += d
                    lag_acc[c, k - 1, b, 2] += d * d
                # centred mu-dot at sample j-1, then correlations ending there
                if j >= 2:
                    i1 = j - 1
                    md = (mul - mu_ring[l, (j - 2) % ring]) * inv_2h
                    md_ring[l, i1 % ring] = md
                    kmax = min(n_lag, i1 - 1)
                    for k in range(0, kmax + 1):
                        i0 = i1 - k
                        b = mu_bin(mu_ring[l, i0 % ring], n_bins)
                        cor_acc[c, k, b, 0] += 1.0
                        cor_acc[c, k, b, 1] += md_ring[l, i0 % ring] * md
                if moving:
                    momentum_sample(c, l, j, p_now[l], n_avg, n_lag, n_bins, inv_2h, mu_ring, p_ring, mb_ring,
                                    pb_ring, mbd_ring, pbd_ring, lag_acc, cor_acc)
            j += 1
        if step == n_steps:
            break
        if moving:
            for l in range(m):
                pxl, pyl, pzl, gl = lorentz_step(px[l], py[l], pz[l], g[l], bx[l], by[l], bz[l], ex[l], ey[l],
                                                 ez[l], half_h, mass2)
                px[l] = pxl
                py[l] = pyl
                pz[l] = pzl
                g[l] = gl
                vxl = pxl / gl
                vyl = pyl / gl
                vzl = pzl / gl
                vx[l] = vxl
                vy[l] = vyl
                vz[l] = vzl
                speed[l] = math.sqrt(vxl * vxl + vyl * vyl + vzl * vzl)
                xn = x[l] + vxl * dt
                yn = y[l] + vyl * dt
                zn = z[l] + vzl * dt
                x[l] = xn
                y[l] = yn
                z[l] = zn
            continue
        for l in range(m):
            vxl, vyl, vzl = boris_rotate(vx[l], vy[l], vz[l], bx[l], by[l], bz[l], half_qm_dt)
            vx[l] = vxl
            vy[l] = vyl
            vz[l] = vzl
            xn = x[l] + vxl * dt
            yn = y[l] + vyl * dt
            zn = z[l] + vzl * dt
            sx[l] = xn - x[l]                    # the displacement as stored (rotation_lanes)
            sy[l] = yn - y[l]
            sz[l] = zn - z[l]
            x[l] = xn
            y[l] = yn
            z[l] = zn


#: moment columns with moving waves (static: the first 6, 3 and 2): disp (6 second moments;
#: dz, dp, dp^2), lag_acc (count, dmu, dmu^2; count, dp, dp^2, dmu dp, dmu^2 averaged),
#: cor_acc (count, mudot mudot; count, pdot pdot, mudot pdot, pdot mudot, mudot mudot averaged)
N_DISP = 9
N_LAG = 8
N_COR = 7

#: only the explicit prange loop runs in parallel; numba's automatic parallelisation of
#: array expressions (np.zeros, ...) is off -- it would only add compile time
PRANGE_ONLY = {"prange": True, "numpy": False, "comprehension": False, "reduction": False,
               "inplace_binop": False, "setitem": False, "stencil": False, "fusion": False}


@njit(cache=True, parallel=PRANGE_ONLY, nogil=True, fastmath={"contract"})
def push_batch(x0, v0, table, n_slab, n_plane, win_e, win_o, win_j0, win_inv_h, win_start, win_speed, grid, inv_dx,
               use_grid, rotation, moving, b0, qm, mass2, dt, n_steps, out_steps, mu_stride, n_lag, n_bins, n_avg,
               chunk, traj_n, traj_stride, traj_len):
    """Push a batch of particles; see the module docstring for the outputs.

    x0, v0: (n, 3) initial positions [L] and velocities [c]; table: field table with
    its slab columns first, then the k-perpendicular-to-z (2D) columns (counts n_slab,
    n_plane; ``fields.modes.kernel_table``); win_*: the Chebyshev windows of its first
    win_e.shape[1] slab columns, in wave families (``fields.window.family_windows``;
    win_start, win_speed: the families' columns and phase speeds; none: zero families);
    grid, inv_dx, use_grid: the grid backend
    (``fields.grid``; when use_grid the table is ignored); rotation: precision =
    "rotation", the phases of the non-window columns advanced by rotation
    (``field.rotation_lanes``) instead of one cosine each per step; moving: some column
    has omega != 0 (E fields and ``lorentz.lorentz_step``); b0: (3,) mean field;
    qm = sign(q) v/R; mass2 = 1/(gamma0 v0)^2 (moving waves);
    out_steps: increasing step indices for the displacement moments;
    mu_stride: steps between mu samples; n_lag: lags (in samples) to accumulate;
    n_avg: samples per gyro-average of the momentum estimators (moving waves);
    n_bins: uniform mu bins on [-1, 1]; chunk: particles per accumulator chunk, which
    are also stepped together (the field loop vectorises over them);
    traj_*: number of tracked particles, steps between stored points, points stored.
    """
    n = x0.shape[0]
    n_chunks = (n + chunk - 1) // chunk
    n_out = out_steps.shape[0]
    # the momentum columns only with moving waves: the static accumulators keep their size
    # (and the cache footprint of the lag loops)
    disp = np.zeros((n_chunks, n_out, N_DISP if moving else 6))
    lag_acc = np.zeros((n_chunks, n_lag, n_bins, N_LAG if moving else 3))
    cor_acc = np.zeros((n_chunks, n_lag + 1, n_bins, N_COR if moving else 2))
    traj = np.zeros((traj_n, traj_len, 7))
    bad = np.full(n, -1, dtype=np.int64)
    n_bz = 0                               # static slab columns with a z component
    for jw in range(win_e.shape[1]):
        if table[AZ, jw] != 0.0:
            n_bz += 1
    win_bz = n_bz > 0
    for c in prange(n_chunks):
        ci = np.int64(c)                   # one signature of push_chunk (prange indices are unsigned)
        push_chunk(ci, min(n, (ci + 1) * chunk) - ci * chunk, x0, v0, table, n_slab, n_plane, win_e, win_o, win_j0,
                   win_inv_h, win_start, win_speed, win_bz, grid, inv_dx, use_grid, rotation, moving, b0, qm, mass2, dt,
                   n_steps, out_steps, mu_stride, n_lag, n_bins, n_avg, chunk, traj_n, traj_stride, traj_len, disp,
                   lag_acc, cor_acc, traj, bad)
    return disp, lag_acc, cor_acc, traj, bad


@njit(cache=True)
def gyro_orbit(x0, v0, table, geometry, b0, qm, dt, n_steps):
    """Plain single-particle orbit (positions on integer steps, velocities on half
    steps), for tests and the notebook: returns x (n_steps+1, 3), v (n_steps+1, 3)."""
    xs = np.empty((n_steps + 1, 3))
    vs = np.empty((n_steps + 1, 3))
    x, y, z = x0[0], x0[1], x0[2]
    vx, vy, vz = v0[0], v0[1], v0[2]
    half_qm_dt = 0.5 * qm * dt
    for step in range(n_steps + 1):
        xs[step, 0] = x
        xs[step, 1] = y
        xs[step, 2] = z
        vs[step, 0] = vx
        vs[step, 1] = vy
        vs[step, 2] = vz
        bx, by, bz = field_at(x, y, z, step * dt, table, geometry, b0[0], b0[1], b0[2])
        vx, vy, vz = boris_rotate(vx, vy, vz, bx, by, bz, half_qm_dt)
        x += vx * dt
        y += vy * dt
        z += vz * dt
    return xs, vs
