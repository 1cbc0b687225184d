"""The run driver: plan (planning.py), execute (execution.py), analyse (analysis.py).

``Simulation(card).run()`` -- or ``mcparticles.run(card)`` -- returns a Result in memory
and writes nothing; with an output directory it also checkpoints every work unit and
writes result.h5, summary.json and the figures, as ``mcparticles run`` does.  Signal
handling and progress display are opt-in (the command line turns them on).

Arrows point one way: this module uses the planner, the executor and the analysis;
none of them imports it.
"""
from __future__ import annotations

from pathlib import Path

from .analysis import build_result
from .config import Card, Scan, as_scan
from .execution import Interrupted, execute  # noqa: F401  (Interrupted is part of this module's API)
from .parallel import Context, get_context, threads_per_rank
from .planning import make_plan
from .qlt import predict as qlt_predict
from .result import Result, ScanResult, scan_summary


class Simulation:
    """A run of one card or scan.

    ``threads``: numba threads per rank (default: ``[run] threads``, else the cores of
    the node divided by the ranks on it); ``ctx``: the MPI context (default: detected).
    ``plans`` and ``qlt`` are computed on first use -- the QLT on rank 0 only, then
    broadcast -- and reused by ``run``."""

    def __init__(self, card: Card | Scan, *, threads: int | None = None, ctx: Context | None = None):
        self.scan = as_scan(card)
        self.ctx = ctx or get_context()
        self.threads = threads
        self._qlt = None
        self._plans = None

    @property
    def qlt(self) -> list:
        """The QLTPrediction of every point (qlt/predict.py), computed once."""
        if self._qlt is None:
            preds = [qlt_predict.predict(c) for c in self.scan.cards] if self.ctx.is_root else None
            preds = self.ctx.bcast(preds)
            for c, p in zip(self.scan.cards, preds):
                qlt_predict.remember(c, p)
            self._qlt = preds
        return self._qlt

    @property
    def plans(self) -> list:
        """The Plan of every point (planning.py)."""
        if self._plans is None:
            self._plans = [make_plan(c, q) for c, q in zip(self.scan.cards, self.qlt)]
        return self._plans

    def device(self) -> str:
        """What pushes the particles: "cpu", or the name of this rank's GPU for
        ``run.device = "cuda"`` (chosen by node-local rank, gpu.select_device).  A
        card error (exit status 2 on the command line) when no GPU can be used."""
        if self.scan.cards[0].run.device != "cuda":
            return "cpu"
        from .config import CardError
        from .gpu import GPUUnavailable, check_available, select_device
        select_device(*self.ctx.node_rank())
        try:
            return f"cuda: {check_available()}"
        except GPUUnavailable as exc:
            raise CardError("run.device", "cuda", str(exc)) from None

    def run(self, output_dir=None, *, resume: bool = False, progress: str | None = None,
            handle_signals: bool = False, plots: bool | None = None):
        """Run every work unit and return a :class:`Result` (a :class:`ScanResult`
        for a scan) on rank 0, None on the other ranks.

        ``output_dir``: checkpoint there and write result.h5, summary.json and (unless
        ``plots=False``) the figures; ``resume``: continue the run checkpointed there;
        ``progress``: "bar", "log" or None; ``handle_signals``: SIGTERM/SIGINT finish
        the unit in flight, checkpoint it and raise ``Interrupted``."""
        import numba

        from . import io
        scan, ctx = self.scan, self.ctx
        first = scan.cards[0]
        numba.set_num_threads(min(threads_per_rank(self.threads or first.run.threads, ctx),
                                  numba.config.NUMBA_NUM_THREADS))
        threads_used = numba.get_num_threads()
        device = self.device()
        plans = self.plans
        store = None
        if output_dir is not None:
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
        out = execute(scan, plans, ctx, store=store, resume=resume, progress=progress,
                      handle_signals=handle_signals)
        if out is None:
            return None
        sums, parts = out
        wall = max(p[1] for p in parts)
        steps_new = sum(p[0] for p in parts)
        timing = {"wall_seconds": wall, "steps_per_second": steps_new / wall if wall > 0 else None,
                  "ranks": ctx.size, "threads": threads_used, "device": device,
                  "kernel_seconds": sum(p[2] for p in parts)}
        if scan.is_scan:
            points = [build_result(s, q, None) for s, q in zip(sums, self.qlt)]
            result = ScanResult(scan=scan, points=points, summary=scan_summary(scan, points, timing))
        else:
            result = build_result(sums[0], self.qlt[0], timing)
        if store is not None:
            result.save(output_dir, plots=True if plots is None else plots)
            store.finish()
        return result


def run(card: Card | Scan, output_dir=None, *, resume: bool = False, progress: str | None = None,
        threads: int | None = None, handle_signals: bool = False, plots: bool | None = None,
        ctx: Context | None = None) -> Result | ScanResult | None:
    """Run a card (or a scan) and return its :class:`~mcparticles.result.Result` (a
    :class:`~mcparticles.result.ScanResult` for a scan) on rank 0, None on other MPI ranks.

    Nothing is written unless ``output_dir`` is given; then the run checkpoints there
    and writes the same files as ``mcparticles run`` (figures unless ``plots=False``).
    See :class:`Simulation` for the other options."""
    return Simulation(card, threads=threads, ctx=ctx).run(output_dir, resume=resume, progress=progress,
                                                          handle_signals=handle_signals, plots=plots)


def partial_result(output_dir):
    """The Result (ScanResult) of the finished work units of an interrupted run in
    ``output_dir`` (its checkpoint), or None when none has finished yet."""
    import json

    from . import io
    from .analysis import PointSums
    from .config import parse_scan
    from .execution import global_jobs
    d = Path(output_dir)
    stamp = json.loads((d / io.CHECKPOINT / "card.json").read_text())
    scan = parse_scan(stamp["data"], text=stamp["card"], source=str(d))
    sim = Simulation(scan, ctx=Context())
    store = io.Checkpoint(d, scan)
    sums = [PointSums(c, p) for c, p in zip(scan.cards, sim.plans)]
    for job in global_jobs(sim.plans):
        r = store.load(job.index)
        if r is not None:
            sums[job.point].add(job.unit, r)
    timing = {"wall_seconds": None, "steps_per_second": None, "ranks": None, "threads": None}
    kept = [i for i, s in enumerate(sums) if s.units]
    if not kept:
        return None
    if not scan.is_scan:
        return build_result(sums[0], sim.qlt[0], timing)
    points = [build_result(sums[i], sim.qlt[i], None) for i in kept]
    return ScanResult(scan=scan, points=points, summary=scan_summary(scan, points, timing), indices=kept)
