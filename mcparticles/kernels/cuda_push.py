"""The push of ``kernels/push.py`` on an NVIDIA GPU (numba-cuda): one thread per particle.

Same physics, same step and same moments as ``push.push_chunk`` (read its docstring
first); what differs is how the work is laid out and how the sums are formed.

Field.  Every column of the plane-wave table is summed directly, with the general phase
k_x x + k_y y + k_z z + (phase - omega t) and the polynomial cosine of ``trig.py`` (its
reduction and coefficients; the quadrant is taken from the integer j instead of a bit
cast).  The CPU's shortcuts -- Chebyshev windows of slab families, phase rotation -- are
not used: they trade memory per particle for fewer cosines, and a GPU thread has little
memory and many cosines.  The table is streamed through shared memory in tiles of
``TILE`` columns, each thread of the block loading one column; a table of one tile is
loaded once for the whole run.

Moments.  ``disp`` (the running second moments) is reduced over the threads of a block
by a fixed tree in shared memory and stored per block; the caller sums the blocks in
order.  The lag and correlation sums of the D_mumu / D_pp estimators are scattered over
mu bins, so they are accumulated with atomic additions -- of 64-bit integers: each
value v is put in fixed point, w = v * scale with scale a power of two per column such
that |w| <= 2^62 (``gpu.fixed_point_scales``), and added as two int64 limbs (``add_fixed``):
rounded once, by at most 1/(2 scale) = cap 2^-63, and summed exactly.  Integer addition is
associative, so the sums are the same whatever order the threads arrive in, and a run
repeats bit for bit (the technique of deterministic GPU molecular dynamics: Le Grand,
Goetz & Walker 2013, Comput. Phys. Commun. 184, 374).  The sums go to one of ``n_slots``
copies (block index modulo n_slots), which spreads the atomic traffic and keeps every
limb below 2^63 (at most 2^32 values per cell and slot); the caller converts each copy
to float64 and adds them in slot order.

Each device function below is the twin of a CPU function named in its docstring (a
CUDA device function cannot call the CPU ones: ``trig.cos_poly`` reads its quadrant
through a CPU bit cast); tests/kernels/test_cuda_push.py holds each pair equal to
rounding, and the whole kernel equal to ``push.push_batch`` particle by particle.

Per-particle state that the CPU keeps in chunk arrays (the mu ring and the momentum
rings) lives in global arrays of shape (ring, n): thread p owns column p, so the
accesses of a warp are contiguous.
"""
import math

from numba import config, cuda, float64

from .layout import AX, AY, AZ, EX, EY, EZ, GPU_THREADS, GPU_TILE, KX, KY, KZ, OMEGA, PHASE
from .lorentz import N_ITER
from .trig import C1, C2, C3, C4, C5, C6, MAGIC, PIO2_1, PIO2_2, PIO2_3, S1, S2, S3, S4, S5, S6, TWO_OVER_PI

#: threads per block (particles per block); the block size of every production launch
THREADS = GPU_THREADS
#: table columns per shared-memory tile
TILE = GPU_TILE
#: table rows read by the kernel: the static field needs rows 0..7, moving waves all 11
ROWS_STATIC = AZ + 1
ROWS_MOVING = EZ + 1
#: columns of lag_fx / cor_fx and of disp with moving waves (static: 3, 2 and 6)
N_LAG = 8
N_COR = 7
N_DISP = 9


@cuda.jit(device=True)
def cos_dev(t):
    """cos(t) by ``trig.cos_poly``'s reduction and polynomials (float64)."""
    y = t * TWO_OVER_PI + MAGIC
    j = y - MAGIC
    r = ((t - j * PIO2_1) - j * PIO2_2) - j * PIO2_3
    s = r * r
    hz = 0.5 * s
    w = 1.0 - hz
    c = w + (((1.0 - w) - hz) + s * s * (C1 + s * (C2 + s * (C3 + s * (C4 + s * (C5 + s * C6))))))
    sn = r + r * s * (S1 + s * (S2 + s * (S3 + s * (S4 + s * (S5 + s * S6)))))
    q = int(j) & 3
    v = c if (q & 1) == 0 else sn
    return -v if ((q + 1) & 2) != 0 else v


