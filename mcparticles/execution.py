"""Execution: push the work units of a run over MPI ranks and threads, checkpoint them,
react to signals, and hand their partial sums to the analysis in unit order.

Ranks take the global list of work units (all scan points) round-robin.  Rank 0 folds
the unit results into the per-point sums in global unit order -- its own as they
finish, the others' from the checkpoint files (with an output directory) or by
point-to-point messages at the end (in memory) -- so it never holds more than its own
share, and the sums are bit-identical for any number of ranks and threads.
"""
from __future__ import annotations

import logging
import os
import signal
import threading
import time
from dataclasses import dataclass

import numpy as np

from .analysis import PointSums
from .config import Scan
from .kernels.args import FieldArrays, compile_push
from .kernels.args import push as push_cpu
from .parallel import Context, WorkUnit, particle_rng
from .planning import CHUNK, Plan, sample_field

log = logging.getLogger("mcparticles")


class Interrupted(RuntimeError):
    """SIGTERM/SIGINT arrived; finished units are checkpointed."""


@dataclass(frozen=True)
class Job:
    """Work unit ``unit`` of scan point ``point``, number ``index`` in the global list."""

    index: int
    point: int
    unit: WorkUnit


def global_jobs(plans) -> list[Job]:
    """Every work unit of every scan point, in order."""
    jobs = []
    for p, plan in enumerate(plans):
        for u in plan.units:
            jobs.append(Job(len(jobs), p, u))
    return jobs


def run_unit(card, plan: Plan, unit: WorkUnit, field: FieldArrays) -> dict:
    """Push one work unit through the field of its realisation (``field``: the kernel's
    FieldArrays) on the card's ``run.device``; returns its partial sums (plain arrays)
    and its kernel time."""
    x, v = card.particles.initial_state(unit.n_particles, particle_rng(card.run.seed, unit), plan.box)
    if card.run.device == "cuda":
        from .gpu import push
    else:
        push = push_cpu
    t0 = time.perf_counter()
    disp, lag, cor, traj, bad = push(x, v, field, plan.step_settings(card, unit))
    wall = time.perf_counter() - t0
    if np.any(bad >= 0):
        p = int(np.argmax(bad >= 0))
        raise FloatingPointError(
            f"non-finite field or position in work unit {unit.index} (realization {unit.realization}, batch "
            f"{unit.batch}) at particle {p}, step {int(bad[p])}")
    return {"index": unit.index, "disp": disp.sum(axis=0), "lag": lag.sum(axis=0),
            "cor": cor.sum(axis=0), "traj": traj, "n": unit.n_particles,
            "steps": unit.n_particles * plan.n_steps, "wall": wall}


def device_field(card, realization: int) -> FieldArrays:
    """The kernel arguments of one realisation's field for the card's device (the GPU
    sums every column itself: no Chebyshev windows)."""
    sampled = sample_field(card, realization)
    if card.run.device == "cuda":
        return sampled.kernel_args(card.field.precision, slab_window=False)
    return sampled.kernel_args(card.field.precision)


def warm_up(ctx: Context, devices=("cpu",)):
    """Compile (or load from cache) the kernels of ``devices``: rank 0 first (it fills
    numba's cache), then the others."""
    def compile_all():
        if "cpu" in devices:
            compile_push(CHUNK)
        if "cuda" in devices:
            from .gpu import compile_kernel
            compile_kernel()
    if ctx.is_root:
        compile_all()
    ctx.barrier()
    if not ctx.is_root:
        compile_all()


class _Progress:
    """Progress on rank 0: work units done, counted by ``count()`` (the checkpoint
    files of all ranks, or rank 0's own units in memory) every half second from a
    thread.  ``mode`` is "bar" (tqdm, terminal), "log" (a log line every ``log_every``
    seconds) or None."""

    def __init__(self, mode, count, total: int, already: int, desc: str, log_every: float = 30.0):
        self.mode, self.count, self.total, self.already = mode, count, total, already
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

    def _watch(self):
        last_log = time.perf_counter()
        while not self._stop.wait(0.5):
            done = self.count()
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
            self._bar.update(max(0, self.count() - self._bar.n))
            self._bar.close()


class _Signals:
    """SIGTERM / SIGINT: finish and save the work unit in flight, then stop (a Python
    exception cannot be raised inside the nogil kernel); a second signal exits at once,
    which is safe because checkpoint files appear only complete (write, fsync, rename).
    Installed only when asked for and only in the main thread."""

    def __init__(self, enabled: bool):
        self.received = 0
        self._old = {}
        if enabled and threading.current_thread() is threading.main_thread():
            self._old = {s: signal.signal(s, self._handler) for s in (signal.SIGTERM, signal.SIGINT)}

    def _handler(self, signum, frame):
        if self.received:
            os.write(2, b"mcparticles: second signal: stopping now; finished work units are saved\n")
            os._exit(1)
        self.received = signum

    def restore(self):
        for s, h in self._old.items():
            signal.signal(s, h)
        self._old = {}


