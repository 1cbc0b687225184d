"""The run driver: card -> work units -> kernels -> combined statistics -> Result.

Arrows point one way: this module uses fields, kernels, diagnostics, qlt and io; none
of those import it.
"""
from __future__ import annotations

import logging
import math
import os
import signal
import time
from dataclasses import dataclass

import numpy as np

from . import __version__
from .config import Card, Scan
from .diagnostics.dmumu import DmumuScan, mu_edges, resolved_bins
from .diagnostics.running import RunningDiffusion, late_exponent, output_steps, plateau
from .fields.grid import synthesize
from .fields.modes import EMPTY_GRID, ModeSet
from .fields.window import EMPTY_WINDOW
from .kernels.push import push_batch
from .parallel import Context, WorkUnit, field_rng, get_context, particle_rng, threads_per_rank, work_units
from .qlt import kappa_par_from_bins
from .qlt import predict as qlt_predict

log = logging.getLogger(__name__)

#: particles per accumulator chunk inside a kernel call, stepped together (fixed:
#: thread-count independent; 32 measured fastest, benchmarks/push_rate.py)
CHUNK = 32


class Interrupted(RuntimeError):
    """SIGTERM/SIGINT arrived; finished units are checkpointed."""


@dataclass(frozen=True)
class Plan:
    dt: float
    n_steps: int
    out_steps: np.ndarray
    mu_stride: int          # steps between mu samples
    h: float                # mu sampling interval [L/c]
    n_lag: int
    lag_index: int          # chosen lag (0-based index into the lag scan)
    traj_n: int
    traj_stride: int
    traj_len: int
    units: tuple
    box: float

    @property
    def particle_steps(self) -> int:
        return sum(u.n_particles for u in self.units) * self.n_steps


#: at most this many lags in the D_mumu lag scan (mu is sampled more coarsely for long lags)
MAX_LAGS = 512


def auto_lag_gyroperiods(card: Card) -> float:
    """Lag for D_mumu in gyro-periods (1/Omega << tau << 1/D, PHYSICS.md section 4).

    Slab fields:  tau = clip(w^2 / (2 D_max), 0.5, 1.0) gyro-periods,
    w = 2/mu_bins the bin width and D_max the largest QLT D_mumu, so that the rms
    excursion sqrt(2 D tau) during a lag stays within one bin.  Measured on slab cards
    (r_g = 0.1 L, k_max r_g = 30): in weak turbulence (dB2 = 0.003) one gyro-period
    agrees with QLT within the 1-2% statistical error, while half a gyro-period is up to
    7% low at small |mu| (start-up bias ~ 1/(Omega tau)); at dB2 = 0.03 one gyro-period
    lets mu wander 0.14 and the curvature of D(mu) pulls the estimate 12-17% below QLT,
    half a gyro-period 5-11%.

    3D fields (any non-slab component):
    tau = max(0.5 T_g, min(w^2/(2 D_max), 4/(k_min v), t_max/3)).
    Oblique and compressive modes also change the local mu reversibly (mirroring in
    |B| structures, tilts of the local field), on the crossing time of the largest
    waves, 1/(k_min v mu).  That part of <dmu^2> saturates, so at short lags it
    inflates <dmu^2>/(2 tau) like 1/tau: measured on fast modes (dB2 = 0.003, r_g = 0.1)
    the ratio to QLT at mu = 0.85 falls from 1.6 at 0.1 T_g and 1.12 at 1 T_g to
    0.93-0.98 at 4-8 T_g (4/(k_min v) = 6.4 T_g).  The whole lag scan is stored."""
    w = 2.0 / card.diagnostics.mu_bins
    try:
        slab_only = all(c.model == "slab" for c in card.field.components)
        # 3D QLT costs a k_perp integral per harmonic and mu: 41 points find the peak
        d_max = float(np.max(qlt_predict.dmumu(card, np.linspace(-0.99, 0.99, 199 if slab_only else 41))))
    except qlt_predict.QLTUnavailable:
        return 1.0
    wander = w * w / (2.0 * d_max) if d_max > 0 else math.inf
    tg = card.gyroperiod
    if all(c.model == "slab" for c in card.field.components):
        return float(np.clip(wander / tg, 0.5, 1.0))
    crossing = 4.0 / (card.field.k_min * card.particles.speed)
    return float(max(0.5, min(wander, crossing, card.time.t_max / 3.0) / tg))


