"""Work units, seeding and the MPI layer (works without mpi4py).

Work unit = (realisation r, batch b) of at most ``batch_size`` particles; the list of
units depends only on the card, never on the number of ranks or threads.  Random
numbers are keyed by unit through ``numpy.random.SeedSequence(seed, spawn_key=...)``:
field of realisation r -> spawn_key (1, r); particles of unit (r, b) -> (2, r, b).
Ranks take units round-robin; rank 0 combines partial sums in unit order, so the
statistics are the same for any number of ranks.

A launcher whose world does not match mpi4py's (an ``mpiexec`` of another MPI than the
one mpi4py was built with: every process sees a world of 1 and would run every unit) is
refused with :class:`LaunchError` before anything is written.
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
#: environment variables in which launchers announce the number of processes they started
#: (MPICH/Hydra and Intel MPI, Open MPI, MVAPICH, a Slurm job step)
_WORLD_SIZE_ENV = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MV2_COMM_WORLD_SIZE", "SLURM_STEP_NUM_TASKS")


class LaunchError(RuntimeError):
    """The MPI launcher and mpi4py disagree about the world (message says how)."""


def launcher_world_size() -> tuple[int, str] | None:
    """(processes, variable) as the launcher announced them, or None outside a launcher."""
    for name in _WORLD_SIZE_ENV:
        value = os.environ.get(name, "")
        if value.strip().isdigit():
            return int(value), name
    return None


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

    def send(self, obj, dest: int):
        self.comm.send(obj, dest=dest)

    def recv(self, source: int):
        return self.comm.recv(source=source)

    def allreduce_max(self, value: int) -> int:
        if self.comm is None:
            return value
        return self.comm.allreduce(value, op=_mpi().MAX)

    def bcast(self, obj):
        if self.comm is None:
            return obj
        return self.comm.bcast(obj, root=0)

    def ranks_on_node(self) -> int:
        return self.node_rank()[1]

    def node_rank(self) -> tuple[int, int]:
        """(this rank's index among the ranks on its node, the number of them)."""
        if self.comm is None:
            return 0, 1
        from mpi4py import MPI
        node = self.comm.Split_type(MPI.COMM_TYPE_SHARED)
        return node.Get_rank(), node.Get_size()


def _mpi():
    from mpi4py import MPI
    return MPI


def get_context() -> Context:
    """MPI context when launched under mpiexec and mpi4py is importable, else serial.

    Raises :class:`LaunchError` when the launcher started several processes but mpi4py
    is missing or sees another world size: each process would otherwise run every work
    unit into the same directory."""
    if not any(k in os.environ for k in _MPI_ENV):
        return Context()
    launched = launcher_world_size()
    try:
        from mpi4py import MPI
    except ImportError:
        if launched is not None and launched[0] > 1:
            raise LaunchError(f"started by an MPI launcher with {launched[0]} processes ({launched[1]}), but mpi4py "
                              "is not installed: pip install 'mcparticles[mpi]' (or mpi4py built with your MPI)"
                              ) from None
        return Context()
    comm = MPI.COMM_WORLD
    if launched is not None and launched[0] != comm.Get_size():
        library = " ".join(MPI.Get_library_version().splitlines()[0].split())
        raise LaunchError(f"started by an MPI launcher with {launched[0]} processes ({launched[1]}), but mpi4py sees "
                          f"a world of {comm.Get_size()}: this mpiexec belongs to another MPI than the one mpi4py "
                          f"was built with (mpi4py's: {library}); use the matching mpiexec, or rebuild mpi4py "
                          "against this MPI")
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
