"""Analysis: the partial sums of the work units, added in unit order, -> a Result.

:class:`PointSums` folds the unit results of one scan point in unit order (so the sums,
and everything after, are bit-identical for any number of ranks and threads);
:func:`build_result` turns them into the measured coefficients beside QLT.
"""
from __future__ import annotations

import math

import numpy as np

from . import __version__
from .config import Card
from .diagnostics.dmumu import DmumuScan, resolved_bins
from .diagnostics.momentum import MomentumRunning, late_rate, momentum_scans
from .diagnostics.running import RunningDiffusion, late_exponent, plateau
from .parallel import WorkUnit
from .planning import Plan
from .qlt import kappa_par_from_bins
from .qlt.predict import QLTPrediction
from .result import MomentumResult, Result, Tracks


class PointSums:
    """Running totals of one scan point's work units, grouped for the error bars by
    realisation (or by work unit when there is a single realisation)."""

    def __init__(self, card: Card, plan: Plan):
        self.card, self.plan = card, plan
        self.by_realization = card.run.realizations > 1
        self.groups: dict[int, list] = {}
        self.tracks: list[np.ndarray] = []
        self.steps = 0
        self.units = 0

    def add(self, unit: WorkUnit, r: dict) -> None:
        """Add one unit's partial sums (call in unit order)."""
        key = unit.realization if self.by_realization else unit.index
        g = self.groups.get(key)
        if g is None:
            g = self.groups[key] = [np.zeros(np.shape(r["disp"])), 0.0, np.zeros(np.shape(r["lag"])),
                                    np.zeros(np.shape(r["cor"]))]
        g[0] += r["disp"]
        g[1] += r["n"]
        g[2] += r["lag"]
        g[3] += r["cor"]
        if unit.batch == 0 and r["traj"].shape[0]:
            self.tracks.append(r["traj"])
        self.steps += int(r["steps"])
        self.units += 1


def _json_number(x):
    """Summary values as JSON has them: non-finite floats are None (null)."""
    if isinstance(x, dict):
        return {k: _json_number(v) for k, v in x.items()}
    if isinstance(x, (bool, np.bool_)):
        return bool(x)
    if isinstance(x, (int, np.integer)):
        return int(x)
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