def make_plan(card: Card) -> Plan:
    dt = card.time.dt
    n_steps = card.time.n_steps
    tg = card.gyroperiod
    d = card.diagnostics
    lag_gp = d.dmumu_lag if d.dmumu_lag is not None else auto_lag_gyroperiods(card)
    max_lag = d.dmumu_max_lag if d.dmumu_max_lag is not None else max(6.0, 2.0 * lag_gp)
    # mu samples: mu_samples_per_gyration, but at most MAX_LAGS over the lag scan
    # (in floats, clamped to the run, so that absurd but valid cards cannot overflow)
    stride_f = max(1.0, round(tg / (d.mu_samples_per_gyration * dt)), math.ceil(max_lag * tg / (MAX_LAGS * dt)))
    mu_stride = int(min(stride_f, n_steps))
    h = mu_stride * dt
    n_lag = int(max(1, min(math.ceil(max_lag * tg / h), MAX_LAGS)))
    lag_index = int(np.clip(round(lag_gp * tg / h) - 1, 0, n_lag - 1))
    units = tuple(work_units(card.run.realizations, card.particles.count, card.run.batch_size))
    traj_n = min(d.trajectories, units[0].n_particles)
    traj_stride = max(1, int(math.ceil((n_steps + 1) / d.track_points)))
    traj_len = n_steps // traj_stride + 1
    return Plan(dt=dt, n_steps=n_steps, out_steps=output_steps(n_steps, card.time.n_output),
                mu_stride=mu_stride, h=h, n_lag=n_lag, lag_index=lag_index, traj_n=traj_n,
                traj_stride=traj_stride, traj_len=traj_len, units=units,
                box=card.field.grid.box if card.field.grid is not None else 2.0 * np.pi / card.field.k_min)


def sample_field(card: Card, realization: int):
    """The field of one realisation: all components, sampled in card order -- a
    ModeSet, or a GridField for backend = "grid" (fields/grid.py)."""
    rng = field_rng(card.run.seed, realization)
    if card.field.backend == "grid":
        return synthesize(card.field.components, card.field.grid, rng)
    return ModeSet.concatenate([c.sample(rng) for c in card.field.components])


def b0_vector(card: Card) -> np.ndarray:
    return np.array([0.0, 0.0, card.field.B0])


def run_unit(card: Card, plan: Plan, unit: WorkUnit, modes: ModeSet) -> dict:
    """Push one work unit; returns its partial sums (plain arrays)."""
    x, v = card.particles.initial_state(unit.n_particles, particle_rng(card.run.seed, unit), plan.box)
    traj_n = plan.traj_n if unit.batch == 0 else 0
    t0 = time.perf_counter()
    disp, lag, cor, traj, bad = push_batch(
        x, v, *modes.kernel_args(card.field.precision), b0_vector(card), card.particles.qm, plan.dt,
        plan.n_steps, plan.out_steps, plan.mu_stride, plan.n_lag, card.diagnostics.mu_bins,
        CHUNK, traj_n, plan.traj_stride, plan.traj_len)
    wall = time.perf_counter() - t0
    if np.any(bad >= 0):
        p = int(np.argmax(bad >= 0))
        raise FloatingPointError(
            f"non-finite field or position in work unit {unit.index} (realization {unit.realization}, batch "
            f"{unit.batch}) at particle {p}, step {int(bad[p])}")
    return {"index": unit.index, "disp": disp.sum(axis=0), "lag": lag.sum(axis=0),
            "cor": cor.sum(axis=0), "traj": traj, "n": unit.n_particles,
            "steps": unit.n_particles * plan.n_steps, "wall": wall}


def warm_up(ctx: Context):
    """Compile (or load from cache) the kernels: rank 0 first, then the others."""
    def compile_once():
        m = np.zeros((8, 1))
        push_batch(np.zeros((1, 3)), np.array([[0.0, 0.6, 0.8]]), m, 0, 0, *EMPTY_WINDOW, EMPTY_GRID, 0.0, False, False,
                   np.array([0, 0, 1.0]), 1.0,
                   0.01, 2, np.array([1], dtype=np.int64), 1, 1, 2, CHUNK, 0, 1, 1)
    if ctx.is_root:
        compile_once()
    ctx.barrier()
    if not ctx.is_root:
        compile_once()