@cuda.jit(device=True)
def boris_dev(vx, vy, vz, bx, by, bz, half_qm_dt):
    """``lorentz.boris_rotate``: rotate v about B by 2 arctan(|qm B| dt / 2)."""
    tx = half_qm_dt * bx
    ty = half_qm_dt * by
    tz = half_qm_dt * bz
    f = 2.0 / (1.0 + tx * tx + ty * ty + tz * tz)
    px = vx + (vy * tz - vz * ty)
    py = vy + (vz * tx - vx * tz)
    pz = vz + (vx * ty - vy * tx)
    return vx + f * (py * tz - pz * ty), vy + f * (pz * tx - px * tz), vz + f * (px * ty - py * tx)


@cuda.jit(device=True)
def lorentz_dev(px, py, pz, g, bx, by, bz, ex, ey, ez, half_h, mass2):
    """``lorentz.lorentz_step``: implicit-midpoint step of P with E and B (Higuera &
    Cary 2017 rotation, gbar = (g- + g+)/2 by N_ITER fixed-point passes)."""
    epx = half_h * ex
    epy = half_h * ey
    epz = half_h * ez
    umx = px + epx
    umy = py + epy
    umz = pz + epz
    gbar = math.sqrt(mass2 + umx * umx + umy * umy + umz * umz)
    nx = umx
    ny = umy
    nz = umz
    gn = gbar
    for _ in range(N_ITER):
        rx, ry, rz = boris_dev(umx, umy, umz, bx, by, bz, half_h / gbar)
        nx = rx + epx
        ny = ry + epy
        nz = rz + epz
        gn = math.sqrt(mass2 + nx * nx + ny * ny + nz * nz)
        gbar = 0.5 * (g + gn)
    return nx, ny, nz, gn


@cuda.jit(device=True)
def back(r, k, ring):
    """(r - k) mod ring for 0 <= r < ring, 0 <= k < ring: the ring slot k samples
    before slot r, without an integer division (slow on a GPU) per lag."""
    i = r - k
    return i + ring if i < 0 else i


@cuda.jit(device=True)
def bin_dev(mu, n_bins):
    """``push.mu_bin``: uniform bin of mu on [-1, 1], clamped."""
    b = int((mu + 1.0) * 0.5 * n_bins)
    if b < 0:
        return 0
    if b >= n_bins:
        return n_bins - 1
    return b


#: the split of a fixed-point value into two int64 limbs: w = hi 2^31 + lo
LIMB = 2147483648.0
INV_LIMB = 1.0 / LIMB


@cuda.jit(device=True)
def add_fixed(acc, slot, k, b, col, v, scale):
    """acc[slot, k, b, col] += v as fixed point: w = v * scale (exact: a power of two;
    |w| <= 2^62 by the choice of scale) split into hi = round(w / 2^31) and the integer
    lo = round(w - hi 2^31), |lo| <= 2^30, each added to its own int64 limb
    (acc[..., 0], acc[..., 1]).  The value is rounded once, by at most 1/(2 scale)."""
    w = v * scale
    hi = math.floor(w * INV_LIMB + 0.5)
    lo = math.floor((w - hi * LIMB) + 0.5)
    cuda.atomic.add(acc, (slot, k, b, col, 0), int(hi))
    cuda.atomic.add(acc, (slot, k, b, col, 1), int(lo))


