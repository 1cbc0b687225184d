"""Planning a run: work units, time step, output times, the D_mumu lags, the kernel
settings -- everything fixed before the first particle moves.

A :class:`Plan` depends on the card alone (and on the card's QLT when the D_mumu lag
is automatic), never on the number of ranks or threads.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .config import Card
from .diagnostics.running import output_steps
from .kernels.args import StepSettings
from .parallel import WorkUnit, field_rng, work_units
from .qlt.predict import QLTPrediction, predict

#: particles per accumulator chunk inside a kernel call, stepped together (fixed:
#: thread-count independent; 32 measured fastest, benchmarks/push_rate.py)
CHUNK = 32

#: at most this many lags in the D_mumu lag scan (mu is sampled more coarsely for long lags)
MAX_LAGS = 512


@dataclass(frozen=True)
class Plan:
    """Steps, sampling and work units of one card (one scan point).

    dt [L/c], n_steps; out_steps: the step indices of the running moments; mu_stride:
    steps between mu samples, h = mu_stride dt; n_lag: lags of the D_mumu scan;
    lag_index: the lag used (0-based), chosen by ``lag_rule``; gyroperiod [L/c];
    traj_*: tracked particles
    (of batch 0 of each realisation), steps between stored points, points; units: the
    work units; box: side of the cube the starting positions are drawn in [L]."""

    dt: float
    n_steps: int
    out_steps: np.ndarray
    mu_stride: int
    h: float
    n_lag: int
    lag_index: int
    lag_rule: str
    gyroperiod: float
    traj_n: int
    traj_stride: int
    traj_len: int
    units: tuple
    box: float

    @property
    def n_avg(self) -> int:
        """mu samples in one gyro-period: the gyro-average of the momentum estimators
        (kernels/momentum.py)."""
        return max(1, round(self.gyroperiod / self.h))

    @property
    def particle_steps(self) -> int:
        return sum(u.n_particles for u in self.units) * self.n_steps

    def step_settings(self, card: Card, unit: WorkUnit) -> StepSettings:
        """The kernel's StepSettings for one work unit (tracks in batch 0 only)."""
        return StepSettings.make(
            b0=[0.0, 0.0, card.field.B0], qm=card.particles.qm, mass2=card.particles.mass2, dt=self.dt,
            n_steps=self.n_steps,
            out_steps=self.out_steps, mu_stride=self.mu_stride, n_lag=self.n_lag, n_bins=card.diagnostics.mu_bins,
            n_avg=self.n_avg,
            chunk=CHUNK, traj_n=self.traj_n if unit.batch == 0 else 0, traj_stride=self.traj_stride,
            traj_len=self.traj_len)


def auto_lag_gyroperiods(card: Card, qlt: QLTPrediction) -> tuple[float, str]:
    """Lag for D_mumu in gyro-periods (1/Omega << tau << 1/D, docs/physics.md §5.5),
    and the rule that gave it.

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
    0.93-0.98 at 4-8 T_g (4/(k_min v) = 6.4 T_g).  The whole lag scan is stored.

    Without QLT (B0 = 0, or a harmonic sum that does not converge): one gyro-period."""
    if qlt.dmumu_max is None:
        return 1.0, "auto: QLT unavailable, one gyro-period"
    w = 2.0 / card.diagnostics.mu_bins
    d_max = qlt.dmumu_max
    wander = w * w / (2.0 * d_max) if d_max > 0 else math.inf
    tg = card.gyroperiod
    if all(c.geometry == "slab" for c in card.field.components):
        return float(np.clip(wander / tg, 0.5, 1.0)), "auto: slab, bin width^2/(2 QLT D_max) in [0.5, 1] gyro-periods"
    crossing = 4.0 / (card.field.k_min * card.particles.speed)
    return (float(max(0.5, min(wander, crossing, card.time.t_max / 3.0) / tg)),
            "auto: 3D, min(bin width^2/(2 QLT D_max), 4/(k_min v), t_max/3), at least 0.5 gyro-periods")


def make_plan(card: Card, qlt: QLTPrediction | None = None) -> Plan:
    """The plan of ``card``; ``qlt`` defaults to ``qlt.predict.predict(card)`` (computed
    once per field and species, and only when the lag is automatic)."""
    dt = card.time.dt
    n_steps = card.time.n_steps
    tg = card.gyroperiod
    d = card.diagnostics
    if d.dmumu_lag is not None:
        lag_gp, rule = d.dmumu_lag, "card: diagnostics.dmumu_lag"
    else:
        lag_gp, rule = auto_lag_gyroperiods(card, qlt if qlt is not None else predict(card))
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
                mu_stride=mu_stride, h=h, n_lag=n_lag, lag_index=lag_index, lag_rule=rule, gyroperiod=tg, traj_n=traj_n,
                traj_stride=traj_stride, traj_len=traj_len, units=units,
                box=card.field.grid.box if card.field.grid is not None else 2.0 * np.pi / card.field.k_min)


def sample_field(card: Card, realization: int):
    """The field of one realisation of a run: ``card.field.sample`` from the generator
    keyed by (seed, realization) -- the same for any number of ranks."""
    return card.field.sample(field_rng(card.run.seed, realization))