@dataclass
class Result:
    """Everything a run reports; io.py writes it, plotting.py draws it."""

    card: Card
    plan: Plan
    running: RunningDiffusion
    scan: DmumuScan
    edges: np.ndarray
    qlt_centre: np.ndarray | None
    qlt_bin_mean: np.ndarray | None
    resolved: np.ndarray
    trajectories: np.ndarray          # (n_tracks, traj_len, 7)
    summary: dict
    timing: dict
    units_done: int = 0
    units_total: int = 0

    @property
    def mu(self):
        return 0.5 * (self.edges[1:] + self.edges[:-1])


def combine(card: Card, plan: Plan, unit_results: dict[int, dict], timing: dict) -> Result:
    """Combine unit partial sums in unit order into a Result (also for a partial run)."""
    units = [u for u in plan.units if u.index in unit_results]
    if not units:
        raise ValueError("no finished work units to combine")
    # error groups: realisations when there are several, else batches
    by_real = card.run.realizations > 1
    keys = sorted({(u.realization if by_real else u.index) for u in units})
    gidx = {k: i for i, k in enumerate(keys)}
    G = len(keys)
    n_out = plan.out_steps.size
    disp = np.zeros((G, n_out, 6))
    counts = np.zeros(G)
    lag = np.zeros((G,) + unit_results[units[0].index]["lag"].shape)
    cor = np.zeros((G,) + unit_results[units[0].index]["cor"].shape)
    tracks = []
    for u in units:                                  # unit order: rank-independent sums
        r = unit_results[u.index]
        g = gidx[u.realization if by_real else u.index]
        disp[g] += r["disp"]
        counts[g] += r["n"]
        lag[g] += r["lag"]
        cor[g] += r["cor"]
        if u.batch == 0 and r["traj"].shape[0]:
            tracks.append(r["traj"])
    t = plan.out_steps * plan.dt
    running = RunningDiffusion.from_sums(t, disp, counts)
    scan = DmumuScan.from_sums(lag, cor, plan.h)
    edges = mu_edges(card.diagnostics.mu_bins)
    mu = 0.5 * (edges[1:] + edges[:-1])
    try:
        qlt_c = qlt_predict.dmumu(card, mu)
        qlt_b = qlt_predict.dmumu_bin_mean(card, edges)
        kq = qlt_predict.kappa(card)
        resolved = resolved_bins(edges, qlt_b, card.r_g, card.field.k_max)
    except qlt_predict.QLTUnavailable:
        qlt_c = qlt_b = kq = None
        resolved = np.zeros(mu.size, dtype=bool)

    v = card.particles.speed
    par = plateau(t, running.par(), running.par(groups=True), v)
    perp = plateau(t, running.perp(), running.perp(groups=True), v)
    a_par, a_par_err = late_exponent(t, running.par(groups=True), t_from=5 * par.t_ballistic)
    a_perp, a_perp_err = late_exponent(t, running.perp(groups=True), t_from=5 * par.t_ballistic)
    li = plan.lag_index
    val, err, val_b, err_b = scan.at(li)
    ratio = ratio_b = ratio_c = float("nan")
    if qlt_b is not None and np.any(resolved):
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

    summary = {
        "kappa_par": par.value, "kappa_par_err": par.err,
        "kappa_perp": perp.value, "kappa_perp_err": perp.err,
        "lambda_par": 3.0 * par.value / v, "lambda_par_err": 3.0 * par.err / v,
        "alpha_par": a_par, "alpha_par_err": a_par_err,
        "alpha_perp": a_perp, "alpha_perp_err": a_perp_err,
        # a parallel plateau also needs normal diffusion: |alpha_par - 1| <= 0.15
        "plateau_reached": bool(par.reached and np.isfinite(a_par) and abs(a_par - 1.0) <= 0.15), "plateau_t_start": par.t_start,
        "t_ballistic": par.t_ballistic,
        "qlt_kappa_par": kq.kappa_par if kq else None,
        "qlt_lambda_par": kq.lambda_par if kq else None,
        "qlt_kappa_par_band_limited": kq.kappa_par_band if kq else None,
        "qlt_gap_mu": kq.gap_mu if kq else None,
        "qlt_kappa_note": kq.note if kq else "QLT needs a mean field (B0 > 0)",
        "dmumu_ratio_median": ratio, "dmumu_ratio_median_corr": ratio_b,
        "dmumu_ratio_median_slope": ratio_c,
        "kappa_par_from_dmumu": k_from_d, "kappa_par_from_dmumu_lag": float(scan.lags[lk]),
        "dmumu_lag": float(scan.lags[li]), "dmumu_lag_gyroperiods": float(scan.lags[li] / card.gyroperiod),
        "rigidity": card.particles.rigidity, "speed": v, "r_g": card.r_g, "B0": card.field.B0,
        "dB2": card.field.dB2_total,
        "sigma2": card.field.dB2_total / card.field.B0 ** 2 if card.field.B0 > 0 else None,
        "eta": card.field.dB2_total / (card.field.B0 ** 2 + card.field.dB2_total),
        "dt": plan.dt, "n_steps": plan.n_steps, "realizations": card.run.realizations,
        "particles": int(counts.sum()), "seed": card.run.seed,
        "complete": len(units) == len(plan.units),
        "particle_steps": int(sum(unit_results[u.index]["steps"] for u in units)),
        "version": __version__,
    }
    if card.physical is not None:
        ph = card.physical
        summary["physical"] = {
            "kappa_par_cm2_s": ph.kappa_cm2_s(par.value), "kappa_par_err_cm2_s": ph.kappa_cm2_s(par.err),
            "kappa_perp_cm2_s": ph.kappa_cm2_s(perp.value), "kappa_perp_err_cm2_s": ph.kappa_cm2_s(perp.err),
            "qlt_kappa_par_cm2_s": ph.kappa_cm2_s(kq.kappa_par) if kq else None,
            "lambda_par_cm": ph.length_cm(3.0 * par.value / v), "r_g_cm": ph.length_cm(card.r_g),
            "energy_GeV": ph.energy_GeV, "B0_microgauss": ph.B_microgauss, "L_pc": ph.L_pc,
        }
    summary = {k: _json_number(v_) for k, v_ in summary.items()}
    tr = np.concatenate(tracks) if tracks else np.zeros((0, plan.traj_len, 7))
    return Result(card=card, plan=plan, running=running, scan=scan, edges=edges,
                  qlt_centre=qlt_c, qlt_bin_mean=qlt_b, resolved=resolved, trajectories=tr,
                  summary=summary, timing=timing, units_done=len(units), units_total=len(plan.units))