def build_result(sums: PointSums, qlt: QLTPrediction, timing: dict | None) -> Result:
    """The Result of one point from its summed units; ``timing`` (None inside a scan,
    whose timing is the whole run's) goes under ``summary["timing"]``."""
    card, plan = sums.card, sums.plan
    if not sums.units:
        raise ValueError("no finished work units to combine")
    keys = sorted(sums.groups)
    disp = np.stack([sums.groups[k][0] for k in keys])
    counts = np.array([sums.groups[k][1] for k in keys])
    lag = np.stack([sums.groups[k][2] for k in keys])
    cor = np.stack([sums.groups[k][3] for k in keys])
    t = plan.out_steps * plan.dt
    running = RunningDiffusion.from_sums(t, disp[..., :6], counts)
    scan = DmumuScan.from_sums(lag[..., :3], cor[..., :2], plan.h)
    edges = qlt.mu_edges
    nan = np.full(edges.size - 1, np.nan)
    if qlt.available:
        qlt_c, qlt_b = qlt.dmumu_centre, qlt.dmumu_bin_mean
        resolved = resolved_bins(edges, qlt_b, card.r_g, card.field.k_par_max, gaps=_gaps(card))
    else:
        qlt_c, qlt_b = nan, nan
        resolved = np.zeros(edges.size - 1, dtype=bool)
    kq = qlt.kappa

    v = card.particles.speed
    par = plateau(t, running.par(), running.par(groups=True), v)
    perp = plateau(t, running.perp(), running.perp(groups=True), v)
    a_par, a_par_err = late_exponent(t, running.par(groups=True), t_from=5 * par.t_ballistic)
    a_perp, a_perp_err = late_exponent(t, running.perp(groups=True), t_from=5 * par.t_ballistic)
    li = plan.lag_index
    val, err, val_b, err_b = scan.at(li)
    ratio = ratio_b = ratio_c = float("nan")
    if qlt.available and np.any(resolved):
        ratio = float(np.median(val[resolved] / qlt_b[resolved]))
        ratio_b = float(np.median(val_b[resolved] / qlt_b[resolved]))
        ratio_c = float(np.median(scan.slope[li][resolved] / qlt_b[resolved]))
    # kappa from D_mumu needs the transport across mu = 0 to have developed: near 90
    # degrees mu_loc is moved by the largest waves (amplitude ~ dB/B0, wider than the
    # resonance gap) on the time scale 1/(k_min v), so this uses the lag
    # 2/(k_min v) (within the scan, not shorter than the QLT-comparison lag).
    # Measured on runs/quickstart.toml: kappa_from_D is flat within 2% for lags of
    # 1.5-6 gyro-periods and matches the directly measured kappa_par.
    lk = int(np.clip(round(2.0 / (card.field.k_min * v) / plan.h) - 1, li, plan.n_lag - 1))
    val_k = scan.lag[lk]
    k_from_d = kappa_par_from_bins(edges, val_k, v) if np.all(np.isfinite(val_k)) else float("nan")
    if kq is None:
        kappa_note = qlt.kappa_reason
    else:
        kappa_note = kq.note

    summary = {
        "kappa_par": par.value, "kappa_par_err": par.err,
        "kappa_perp": perp.value, "kappa_perp_err": perp.err,
        "lambda_par": 3.0 * par.value / v, "lambda_par_err": 3.0 * par.err / v,
        "alpha_par": a_par, "alpha_par_err": a_par_err,
        "alpha_perp": a_perp, "alpha_perp_err": a_perp_err,
        # a parallel plateau also needs normal diffusion: |alpha_par - 1| <= 0.15
        "plateau_reached": bool(par.reached and np.isfinite(a_par) and abs(a_par - 1.0) <= 0.15),
        "plateau_t_start": par.t_start,
        "t_ballistic": par.t_ballistic,
        "qlt_kappa_par": kq.kappa_par if kq else None,
        "qlt_lambda_par": kq.lambda_par if kq else None,
        "qlt_kappa_par_band_limited": kq.kappa_par_band if kq else None,
        "qlt_gap_mu": kq.gap_mu if kq else None,
        "qlt_kappa_note": kappa_note,
        "dmumu_ratio_median": ratio, "dmumu_ratio_median_corr": ratio_b,
        "dmumu_ratio_median_slope": ratio_c,
        "kappa_par_from_dmumu": k_from_d, "kappa_par_from_dmumu_lag": float(scan.lags[lk]),
        "dmumu_lag": float(scan.lags[li]), "dmumu_lag_gyroperiods": float(scan.lags[li] / card.gyroperiod),
        "dmumu_lag_rule": plan.lag_rule,
        "rigidity": card.particles.rigidity, "speed": v, "r_g": card.r_g, "B0": card.field.B0,
        "dB2": card.field.dB2_total,
        "sigma2": card.field.dB2_total / card.field.B0 ** 2 if card.field.B0 > 0 else None,
        "eta": card.field.dB2_total / (card.field.B0 ** 2 + card.field.dB2_total),
        "dt": plan.dt, "n_steps": plan.n_steps, "realizations": card.run.realizations,
        "particles": int(counts.sum()), "seed": card.run.seed,
        "complete": sums.units == len(plan.units),
        "particle_steps": sums.steps,
        "version": __version__,
    }
    summary.update(nlgc_summary(card, par.value, kq.kappa_par if kq else None))
    fluid = fluid_kappa(card)
    summary["fluid_kappa_par"] = fluid
    summary["boost"] = card.field.boost
    if card.field.plasma is not None:
        summary["plasma"] = card.field.plasma.summary()
    if card.physical is not None:
        summary["physical"] = physical_summary(card, par, perp, kq, fluid, k_from_d)
        # NLGC does not scale as 1/dB^2 (at short lambda_par it does not change with the
        # amplitude at all), so a boosted field has no physical NLGC value
        if summary["kappa_perp_nlgc"] is not None and card.field.power_factor == 1.0:
            summary["physical"]["kappa_perp_nlgc_cm2_s"] = card.physical.kappa_cm2_s(summary["kappa_perp_nlgc"])
    momentum = None
    if card.field.moving:
        momentum = _momentum(card, plan, t, disp, counts, lag, cor, qlt, resolved, par, summary)
    summary = _json_number(summary)
    if timing is not None:
        summary["timing"] = _json_number(dict(timing))
    tr = np.concatenate(sums.tracks) if sums.tracks else np.zeros((0, plan.traj_len, 7))
    gamma_v = tr[:, :, 3:6] * _lorentz_factor(v)
    tracks = Tracks(t=np.arange(tr.shape[1]) * plan.traj_stride * plan.dt, x=tr[:, :, 0:3], u=gamma_v,
                    mu=tr[:, :, 6], u_is_gamma_v=v < 1.0)
    return Result(card=card, summary=summary, running=running, dmumu=scan, lag_index=li, mu_edges=edges,
                  qlt_centre=np.asarray(qlt_c, dtype=float), qlt_bin_mean=np.asarray(qlt_b, dtype=float),
                  resolved=resolved, tracks=tracks, units_done=sums.units, units_total=len(plan.units),
                  momentum=momentum)