@cuda.jit(device=True)
def momentum_dev(slot, p, j, p_l, n_avg, n_lag, n_bins, inv_2h, mu_ring, p_ring, mb_ring, pb_ring, mbd_ring,
                 pbd_ring, lag_fx, cor_fx, lag_scale, cor_scale):
    """``momentum.momentum_sample`` for particle p (rings indexed [sample, particle])."""
    ring = mu_ring.shape[0]
    rj = j % ring
    p_ring[rj, p] = p_l
    if j < n_avg - 1:
        return
    s_mu = 0.0
    s_p = 0.0
    for i in range(n_avg - 1, -1, -1):           # samples j - n_avg + 1 .. j, oldest first
        r = back(rj, i, ring)
        s_mu += mu_ring[r, p]
        s_p += p_ring[r, p]
    mb = s_mu / n_avg
    pb = s_p / n_avg
    jj = j - (n_avg - 1)
    rjj = jj % ring
    mb_ring[rjj, p] = mb
    pb_ring[rjj, p] = pb
    for k in range(1, min(n_lag, jj) + 1):
        r = back(rjj, k, ring)
        m0 = mb_ring[r, p]
        b = bin_dev(m0, n_bins)
        dm = mb - m0
        dp = pb - pb_ring[r, p]
        cuda.atomic.add(lag_fx, (slot, k - 1, b, 3, 1), 1)
        add_fixed(lag_fx, slot, k - 1, b, 4, dp, lag_scale[4])
        add_fixed(lag_fx, slot, k - 1, b, 5, dp * dp, lag_scale[5])
        add_fixed(lag_fx, slot, k - 1, b, 6, dm * dp, lag_scale[6])
        add_fixed(lag_fx, slot, k - 1, b, 7, dm * dm, lag_scale[7])
    if jj >= 2:
        r1 = back(rjj, 1, ring)
        r2 = back(rjj, 2, ring)
        mbd = (mb - mb_ring[r2, p]) * inv_2h
        pbd = (pb - pb_ring[r2, p]) * inv_2h
        mbd_ring[r1, p] = mbd
        pbd_ring[r1, p] = pbd
        for k in range(0, min(n_lag, jj - 2) + 1):
            r0 = back(r1, k, ring)
            b = bin_dev(mb_ring[r0, p], n_bins)
            cuda.atomic.add(cor_fx, (slot, k, b, 2, 1), 1)
            add_fixed(cor_fx, slot, k, b, 3, pbd_ring[r0, p] * pbd, cor_scale[3])
            add_fixed(cor_fx, slot, k, b, 4, mbd_ring[r0, p] * pbd, cor_scale[4])
            add_fixed(cor_fx, slot, k, b, 5, pbd_ring[r0, p] * mbd, cor_scale[5])
            add_fixed(cor_fx, slot, k, b, 6, mbd_ring[r0, p] * mbd, cor_scale[6])


@cuda.jit(device=True)
def block_sum(red, value):
    """Sum of ``value`` over the threads of the block (a power of two of them), by a
    fixed tree in shared memory: the same order on every run.  Every thread must call
    it; every thread gets the sum."""
    tid = cuda.threadIdx.x
    red[tid] = value
    cuda.syncthreads()
    s = cuda.blockDim.x // 2
    while s > 0:
        if tid < s:
            red[tid] += red[tid + s]
        cuda.syncthreads()
        s //= 2
    total = red[0]
    cuda.syncthreads()
    return total


