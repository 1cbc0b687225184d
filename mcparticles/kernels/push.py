"""Relativistic Boris push in a static magnetic field, with on-the-fly moments.

Equation of motion (dimensionless, PHYSICS.md section 2): with c = 1, lengths in L and
B in B_ref, a particle of rigidity R = r_g/L (r_g formed with B_ref) and speed v obeys

    dv/dt = qm  v x B ,    qm = sign(q) v / R ,

so that its gyrofrequency in |B| = 1 is Omega = v/R and its gyroradius is R.  In a
static magnetic field |v| is constant and this is the exact relativistic equation
(gamma is constant).  The Boris step (Boris 1970; Birdsall & Langdon section 4-4)
rotates v about B(x^n) by the angle 2 arctan(Omega dt / 2), then x^{n+1} = x^n + v dt:
positions live on integer steps, velocities on half steps.

One call pushes one batch of particles through ``n_steps`` steps and returns only
accumulated moments, so memory does not grow with the run time:

* ``disp[c, i, :]``  sums over the particles of chunk c of dx dx, dy dy, dz dz, dx dy,
  dx dz, dy dz at step ``out_steps[i]`` (running diffusion, PHYSICS.md section 4);
* ``lag_acc[c, l, b, :]``  count, sum dmu, sum dmu^2 for mu lags of l+1 samples,
  binned by the starting mu (lag estimator of D_mumu);
* ``cor_acc[c, l, b, :]``  count, sum mudot(0) mudot(l) for l = 0..n_lag, binned by mu
  at the earlier time (pitch-angle velocity correlation), mudot from centred
  differences of the mu samples;
* ``traj``  full tracks (x, v, mu) of the first ``traj.shape[0]`` particles;
* ``bad[p]``  the step at which particle p met a non-finite field or position (-1 if never).

mu is always the LOCAL pitch-angle cosine v.B/(|v||B|) (PHYSICS.md section 4): the
Boris rotation is about B(x^n), so v^{n-1/2}.B(x^n) = v^{n+1/2}.B(x^n) exactly and the
sample is centred in time.

Particles are processed in fixed chunks of ``chunk`` particles, each chunk with its own
accumulators (summed afterwards in chunk order), so the result is bit-identical for any
number of threads.
"""
import math

import numpy as np
from numba import njit, prange

from .field import field_at


@njit(cache=True, inline="always")
def boris_rotate(vx, vy, vz, bx, by, bz, half_qm_dt):
    """Rotate v about B by 2 arctan(|qm B| dt/2) (exact |v| conservation)."""
    tx = half_qm_dt * bx
    ty = half_qm_dt * by
    tz = half_qm_dt * bz
    f = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz)
    px = vx + (vy * tz - vz * ty)
    py = vy + (vz * tx - vx * tz)
    pz = vz + (vx * ty - vy * tx)
    vx += f * (py * tz - pz * ty)
    vy += f * (pz * tx - px * tz)
    vz += f * (px * ty - py * tx)
    return vx, vy, vz


@njit(cache=True, inline="always")
def mu_bin(mu, n_bins):
    b = int((mu + 1.0) * 0.5 * n_bins)
    if b < 0:
        return 0
    if b >= n_bins:
        return n_bins - 1
    return b


