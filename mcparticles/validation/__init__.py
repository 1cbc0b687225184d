"""Validation against the literature: ``mcparticles validate``.

Each case (a class in this package's modules) runs its own cards, compares the
measurement with a published or exact expectation and says why its tolerance is what
it is; :func:`validate` runs a selection at one level and returns a :class:`Validation`
whose report (report.md, report.html, validation.json, one figure per case) is written
by :mod:`mcparticles.validation.report`.

    >>> from mcparticles.validation import validate
    >>> v = validate("quick", only=["slab_dmumu"])
    >>> v.passed, v.cases[0].checks[0].measured
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from ..schema import CardError
from .core import LEVELS, Case, Check
from .isotropic import CandiaRoulet, SnodinB0Zero, TurbulenceLevel
from .mhd import FastGyroresonance, GS95Inefficiency
from .moving import SkillingBalanced, StreamingOneFamily, TransitTimeDamping
from .perpendicular import CompositeNLGC
from .slab import SlabDmumu, SlabHelicity, SlabLambdaBendover

__all__ = ["CASES", "LEVELS", "Case", "Check", "CaseOutcome", "Validation", "validate", "select"]

CASES: tuple[Case, ...] = (SlabDmumu(), SlabHelicity(), SlabLambdaBendover(), CompositeNLGC(), CandiaRoulet(),
                           TurbulenceLevel(), SnodinB0Zero(), GS95Inefficiency(), FastGyroresonance(),
                           StreamingOneFamily(), SkillingBalanced(), TransitTimeDamping())


@dataclass
class CaseOutcome:
    """What one case gave: its checks, the Results they came from (in memory only),
    its cost, and an error message if it could not be evaluated (then it failed)."""

    case: Case
    checks: list
    results: dict
    seconds: float
    particle_steps: int
    error: str = ""

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.checks) and all(c.passed for c in self.checks)

    @property
    def name(self) -> str:
        return self.case.name


@dataclass
class Validation:
    """The outcome of ``validate``: the level, the cases in order and the run's
    metadata (date, commit, machine, version, ranks, threads, wall time)."""

    level: str
    cases: list = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.cases)


def select(only=None) -> list[Case]:
    """The cases named in ``only`` (all when empty), in the package's order; an unknown
    name is a CardError naming the known ones."""
    if not only:
        return list(CASES)
    names = [c.name for c in CASES]
    for n in only:
        if n not in names:
            raise CardError("--only", n, f"is not a validation case; the cases are: {', '.join(names)}")
    return [c for c in CASES if c.name in set(only)]


def _steps(result) -> int:
    points = getattr(result, "points", None)
    if points is not None:
        return int(sum(p.summary["particle_steps"] for p in points))
    return int(result.summary["particle_steps"])


def validate(level: str = "quick", only=None, *, threads: int | None = None, ctx=None, on_case=None,
             log=None) -> Validation | None:
    """Run the selected cases at ``level`` ("quick" or "full") and return the
    :class:`Validation` on rank 0 (None on the other MPI ranks, which take part in every
    run).  ``on_case(validation)`` is called on rank 0 after each case (the command line
    writes the report there, so a kill loses no finished case); ``log(text)`` reports
    progress."""
    from ..parallel import get_context
    from ..simulation import run
    from .report import commit_id, metadata

    if level not in LEVELS:
        raise CardError("level", level, f"must be one of {', '.join(LEVELS)}")
    cases = select(only)
    ctx = ctx or get_context()
    out = Validation(level=level) if ctx.is_root else None
    commit = commit_id() if ctx.is_root else None      # before anything is written
    start = time.perf_counter()
    for case in cases:
        t0 = time.perf_counter()
        if log and ctx.is_root:
            log(f"{case.name}: {case.title}")
        results = {label: run(card, ctx=ctx, threads=threads) for label, card in case.cards(level).items()}
        if not ctx.is_root:
            continue
        checks, error = [], ""
        try:
            checks = case.evaluate(results, level)
        except Exception as exc:       # a case that cannot be evaluated fails, with the reason
            error = f"{type(exc).__name__}: {exc}"
        outcome = CaseOutcome(case=case, checks=checks, results=results, seconds=time.perf_counter() - t0,
                              particle_steps=sum(_steps(r) for r in results.values()), error=error)
        out.cases.append(outcome)
        out.meta = metadata(level, ctx.size, time.perf_counter() - start, commit)
        if log:
            log(f"  {'passed' if outcome.passed else 'FAILED'} in {outcome.seconds:.1f} s"
                + (f" ({error})" if error else ""))
        if on_case:
            on_case(out)
    return out
