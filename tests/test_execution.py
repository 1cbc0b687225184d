"""Execution: rank 0 folds the work units into the sums in unit order as soon as they are
available, so it never holds more than its own share of unit results."""
import numpy as np

import mcparticles
from mcparticles import execution
from mcparticles.config import parse_card
from mcparticles.parallel import Context
from tests.cards import card_dict


def test_units_are_folded_in_order_as_they_finish(monkeypatch, tmp_path):
    """Serial run of 12 units: each unit is added right after it is pushed (at most one
    result held), in unit order; with a checkpoint the same sums."""
    card = parse_card(card_dict(particles={"count": 24}, time={"t_max": 1.0},
                                run={"realizations": 3, "batch_size": 6}))
    order, held = [], []
    real_add, real_drain = execution._Folder.add, execution._Folder.drain

    def add(self, job, r):
        order.append(job.index)
        real_add(self, job, r)

    def drain(self, wait_for_others=None):
        held.append(len(self.own))
        real_drain(self, wait_for_others)

    monkeypatch.setattr(execution._Folder, "add", add)
    monkeypatch.setattr(execution._Folder, "drain", drain)
    in_memory = mcparticles.run(card)
    assert order == list(range(12)) and max(held) <= 1
    order.clear()
    written = mcparticles.run(card, tmp_path / "w", plots=False)
    assert order == list(range(12))
    assert np.array_equal(in_memory.running.d_groups, written.running.d_groups)


def test_rank0_reads_other_ranks_units_from_the_checkpoint(tmp_path):
    """The fold takes a unit it does not hold from its checkpoint file, in order, and
    stops at the first unit not yet available."""
    from mcparticles import io
    from mcparticles.simulation import Simulation
    card = parse_card(card_dict(particles={"count": 12}, time={"t_max": 1.0},
                                run={"realizations": 2, "batch_size": 6}))
    sim = Simulation(card, ctx=Context())
    scan = sim.scan
    jobs = execution.global_jobs(sim.plans)
    store = io.Checkpoint(tmp_path, scan)
    store.open(resume=False)
    fields = {r: execution.sample_field(card, r).kernel_args() for r in range(2)}
    results = {}
    for job in jobs:
        r = execution.run_unit(card, sim.plans[0], job.unit, fields[job.unit.realization])
        r["index"] = job.index
        results[job.index] = r
    store.save(results[1])                                  # "another rank" finished unit 1
    folder = execution._Folder(scan, sim.plans, jobs, store)
    folder.own[0] = results[0]
    folder.drain()
    assert folder.next == 2                                  # 0 from memory, 1 from the file; 2 missing
    store.save(results[2])
    store.save(results[3])
    folder.drain()
    assert folder.next == 4 and folder.sums[0].units == 4