def _json_number(x):
    if isinstance(x, dict):
        return {k: _json_number(v) for k, v in x.items()}
    if isinstance(x, (float, np.floating)):
        return float(x) if math.isfinite(x) else None
    return x


class _Progress:
    """Progress of the whole job on rank 0: work units done across all ranks, counted
    from the checkpoint directory (every rank saves each finished unit there), so no
    MPI messages are needed.  ``mode`` is "bar" (tqdm, terminal), "log" (a log line
    every ``log_every`` seconds) or None."""

    def __init__(self, mode, store, total: int, already: int, desc: str, log_every: float = 30.0):
        import threading

        self.mode, self.store, self.total, self.already = mode, store, total, already
        self.log_every = log_every
        self._stop = threading.Event()
        self._thread = None
        self._bar = None
        self._t0 = time.perf_counter()
        if mode is None or total == 0:
            return
        if mode == "bar":
            from tqdm import tqdm
            self._bar = tqdm(total=total, initial=already, desc=desc, unit="unit", leave=False)
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _count(self) -> int:
        return self.store.count()

    def _watch(self):
        last_log = time.perf_counter()
        while not self._stop.wait(0.5):
            done = self._count()
            if self._bar is not None:
                self._bar.update(max(0, done - self._bar.n))
            elif time.perf_counter() - last_log >= self.log_every:
                last_log = time.perf_counter()
                self._log(done)

    def _log(self, done: int):
        el = time.perf_counter() - self._t0
        new = done - self.already
        rate = new / el if el > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 else float("nan")
        log.info("progress: %d/%d work units (%.0f%%), %.3g units/s, ETA %.0f s",
                    done, self.total, 100.0 * done / max(self.total, 1), rate, eta)

    def close(self):
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        if self._bar is not None:
            self._bar.update(max(0, self._count() - self._bar.n))
            self._bar.close()