def nlgc_summary(card, kappa_par, qlt_kappa_par) -> dict:
    """NLGC kappa_perp (qlt/nlgc.py, a^2 = 1/3) from the measured kappa_par
    (``kappa_perp_nlgc``) and from the QLT one (``kappa_perp_nlgc_from_qlt``); None
    where NLGC does not apply, ``nlgc_note`` says why or what to beware of."""
    from .qlt import nlgc
    measured = kappa_par if kappa_par is not None and math.isfinite(kappa_par) and kappa_par > 0 else None
    k_meas, note = nlgc.kappa_perp_or_none(card, measured)
    k_qlt, note_q = nlgc.kappa_perp_or_none(card, qlt_kappa_par)
    return {"kappa_perp_nlgc": k_meas, "kappa_perp_nlgc_from_qlt": k_qlt,
            "nlgc_note": note if k_meas is not None or not note_q else note_q, "nlgc_a2": nlgc.A2}


def fluid_kappa(card) -> float | None:
    """The fluid self-confinement estimate kappa_par = v^2/(3 nu) [L c] of the card's
    self-generated components (their rates nu add), None without one (selfgen.py)."""
    comps = [c for c in card.field.components if getattr(c, "generation", None) is not None]
    if not comps or card.field.B0 <= 0:
        return None
    inv = sum(1.0 / c.fluid_kappa(card.r_g, card.particles.speed) for c in comps)
    return float(1.0 / inv) if inv > 0 else None


def physical_summary(card, par, perp, kq, fluid, k_from_d) -> dict:
    """kappa, lambda and r_g in cm^2/s and cm; with a boost, the transport coefficients
    are rescaled to the physical amplitude (kappa x boost^2, quasi-linear scaling) and
    say so."""
    ph, f = card.physical, card.field.power_factor
    v = card.particles.speed
    out = {
        "kappa_par_cm2_s": ph.kappa_cm2_s(par.value) * f, "kappa_par_err_cm2_s": ph.kappa_cm2_s(par.err) * f,
        "kappa_perp_cm2_s": ph.kappa_cm2_s(perp.value) * f, "kappa_perp_err_cm2_s": ph.kappa_cm2_s(perp.err) * f,
        "qlt_kappa_par_cm2_s": ph.kappa_cm2_s(kq.kappa_par) * f if kq else None,
        "fluid_kappa_par_cm2_s": ph.kappa_cm2_s(fluid) * f if fluid else None,
        "kappa_par_from_dmumu_cm2_s": ph.kappa_cm2_s(k_from_d) * f if math.isfinite(k_from_d) else None,
        "lambda_par_cm": ph.length_cm(3.0 * par.value / v) * f, "r_g_cm": ph.length_cm(card.r_g),
        "energy_GeV": ph.energy_GeV, "B0_microgauss": ph.B_microgauss, "L_pc": ph.L_pc,
    }
    if card.field.boost != 1.0:
        out["rescaled"] = (f"simulated with every amplitude x {card.field.boost:.6g}; kappa, lambda and the QLT and "
                           f"fluid kappa rescaled by boost^2 = {f:.6g} to the physical amplitude (exact in the "
                           "quasi-linear regime: check D/dB^2 at two boosts)")
        out["boost"] = card.field.boost
    return out


def _gaps(card) -> tuple[float, ...]:
    """The mu of the resonance gaps: V/v for every wave family (0 for static waves)."""
    v = card.particles.speed
    return tuple(sorted({s / v for c in card.field.components for s in c.parallel_speeds}))


