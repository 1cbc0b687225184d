"""Resolution and cost checks for a card (``mcparticles info``)."""
from __future__ import annotations

import math


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


def field_ns_per_step(card: Card) -> float:
    """Estimated field cost per particle step [ns] (benchmarks/push_rate.py)."""
    from .fields.window import MIN_MODES
    f = card.field
    if f.grid is not None:
        return NS_PER_GRID_LOOKUP
    per_mode = NS_PER_MODE_ROTATION if f.precision == "rotation" else NS_PER_MODE
    n_slab = sum(2 * c.n_modes if c.helicity else c.n_modes for c in f.components if c.model == "slab")
    n_other = sum(c.n_modes * (2 if getattr(c, "helicity", 0) else 1) for c in f.components if c.model != "slab")
    if n_slab >= MIN_MODES:
        return NS_WINDOW_PER_SQRT_MODE * math.sqrt(n_slab) + per_mode * n_other
    return per_mode * (n_slab + n_other)


def checks(card: Card) -> tuple[list[tuple[str, str]], list[str]]:
    """(rows of (label, value), warnings)."""
    from .qlt import predict
    from .simulation import make_plan

    p, f, t = card.particles, card.field, card.time
    plan = make_plan(card)
    rows, warn = [], []
    B = f.B0 if f.B0 > 0 else 1.0
    rows.append(("rigidity R = r_g/L", f"{p.rigidity:.4g}  (speed {p.speed:.4g} c, charge sign {p.charge_sign:+d})"))
    rows.append(("gyroradius r_g, gyro-period", f"{card.r_g:.4g} L, {card.gyroperiod:.4g} L/c"))
    rows.append(("turbulence dB^2/B0^2, eta", f"{f.dB2_total / B**2:.4g}, {f.dB2_total / (f.B0**2 + f.dB2_total):.4g}"))
    odt = p.speed * f.B_ref_rms / p.rigidity * t.dt
    kdt = f.k_max * p.speed * t.dt
    rows.append(("dt", f"{t.dt:.4g} L/c ({'auto' if t.dt_auto else 'card'}): Omega_rms dt = {odt:.3g}, "
                       f"k_max v dt = {kdt:.3g}, {card.gyroperiod / t.dt:.0f} steps per gyration"))
    if odt > AUTO_OMEGA_DT * 1.0001:
        warn.append(f"Omega dt = {odt:.3g} > {AUTO_OMEGA_DT}: gyration under-resolved (PHYSICS.md sec. 2)")
    if kdt > AUTO_KMAX_VDT * 1.0001:
        warn.append(f"k_max v dt = {kdt:.3g} > {AUTO_KMAX_VDT}: the smallest waves are under-resolved")
    for i, c in enumerate(f.components):
        k0, k1 = c.k_range
        per_dec = c.n_modes / math.log10(k1 / k0)
        below = math.log10(1.0 / (card.r_g * k0))
        above = math.log10(k1 * card.r_g)
        rows.append((f"component {i} ({c.model})",
                     f"dB2 = {c.dB2:.4g}, k in [{k0:.4g}, {k1:.4g}], {c.n_modes} modes "
                     f"({per_dec:.0f} per decade)"))
        rows.append(("  resonant k = 1/(r_g |mu|)",
                     f"from {1 / card.r_g:.4g} (mu = 1) up; spectrum extends {below:.2f} decades below "
                     f"and {above:.2f} above 1/r_g"))
        if below < 1.0:
            warn.append(f"component {i}: only {below:.2f} decades of spectrum below 1/r_g (want 1-2): "
                        "resonances at large |mu| fall outside the band")
        if above < 1.0:
            warn.append(f"component {i}: only {above:.2f} decades above 1/r_g (want 1-2): "
                        f"90-degree gap |mu| < {1 / (card.r_g * k1):.3g}")
        if per_dec < 20:
            warn.append(f"component {i}: {per_dec:.0f} modes per decade; check convergence by doubling n_modes")
    rows.append(("90-degree gap", f"QLT D_mumu = 0 for |mu| < 1/(r_g k_max) = {1 / (card.r_g * f.k_max):.3g}; "
                                  f"D_mumu compared for |mu| > {2 / (card.r_g * f.k_max):.3g}"))
    try:
        kq = predict.kappa(card)
        if not math.isfinite(kq.kappa_par):
            raise predict.QLTUnavailable(kq.note)
        tb = 3 * kq.kappa_par / p.speed ** 2
        rows.append(("QLT kappa_par, lambda_par", f"{kq.kappa_par:.4g} L c, {kq.lambda_par:.4g} L "
                                                  "(spectrum continued above k_max)"))
        # the kappa fit window is t >= max(t_max/3, 5 t_b) (diagnostics/running.py)
        rows.append(("ballistic time 3 kappa/v^2", f"{tb:.4g} L/c (QLT); a kappa plateau needs "
                                                   f"t_max >~ 15 t_b = {15 * tb:.3g}"))
        if t.t_max < 15 * tb:
            warn.append(f"t_max = {t.t_max:g} < 15 x ballistic time ({15 * tb:.3g}, from QLT): kappa will "
                        "probably not reach a plateau (D_mumu is unaffected)")
    except predict.QLTUnavailable as exc:
        rows.append(("QLT kappa_par", str(exc)))
    rows.append(("D_mumu lag", f"{(plan.lag_index + 1) * plan.h:.4g} L/c = "
                               f"{(plan.lag_index + 1) * plan.h / card.gyroperiod:.3g} gyro-periods; "
                               f"scan to {plan.n_lag * plan.h:.4g} L/c"))
    n_modes = sum(c.n_modes * (2 if getattr(c, "helicity", 0) else 1) for c in f.components)
    steps = plan.particle_steps
    sec = steps * (field_ns_per_step(card) + NS_PER_STEP) * 1e-9
    if f.grid is None:
        rot = f.precision == "rotation"
        rows.append(("field precision", f'"{f.precision}" (fields/precision.py): '
                     + ("phases advanced by rotation, exact every 64 steps; field within ~1e-10 of dB_rms"
                        if rot else "one float64 cosine per mode and step; static slab modes by Chebyshev window")))
    rows.append(("work", f"{len(plan.units)} work units, {t.n_steps} steps x "
                         f"{p.count * card.run.realizations} particles = {steps:.3g} particle-steps"))
    rows.append(("estimated wall time", f"{sec:.3g} core-seconds ({sec / 2:.3g} s on 2 cores)"))
    unit_bytes = 8 * (plan.out_steps.size * 6 + plan.n_lag * card.diagnostics.mu_bins * 5
                      + plan.traj_n * plan.traj_len * 7 + 8 * n_modes)
    if f.grid is None and f.precision == "rotation":      # (cos, sin) per mode and particle of a chunk
        unit_bytes += 16 * n_modes * 32
    mem = unit_bytes * (len(plan.units) + 4) + 8 * 6 * card.run.batch_size
    g = f.grid
    if g is not None:
        field_mem = g.memory_bytes
        rows.append(("grid backend", f"{g.points}^3 nodes, box {g.box:.4g} L (k0 = 2 pi/box = {g.k0:.4g}), "
                                     f"|k| resolved up to {g.k_resolved:.4g}; field {field_mem / 2**20:.4g} MiB per "
                                     f"realisation (~{4 * field_mem / 2**20:.4g} MiB while it is made by FFT)"))
        mem += 4 * field_mem
        if math.isfinite(lam := _qlt_lambda(card)) and g.box < 10 * lam:
            warn.append(f"grid box {g.box:.4g} L is not much larger than the QLT mean free path {lam:.4g} L: "
                        "particles see the field repeat (raise grid_box with grid_points)")
    rows.append(("memory", f"~{mem / 2**20:.3g} MiB (independent of t_max except the stored tracks)"))
    return rows, warn


def _qlt_lambda(card: Card) -> float:
    from .qlt import predict
    try:
        return float(predict.kappa(card).lambda_par)
    except predict.QLTUnavailable:
        return float("nan")


def report(card: Card) -> str:
    rows, warn = checks(card)
    w = max(len(r[0]) for r in rows)
    lines = [f"{card.run.name}: {card.source}"]
    lines += [f"  {a:<{w}}  {b}" for a, b in rows]
    lines += [f"WARNING: {x}" for x in warn] or ["  no warnings"]
    return "\n".join(lines)
