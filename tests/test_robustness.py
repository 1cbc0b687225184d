"""Failures during a run (issue 4, items 2, 5 and 7): non-finite values, a full disk, an
unwritable output directory, a kill at a random moment; and the choice of threads.

Each test checks the two promises: a clear one-line message, and that nothing already
computed is lost (finished work units stay in the checkpoint and ``--resume`` gives the
result of an uninterrupted run, byte for byte in the statistics).
"""
from __future__ import annotations

import errno
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

from mcparticles import io, parallel
from mcparticles.cli import main
from mcparticles.particles import ParticleSpec

CARD = """
[run]
name = "robust"
seed = 11
realizations = 2
batch_size = 16

[[field.turbulence]]
model = "slab"
dB2 = 0.05
k_min = 1.0
k_max = 100.0
n_modes = 32

[particles]
count = 48
rigidity = 0.1

[time]
t_max = 4.0

[diagnostics]
mu_bins = 8
trajectories = 2
track_points = 40
"""
N_UNITS = 6          # 2 realisations x 48 / 16


@pytest.fixture
def card(tmp_path):
    p = tmp_path / "card.toml"
    p.write_text(CARD)
    return p


def _statistics(out: Path) -> tuple[dict, dict]:
    """summary.json without timing, and every HDF5 dataset outside /timing."""
    s = json.loads((out / "summary.json").read_text())
    s.pop("timing")
    data = {}
    with h5py.File(out / "result.h5") as f:
        f.visititems(lambda n, o: data.setdefault(n, o[()]) if isinstance(o, h5py.Dataset)
                     and not n.startswith("timing") else None)
    return s, data


def _same(a: Path, b: Path):
    sa, da = _statistics(a)
    sb, db = _statistics(b)
    assert sa == sb
    assert da.keys() == db.keys()
    for k in da:
        assert np.array_equal(da[k], db[k], equal_nan=True), k


@pytest.fixture
def reference(card, tmp_path):
    out = tmp_path / "reference"
    assert main(["run", str(card), "--output", str(out), "--quiet"]) == 0
    return out


