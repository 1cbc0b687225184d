"""The MPI layer: a launcher whose world does not match mpi4py's is refused before
anything is written (one line, exit 2)."""
import subprocess
import sys

import pytest

from mcparticles import parallel
from tests.cards import card_dict, to_toml

CARD = to_toml(card_dict(particles={"count": 4}, time={"t_max": 1.0}, run={"realizations": 1}))


def test_launcher_world_size_is_read_from_the_launchers_variables(monkeypatch):
    for name in parallel._WORLD_SIZE_ENV:
        monkeypatch.delenv(name, raising=False)
    assert parallel.launcher_world_size() is None
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "8")
    assert parallel.launcher_world_size() == (8, "OMPI_COMM_WORLD_SIZE")


def test_mismatched_launcher_is_refused_with_one_line(tmp_path):
    """PMI_SIZE = 2 as a launcher would set it, but this process is a singleton MPI world
    (what an mpiexec of another MPI library gives every process)."""
    pytest.importorskip("mpi4py")
    card = tmp_path / "c.toml"
    card.write_text(CARD)
    env = {"PMI_SIZE": "2", "PMI_RANK": "0", "PATH": "/usr/bin:/bin"}
    proc = subprocess.run([sys.executable, "-m", "mcparticles.cli", "run", str(card), "--output",
                           str(tmp_path / "out")], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mcparticles: error: started by an MPI launcher with 2 processes")
    assert "mpi4py sees a world of 1" in lines[0]
    assert not (tmp_path / "out").exists()


def test_matching_or_absent_launcher_is_accepted(monkeypatch):
    for name in parallel._MPI_ENV + parallel._WORLD_SIZE_ENV:
        monkeypatch.delenv(name, raising=False)
    assert parallel.get_context().size == 1