def _momentum(card, plan, t, disp, counts, lag, cor, qlt, resolved, par, summary) -> MomentumResult:
    """Momentum transport and streaming of a moving-wave run (diagnostics/momentum.py);
    adds its summary keys to ``summary``."""
    dpp, dmup, dmumu_avg = momentum_scans(lag, cor, plan.h)
    running = MomentumRunning.from_sums(t, disp[..., 6:9], counts)
    # the slope estimator [<dp^2>(tau) - <dp^2>(tau/2)] / tau at tau >= 2 gyro-periods, so
    # that tau/2 spans the gyro-average: its smoothing offset and any saturated
    # reversible part drop out (measured on balanced slab waves, eps = 0.05: within
    # 1.06-1.09 of QLT from 2 to 6 gyro-periods, while the lag estimator climbs from 0.88
    # at one gyro-period to 1.04 at six)
    tau = max(2.0 * plan.gyroperiod, float(plan.h * (plan.lag_index + 1)))
    li = int(np.clip(round(tau / plan.h) - 1, 0, plan.n_lag - 1))
    nan = np.full(qlt.mu_edges.size - 1, np.nan)
    have = qlt.available and qlt.dpp_centre is not None
    q_pp_c, q_pp_b = (qlt.dpp_centre, qlt.dpp_bin_mean) if have else (nan, nan)
    q_up_c, q_up_b = (qlt.dmup_centre, qlt.dmup_bin_mean) if have else (nan, nan)
    # the late window of the kappa plateau: the pitch-angle distribution has relaxed
    a2, a2_err = late_rate(t, running.var_p_groups, par.t_start, scale=0.5)
    u_st, u_st_err = late_rate(t, running.dz_groups, par.t_start)
    dp_rate, dp_rate_err = late_rate(t, _mean_dp_groups(disp, counts), par.t_start)
    mom, band = qlt.momentum, qlt.momentum_band

    def ratio(measured, predicted):
        ok = resolved & np.isfinite(measured) & np.isfinite(predicted) & (np.abs(predicted) > 0)
        return float(np.median(measured[ok] / predicted[ok])) if np.any(ok) else float("nan")

    with np.errstate(invalid="ignore", divide="ignore"):       # empty bins: NaN, dropped by ratio()
        pp_over, up_over = dpp.slope[li] / dmumu_avg.slope[li], dmup.slope[li] / dmumu_avg.slope[li]
        q_pp_over = q_pp_b / qlt.dmumu_bin_mean if have else nan
        q_up_over = q_up_b / qlt.dmumu_bin_mean if have else nan

    kappa_par = summary["kappa_par"]
    summary.update({
        "v_A": card.field.v_A, "eps": card.field.v_A / card.particles.speed,
        "A2": a2, "A2_err": a2_err,
        "qlt_A2": mom.A2 if mom else None, "qlt_A2_band_limited": band.A2 if band else None,
        "A2_kappa_par": a2 * kappa_par,
        "qlt_A2_kappa_par": mom.A2 * mom.kappa_par if mom and math.isfinite(mom.kappa_par) else None,
        "streaming_speed": u_st, "streaming_speed_err": u_st_err,
        "qlt_streaming_speed": mom.streaming_speed if mom else None,
        "qlt_A1": mom.A1 if mom else None,
        "mean_dp_rate": dp_rate, "mean_dp_rate_err": dp_rate_err,
        "dpp_ratio_median": ratio(dpp.slope[li], q_pp_b),
        "dmup_ratio_median": ratio(dmup.slope[li], q_up_b),
        # D_pp/D_mumu and D_mup/D_mumu with one estimator, lag and binning, against QLT's
        "dpp_over_dmumu_ratio_median": ratio(pp_over, q_pp_over),
        "dmup_over_dmumu_ratio_median": ratio(up_over, q_up_over),
        "momentum_lag": float(dpp.lags[li]), "momentum_lag_gyroperiods": float(dpp.lags[li] / plan.gyroperiod),
        "momentum_average_samples": plan.n_avg,
    })
    return MomentumResult(dpp=dpp, dmup=dmup, running=running, qlt_dpp_centre=np.asarray(q_pp_c, float),
                          qlt_dpp_bin_mean=np.asarray(q_pp_b, float), qlt_dmup_centre=np.asarray(q_up_c, float),
                          qlt_dmup_bin_mean=np.asarray(q_up_b, float), lag_index=li, dmumu_averaged=dmumu_avg)


def _mean_dp_groups(disp, counts):
    """<dp> per group at each output time (G, n_out)."""
    return disp[..., 7] / np.asarray(counts, float)[:, None]


def _lorentz_factor(speed: float) -> float:
    """gamma for v < c; for v = c (the ultra-relativistic limit, gamma infinite) the
    tracks keep u = v, i.e. the momentum in units of |p|/c."""
    return 1.0 / math.sqrt(1.0 - speed * speed) if speed < 1.0 else 1.0