class _Folder:
    """Rank 0's in-order fold of unit results into the per-point sums."""

    def __init__(self, scan: Scan, plans, jobs, store):
        self.sums = [PointSums(c, p) for c, p in zip(scan.cards, plans)]
        self.jobs, self.store = jobs, store
        self.next = 0
        self.own: dict[int, dict] = {}

    def add(self, job: Job, r: dict):
        self.sums[job.point].add(job.unit, r)

    def drain(self, wait_for_others=None):
        """Fold every unit from ``next`` on that is available: rank 0's own, or a saved
        checkpoint file; ``wait_for_others(job)`` fetches the rest (end of the run)."""
        while self.next < len(self.jobs):
            job = self.jobs[self.next]
            r = self.own.pop(job.index, None)
            if r is None and self.store is not None and self.store.path(job.index).exists():
                r = self.store.load(job.index)
            if r is None:
                if wait_for_others is None:
                    return
                r = wait_for_others(job)
            self.add(job, r)
            self.next += 1


def _missing_unit(store):
    def fail(job):
        from .io import OutputError
        raise OutputError(f"work unit {job.index} is missing from {store.cdir} or cannot be read; "
                          "rerun with --resume to compute it again")
    return fail


def execute(scan: Scan, plans: list[Plan], ctx: Context, *, store=None, resume: bool = False,
            progress: str | None = None, handle_signals: bool = False):
    """Run every work unit of ``scan`` (``plans`` per point) on this rank's share.

    Returns, on rank 0, (per-point PointSums, timing parts) and None elsewhere.
    ``store``: an io.Checkpoint (None: in memory, nothing written); ``resume``: skip
    the units already in the store."""
    jobs = global_jobs(plans)
    done = ctx.bcast(store.done() if (store is not None and resume and ctx.is_root) else set())
    warm_up(ctx, sorted({c.run.device for c in scan.cards}))
    mine = [j for j in jobs if j.index % ctx.size == ctx.rank and j.index not in done]
    folder = _Folder(scan, plans, jobs, store) if ctx.is_root else None
    kept: dict[int, dict] = {}
    signals = _Signals(handle_signals)
    counted = {"n": 0}
    count = store.count if store is not None else (lambda: counted["n"])
    total = len(jobs) if store is not None else len(mine)
    try:
        t_start = time.perf_counter()
        steps_new = 0
        kernel = 0.0
        bar = _Progress(progress if ctx.is_root else None, count, total, len(done) if store is not None else 0,
                        scan.cards[0].run.name)
        try:
            field_key, field = None, None
            for job in mine:
                if signals.received:
                    break
                card = scan.cards[job.point]
                key = (card.field, card.run.seed, job.unit.realization)
                if key != field_key:
                    field_key = key
                    field = device_field(card, job.unit.realization)
                try:
                    r = run_unit(card, plans[job.point], job.unit, field)
                except FloatingPointError as exc:
                    where = f" of scan point {job.point}" if scan.is_scan else ""
                    saved = f"; the finished work units are saved in {store.cdir}" if store is not None else ""
                    raise FloatingPointError(f"{exc}{where}{saved}") from None
                r["index"] = job.index
                steps_new += r["steps"]
                kernel += r["wall"]
                if store is not None:
                    store.save(r)
                counted["n"] += 1
                if folder is not None:
                    folder.own[job.index] = r
                    folder.drain()
                elif store is None:
                    kept[job.index] = r
            # every rank learns whether any was interrupted, so none waits in a collective alone
            interrupted = ctx.allreduce_max(signals.received)
        finally:
            bar.close()
        if interrupted:
            raise Interrupted(f"received signal {interrupted}")
        wall = time.perf_counter() - t_start
        # a signal from here on lets the (short) combination finish: the run is complete
        if store is not None:
            ctx.barrier()        # every checkpoint file is written before rank 0 reads them
        elif not ctx.is_root:
            for g in sorted(kept):
                ctx.send(kept.pop(g), 0)
        if folder is not None:
            folder.drain(wait_for_others=(lambda job: ctx.recv(job.index % ctx.size)) if store is None
                         else _missing_unit(store))
        parts = ctx.gather((steps_new, wall, kernel))
        if not ctx.is_root:
            return None
        return folder.sums, parts
    finally:
        signals.restore()
