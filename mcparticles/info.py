"""Resolution and cost checks for a card (``mcparticles info``, and the warnings
``mcparticles run`` prints before it starts).  Generic rows here; each field model adds
its own (``FieldModel.info_rows``)."""
from __future__ import annotations

import math
import os

from .config import AUTO_KMAX_VDT, AUTO_OMEGA_DT, Card

#: measured cost of one cosine (table column) per particle step (benchmarks/push_rate.py,
#: 2-core AVX-512 x86-64, numba, one thread), of a trilinear grid look-up, and of the rest
#: of a step (Boris push, diagnostics)
NS_PER_MODE = 1.1
NS_PER_MODE_ROTATION = 0.75
NS_PER_GRID_LOOKUP = 25.0
NS_PER_STEP = 60.0
#: static slab modes through the Chebyshev window (fields/window.py): ~ this x sqrt(n) per step
NS_WINDOW_PER_SQRT_MODE = 4.4
#: moving waves: the extra cost per step of the electric field, the Lorentz step and the
#: momentum diagnostics (benchmarks/results.json of 0.3.0: one slab family 0.74-0.83 x the
#: static rate, fast modes 0.71-0.76 x, i.e. 0.1-0.2 us more per step on that machine)
NS_PER_STEP_MOVING = 150.0


def field_ns_per_step(card: Card) -> float:
    """Estimated field cost per particle step [ns] (benchmarks/push_rate.py), from the
    kernel-table columns of each component (a helical mode and a composite mode are
    two columns)."""
    from .fields.window import MIN_MODES
    f = card.field
    if f.grid is not None:
        return NS_PER_GRID_LOOKUP
    per_mode = NS_PER_MODE_ROTATION if f.precision == "rotation" else NS_PER_MODE
    cols = [c.table_columns() for c in f.components]
    n_slab = sum(s for s, _ in cols)
    n_other = sum(o for _, o in cols)
    if n_slab >= MIN_MODES:
        return NS_WINDOW_PER_SQRT_MODE * math.sqrt(n_slab) + per_mode * n_other
    return per_mode * (n_slab + n_other)