def _push_kernel(x0, v0, table, moving, b0x, b0y, b0z, qm, mass2, dt, n_steps, out_steps, mu_stride, n_lag, n_bins,
                n_avg, chunk, traj_n, traj_stride, traj_len, lag_scale, cor_scale, p_max, n_slots,
                mu_ring, md_ring, p_ring, mb_ring, pb_ring, mbd_ring, pbd_ring,
                disp, lag_fx, cor_fx, traj, bad, overflow):
    """Push particle p = block * blockDim + thread through all steps (``push.push_chunk``).

    x0, v0 (n, 3); table (N_ROWS, n_cols) (``kernels/layout.py``); moving: use E and the
    momentum step; lag_scale (N_LAG,), cor_scale (N_COR,): the fixed-point scales (1
    for the count columns, which use the low limb only);
    p_max: the largest momentum (units of p0) the scales allow (a particle beyond it
    sets overflow[0] = 1 and adds no more momentum samples); n_slots: copies of the
    fixed-point sums.  Outputs: disp (blocks, n_out, columns) per block, lag_fx
    (n_slots, n_lag, n_bins, columns, 2) and cor_fx (n_slots, n_lag + 1, n_bins, columns,
    2) int64 limbs, traj (traj_n, traj_len, 7), bad (n,).  The rings (ring, n) are scratch."""
    tile = cuda.shared.array((ROWS_MOVING, TILE), float64)
    red = cuda.shared.array(THREADS, float64)
    tid = cuda.threadIdx.x
    nt = cuda.blockDim.x
    blk = cuda.blockIdx.x
    p = blk * nt + tid
    n = x0.shape[0]
    active = p < n
    slot = blk % n_slots
    n_cols = table.shape[1]
    n_rows = ROWS_MOVING if moving else ROWS_STATIC
    n_tiles = (n_cols + TILE - 1) // TILE
    ring = mu_ring.shape[0]
    n_out = out_steps.shape[0]
    n_disp = disp.shape[2]
    half_qm_dt = 0.5 * qm * dt
    inv_2h = 1.0 / (2.0 * mu_stride * dt)
    x = 0.0
    y = 0.0
    z = 0.0
    vx = 0.0
    vy = 0.0
    vz = 1.0
    speed = 1.0
    half_h = 0.0
    if active:
        x = x0[p, 0]
        y = x0[p, 1]
        z = x0[p, 2]
        vx = v0[p, 0]
        vy = v0[p, 1]
        vz = v0[p, 2]
        speed = math.sqrt(vx * vx + vy * vy + vz * vz)
        for r in range(ring):
            mu_ring[r, p] = 0.0
            md_ring[r, p] = 0.0
            if moving:
                p_ring[r, p] = 1.0
                mb_ring[r, p] = 0.0
                pb_ring[r, p] = 1.0
                mbd_ring[r, p] = 0.0
                pbd_ring[r, p] = 0.0
        if moving:
            # the CPU takes the speed of the first particle of its chunk (one species)
            q0 = (p // chunk) * chunk
            s0 = math.sqrt(v0[q0, 0] * v0[q0, 0] + v0[q0, 1] * v0[q0, 1] + v0[q0, 2] * v0[q0, 2])
            half_h = 0.5 * qm * dt / s0
    speed0 = speed
    px = vx / speed0
    py = vy / speed0
    pz = vz / speed0
    g = math.sqrt(mass2 + px * px + py * py + pz * pz)
    alive = active
    mu = 0.0
    i_out = 0
    j = 0
    for step in range(n_steps + 1):
        t = step * dt
        bx = b0x
        by = b0y
        bz = b0z
        ex = 0.0
        ey = 0.0
        ez = 0.0
        for it in range(n_tiles):
            c0 = it * TILE
            if n_tiles > 1 or step == 0:
                cuda.syncthreads()
                for col in range(tid, TILE, nt):
                    if c0 + col < n_cols:
                        for r in range(n_rows):
                            tile[r, col] = table[r, c0 + col]
                cuda.syncthreads()
            m = min(TILE, n_cols - c0)
            if moving:
                for jj in range(m):
                    c = cos_dev(tile[KX, jj] * x + tile[KY, jj] * y + tile[KZ, jj] * z
                                + (tile[PHASE, jj] - tile[OMEGA, jj] * t))
                    bx += tile[AX, jj] * c
                    by += tile[AY, jj] * c
                    bz += tile[AZ, jj] * c
                    ex += tile[EX, jj] * c
                    ey += tile[EY, jj] * c
                    ez += tile[EZ, jj] * c
            else:
                for jj in range(m):
                    c = cos_dev(tile[KX, jj] * x + tile[KY, jj] * y + tile[KZ, jj] * z
                                + (tile[PHASE, jj] - tile[OMEGA, jj] * t))
                    bx += tile[AX, jj] * c
                    by += tile[AY, jj] * c
                    bz += tile[AZ, jj] * c
        p_now = math.sqrt(px * px + py * py + pz * pz) if moving else 1.0
        bmag = math.sqrt(bx * bx + by * by + bz * bz)
        if step % mu_stride == 0 or (traj_n > 0 and step % traj_stride == 0):
            mu = (vx * bx + vy * by + vz * bz) / (speed * bmag) if bmag > 0.0 else 2.0
        if alive and not math.isfinite(bmag + x + y + z):
            bad[p] = step
            alive = False
        if i_out < n_out and step == out_steps[i_out]:
            dx = 0.0
            dy = 0.0
            dz = 0.0
            dp = 0.0
            if alive:
                dx = x - x0[p, 0]
                dy = y - x0[p, 1]
                dz = z - x0[p, 2]
                dp = p_now - 1.0
            # the columns of push.push_chunk's disp, in its order (static: the first 6)
            moments = (dx * dx, dy * dy, dz * dz, dx * dy, dx * dz, dy * dz, dz, dp, dp * dp)
            for col in range(n_disp):
                total = block_sum(red, moments[col])
                if tid == 0:
                    disp[blk, i_out, col] = total
            i_out += 1
        if p < traj_n and step % traj_stride == 0:
            k = step // traj_stride
            if k < traj_len:
                traj[p, k, 0] = x
                traj[p, k, 1] = y
                traj[p, k, 2] = z
                if moving:
                    traj[p, k, 3] = speed0 * px
                    traj[p, k, 4] = speed0 * py
                    traj[p, k, 5] = speed0 * pz
                else:
                    traj[p, k, 3] = vx
                    traj[p, k, 4] = vy
                    traj[p, k, 5] = vz
                traj[p, k, 6] = mu if mu <= 1.0 else 0.0
        if step % mu_stride == 0:
            if alive and mu <= 1.0:
                rj = j % ring
                mu_ring[rj, p] = mu
                for k in range(1, min(n_lag, j) + 1):
                    m0 = mu_ring[back(rj, k, ring), p]
                    b = bin_dev(m0, n_bins)
                    d = mu - m0
                    cuda.atomic.add(lag_fx, (slot, k - 1, b, 0, 1), 1)
                    add_fixed(lag_fx, slot, k - 1, b, 1, d, lag_scale[1])
                    add_fixed(lag_fx, slot, k - 1, b, 2, d * d, lag_scale[2])
                if j >= 2:
                    r1 = back(rj, 1, ring)
                    md = (mu - mu_ring[back(rj, 2, ring), p]) * inv_2h
                    md_ring[r1, p] = md
                    for k in range(0, min(n_lag, j - 2) + 1):
                        r0 = back(r1, k, ring)
                        b = bin_dev(mu_ring[r0, p], n_bins)
                        cuda.atomic.add(cor_fx, (slot, k, b, 0, 1), 1)
                        add_fixed(cor_fx, slot, k, b, 1, md_ring[r0, p] * md, cor_scale[1])
                if moving:
                    if p_now <= p_max:
                        momentum_dev(slot, p, j, p_now, n_avg, n_lag, n_bins, inv_2h, mu_ring, p_ring, mb_ring,
                                     pb_ring, mbd_ring, pbd_ring, lag_fx, cor_fx, lag_scale, cor_scale)
                    else:
                        cuda.atomic.max(overflow, 0, 1)
            j += 1
        if step == n_steps:
            break
        if moving:
            px, py, pz, g = lorentz_dev(px, py, pz, g, bx, by, bz, ex, ey, ez, half_h, mass2)
            vx = px / g
            vy = py / g
            vz = pz / g
            speed = math.sqrt(vx * vx + vy * vy + vz * vz)
        else:
            vx, vy, vz = boris_dev(vx, vy, vz, bx, by, bz, half_qm_dt)
        x = x + vx * dt
        y = y + vy * dt
        z = z + vz * dt


#: the kernel, registers per thread left to the compiler (ptxas gives it ~150 at
#: compute capability 9.0: three blocks of 128 per SM)
push_kernel = cuda.jit(_push_kernel)
_LIMITED = {}


def kernel(max_registers=None):
    """``push_kernel``, or a variant compiled with at most ``max_registers`` registers
    per thread (more threads resident per SM, some values spilled to memory: which is
    faster is measured by ``benchmarks/push_rate.py --device cuda --max-registers``)."""
    if not max_registers:
        return push_kernel
    if max_registers not in _LIMITED:
        # the simulator runs Python: it has no registers to limit
        options = {} if config.ENABLE_CUDASIM else {"max_registers": int(max_registers)}
        _LIMITED[max_registers] = cuda.jit(**options)(_push_kernel)
    return _LIMITED[max_registers]