def as_scan(card_or_scan) -> Scan:
    if isinstance(card_or_scan, Scan):
        return card_or_scan
    return Scan(cards=(card_or_scan,), parameters=(), data=card_or_scan.raw, text=card_or_scan.text)


def global_units(plans) -> list[tuple[int, int, WorkUnit]]:
    """(global index, point, unit) for every work unit of every scan point, in order."""
    jobs = []
    for p, plan in enumerate(plans):
        for u in plan.units:
            jobs.append((len(jobs), p, u))
    return jobs


def run(card, output_dir, *, resume: bool = False, progress: str | None = None,
        threads: int | None = None, ctx: Context | None = None, write_plots: bool = True):
    """Run a card or a :class:`~mcparticles.config.Scan`; rank 0 writes ``output_dir``
    and returns the Result (a list of Results for a scan); other ranks return None.

    Work units of all scan points form one list; ranks take them round-robin, and rank
    0 combines each point's units in unit order (rank- and thread-independent sums)."""
    from . import io
    import numba

    scan = as_scan(card)
    ctx = ctx or get_context()
    first = scan.cards[0]
    nthreads = threads_per_rank(threads or first.run.threads, ctx)
    numba.set_num_threads(min(nthreads, numba.config.NUMBA_NUM_THREADS))
    plans = [make_plan(c) for c in scan.cards]
    jobs = global_units(plans)
    store = io.Checkpoint(output_dir, scan)
    error = None
    if ctx.is_root:
        try:
            store.open(resume=resume)
        except io.OutputError as exc:
            error = exc
    error = ctx.bcast(error)
    if error is not None:
        raise error
    done = store.load_all() if resume else {}
    warm_up(ctx)
    mine = [j for j in jobs if j[0] % ctx.size == ctx.rank and j[0] not in done]
    results = {g: r for g, r in done.items() if g % ctx.size == ctx.rank}

    # SIGTERM / SIGINT: finish and save the work unit in flight, then stop (a Python
    # exception cannot be raised inside the nogil kernel); a second signal exits at once,
    # which is safe because checkpoint files appear only complete (write, fsync, rename).
    stop = {"signal": 0}

    def handler(signum, frame):
        if stop["signal"]:
            os.write(2, b"mcparticles: second signal: stopping now; finished work units are saved\n")
            os._exit(1)
        stop["signal"] = signum

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        t_start = time.perf_counter()
        bar = _Progress(progress if ctx.is_root else None, store, len(jobs), len(done), first.run.name)
        try:
            field_key, modes = None, None
            for g, p, u in mine:
                if stop["signal"]:
                    break
                card_p = scan.cards[p]
                key = (card_p.field, card_p.run.seed, u.realization)
                if key != field_key:
                    field_key, modes = key, sample_field(card_p, u.realization)
                try:
                    r = run_unit(card_p, plans[p], u, modes)
                except FloatingPointError as exc:
                    raise FloatingPointError(f"{exc}{f' of scan point {p}' if scan.is_scan else ''}; the "
                                             f"finished work units are saved in {store.cdir}") from None
                r["index"] = g
                store.save(r)
                results[g] = r
            # every rank learns whether any was interrupted, so none waits in gather alone
            interrupted = ctx.allreduce_max(stop["signal"])
        finally:
            bar.close()
        if interrupted:
            raise Interrupted(f"received signal {interrupted}")
        # a signal from here on lets the (short) writing finish: the run is complete
        wall = time.perf_counter() - t_start
        gathered = ctx.gather((results, wall))
        if not ctx.is_root:
            return None
        all_results: dict[int, dict] = {}
        for part, _ in gathered:
            all_results.update(part)
        wall = max(w for _, w in gathered)
        steps_new = sum(all_results[g]["steps"] for g, _, _ in jobs if g not in done)
        timing = {"wall_seconds": wall, "steps_per_second": steps_new / wall if wall > 0 else None,
                  "ranks": ctx.size, "threads": nthreads}
        point_results = []
        for p, plan in enumerate(plans):
            local = {u.index: all_results[g] for g, q, u in jobs if q == p}
            point_results.append(combine(scan.cards[p], plan, local, timing))
        if scan.is_scan:
            io.write_scan(output_dir, scan, point_results, timing, plots=write_plots)
        else:
            io.write_result(output_dir, point_results[0], timing, scan, plots=write_plots)
        store.finish()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
    return point_results if scan.is_scan else point_results[0]