def cores() -> int:
    """CPU cores this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def checks(card: Card, plan=None) -> tuple[list[tuple[str, str]], list[str]]:
    """(rows of (label, value), warnings); ``plan`` defaults to ``make_plan(card)``."""
    from .planning import make_plan
    from .qlt.predict import predict

    p, f, t = card.particles, card.field, card.time
    plan = plan if plan is not None else make_plan(card)
    qlt = predict(card)
    rows, warn = [], []
    B = f.B0 if f.B0 > 0 else 1.0
    rows.append(("rigidity R = r_g/L", f"{p.rigidity:.4g}  (speed {p.speed:.4g} c, charge sign {p.charge_sign:+d})"))
    rows.append(("gyroradius r_g, gyro-period", f"{card.r_g:.4g} L, {card.gyroperiod:.4g} L/c"))
    rows.append(("turbulence dB^2/B0^2, eta", f"{f.dB2_total / B**2:.4g}, {f.dB2_total / (f.B0**2 + f.dB2_total):.4g}"))
    if f.plasma is not None:
        rows.extend(f.plasma.rows())
    if f.boost != 1.0:
        auto = " (auto)" if f.boost_auto else ""
        phys = f.dB2_total / f.power_factor / B ** 2
        rows.append(("boost", f"every amplitude x {f.boost:.4g}{auto}: simulated power "
                              f"x {f.power_factor:.4g} (physical dB^2/B0^2 = {phys:.4g});"
                              " D values are the simulated field's, physical kappa = simulated x boost^2"))
        if f.dB2_total / B ** 2 > 0.3:
            warn.append(f"boosted dB^2/B0^2 = {f.dB2_total / B**2:.3g} > 0.3: beyond the quasi-linear regime the "
                        "rescaling to the physical amplitude is not exact; check D/dB^2 at two boosts")
    odt = p.speed * f.B_ref_rms / p.rigidity * t.dt
    kdt = f.k_max_sampled * p.speed * t.dt
    rows.append(("dt", f"{t.dt:.4g} L/c ({'auto' if t.dt_auto else 'card'}): Omega_rms dt = {odt:.3g}, "
                       f"|k|_max v dt = {kdt:.3g} (|k|_max = {f.k_max_sampled:.4g}), "
                       f"{card.gyroperiod / t.dt:.0f} steps per gyration"))
    if odt > AUTO_OMEGA_DT * 1.0001:
        warn.append(f"Omega dt = {odt:.3g} > {AUTO_OMEGA_DT}: gyration under-resolved (docs/physics.md §2)")
    if kdt > AUTO_KMAX_VDT * 1.0001:
        warn.append(f"|k|_max v dt = {kdt:.3g} > {AUTO_KMAX_VDT}: the smallest waves are under-resolved")
    for i, c in enumerate(f.components):
        k0, k1 = c.k_range
        per_dec = c.n_modes / math.log10(k1 / k0)
        below = math.log10(1.0 / (card.r_g * k0))
        above = math.log10(c.k_par_max * card.r_g)
        rows.append((f"component {i} ({c.name})",
                     f"dB2 = {c.dB2:.4g}, k in [{k0:.4g}, {k1:.4g}], {c.n_modes} modes "
                     f"({per_dec:.0f} per decade)"))
        rows.extend(c.info_rows(card.r_g))
        rows.append(("  resonant k_par = 1/(r_g |mu|)",
                     f"from {1 / card.r_g:.4g} (mu = 1) up; the spectrum extends {below:.2f} decades below "
                     f"and {above:.2f} above 1/r_g (k_par up to {c.k_par_max:.4g})"))
        if below < 1.0:
            warn.append(f"component {i}: only {below:.2f} decades of spectrum below 1/r_g (want 1-2): "
                        "resonances at large |mu| fall outside the band")
        if above < 1.0:
            warn.append(f"component {i}: only {above:.2f} decades above 1/r_g (want 1-2): "
                        f"90-degree gap |mu| < {1 / (card.r_g * c.k_par_max):.3g}")
        if per_dec < 20:
            warn.append(f"component {i}: {per_dec:.0f} modes per decade; check convergence by doubling n_modes")
    if f.moving:
        eps = f.v_A / p.speed
        static = [c.name for c in f.components if not c.moves]
        rows.append(("moving waves", f"v_A = {f.v_A:.4g} c, v_A/v = {eps:.4g}, beta = {f.beta:g}; E = -du x B0 "
                                     "(ideal MHD), Lorentz step with E (kernels/lorentz.py); D_pp, D_mup, A2 and "
                                     "the streaming speed measured (docs/physics.md §6)"
                                     + (f"; static: {', '.join(static)}" if static else "")))
        mom = qlt.momentum
        if mom is not None and math.isfinite(mom.A2):
            rows.append(("QLT A2, streaming speed", f"{mom.A2:.4g} p0^2 c/L, {mom.streaming_speed:.4g} c "
                                                    "(diffusion-convection, spectra continued above k_max)"))
        elif mom is not None:
            rows.append(("QLT A2, streaming speed", "undefined: D_mumu vanishes on an interval of mu (no "
                                                    "diffusion-convection limit; e.g. two families whose helicities "
                                                    "leave |mu| < v_A/v unscattered)"))
        rows.append(("momentum estimators", f"gyro-averaged over {plan.n_avg} mu samples; slope estimator at "
                                            f"{max(2.0, (plan.lag_index + 1) * plan.h / card.gyroperiod):.3g} "
                                            "gyro-periods"))
        if eps < 1e-3:
            warn.append(f"v_A/v = {eps:.3g}: momentum changes of order (v_A/v)^2 per scattering are tiny; "
                        "D_pp and A2 need very long runs to be measured")
    elif f.v_A > 0:
        rows.append(("moving waves", f"v_A = {f.v_A:.4g} c, but every component is static ("
                                     + ", ".join(c.name for c in f.components) + "): no electric field"))
    gap = 1 / (card.r_g * f.k_par_max)
    rows.append(("90-degree gap", f"QLT D_mumu = 0 for |mu| < 1/(r_g k_par,max) = {gap:.3g}; "
                                  f"D_mumu compared for |mu| > {2 * gap:.3g}"))
    kq = qlt.kappa
    if kq is not None and math.isfinite(kq.kappa_par):
        tb = 3 * kq.kappa_par / p.speed ** 2
        rows.append(("QLT kappa_par, lambda_par", f"{kq.kappa_par:.4g} L c, {kq.lambda_par:.4g} L "
                                                  "(spectrum continued above k_max)"))
        # the kappa fit window is t >= max(t_max/3, 5 t_b) (diagnostics/running.py)
        rows.append(("ballistic time 3 kappa/v^2", f"{tb:.4g} L/c (QLT); a kappa plateau needs "
                                                   f"t_max >~ 15 t_b = {15 * tb:.3g}"))
        if t.t_max < 15 * tb:
            warn.append(f"t_max = {t.t_max:g} < 15 x ballistic time ({15 * tb:.3g}, from QLT): kappa will "
                        "probably not reach a plateau (D_mumu is unaffected)")
    else:
        rows.append(("QLT kappa_par", kq.note if kq is not None else qlt.kappa_reason))
    if qlt.available:
        rows.append(("QLT cost", f"{qlt.seconds:.3g} s (computed once per field and species)"))
    rows.append(("D_mumu lag", f"{(plan.lag_index + 1) * plan.h:.4g} L/c = "
                               f"{(plan.lag_index + 1) * plan.h / card.gyroperiod:.3g} gyro-periods "
                               f"({plan.lag_rule}); scan to {plan.n_lag * plan.h:.4g} L/c"))
    cols = [c.table_columns() for c in f.components]
    n_cols = sum(s + o for s, o in cols)
    steps = plan.particle_steps
    sec = steps * (field_ns_per_step(card) + NS_PER_STEP + (NS_PER_STEP_MOVING if f.moving else 0.0)) * 1e-9
    if f.grid is None:
        rot = f.precision == "rotation"
        rows.append(("field precision", f'"{f.precision}" (fields/precision.py): '
                     + ("phases advanced by rotation, exact every 64 steps; field within ~1e-10 of dB_rms"
                        if rot else "one float64 cosine per mode and step; static slab modes by Chebyshev window")))
        rows.append(("kernel table", f"{n_cols} columns (a helical or composite mode is two)"))
    rows.append(("work", f"{len(plan.units)} work units, {t.n_steps} steps x "
                         f"{p.count * card.run.realizations} particles = {steps:.3g} particle-steps"))
    n_cores = cores()
    rows.append(("estimated wall time", f"{sec:.3g} core-seconds ({sec / n_cores:.3g} s on the {n_cores} "
                                        f"core(s) here)"))
    from .kernels.push import N_COR, N_DISP, N_LAG
    unit_bytes = 8 * (plan.out_steps.size * N_DISP + plan.n_lag * card.diagnostics.mu_bins * (N_LAG + N_COR)
                      + plan.traj_n * plan.traj_len * 7 + 8 * n_cols)
    if f.grid is None and f.precision == "rotation":      # (cos, sin) per mode and particle of a chunk
        unit_bytes += 16 * n_cols * 32
    mem = unit_bytes * (len(plan.units) + 4) + 8 * 6 * card.run.batch_size
    g = f.grid
    if g is not None:
        field_mem = g.memory_bytes
        rows.append(("grid backend", f"{g.points}^3 nodes, box {g.box:.4g} L (k0 = 2 pi/box = {g.k0:.4g}), "
                                     f"|k| resolved up to {g.k_resolved:.4g}; field {field_mem / 2**20:.4g} MiB per "
                                     f"realisation (~{4 * field_mem / 2**20:.4g} MiB while it is made by FFT)"))
        mem += 4 * field_mem
        lam = kq.lambda_par if kq is not None else math.nan
        if math.isfinite(lam) and g.box < 10 * lam:
            warn.append(f"grid box {g.box:.4g} L is not much larger than the QLT mean free path {lam:.4g} L: "
                        "particles see the field repeat (raise grid_box with grid_points)")
    rows.append(("memory", f"~{mem / 2**20:.3g} MiB (independent of t_max except the stored tracks)"))
    if card.run.device == "cuda":
        rows.append(("device", "cuda: " + gpu_rows(card, plan, n_cols)))
        if card.run.batch_size < GPU_MIN_BATCH:
            warn.append(f"run.device = \"cuda\" with batch_size = {card.run.batch_size}: a work unit is one GPU "
                        f"launch of one thread per particle, and a GPU needs >= {GPU_MIN_BATCH} of them to fill "
                        "(an H200 holds ~270000 resident threads); raise run.batch_size (and particles.count)")
    return rows, warn


#: particles per work unit below which a GPU launch leaves most of the GPU idle
GPU_MIN_BATCH = 65536


def gpu_rows(card: Card, plan, n_cols: int) -> str:
    """One line on the GPU launch of a work unit: blocks, and its device memory."""
    from .kernels.layout import GPU_THREADS as THREADS
    n = card.run.batch_size
    moving = card.field.v_A > 0
    ring = plan.n_lag + 3 + (plan.n_avg if moving else 0)
    rings = 8 * ring * n * (7 if moving else 2)
    return (f"{-(-n // THREADS)} blocks of {THREADS} threads per work unit; ~{rings / 2**20:.3g} MiB of GPU memory "
            f"for the per-particle mu/momentum rings; the table ({n_cols} columns) streamed through shared memory")


def report(card: Card) -> str:
    rows, warn = checks(card)
    w = max(len(r[0]) for r in rows)
    lines = [f"{card.run.name}: {card.source}"]
    lines += [f"  {a:<{w}}  {b}" for a, b in rows]
    lines += [f"WARNING: {x}" for x in warn] or ["  no warnings"]
    return "\n".join(lines)