def test_nonfinite_value_names_unit_and_particle(card, tmp_path, monkeypatch, capsys):
    """A NaN position in the second work unit: exit 1, one line naming the work unit,
    the particle and the step; the first unit is kept; resume after the fix completes."""
    real = ParticleSpec.initial_state
    calls = {"n": 0}

    def poisoned(self, n, rng, box):
        x, v = real(self, n, rng, box)
        calls["n"] += 1
        if calls["n"] == 2:
            x[5, 0] = np.nan
        return x, v

    monkeypatch.setattr(ParticleSpec, "initial_state", poisoned)
    out = tmp_path / "nan"
    assert main(["run", str(card), "--output", str(out), "--quiet"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("mcparticles: error: non-finite field or position in work unit 1 ")
    assert "at particle 5, step 0" in err[0] and "checkpoint" in err[0]
    assert sorted(p.name for p in (out / "checkpoint").glob("unit_*.npz")) == ["unit_0000000.npz"]
    assert not (out / "result.h5").exists() and not (out / "summary.json").exists()


def test_full_disk_while_writing_the_result(card, tmp_path, monkeypatch, capsys, reference):
    """ENOSPC in the middle of writing result.h5: exit 2 with one line, no result file
    and no temporary left, every work unit kept; --resume afterwards equals the reference."""
    real = io._dataset
    calls = {"n": 0}

    def full(group, name, data, units, description):
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(group, name, data, units, description)

    monkeypatch.setattr(io, "_dataset", full)
    out = tmp_path / "full"
    assert main(["run", str(card), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0] and "--resume" in err[0]
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint"]      # no temporaries
    assert len(list((out / "checkpoint").glob("unit_*.npz"))) == N_UNITS
    monkeypatch.setattr(io, "_dataset", real)
    assert main(["run", str(card), "--output", str(out), "--quiet", "--resume"]) == 0
    _same(out, reference)
    assert not (out / "checkpoint").exists()


def test_full_disk_while_saving_a_work_unit(card, tmp_path, monkeypatch, capsys, reference):
    real = np.savez
    calls = {"n": 0}

    def full(fh, **arrays):
        calls["n"] += 1
        if calls["n"] == 3:
            fh.write(b"partial")
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real(fh, **arrays)

    monkeypatch.setattr(np, "savez", full)
    out = tmp_path / "full"
    assert main(["run", str(card), "--output", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot save work unit 2" in err[0]
    names = sorted(p.name for p in (out / "checkpoint").iterdir())
    assert names == ["card.json", "unit_0000000.npz", "unit_0000001.npz"]     # no partial unit
    monkeypatch.setattr(np, "savez", real)
    assert main(["run", str(card), "--output", str(out), "--quiet", "--resume"]) == 0
    _same(out, reference)


def test_unwritable_output_directory(card, tmp_path, capsys):
    """An output path that cannot be a directory (a file is in the way), and a
    read-only directory where permissions are enforced (not for root)."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["run", str(card), "--output", str(blocker / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is not writable" in err[0]
    if os.geteuid() != 0:
        ro = tmp_path / "ro"
        ro.mkdir()
        ro.chmod(0o500)
        try:
            assert main(["run", str(card), "--output", str(ro / "out"), "--quiet"]) == 2
            assert len(capsys.readouterr().err.strip().splitlines()) == 1
        finally:
            ro.chmod(0o700)


def _cli(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "mcparticles.cli", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kw)


def test_sigkill_at_a_random_moment_then_resume(card, tmp_path, reference):
    """SIGKILL (no handler can run) at a random moment of the run, twice, then --resume:
    the result equals the uninterrupted run.  The moments are printed for a rerun."""
    rng = random.Random()
    seed = rng.randrange(2**32)
    rng.seed(seed)
    # how long an uninterrupted run takes as a subprocess (imports and cache load included)
    t0 = time.perf_counter()
    assert _cli("run", str(card), "--output", str(tmp_path / "timed"), "--quiet").wait(timeout=300) == 0
    t_run = time.perf_counter() - t0
    out = tmp_path / "killed"
    moments = []
    for _ in range(2):
        delay = rng.uniform(0.0, t_run)
        moments.append(round(delay, 3))
        proc = _cli("run", str(card), "--output", str(out), "--quiet", "--resume")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    msg = f"kill moments {moments} s of a {t_run:.2f} s run (seed {seed})"
    if (out / "result.h5").exists():                     # killed after the rename: complete
        json.loads((out / "summary.json").read_text())
        h5py.File(out / "result.h5").close()
    proc = _cli("run", str(card), "--output", str(out), "--quiet", "--resume")
    assert proc.wait(timeout=300) == 0, (msg, proc.stderr.read())
    _same(out, reference)


def test_sigterm_checkpoints_and_says_how_to_resume(card, tmp_path):
    """SIGTERM (what a scheduler sends first): exit 1 with a message naming --resume,
    the finished units kept, no result; resuming completes the run."""
    out = tmp_path / "term"
    long = tmp_path / "long.toml"                     # 24 units of ~0.2 s: seconds left to signal
    long.write_text(CARD.replace("realizations = 2", "realizations = 8").replace("t_max = 4.0", "t_max = 200.0"))
    proc = _cli("run", str(long), "--output", str(out))
    deadline = time.time() + 120
    while not list((out / "checkpoint").glob("unit_*.npz")) and time.time() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(timeout=120)
    err = proc.stderr.read().strip().splitlines()
    assert code == 1 and err[-1].startswith("mcparticles: interrupted") and "--resume" in err[-1]
    assert list((out / "checkpoint").glob("unit_*.npz")) and not (out / "result.h5").exists()
    assert main(["run", str(long), "--output", str(out), "--quiet", "--resume"]) == 0
    straight = tmp_path / "straight"
    assert main(["run", str(long), "--output", str(straight), "--quiet"]) == 0
    _same(out, straight)


def test_threads_per_rank_from_cores_and_ranks_on_node(monkeypatch):
    """cores / ranks on the node, at least 1; an explicit request wins."""
    class Node:
        def __init__(self, n):
            self.n = n

        def ranks_on_node(self):
            return self.n

    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: set(range(16)), raising=False)
    assert parallel.threads_per_rank(0, Node(1)) == 16
    assert parallel.threads_per_rank(0, Node(4)) == 4
    assert parallel.threads_per_rank(0, Node(5)) == 3
    assert parallel.threads_per_rank(0, Node(32)) == 1
    assert parallel.threads_per_rank(6, Node(4)) == 6


def test_threads_from_card_and_cli(card, tmp_path):
    """[run] threads in the card, --threads on the command line (which wins); the
    statistics do not depend on the thread count."""
    import numba
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has a single thread here")
    a, b = tmp_path / "a", tmp_path / "b"
    card.write_text(CARD.replace("batch_size = 16", "batch_size = 16\nthreads = 1"))
    assert main(["run", str(card), "--output", str(a), "--quiet"]) == 0
    assert main(["run", str(card), "--output", str(b), "--quiet", "--threads", "2"]) == 0
    assert json.loads((a / "summary.json").read_text())["timing"]["threads"] == 1
    assert json.loads((b / "summary.json").read_text())["timing"]["threads"] == 2
    _same(a, b)
