"""Work units, seeding and the MPI layer (works without mpi4py).

Work unit = (realisation r, batch b) of at most ``batch_size`` particles; the list of
units depends only on the card, never on the number of ranks or threads.  Random
numbers are keyed by unit through ``numpy.random.SeedSequence(seed, spawn_key=...)``:
field of realisation r -> spawn_key (1, r); particles of unit (r, b) -> (2, r, b).
Ranks take units round-robin; rank 0 combines partial sums in unit order, so the
statistics are the same for any number of ranks.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import numpy as np

FIELD_KEY = 1
PARTICLE_KEY = 2


@dataclass(frozen=True)
class WorkUnit:
    index: int
    realization: int
    batch: int
    n_particles: int


def work_units(realizations: int, count: int, batch_size: int) -> list[WorkUnit]:
    units = []
    for r in range(realizations):
        for b, start in enumerate(range(0, count, batch_size)):
            units.append(WorkUnit(len(units), r, b, min(batch_size, count - start)))
    return units


def field_rng(seed: int, realization: int) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(FIELD_KEY, realization)))


def particle_rng(seed: int, unit: WorkUnit) -> np.random.Generator:
    return np.random.default_rng(np.random.SeedSequence(
        seed, spawn_key=(PARTICLE_KEY, unit.realization, unit.batch)))


_MPI_ENV = ("PMI_RANK", "PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "MPI_LOCALRANKID",
            "HYDRA_CONTROL_FD", "SLURM_STEP_NUM_TASKS")


class Context:
    """rank/size and the few collective operations the driver needs."""

    def __init__(self, comm=None):
        self.comm = comm
        self.rank = comm.Get_rank() if comm is not None else 0
        self.size = comm.Get_size() if comm is not None else 1

    @property
    def is_root(self) -> bool:
        return self.rank == 0

    def barrier(self):
        if self.comm is not None:
            self.comm.Barrier()

    def gather(self, obj):
        if self.comm is None:
            return [obj]
        return self.comm.gather(obj, root=0)

    def allreduce_max(self, value: int) -> int:
        if self.comm is None:
            return value
        return self.comm.allreduce(value, op=_mpi().MAX)

    def bcast(self, obj):
        if self.comm is None:
            return obj
        return self.comm.bcast(obj, root=0)

    def my_units(self, units):
        return [u for u in units if u.index % self.size == self.rank]

    def ranks_on_node(self) -> int:
        if self.comm is None:
            return 1
        from mpi4py import MPI
        return self.comm.Split_type(MPI.COMM_TYPE_SHARED).Get_size()


def _mpi():
    from mpi4py import MPI
    return MPI


def get_context() -> Context:
    """MPI context when launched under mpiexec and mpi4py is importable, else serial."""
    if not any(k in os.environ for k in _MPI_ENV):
        return Context()
    try:
        from mpi4py import MPI
    except ImportError:
        return Context()
    comm = MPI.COMM_WORLD
    return Context(comm if comm.Get_size() > 1 else None)


def threads_per_rank(requested: int, ctx: Context) -> int:
    """numba threads for this rank: ``requested`` if > 0, else cores / ranks on node."""
    if requested > 0:
        return requested
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores // ctx.ranks_on_node())


def abort_other_ranks(code: int):
    """After an error on this rank only (a non-finite field, a failed write), stop the
    whole MPI job instead of leaving the other ranks waiting in a collective."""
    mpi = sys.modules.get("mpi4py.MPI")
    if mpi is None or not mpi.Is_initialized() or mpi.Is_finalized() or mpi.COMM_WORLD.Get_size() < 2:
        return
    sys.stderr.flush()
    mpi.COMM_WORLD.Abort(code)