@njit(cache=True, parallel=True, nogil=True)
def push_batch(x0, v0, table, geometry, b0, qm, dt, n_steps, out_steps,
               mu_stride, n_lag, n_bins, chunk, traj_n, traj_stride, traj_len):
    """Push a batch of particles; see the module docstring for the outputs.

    x0, v0: (n, 3) initial positions [L] and velocities [c]; table: field table;
    geometry: 0 general / 1 slab; b0: (3,) mean field; qm = sign(q) v/R;
    out_steps: increasing step indices for the displacement moments;
    mu_stride: steps between mu samples; n_lag: lags (in samples) to accumulate;
    n_bins: uniform mu bins on [-1, 1]; chunk: particles per accumulator chunk;
    traj_*: number of tracked particles, steps between stored points, points stored.
    """
    n = x0.shape[0]
    n_chunks = (n + chunk - 1) // chunk
    n_out = out_steps.shape[0]
    disp = np.zeros((n_chunks, n_out, 6))
    lag_acc = np.zeros((n_chunks, n_lag, n_bins, 3))
    cor_acc = np.zeros((n_chunks, n_lag + 1, n_bins, 2))
    traj = np.zeros((traj_n, traj_len, 7))
    bad = np.full(n, -1, dtype=np.int64)
    half_qm_dt = 0.5 * qm * dt
    ring = n_lag + 3
    inv_2h = 1.0 / (2.0 * mu_stride * dt)
    b0x = b0[0]
    b0y = b0[1]
    b0z = b0[2]
    for c in prange(n_chunks):
        mu_ring = np.zeros(ring)
        md_ring = np.zeros(ring)
        for p in range(c * chunk, min(n, (c + 1) * chunk)):
            x = x0[p, 0]
            y = x0[p, 1]
            z = x0[p, 2]
            vx = v0[p, 0]
            vy = v0[p, 1]
            vz = v0[p, 2]
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
            i_out = 0
            j = 0  # index of the next mu sample
            for step in range(n_steps + 1):
                t = step * dt
                bx, by, bz = field_at(x, y, z, t, table, geometry, b0x, b0y, b0z)
                bmag = math.sqrt(bx * bx + by * by + bz * bz)
                if not math.isfinite(bmag + x + y + z):     # field or position (a slab
                    # field does not see x, y)
                    bad[p] = step
                    break
                if i_out < n_out and step == out_steps[i_out]:
                    dx = x - x0[p, 0]
                    dy = y - x0[p, 1]
                    dz = z - x0[p, 2]
                    disp[c, i_out, 0] += dx * dx
                    disp[c, i_out, 1] += dy * dy
                    disp[c, i_out, 2] += dz * dz
                    disp[c, i_out, 3] += dx * dy
                    disp[c, i_out, 4] += dx * dz
                    disp[c, i_out, 5] += dy * dz
                    i_out += 1
                if p < traj_n:
                    if step % traj_stride == 0:
                        k = step // traj_stride
                        if k < traj_len:
                            traj[p, k, 0] = x
                            traj[p, k, 1] = y
                            traj[p, k, 2] = z
                            traj[p, k, 3] = vx
                            traj[p, k, 4] = vy
                            traj[p, k, 5] = vz
                            traj[p, k, 6] = (vx * bx + vy * by + vz * bz) / (speed * bmag) if bmag > 0.0 else 0.0
                if step % mu_stride == 0 and bmag > 0.0:
                    mu = (vx * bx + vy * by + vz * bz) / (speed * bmag)
                    mu_ring[j % ring] = mu
                    # lag estimator: pairs (mu_{j-l}, mu_j), l = 1..n_lag
                    lmax = min(n_lag, j)
                    for l in range(1, lmax + 1):
                        m0 = mu_ring[(j - l) % ring]
                        b = mu_bin(m0, n_bins)
                        d = mu - m0
                        lag_acc[c, l - 1, b, 0] += 1.0
                        lag_acc[c, l - 1, b, 1] += d
                        lag_acc[c, l - 1, b, 2] += d * d
                    # centred mu-dot at sample j-1, then correlations ending there
                    if j >= 2:
                        i1 = j - 1
                        md = (mu - mu_ring[(j - 2) % ring]) * inv_2h
                        md_ring[i1 % ring] = md
                        lmax = min(n_lag, i1 - 1)
                        for l in range(0, lmax + 1):
                            i0 = i1 - l
                            b = mu_bin(mu_ring[i0 % ring], n_bins)
                            cor_acc[c, l, b, 0] += 1.0
                            cor_acc[c, l, b, 1] += md_ring[i0 % ring] * md
                    j += 1
                if step == n_steps:
                    break
                vx, vy, vz = boris_rotate(vx, vy, vz, bx, by, bz, half_qm_dt)
                x += vx * dt
                y += vy * dt
                z += vz * dt
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
